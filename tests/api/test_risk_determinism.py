"""frontier and synth do not depend on the machine's load (issue 13).

Their probes were capped by the wall clock (a refutation's 10-20 s, the symbolic step's
1 s ``Optimize``): at load 12 the CLI's frontier answered with engine ``optimize`` and
the API's with ``search``. Every solver call is capped by Z3's resource counter now
(``probes.COUNTED_RLIMIT``); the budget is only the safety net. "Load" is simulated, as
in tests/check/test_slack_determinism.py, by a clock that runs 1,000 times fast: every
wall-clock cap then ends 1,000 times sooner in real time.
"""

from __future__ import annotations

import time
from fractions import Fraction
from pathlib import Path

import pytest

import solvent as sv
from solvent import config
from tests.api.test_api import stable

ROOT = Path(__file__).resolve().parents[2]
# one account, no fund, margin 0.08: safe iff the move is at most the margin
PERP_ONE = str(ROOT / "tests/risk/specs/perp_one.py")


def _busy(monkeypatch: pytest.MonkeyPatch) -> None:
    real = time.perf_counter
    began = real()
    monkeypatch.setattr(time, "perf_counter", lambda: began + (real() - began) * 1000)
    # the budget stays out of the way (10^6 clock seconds are 1,000 real ones)
    monkeypatch.setattr(config.Settings, "budget", property(lambda self: 1e6))


def test_the_same_frontier_and_engine_on_a_busy_and_an_idle_machine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    idle = sv.frontier(PERP_ONE, "move", tol="0.01", checks=0)
    _busy(monkeypatch)
    # and on two processes: --jobs 1 and --jobs 2 give the same answer
    busy = sv.frontier(PERP_ONE, "move", tol="0.01", checks=0, jobs=2)
    # an independent answer: the closed form (safe iff |move| <= 0.08), a replayed
    # counterexample within the tolerance beyond it
    assert Fraction(7, 100) <= Fraction(idle.safe) <= Fraction(8, 100) < Fraction(idle.unsafe)
    assert Fraction(idle.unsafe) <= Fraction(9, 100)
    assert idle.to_dict()["symbolic"]["engine"] == busy.to_dict()["symbolic"]["engine"]
    assert stable(busy.to_dict()) == stable(idle.to_dict())


def test_the_same_synth_answer_on_a_busy_and_an_idle_machine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _busy(monkeypatch)
    busy = sv.synth(
        PERP_ONE, "maintenance_margin", params={"max_move": "0.06"}, tol="0.01",
        search_range=("0.05", "0.07"), checks=0,
    )  # fmt: skip
    # the idle machine's answer is the closed form's (the smallest safe margin is the
    # move, 0.06; the bisection's probes at 0.07, 0.05, 0.06 land on it exactly): with
    # wall-clock caps the counterexample search at 0.05 ran out here
    assert (busy.safe, busy.unsafe) == ("0.06", "0.05"), busy.to_dict()["message"]
    assert busy.to_dict()["beyond"]["outcome"] == "counterexample"
