"""The slack search does not depend on the machine's load, and keeps to the budget (issue 13).

Its solver calls were capped by the wall clock (10 s a probe, 1 s for ``Optimize``): on a
loaded machine a probe ran out that answers on an idle one, and the slack printed
changed with the load. They are capped by Z3's resource counter now
(``probes.COUNTED_RLIMIT``); the wall clock is only the safety net of the budget, and
a search it stops says that its answer is a bound. "Load" is simulated by a clock that
runs 1,000 times fast (every wall-clock cap then ends 1,000 times sooner in real time).
"""

from __future__ import annotations

import copy
import time
from fractions import Fraction
from typing import Any

import pytest

from solvent import config
from solvent.check import proof_notes
from solvent.check.induction import prove
from solvent.check.results import PASS, CheckResult
from solvent.models import perp_isolated
from solvent.spec.spec import Spec


def _perp() -> Spec:
    # safe iff max_move <= maintenance_margin: the slack of |move| ends at 0.08 exactly
    return perp_isolated.build(
        accounts=1,
        maintenance_margin="0.08",
        max_move="0.06",
        initial_margin="0.10",
        insurance_fund="0",
    )


def _slack(spec: Spec, proof: CheckResult, settings: config.Settings) -> list[dict[str, Any]]:
    out = proof_notes.attributed(spec, settings, copy.deepcopy(proof))
    return list(out.details["attribution"]["slack"])


def test_the_same_slack_on_a_busy_and_an_idle_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _perp()
    proof = prove(spec)
    assert proof.verdict == PASS
    idle = _slack(spec, proof, config.Settings())
    (only,) = idle
    # an independent answer: the closed form (safe iff |move| <= 0.08)
    limit = Fraction(only["limit"])
    assert Fraction(79, 1000) <= limit <= Fraction(8, 100), only
    assert only["stopped_by_budget"] is False

    real = time.perf_counter
    began = real()
    monkeypatch.setattr(time, "perf_counter", lambda: began + (real() - began) * 1000)
    # the budget stays out of the way (10^6 clock seconds are 1,000 real ones); every
    # wall-clock cap of a probe would end 1,000 times sooner
    monkeypatch.setattr(config.Settings, "budget", property(lambda self: 1e6))
    busy = _slack(spec, proof, config.Settings())
    assert busy == idle


def test_a_slack_search_the_budget_stops_says_it_is_a_bound() -> None:
    spec = _perp()
    proof = prove(spec)
    assert proof.verdict == PASS
    # no time left after the proof: the search stops at once (its probes are not run)
    settings = config.Settings(timeout=proof.seconds)
    (only,) = _slack(spec, proof, settings)
    assert only["stopped_by_budget"] is True
    assert "a bound, not the exact slack" in only["text"]
    assert "--timeout" in only["text"]
    # what it reports is never wrong: no limit beyond the closed form's 0.08
    assert only["limit"] is None or Fraction(only["limit"]) <= Fraction(8, 100)
