"""A solver timeout names the user's budget (issue 13).

`prove examples/conform/perp_spec.py --timeout 120` ended UNKNOWN with "solver timeout
after 116.654s": the share of the budget its last sub-check had (the spec's own proof,
after the decomposition's analysis), not the 120 s the user gave. The check's result is
now worded where its budget is known (``api/startup.counted``, for every verb that runs
a check: bmc, prove, check, from the command line and the Python API): the user's budget,
the phase that ran out and, when it had only part of the budget, that part. The timeout
travels as a value (``results.RanOut``: the seconds given, the phase, the time run) put
on the result where the budget ran out, and its words are rendered once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from solvent import cli, config
from solvent.api import startup
from solvent.check import progress
from solvent.check.results import UNKNOWN, CheckResult, RanOut
from solvent.check.verdicts import budget_named, own_timeout

ROOT = Path(__file__).resolve().parents[2]
PERP = ROOT / "examples" / "conform" / "perp_spec.py"
TRIED = ". Tried: the inductive step obligation solvent"


def unknown(ran_out: RanOut | None, tail: str = "") -> CheckResult:
    """An UNKNOWN whose budget ran out as ``ran_out`` says (its words, then ``tail``)."""
    message = (ran_out.words if ran_out is not None else "solver gave up: incomplete") + tail
    return CheckResult(
        "prove", "perp-fixed", UNKNOWN, "k=1", 3.0, 3, message=message, k=1, ran_out=ran_out
    )


def named(result: CheckResult, budget: float, user: bool) -> str:
    budget_named(result, budget, user)
    return result.message


def test_the_last_share_of_the_budget_is_said_as_a_share_of_the_users_budget() -> None:
    # what the run of the issue said: the spec's own proof was given 116.654 s of the 120
    ran_out = RanOut(116.654, "prove: inductive step k=1", 116.7)
    assert unknown(ran_out, TRIED).message == f"solver timeout after 116.654s{TRIED}"
    assert named(unknown(ran_out, TRIED), 120.0, True) == (
        "solver timeout: the 120s budget (--timeout) ran out during prove: inductive step "
        f"k=1 (the check that ran out had 116.7s of it){TRIED}"
    )


def test_the_whole_budget_a_default_budget_and_nothing_left_are_said_as_such() -> None:
    members = " (portfolio members tried: few)"
    assert named(unknown(RanOut(2.0), members), 2.0, True) == (
        "solver timeout: the 2s budget (--timeout) ran out (portfolio members tried: few)"
    )
    base = unknown(RanOut(600.0))
    base.message = f"base case: {base.message}"
    assert named(base, 600.0, False) == (
        "base case: solver timeout: the 600s budget (the default; --timeout sets it) ran out"
    )
    assert named(unknown(RanOut(0.001, "bmc")), 60.0, True) == (
        "solver timeout: the 60s budget (--timeout) ran out during bmc (nothing of it was "
        "left for the check that ran out)"
    )
    assert named(unknown(None), 60.0, True) == "solver gave up: incomplete"


def test_a_caller_that_gave_a_share_says_the_timeout_as_its_own() -> None:
    # the fallback proof after the one-account work was given 40 s of a 60 s budget: its
    # timeout is said as the 60 s one's, followed by what the caller adds, and the user's
    # words come once, at the end (the regex that renamed any "after Ns" is gone: a number
    # of that form elsewhere in the message stays as it is)
    result = unknown(RanOut(40.0, "prove: base case (bmc to depth 0)"), " (after 40s of 60s)")
    own_timeout(result, 60.0, " (the proof on one account used 20.0s of it first)")
    assert result.ran_out == RanOut(60.0, "prove: base case (bmc to depth 0)")
    assert result.message == (
        "solver timeout after 60s (the proof on one account used 20.0s of it first) "
        "(after 40s of 60s)"
    )
    assert named(result, 60.0, True) == (
        "solver timeout: the 60s budget (--timeout) ran out during prove: base case (bmc to "
        "depth 0) (the proof on one account used 20.0s of it first) (after 40s of 60s)"
    )
    # a result that did not run out is left as it is
    gave_up = unknown(None)
    own_timeout(gave_up, 60.0, " (note)")
    assert gave_up.message == "solver gave up: incomplete" and gave_up.ran_out is None


def test_a_check_given_part_of_the_budget_names_the_whole_one() -> None:
    # 1 s of the process before the check, then the analysis: the fallback proof was given
    # 116.654 s; on main the message kept "after 116.654s" (only the check's own share,
    # 119 s, was renamed)
    def first() -> CheckResult:
        return unknown(RanOut(116.654, "prove: inductive step k=1"), TRIED)

    settings = config.Settings(timeout=120.0)
    found = startup.within_budget("prove", None, settings, 1.0, first)
    assert found.message.startswith(
        "solver timeout: the 120s budget (--timeout) ran out during prove: inductive step k=1 "
        "(the check that ran out had 116.7s of it). Tried: "
    ), found.message
    assert found.seconds == pytest.approx(4.0)  # the whole run's: 1 s before, 3 s in it
    # the phase is the one the check ran out in, not one noted later
    progress.note(phase="an earlier check")
    assert (
        startup.within_budget("prove", None, settings, 0.0, lambda: unknown(RanOut(120.0))).message
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
