"""The any-N checks' fallback reports the whole check's time and the user's budget.

When the one-account work (proof, inference, search) used up the budget, the fallback on
the spec's own accounts ran with what was left (0.001 s) and its result was shown as
is: `prove --timeout 60` of the fixed-point corpus spec printed "solver timeout after
0.001s" and "3.3s" on its verdict line after 60 s of wall time (issue 13, round 10).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from solvent.check.decompose import prove_any_accounts
from solvent.check.decompose_bmc import bmc_any_accounts
from solvent.check.results import UNKNOWN, CheckResult
from solvent.spec.load import load_spec
from solvent.spec.spec import Spec

SPEC = Path(__file__).resolve().parent / "specs" / "isolated_accounts.py"
BUDGET = 1.0


def isolated(monkeypatch: pytest.MonkeyPatch, accounts: int) -> Spec:
    monkeypatch.setenv("ACCOUNTS", str(accounts))
    monkeypatch.setenv("SHARED", "0")
    return load_spec(str(SPEC), None)


def stand_in(kind: str) -> tuple[Any, list[float]]:
    """A check that spends its whole budget on its first call (the one-account work)."""
    given: list[float] = []

    def check(spec: Spec, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        assert timeout is not None
        given.append(timeout)
        if len(given) == 1:
            time.sleep(timeout)
        return CheckResult(
            kind,
            spec.name,
            UNKNOWN,
            "k=1",
            0.01,
            spec.accounts,
            message=f"solver timeout after {timeout:g}s",
            details={"reason": "timeout"},
        )

    return check, given


def test_prove_fallback_names_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    prove, given = stand_in("prove")
    result = prove_any_accounts(isolated(monkeypatch, 1), prove, max_k=1, timeout=BUDGET)
    assert len(given) == 2 and given[1] < 0.1  # the fallback got what was left
    assert result.verdict == UNKNOWN
    assert result.message == f"solver timeout after {BUDGET:g}s"
    assert result.seconds >= BUDGET


def test_bmc_fallback_names_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    bmc, given = stand_in("bmc")
    result = bmc_any_accounts(isolated(monkeypatch, 5), bmc, 3, timeout=BUDGET)
    assert len(given) == 2 and given[1] < 0.1
    assert result.message == f"solver timeout after {BUDGET:g}s"
    assert result.seconds >= BUDGET
