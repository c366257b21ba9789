"""The any-N checks keep to the budget and report the whole check's time and the budget.

When the one-account work (proof, inference, search) used up the budget, the fallback on
the spec's own accounts ran with what was left (0.001 s), its result shown as is:
`prove --timeout 60` of the fixed-point corpus spec printed "solver timeout after 0.001s"
and "3.3s" on its verdict line after 60 s of wall time, and at 100 accounts ended after
65 s (encoding 100 accounts is not stopped by Z3's timeout). Now the fallback does not
run when nothing is left, and its result counts the whole check (issue 13, round 10).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from solvent.check.decompose import prove_any_accounts
from solvent.check.decompose_bmc import bmc_any_accounts
from solvent.check.results import UNKNOWN, CheckResult, RanOut
from solvent.spec.load import load_spec
from solvent.spec.spec import Spec

SPEC = Path(__file__).resolve().parent / "specs" / "isolated_accounts.py"
BUDGET = 2.0


def isolated(monkeypatch: pytest.MonkeyPatch, accounts: int) -> Spec:
    monkeypatch.setenv("ACCOUNTS", str(accounts))
    monkeypatch.setenv("SHARED", "0")
    return load_spec(str(SPEC), None)


def stand_in(kind: str, share: float) -> tuple[Any, list[float]]:
    """A check that spends ``share`` of its budget on its first call (the one-account
    work) and answers UNKNOWN."""
    given: list[float] = []

    def check(spec: Spec, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        assert timeout is not None
        given.append(timeout)
        if len(given) == 1:
            time.sleep(timeout * share)
        return CheckResult(
            kind,
            spec.name,
            UNKNOWN,
            "k=1",
            0.01,
            spec.accounts,
            message=f"solver timeout after {timeout:g}s",
            details={"reason": "timeout"},
            ran_out=RanOut(timeout),
        )

    return check, given


def run(kind: str, share: float, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, list[float]]:
    check, given = stand_in(kind, share)
    if kind == "prove":
        spec = isolated(monkeypatch, 1)
        return prove_any_accounts(spec, check, max_k=1, timeout=BUDGET), given
    return bmc_any_accounts(isolated(monkeypatch, 5), check, 3, timeout=BUDGET), given


@pytest.mark.parametrize("kind", ["prove", "bmc"])
def test_no_fallback_when_the_one_account_work_used_the_budget(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, given = run(kind, 1.0, monkeypatch)
    assert len(given) == 1  # the fallback on the spec's own accounts did not run
    assert result.verdict == UNKNOWN
    # prove says where the budget ran out (the proof on one account), bmc only that it did
    assert result.message.startswith(f"solver timeout after {BUDGET:g}s")
    if kind == "prove":
        assert "the budget ran out in the proof on one account" in result.message
    else:
        assert result.details["reason"] == "timeout"
    assert BUDGET - 1.0 <= result.seconds < BUDGET + 1.0


@pytest.mark.parametrize("kind", ["prove", "bmc"])
def test_the_fallback_reports_the_whole_check(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    result, given = run(kind, 0.5, monkeypatch)
    assert len(given) == 2 and given[1] <= given[0] / 2  # the fallback got what was left
    assert result.verdict == UNKNOWN
    assert result.message.startswith(f"solver timeout after {BUDGET:g}s")
    assert result.seconds >= given[0] / 2
