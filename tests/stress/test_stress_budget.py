"""Round 23 (issue 13, user specs): stress keeps its budget and says where its failures were.

- A user action's body runs on every lane; its decisions count only on the lanes that
  chose it (``borrow_index``: the others' placeholder ``usdc = 0`` made every lane
  undecided, 2,000 exact re-runs where none are needed): lane by lane against the judge.
- ``--timeout`` bounds the whole run, on a counted clock: the simulation stops between
  steps, the exact re-runs between steps of a lane; what was done is reported, the verdict
  is UNKNOWN (exit 2), never PASS.
- A failure is placed against the spec's envelope: ``hlp_backstop`` (safe) fails under gbm
  only on paths that left the 0.8% envelope first (no contradiction of its proof); a
  failure inside the envelope (``zero_sum_funding``'s bug) is said to contradict a proof.
"""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from stress_helpers import Counted

from solvent.check.replay import replay
from solvent.scenarios import get
from solvent.spec.load import load_spec
from solvent.stress import budget
from solvent.stress.blocks import draw_block, first_beyond
from solvent.stress.confirm import exact_failures
from solvent.stress.runner import StressOptions, _lanes_engine, lane_trace, prepare, stress

USER = Path(__file__).parents[1] / "check" / "specs"
BORROW = str(USER / "borrow_index.py")
FUNDING = str(USER / "zero_sum_funding.py")
HLP = str(USER / "hlp_backstop.py")


def _opts(paths: int, steps: int = 20, **kw: object) -> StressOptions:
    return StressOptions(
        paths=paths, steps=steps, seed=1, block=kw.pop("block", 64), checkpoint_dir=None,
        action_rate=0.5, bad_debt_field="auto", insurance_field="auto",
        liquidations_field="auto", adl_field="auto", **kw,
    )  # fmt: skip


@pytest.mark.parametrize("bug", ["0", "1"])
def test_action_decisions_count_only_on_the_lanes_that_chose_it(monkeypatch, bug) -> None:
    """borrow_index: no lane is undecided (before: every lane, by ``0 / index <= 0`` on the
    lanes that did not borrow); each lane's verdict is the judge's, lane by lane."""
    monkeypatch.setenv("BUG", bug)
    spec, job, decls, _notes, engine = prepare(load_spec(BORROW), get("gbm"), None, _opts(64))
    assert engine == "lanes"
    x = draw_block(job, 0)
    out = _lanes_engine(spec, decls, None)(job, x)
    assert (x.act >= 0).sum() > 300
    assert (out["UNSURE"] < 0).all(), "a lane left undecided"
    invariants = {d.name for d in decls if d not in spec.lemmas}
    fails = 0
    for lane in range(x.M.shape[0]):
        trace = lane_trace(spec, job, x, lane, lane, job.steps, {})
        first, _inv = exact_failures(spec, trace, None, decls, invariants)
        assert (-1 if first is None else first.step) == int(out["FAIL_STEP"][lane]), lane
        fails += first is not None
    assert (fails > 0) == (bug == "1")


def test_timeout_stops_the_lanes_between_steps(monkeypatch) -> None:
    """Two blocks of 20 steps, 30 clock readings: the first block is done, the second
    stops at a step; the paths done are reported, UNKNOWN, exit 2."""
    clock = Counted()
    monkeypatch.setattr(budget, "clock", clock)
    spec = load_spec(FUNDING)
    result = stress(spec, get("gbm"), None, _opts(128, timeout=30))
    assert (result.blocks_done, result.blocks_total) == (1, 2)
    assert result.metrics["paths"] == 64
    assert result.verdict == "UNKNOWN" and result.exit_code == 2
    assert not result.interrupted
    assert result.confirmation["checked"] == 0
    assert any(
        "--timeout 30 s ran out while simulating: 64 of 128 paths" in n for n in result.notes
    )
    # readings: the deadline, before the first chunk, 20 steps, after the chunk, then steps
    # of the second block until one is past 31: nothing ran after the deadline
    assert clock.now == 32


def test_timeout_stops_the_exact_reruns(monkeypatch) -> None:
    """zero_sum_funding: every lane is undecided (an equality of float sums) and re-run
    exactly; the run's deadline stops the re-runs, which report what they did."""
    monkeypatch.setattr(budget, "clock", Counted())
    spec = load_spec(FUNDING)
    result = stress(spec, get("gbm"), None, _opts(64, steps=5, timeout=60))
    c = result.confirmation
    assert result.blocks_done == result.blocks_total == 1
    assert c["stopped"] == "timeout"
    assert 0 < c["checked"] < c["rerun"]
    assert result.verdict == "UNKNOWN" and result.exit_code == 2
    assert any("the run's --timeout ran out" in n for n in result.notes)
    # without the deadline every lane is settled and none breaks the invariant
    done = stress(spec, get("gbm"), None, _opts(64, steps=5))
    assert done.verdict == "PASS"
    assert done.confirmation["checked"] == done.confirmation["rerun"] == c["rerun"]


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "solvent", "stress", *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env={**__import__("os").environ, "ACCOUNTS": "3"},
    )  # fmt: skip


def test_cli_timeout_counts_the_start_up(tmp_path) -> None:
    """--timeout covers the process from its start: 0.001 s is spent by the imports, so
    nothing is simulated, and that is what the verdict says (exit 2, never a PASS)."""
    run = ["--scenario", "gbm", "--paths", "200", "--steps", "5", "--action-rate", "0.5"]
    proc = _cli(tmp_path, FUNDING, *run, "--timeout", "0.001", "--format", "json")
    assert proc.returncode == 2, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["verdict"] == "UNKNOWN" and doc["metrics"]["paths"] == 0
    assert any("--timeout" in n for n in doc["notes"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--timeout", "-1"], "--timeout must be 0 (no limit) or more"),
        (["--timeout", "5", "--sweep", "vol=0.5,1"], "--timeout budgets one run"),
    ],
)
def test_cli_timeout_mistakes_exit_3(tmp_path, args, message) -> None:
    proc = _cli(tmp_path, FUNDING, "--scenario", "gbm", "--paths", "10", *args)
    assert proc.returncode == 3, proc.stderr
    assert message in proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr


def _first_out(trace: dict, lo: Fraction, hi: Fraction) -> int | None:
    """The first step whose move leaves [lo, hi], read from the trace (exact rationals)."""
    for t, step in enumerate(trace["steps"], start=1):
        if not lo <= Fraction(step["market"]["move"]) <= hi:
            return t
    return None


def test_hlp_backstop_safe_fails_only_beyond_its_envelope(tmp_path, monkeypatch) -> None:
    """The safe hlp_backstop (prove: PASS) fails under gbm (hourly moves of 0.85% sd
    against an envelope of 0.8%): every flagged path left the envelope at or before its
    failure, the report says so, and the traces shown replay to the failure on the judge."""
    monkeypatch.setenv("BUG", "0")
    spec = load_spec(HLP)
    result = stress(spec, get("gbm"), None, _opts(256, traces=3))
    assert result.verdict == "FAIL"
    m = result.metrics
    assert m["flagged_inside_envelope"] == 0 and m["flagged_beyond_envelope"] > 0
    assert any("left the spec's envelope" in n for n in result.notes)
    assert result.traces
    lo, hi = spec.bounds["move"].lo, spec.bounds["move"].hi
    for trace, _label in result.traces:
        doc = json.loads(json.dumps(trace.to_json()))
        meta = doc["#meta"]
        out = _first_out(doc, lo, hi)
        assert out is not None and out <= meta["violation"]["step"]
        assert meta["first_step_beyond_envelope"] == out
        first = replay(spec, trace).first_failure
        assert first is not None and first.step == meta["violation"]["step"]


def test_a_failure_inside_the_envelope_is_called_a_contradiction(monkeypatch) -> None:
    """zero_sum_funding's bug fails with every funding draw inside its envelope."""
    monkeypatch.setenv("BUG", "1")
    spec = load_spec(FUNDING)
    result = stress(spec, get("gbm"), None, _opts(64, steps=5))
    m = result.metrics
    assert result.verdict == "FAIL"
    assert m["flagged_inside_envelope"] == result.confirmation["flagged"] > 0
    assert any("contradicts a proof of the spec" in n for n in result.notes)


def test_first_beyond_against_a_direct_count(monkeypatch) -> None:
    monkeypatch.setenv("BUG", "0")
    _spec, job, *_ = prepare(load_spec(HLP), get("gbm"), None, _opts(64))
    x = draw_block(job, 0)
    got = first_beyond(job, x.M)
    ((lo, hi),) = job.bounds
    for lane in range(64):
        moves = x.M[lane, :, 0]
        out = [t + 1 for t, v in enumerate(moves) if not lo <= v <= hi]
        assert got[lane] == (out[0] if out else job.steps + 1)
    assert np.array_equal(got <= job.steps, x.beyond)
