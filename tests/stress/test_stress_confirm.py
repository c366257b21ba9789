"""Every flagged lane is re-run exactly; only confirmed violations count as violations."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from fractions import Fraction

import pytest

from solvent.backends.concrete import CONCRETE
from solvent.backends.concrete_gmp import CONCRETE_GMP
from solvent.check.replay import replay
from solvent.scenarios import get
from solvent.scenarios.population import Population
from solvent.stress import confirm as confirm_mod
from solvent.stress.metrics import clopper_pearson
from solvent.stress.runner import StressOptions, stress
from solvent.testing import conformance


def _perp(spec, tmp_path, **kw):
    base = dict(paths=700, steps=20, seed=5, block=128, checkpoint_dir=str(tmp_path / "ck"))
    base.update(kw)
    return stress(spec, get("gbm", vol=2.5), Population(), StressOptions(**base))


def _rounding(spec, **kw):
    base = dict(
        paths=300, steps=3, seed=1, checkpoint_dir=None, bad_debt_field="none",
        insurance_field="none", liquidations_field="none",
    )  # fmt: skip
    base.update(kw)
    return stress(spec, get("gbm"), None, StressOptions(**base))


def test_by_default_every_flagged_lane_is_re_run_and_p_counts_confirmed_ones(
    load, tmp_path
) -> None:
    r = _perp(load("perp_small"), tmp_path)
    c, p = r.confirmation, r.metrics["p_insolvency"]
    assert c["flagged"] > 3  # enough lanes for the test to mean something
    # every flagged lane and every lane with an undecided float64 decision (issue 25)
    assert max(c["flagged"], c["undecided"]) <= c["rerun"] <= c["flagged"] + c["undecided"]
    assert c["checked"] == c["rerun"] and c["unchecked"] == 0 and c["stopped"] is None
    # issue 16: a flagged lane whose decisions were all certain is a certified violation,
    # confirmed without a re-run; P(insolvency) counts invariant violations only
    assert c["certified"] == 700 - c["rerun"] + c["certain"] and c["certain"] > 0
    assert c["confirmed"] + c["unconfirmed"] == c["checked"]
    invariants = sum(v for k, v in p["by_property"].items() if k in p["invariants"])
    assert p["paths"] >= invariants and p["estimate"] == p["paths"] / 700
    assert (p["ci_low"], p["ci_high"]) == clopper_pearson(p["paths"], 700)
    assert sum(p["by_property"].values()) == c["confirmed"]
    assert sum(p["flagged_by_property"].values()) == c["flagged"]
    assert r.verdict == "FAIL" and r.exit_code == 1


def test_false_alarms_of_every_lane_give_pass_with_p_zero(load) -> None:
    r = _rounding(load("rounding"))
    c, p = r.confirmation, r.metrics["p_insolvency"]
    assert c["flagged"] == 300 and c["unconfirmed"] == 300 and c["confirmed"] == 0
    assert r.verdict == "PASS" and p["estimate"] == 0.0 and p["paths"] == 0
    assert p["ci_high"] == clopper_pearson(0, 300)[1]


def test_a_count_cap_leaves_unchecked_lanes_out_of_p_but_in_its_upper_end(load, tmp_path) -> None:
    # miss.py: every lane undecided in float64 and broken exactly (the perp's flagged
    # lanes are certain since issue 16, so a cap no longer leaves any of them unchecked)
    r = _rounding(load("miss"), paths=700, steps=5, confirm=2)
    c, p = r.confirmation, r.metrics["p_insolvency"]
    assert c["checked"] == 2 and c["unchecked"] == c["rerun"] - 2 and c["stopped"] == "count"
    assert p["paths"] == c["confirmed"] == 2 and p["estimate"] == 2 / 700
    assert p["upper_estimate"] == (2 + c["unchecked"]) / 700
    assert p["ci_low"] == clopper_pearson(2, 700)[0]
    assert p["ci_high"] == clopper_pearson(2 + c["unchecked"], 700)[1]
    assert r.verdict == "FAIL"  # two confirmed violations are facts
    assert any("not re-run exactly (--confirm capped" in n for n in r.notes)


def test_unchecked_lanes_without_a_confirmed_one_are_unknown_not_pass(load) -> None:
    r = _rounding(load("rounding"), confirm=0)
    assert r.confirmation["checked"] == 0 and r.confirmation["unchecked"] == 300
    assert r.verdict == "UNKNOWN" and r.exit_code == 2
    assert r.metrics["p_insolvency"]["estimate"] == 0.0
    assert r.metrics["p_insolvency"]["upper_estimate"] == 1.0


def test_a_spent_time_budget_is_reported_as_such(load, monkeypatch) -> None:
    real = confirm_mod.exact_failures  # the re-run of a lane (issue 16: and its invariants)
    calls = []

    def slow(spec, trace, deadline, decls, invariants):
        calls.append(1)
        if len(calls) > 5:  # the budget is spent after five re-runs
            raise confirm_mod._OutOfTime
        return real(spec, trace, deadline, decls, invariants)

    monkeypatch.setattr(confirm_mod, "exact_failures", slow)
    r = _rounding(load("rounding"))
    assert r.confirmation["checked"] == 5 and r.confirmation["stopped"] == "time"
    assert r.verdict == "UNKNOWN"
    assert any("the time budget --confirm-seconds ran out" in n for n in r.notes)


def test_worker_processes_confirm_the_same_lanes_and_write_the_same_traces(load, tmp_path) -> None:
    spec = load("perp_small")
    one = _perp(spec, tmp_path, traces=3)
    two = _perp(spec, tmp_path, traces=3, workers=2)
    drop = lambda d: {k: v for k, v in d.items() if k != "seconds"}  # noqa: E731
    assert drop(one.confirmation) == drop(two.confirmation)
    assert one.metrics["p_insolvency"] == two.metrics["p_insolvency"]
    assert [t.meta["path"] for t, _ in one.traces] == [t.meta["path"] for t, _ in two.traces]
    for trace, label in two.traces:
        got = replay(spec, trace).first_failure
        assert got is not None and got.label() == label


def test_gmp_judge_passes_the_conformance_suite() -> None:
    # the whole edge-case grid and 50 random batches per op (the default, 200, took 20-27 s;
    # the symbolic backend's run has 50 and the Fraction judge's 25)
    conformance.run(CONCRETE_GMP, examples=50)
    assert CONCRETE_GMP.number(CONCRETE_GMP.const(Fraction(-7, 3))) == Fraction(-7, 3)


def test_gmp_judge_and_fraction_judge_agree_on_stress_lanes(load, tmp_path, monkeypatch) -> None:
    spec = load("perp_small")
    r = _perp(spec, tmp_path, traces=20, paths=2000)
    assert len(r.traces) >= 8
    with_gmp = [confirm_mod.exact_first_failure(spec, t, None) for t, _ in r.traces]
    monkeypatch.setattr(confirm_mod, "judge_for", lambda spec: CONCRETE)
    with_fraction = [confirm_mod.exact_first_failure(spec, t, None) for t, _ in r.traces]
    assert with_gmp == with_fraction and all(f is not None for f in with_gmp)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--confirm", "some"], "--confirm must be all or a whole number, got 'some'"),
        (["--confirm", "-1"], "--confirm must be all or 0 or more, got -1"),
        (["--confirm-seconds", "-1"], "--confirm-seconds must be 0 (no limit) or more"),
    ],
)
def test_bad_confirm_options_exit_3(spec_path, tmp_path, args, message) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "solvent", "stress", spec_path("rounding"), "--scenario", "gbm",
         "--paths", "10", "--steps", "2", *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 3, proc.stderr
    assert message in proc.stderr + proc.stdout and "Traceback" not in proc.stderr


def test_ctrl_c_during_the_re_runs_keeps_the_blocks_for_resume(spec_path, tmp_path) -> None:
    args = [
        sys.executable, "-m", "solvent", "stress", spec_path("rounding"), "--scenario", "gbm",
        "--paths", "40000", "--steps", "3", "--seed", "2", "--bad-debt-field", "none",
        "--insurance-field", "none", "--liquidations-field", "none", "--format", "json",
    ]  # fmt: skip
    env = dict(os.environ, CI="true")
    proc = subprocess.Popen(
        args, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    ckpt = tmp_path / ".solvent-stress"
    blocks = -(-40000 // 1024)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        files = list(ckpt.glob("*.jsonl")) if ckpt.exists() else []
        if files and len(files[0].read_text().splitlines()) == blocks + 1:
            break  # every block simulated: the exact re-runs have started
        time.sleep(0.05)
    time.sleep(1.0)
    assert proc.poll() is None, "the run finished before its re-runs could be interrupted"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    doc = json.loads(out)
    assert proc.returncode == 2, err.decode()
    assert doc["verdict"] == "UNKNOWN" and doc["interrupted"] is True
    assert doc["confirmation"]["stopped"] == "interrupted"
    assert 0 < doc["confirmation"]["checked"] < doc["confirmation"]["flagged"] == 40000
    assert list(ckpt.glob("*.jsonl")) and b"Traceback" not in err
    resumed = subprocess.run(
        [*args, "--resume", "--confirm", "50"], cwd=tmp_path, env=env, capture_output=True,
        timeout=300,
    )  # fmt: skip
    again = json.loads(resumed.stdout)
    assert any("resumed: 40 of 40 blocks" in n for n in again["notes"])
    assert again["confirmation"]["checked"] == 50 and again["verdict"] == "UNKNOWN"
