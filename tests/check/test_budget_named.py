"""A solver timeout names the user's budget (issue 13).

`prove examples/conform/perp_spec.py --timeout 120` ended UNKNOWN with "solver timeout
after 116.654s": the share of the budget its last sub-check had (the spec's own proof,
after the decomposition's analysis), not the 120 s the user gave. The check's result is
now worded where its budget is known (``api/startup.counted``, for every verb that runs
a check: bmc, prove, check, from the command line and the Python API): the user's budget,
the phase that ran out and, when it had only part of the budget, that part.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from solvent import cli, config
from solvent.api import startup
from solvent.check import progress
from solvent.check.results import UNKNOWN, CheckResult
from solvent.check.verdicts import budget_named

ROOT = Path(__file__).resolve().parents[2]
PERP = ROOT / "examples" / "conform" / "perp_spec.py"
TRIED = ". Tried: the inductive step obligation solvent"


def unknown(message: str) -> CheckResult:
    return CheckResult("prove", "perp-fixed", UNKNOWN, "k=1", 3.0, 3, message=message, k=1)


def test_the_last_share_of_the_budget_is_said_as_a_share_of_the_users_budget() -> None:
    # what the run of the issue said: the spec's own proof was given 116.654 s of the 120
    said = budget_named(
        f"solver timeout after 116.654s{TRIED}", 120.0, True, "prove: inductive step k=1"
    )
    assert said == (
        "solver timeout: the 120s budget (--timeout) ran out during prove: inductive step "
        f"k=1 (the check that ran out was given the last 116.7s of it){TRIED}"
    )


def test_the_whole_budget_a_default_budget_and_nothing_left_are_said_as_such() -> None:
    assert budget_named("solver timeout after 2s (portfolio members tried: few)", 2.0, True) == (
        "solver timeout: the 2s budget (--timeout) ran out (portfolio members tried: few)"
    )
    assert budget_named("base case: solver timeout after 600s", 600.0, False) == (
        "base case: solver timeout: the 600s budget (the default; --timeout sets it) ran out"
    )
    assert budget_named("solver timeout after 0.001s", 60.0, True, "bmc") == (
        "solver timeout: the 60s budget (--timeout) ran out during bmc (nothing of it was "
        "left for the check that ran out)"
    )
    assert budget_named("solver gave up: incomplete", 60.0, True) == "solver gave up: incomplete"


def test_a_check_given_part_of_the_budget_names_the_whole_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 1 s of the process before the check, then the analysis: the fallback proof was given
    # 116.654 s; on main the message kept "after 116.654s" (only the check's own share,
    # 119 s, was renamed)
    def first() -> CheckResult:
        progress.note(phase="prove: inductive step k=1")
        return unknown(f"solver timeout after 116.654s{TRIED}")

    settings = config.Settings(timeout=120.0)
    found = startup.within_budget("prove", None, settings, 1.0, first)
    assert found.message.startswith(
        "solver timeout: the 120s budget (--timeout) ran out during prove: inductive step k=1 "
        "(the check that ran out was given the last 116.7s of it). Tried: "
    ), found.message
    assert found.seconds == pytest.approx(4.0)  # the whole run's: 1 s before, 3 s in it
    # no phase of an earlier check is named: each check's own
    assert (
        startup.within_budget(
            "prove", None, settings, 0.0, lambda: unknown("solver timeout after 120s")
        ).message
        == "solver timeout: the 120s budget (--timeout) ran out"
    )


def test_prove_names_the_budget_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    # the spec of the issue, which no budget of a few seconds proves: whether the proof
    # runs out by itself or is stopped by the watchdog, the line names the 3 s budget
    code = cli.run(["prove", str(PERP), "--timeout", "3", "-q", "--no-slack"])
    out = capsys.readouterr().out
    assert code == 2, out
    assert "solver timeout: the 3s budget (--timeout) ran out" in out, out
    assert "solver timeout after" not in out, out
