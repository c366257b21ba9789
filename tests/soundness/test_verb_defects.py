"""Issue 23's reproductions: each verb claims only what it checked, from the spec's own start.

1. stress started every account from the first entry of a per-account list (kernel, NumPy
   lanes, fixed-point grid and the exact confirmation alike);
2. synth on an int parameter probed ``int(value)`` but reported ``value``;
3. synth --grid on an int parameter rounded half to even, left the range, skipped points;
4. the monitor's closed-form distance divided by a zero price before the first price;
5. the closed form subtracted the insurance fund from bad debt already beyond it;
6. prove --k 2 --max-k 4 searched bmc after the k=2 step failed, without trying k = 3, 4
   (a counted search after the first CTI may end it with a real path; if it finds none,
   every k is tried).
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from solvent.check import induction
from solvent.check.bmc import bmc
from solvent.check.induction import prove
from solvent.check.probes import COUNTEREXAMPLE, PROVED
from solvent.check.replay import replay
from solvent.check.synth import _axis, synth, synth_grid
from solvent.errors import UsageError
from solvent.models import perp_isolated
from solvent.monitor.core import Monitor, Options
from solvent.scenarios import get
from solvent.spec.load import load_spec
from solvent.stress.runner import StressOptions, stress

SPECS = Path(__file__).parent / "specs"
LISTINIT = str(SPECS / "listinit.py")
INTPARAM = str(SPECS / "intparam.py")
NO_METRICS = dict(bad_debt_field=None, insurance_field=None, liquidations_field=None)


def _stress(spec: Any, engine: str, **kw: Any) -> Any:
    opts = StressOptions(
        paths=100, steps=5, seed=0, checkpoint_dir=None, engine=engine, confirm=5, **NO_METRICS,
        **kw,
    )  # fmt: skip
    return stress(spec, get("gbm"), None, opts)


# ------------------------------------------------------------------ 1. stress start
@pytest.mark.parametrize(
    ("name", "engine"),
    [("listinit", "kernel"), ("listinit", "lanes"), ("listinit-fixed", "lanes")],
)
def test_stress_starts_each_account_from_its_own_listed_value(name: str, engine: str) -> None:
    """x = ["10", "1"] drained by 1 a step: account 1 is below 0 at step 2 on every path."""
    spec = load_spec(LISTINIT, name)
    assert bmc(spec, 3).verdict == "FAIL"
    r = _stress(spec, engine)
    assert r.verdict == "FAIL", r.notes
    # every path breaks, and certainly (issue 16: a violation beyond its float64 error bound
    # counts without an exact re-run; the traces shown are replayed exactly below)
    c = r.confirmation
    assert c["confirmed"] == c["checked"] == r.metrics["paths"], c
    assert r.traces
    for trace, label in r.traces:
        assert trace.init["x"] == (Fraction(10), Fraction(1))  # the spec's own start
        assert label == "nonneg[account 1]" and trace.meta["violation"]["step"] == 2
        assert replay(spec, trace).first_failure.label() == label


def test_stress_confirms_nothing_from_a_start_the_spec_does_not_have() -> None:
    """x = ["10", "20"], account 1 ten above account 0: safe from the spec's start (a stress
    that started both accounts at 10 'confirmed' a violation at step 0)."""
    spec = load_spec(LISTINIT, "listinit-gap")
    assert prove(spec).verdict == "PASS"
    for engine in ("kernel", "lanes"):
        r = _stress(spec, engine)
        assert r.verdict == "PASS" and r.confirmation["checked"] == 0, r.confirmation


# ------------------------------------------------------------------ 2. synth on an int
def test_synth_on_an_int_parameter_probes_and_reports_integers_only() -> None:
    spec = load_spec(INTPARAM)
    r = synth(spec, "n", direction="up", search_range=("0.5", "3.9"))
    assert all(p.value.denominator == 1 for p in r.probes)
    assert r.search_range == (Fraction(1), Fraction(3))  # the integers of [0.5, 3.9]
    assert r.safe == 3 and "up to n = 3" in r.message and "3.9" not in r.message
    r = synth(spec, "n", direction="up", search_range=("1", "4.9"))
    assert all(p.value.denominator == 1 for p in r.probes)
    assert (r.safe, r.unsafe) == (3, 4)
    assert r.beyond is not None and r.beyond.outcome == COUNTEREXAMPLE
    trace = r.beyond.result.counterexample
    assert trace.params["n"] == 4  # the counterexample is at the value reported
    # what synth reports is what prove says at that value
    assert prove(spec.with_params(n=3)).verdict == "PASS"
    assert prove(spec.with_params(n=4)).verdict == "FAIL"


def test_synth_json_reports_the_probed_integers() -> None:
    from solvent.report.risk import frontier_json

    spec = load_spec(INTPARAM)
    result = synth(spec, "n", direction="up", search_range=(1, "4.9"))
    doc = json.loads(json.dumps(frontier_json(spec, result)))
    assert doc["safe"] == "3" and doc["unsafe"] == "4" and doc["range"] == ["1", "4"]
    assert {p["value"] for p in doc["probes"]} <= {str(i) for i in range(100)}
    assert doc["beyond"]["counterexample"]["params"]["n"] == "4"


def test_an_int_range_without_an_integer_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="holds no integer"):
        synth(load_spec(INTPARAM), "n", direction="up", search_range=("0.2", "0.8"))


# ------------------------------------------------------------------ 3. synth --grid on an int
def test_grid_axis_of_an_int_parameter_stays_in_range_and_skips_no_integer() -> None:
    spec = load_spec(INTPARAM)
    g = synth_grid(spec, ("cap", "n"), 3, ranges=(("3", "4"), ("1.5", "3.5")), refute=False)
    assert g.axes[1] == (2, 3)  # round() gave 2, 4: 4 outside the range, 3 never checked
    assert [c.outcome for c in g.cells if c.values[1] == 3] == [PROVED] * 3
    knob = g.knobs[1]
    assert _axis(knob, ("0.5", "2.5"), 3) == (1, 2)
    assert _axis(knob, ("1", "2"), 5) == (1, 2)
    wide = _axis(knob, ("1", "100"), 4)  # more integers than points: spread, ends kept
    assert wide == (1, 34, 67, 100)
    assert _axis(knob, ("1", "4"), 3) == (1, 3, 4)  # 2.5 rounds half up, not to even


# ------------------------------------------------------------------ 4, 5. monitor distance
def _perp() -> Any:
    return perp_isolated.build(
        accounts=3, maintenance_margin="0.08", max_move="0.08", liquidation_fee="0"
    )


def _line(**e: Any) -> bytes:
    return json.dumps(e).encode()


def _feed(distance: str, events: list[dict[str, Any]]) -> tuple[Monitor, list[Any], list[Any]]:
    m = Monitor(_perp(), [], Options(detector="none", distance=distance))
    alerts, values = [], []
    for e in events:
        got, bad = m.feed(_line(**e))
        assert not bad, bad
        alerts += got
        values.append(m.distance if distance == "solver" else m._closed_distance()[2]())
    alerts += m.flush()[0]
    return m, alerts, values


def test_account_event_before_any_price_uses_the_spec_start_price() -> None:
    """The closed form divided by a zero price; the solver measures from the start price."""
    events = [
        {"type": "account", "ts": 1, "seq": 1, "account": 0,
         "set": {"quote": "-2100", "size": "1"}},
        {"type": "price", "ts": 2, "seq": 2, "price": "2000"},
    ]  # fmt: skip
    closed, c_alerts, c_values = _feed("closed", events)
    solver, s_alerts, s_values = _feed("solver", events)
    assert c_values == s_values == [0, 0]  # equity -100 at the start price 2000
    crit = [(a.name, a.seq) for a in c_alerts if a.kind == "distance"]
    assert crit == [("distance.critical", 1)]
    assert crit == [(a.name, a.seq) for a in s_alerts if a.kind == "distance"]


def test_bad_debt_is_beyond_the_fund_already() -> None:
    """bad_debt is what the fund did not cover: the fund does not cover it again."""
    events = [
        {"type": "price", "ts": 1, "seq": 1, "price": "2000"},
        {"type": "account", "ts": 2, "seq": 2, "account": 0,
         "set": {"quote": "-1800", "size": "1"}},
        {"type": "state", "ts": 3, "seq": 3, "set": {"bad_debt": "5"}},
        {"type": "price", "ts": 4, "seq": 4, "price": "2000"},
        {"type": "insurance", "ts": 5, "seq": 5, "balance": "100"},
    ]  # fmt: skip
    _, c_alerts, c_values = _feed("closed", events)
    _, _, s_values = _feed("solver", events)
    assert c_values == s_values
    assert c_values[2:] == [0, 0, 0]  # the closed form said 0.1475 (bad_debt + deficits - fund)
    assert ("distance.critical", 3) in [(a.name, a.seq) for a in c_alerts]


# ------------------------------------------------------------------ 6. prove --max-k
def test_prove_tries_every_k_up_to_max_k_before_searching_for_a_path(monkeypatch) -> None:
    tried: list[int] = []
    real_step = induction.inductive_step

    def step(spec: Any, decls: Any, k: int, deadline: Any, **caps: Any) -> Any:
        tried.append(k)
        return real_step(spec, decls, k, deadline, **caps)

    monkeypatch.setattr(induction, "inductive_step", step)
    # a real path found by the counted search after the first CTI ends prove there (a
    # replayed FAIL needs no larger k); when it finds none, every k up to max_k is tried
    searched: list[int] = []
    real_search = induction.counted_search

    def search(*args: Any) -> Any:
        searched.append(len(tried))
        found = real_search(*args)
        assert found is not None and found.verdict == "FAIL"  # the deep bug, found
        return None  # as if the cap had run out: the larger k's must still be tried

    monkeypatch.setattr(induction, "counted_search", search)
    r = prove(load_spec(str(SPECS / "deep_bug.py")), k=2, max_k=4)
    assert (tried, searched) == ([2, 3, 4], [1])
    assert r.verdict == "FAIL" and "induction step failed (k=2..4)" in r.message
    assert r.counterexample is not None
    assert replay(load_spec(str(SPECS / "deep_bug.py")), r.counterexample).first_failure
    monkeypatch.setattr(induction, "counted_search", real_search)
    tried.clear()
    early = prove(load_spec(str(SPECS / "deep_bug.py")), k=2, max_k=4)
    assert tried == [2] and early.verdict == "FAIL"
    assert "bmc found a real path before the larger k's" in early.message
    assert early.counterexample is not None
    assert replay(load_spec(str(SPECS / "deep_bug.py")), early.counterexample).first_failure


def test_a_zero_start_price_has_no_distance_and_no_crash() -> None:
    """A start price of 0 (a symbolic start the monitor reads as 0): no gap moves it."""
    m = Monitor(_perp(), [], Options(detector="none", distance="closed"))
    m.values["price"], m.price_float = Fraction(0), 0.0
    got, bad = m.feed(
        _line(type="account", ts=1, seq=1, account=0, set={"quote": "5", "size": "1"})
    )
    assert not bad and m._closed_distance()[:2] == (None, None)
    assert not [a for a in got if a.kind == "distance"]
