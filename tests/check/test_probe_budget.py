"""A frontier or synth probe that does not stop by itself is stopped at the budget (issue
13, item 3: "--timeout honoured within 5% or 2 s").

Before round 22, ``solvent frontier tests/check/specs/stuck_solver.py --param bump
--timeout 5`` ran 120 s at every budget (``benchmarks/results/engine.md``, branch q13k):
its probes ran in frontier's own process, and a solver call or a spec's encoding that
ignores its limits (stood in for by the stuck spec, whose symbolic invariant sleeps 60 s)
was stopped by nothing. Each probe now runs under the watchdog when the search has an
overall deadline (``ProbeOptions.stopped``). The watchdog reads a ticking fake clock here
(``check_helpers.Ticking``), so the test does not depend on the machine's load.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from check_helpers import Ticking
from rich.console import Console

from solvent.check import progress, watchdog
from solvent.check.frontier import frontier
from solvent.check.frontier_symbolic import FAILED
from solvent.check.probes import INCONCLUSIVE_PROBE, ProbeOptions
from solvent.report.risk import render_frontier
from solvent.spec.load import load_spec

STUCK = Path(__file__).resolve().parent / "specs" / "stuck_solver.py"


@pytest.mark.parametrize("jobs", [None, 2])
def test_a_stuck_probe_is_stopped_and_said_so(
    jobs: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACCOUNTS", "1")
    spec = load_spec(str(STUCK), None)
    progress.clear()
    monkeypatch.setattr(watchdog, "time", Ticking(0.5))
    options = ProbeOptions(deadline=time.perf_counter() + 2.0, jobs=jobs)
    result = frontier(spec, "bump", checks=0, options=options)
    assert result.safe is None, result.message  # nothing was proved: no frontier claimed
    # the direct symbolic method (the step query, encoded: it sleeps) was stopped
    assert result.symbolic is not None and result.symbolic.status == FAILED
    assert result.symbolic.reason.startswith("the time budget ran out"), result.symbolic
    assert result.probes, result.message
    for probe in result.probes:  # each stopped or not started: none answered after 60 s
        assert probe.outcome == INCONCLUSIVE_PROBE, probe
        assert "the time budget ran out" in probe.message, probe
    # an inconclusive search claims nothing of monotonicity (it printed "NOT monotone: "
    # with no pair when no monotonicity probe had answered)
    console = Console(record=True, width=200)
    render_frontier(console, spec, result)
    text = console.export_text()
    assert "[UNKNOWN] bump.hi  frontier up" in text and "monotone" not in text, text


def test_without_a_deadline_a_probe_runs_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[str] = []
    monkeypatch.setattr(watchdog, "guarded", lambda *a: ran.append("forked"))
    assert ProbeOptions().stopped(lambda: "answer", lambda phase: "stopped") == "answer"
    assert ran == []
