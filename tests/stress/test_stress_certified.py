"""Issue 16: certified lanes, an honest headline, refuted lanes explained.

- A flagged lane all of whose float64 decisions were certain is a violation without an
  exact re-run, and a lane with no flag and no undecided decision passes: checked lane by
  lane against the exact judge (a block of the perp, and Hypothesis-drawn inputs built to
  sit on the waterfall's cancellations: a deficit the fund covers exactly, a fee that is
  the whole equity).
- P(insolvency) counts invariant violations only (lemmas beside it): against an exact
  re-run of every lane.
- Lanes left unchecked by a budget give a sampled estimate, said so, with its interval.
- A flagged lane the judge refutes is explained.

CI runs a small Hypothesis profile; ``SOLVENT_LONG_TESTS=1`` runs a long one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solvent.scenarios.population import Population
from solvent.scenarios.registry import get
from solvent.stress.blocks import BlockInputs, draw_block, run_kernel, summarize
from solvent.stress.confirm import exact_failures, sample_order
from solvent.stress.exact import lane_trace
from solvent.stress.runner import StressOptions, prepare, stress

LONG = os.environ.get("SOLVENT_LONG_TESTS") == "1"
SPECS = Path(__file__).parent / "specs"


def _job(
    load,
    paths: int,
    steps: int,
    accounts: int,
    pop: object = "auto",
    vol: float = 2.5,
    **kw: object,
) -> tuple:
    opts = StressOptions(
        paths=paths, steps=steps, seed=5, block=paths, accounts=accounts, checkpoint_dir=None,
        confirm_seconds=None, traces=1, **kw,
    )  # fmt: skip
    spec, job, decls, _notes, engine = prepare(
        load("perp_small"), get("gbm", vol=vol), Population() if pop == "auto" else pop, opts
    )
    assert engine == "kernel"
    return spec, job, decls, opts


def _invariants(spec, decls) -> set[str]:
    return {d.name for d in decls if d not in spec.lemmas}


def _judge_every_lane(spec, job, decls, x, out) -> None:
    """Certain flags are the judge's first failure; certified passes pass exactly."""
    summary = summarize(job, 0, x, out)
    certain = {p: (job.layout.properties[k], t) for p, t, k in summary["certain"]}
    rerun = {lane[0] for lane in summary["lanes"]}
    invariants = _invariants(spec, decls)
    names = job.layout.properties
    later = {p: (names[k], t) if t >= 0 else None for p, t, k in summary["inv_settled"]}
    for lane in range(x.M.shape[0]):
        if lane in rerun or out["FAIL_STEP"][lane] == -2:
            continue
        trace = lane_trace(spec, job, x, lane, lane, job.steps, {})
        first, _inv = exact_failures(spec, trace, None, decls, invariants)
        if lane in certain:
            assert first is not None and (first.name, first.step) == certain[lane], lane
        else:
            assert first is None, (lane, first)
        if lane in later:  # a lemma broke first: the invariants' verdict, certain too
            want = later[lane]
            assert (None if _inv is None else (_inv.name, _inv.step)) == want, lane
    return summary


def test_certain_lanes_are_the_judges_on_a_perp_block(load) -> None:
    spec, job, decls, _opts = _job(load, 80, 12, 4, vol=8.0)
    x = draw_block(job, 0)
    out = run_kernel(job, x)
    summary = _judge_every_lane(spec, job, decls, x, out)
    # before: liquidations whose deficit the fund covered left bad_debt = d - d with a
    # bound of about 2 e_d, and a liquidated account 0 * price a bound of 4 * 2**-1074:
    # every later decision on them was undecided and the lane went to the exact judge
    # (here: 47 undecided lanes before, 0 now)
    assert summary["undecided"] == 0 and summary["fail"] == 15
    assert len(summary["certain"]) == summary["fail"]


def test_invariants_after_a_lemma_are_the_judges(load) -> None:
    """Keepers every third step: lanes break the ``healthy`` lemma first; the invariant
    verdict the float64 run settles after it (``inv_settled``) is the judge's, lane by lane."""
    spec, job, decls, _opts = _job(load, 60, 8, 3, vol=6.0, keeper_delay=2)
    x = draw_block(job, 0)
    summary = _judge_every_lane(spec, job, decls, x, run_kernel(job, x))
    steps = [t for _p, t, _k in summary["inv_settled"]]
    assert any(t >= 0 for t in steps) and any(t < 0 for t in steps)


_MOVES = [0.0, 0.08, -0.08, 0.05, -0.05, 0.01, -0.0625, 2.0**-40]
_SIZES = [0.0, 1.0, -1.0, 2.5, -3.0, 0.1, 10.0]


@st.composite
def _lanes(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A few lanes of the perp (4 globals, 2 account fields, 3 accounts, 6 steps) whose
    numbers meet the waterfall's edge cases: an account exactly at zero equity, a
    deficit equal to the fund, tiny and power-of-two moves."""
    n = draw(st.integers(1, 6))
    G0 = np.zeros((n, 4))
    A0 = np.zeros((n, 2, 3))
    M = np.zeros((n, 6, 1))
    for p in range(n):
        price = draw(st.sampled_from([2000.0, 1000.0, 0.1, 3.0]))
        for a in range(3):
            size = draw(st.sampled_from(_SIZES))
            kind = draw(st.sampled_from(["zero", "edge", "free"]))
            if kind == "zero":  # equity exactly 0 at the start price
                quote = -size * price
            elif kind == "edge":  # at maintenance (8%) or a fee away from it
                quote = -size * price + abs(size) * price * draw(st.sampled_from([0.08, 0.01]))
            else:
                quote = draw(st.floats(-5000, 5000, allow_nan=False, width=64))
            A0[p, :, a] = (quote, size)
        insurance = draw(st.sampled_from([0.0, 100.0, 1.0, abs(A0[p, 0, 0])]))
        G0[p] = (price, insurance, 0.0, 0.0)
        M[p, :, 0] = draw(st.lists(st.sampled_from(_MOVES), min_size=6, max_size=6))
    return G0, A0, M


@settings(
    max_examples=300 if LONG else 12, deadline=None, database=None, derandomize=not LONG,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)  # fmt: skip
@given(lanes=_lanes())
def test_certain_decisions_are_the_judges_on_drawn_edge_cases(load, lanes) -> None:
    G0, A0, M = lanes
    spec, job, decls, _opts = _CACHE.get("job") or _CACHE.setdefault(
        "job", _job(load, 8, 6, 3, None)
    )
    assert job.layout.globals == ("price", "insurance", "bad_debt", "liquidations")
    assert job.layout.accounts == ("quote", "size")
    n = G0.shape[0]
    x = BlockInputs(
        np.ascontiguousarray(G0), np.ascontiguousarray(A0), np.ascontiguousarray(M),
        np.full((n, 2), -1, dtype=np.int64), np.zeros(n, dtype=bool),
    )  # fmt: skip
    out = run_kernel(job, x)
    _judge_every_lane(spec, job, decls, x, out)


_CACHE: dict[str, tuple] = {}


def test_headline_counts_invariant_violations_only(load) -> None:
    """Keepers every third step: the ``healthy`` lemma breaks on many paths, the
    ``solvent`` invariant on fewer; P(insolvency) is the exact share of the latter."""
    spec, job, decls, opts = _job(load, 60, 8, 3, keeper_delay=2)
    r = stress(load("perp_small"), get("gbm", vol=2.5), Population(), opts)
    ins = r.metrics["p_insolvency"]
    invariants = _invariants(spec, decls)
    x = draw_block(job, 0)
    exact_inv = 0
    lemma_first = 0
    for lane in range(job.paths):
        trace = lane_trace(spec, job, x, lane, lane, job.steps, {})
        first, inv = exact_failures(spec, trace, None, decls, invariants)
        exact_inv += inv is not None
        lemma_first += first is not None and first.name not in invariants
    assert lemma_first > 0 and ins["lemmas"].get("healthy", 0) == lemma_first
    assert ins["unchecked"] == 0 and ins["paths"] == exact_inv < exact_inv + lemma_first
    assert ins["estimate"] == exact_inv / job.paths
    assert ins["counts"] == "invariant violations" and "healthy" not in ins["invariants"]
    assert r.verdict == "FAIL"


def _cli(tmp_path: Path, spec: str, *extra: str) -> dict:
    proc = subprocess.run(
        [
            sys.executable, "-m", "solvent", "stress", str(SPECS / spec), "--scenario", "gbm",
            "--seed", "1", "--population", "none", "--insurance-field", "none",
            "--liquidations-field", "none", "--format", "json", *extra,
        ],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode in (0, 1, 2), proc.stderr
    return json.loads(proc.stdout)


def test_unchecked_lanes_give_a_sampled_estimate_said_so(tmp_path) -> None:
    """Every lane of miss.py is undecided and breaks exactly; 40 of 300 re-run."""
    doc = _cli(tmp_path, "miss.py", "--paths", "300", "--steps", "5", "--confirm", "40")
    ins = doc["metrics"]["p_insolvency"]
    s = ins["sampled"]
    assert doc["verdict"] == "FAIL" and ins["unchecked"] == 260 and ins["paths"] == 40
    assert s["sample"] == 40 and s["sample_violations"] == 40 and s["of"] == 300
    assert s["ci_low"] < s["estimate"] <= s["ci_high"] <= 1.0 and s["estimate"] == 1.0
    assert abs(ins["estimate"] - 40 / 300) < 1e-6 and ins["estimate"] < s["ci_low"]
    assert "estimated 1 (95% CI" in doc["message"]
    assert "uniform random sample of 40 of the 300" in doc["message"]
    assert "between 0.1333 and 1" in doc["message"]  # the certain range, beside it
    none = _cli(tmp_path, "miss.py", "--paths", "300", "--steps", "5", "--confirm", "0")
    assert none["metrics"]["p_insolvency"]["sampled"] is None
    assert "P(insolvency) between 0 and 1" in none["message"]


def test_the_rerun_order_is_a_seeded_uniform_permutation() -> None:
    order = sample_order(1000, 7)
    assert sorted(order) == list(range(1000)) and order == sample_order(1000, 7)
    assert order != sample_order(1000, 8)
    # a prefix is spread over the whole range, not the cheapest (first) lanes
    assert 350 < float(np.mean(order[:100])) < 650


def test_refuted_lanes_are_explained(tmp_path) -> None:
    """tenth.py: float64 flags 0.1 * 3 <= 0.3 as broken (within its error bound);
    exactly it holds on every path."""
    doc = _cli(tmp_path, "tenth.py", "--paths", "20", "--steps", "2", "--bad-debt-field", "none")
    c = doc["confirmation"]
    assert doc["verdict"] == "PASS" and c["certain"] == 0 and c["unconfirmed"] == 20
    assert c["refuted_by_property"] == {"ytenth": 20}
    first = c["refuted"][0]
    assert first["property"] == "ytenth" and first["step"] == 0
    assert "broke ytenth at step 0 within its rounding-error bound" in first["why"]
    assert any("20 lane(s) whose float64 run broke ytenth hold exactly" in n for n in doc["notes"])


def test_lemma_lanes_invariants_are_settled_without_reruns(load) -> None:
    """The same run with --confirm 0 (no exact re-run): the float64 run goes on checking
    the invariants after a lemma breaks, so the lemma lanes' invariants are certain by the
    error bounds and P(insolvency) is a point, the exact share (every lane on the judge).
    Before, those lanes were left for exact re-runs: with --confirm 0 (or a budget spent)
    P(insolvency) became a range up to every lemma lane (the keeper-delay run of issue 16)."""
    spec, job, decls, opts = _job(load, 60, 8, 3, vol=6.0, keeper_delay=2, confirm=0)
    r = stress(load("perp_small"), get("gbm", vol=6.0), Population(), opts)
    ins, c = r.metrics["p_insolvency"], r.confirmation
    assert r.verdict == "FAIL" and c["certain"] > 0 and c["unchecked"] == 0
    assert c["lemma_rechecked"] == 0 and c["exact_reruns"] == 0 and ins["unchecked"] == 0
    assert ins["lemmas"].get("healthy", 0) > 0 and ins["sampled"] is None
    assert ins["upper_estimate"] == ins["estimate"] and ins["ci_high"] < 1.0
    invariants = _invariants(spec, decls)
    x = draw_block(job, 0)
    exact_inv = later = 0
    for lane in range(job.paths):
        trace = lane_trace(spec, job, x, lane, lane, job.steps, {})
        first, inv = exact_failures(spec, trace, None, decls, invariants)
        exact_inv += inv is not None
        later += inv is not None and first.name not in invariants
    assert ins["paths"] == exact_inv and c["invariant_after_lemma_certain"] == later > 0
    assert not any("not re-run for their invariants" in n for n in r.notes)
