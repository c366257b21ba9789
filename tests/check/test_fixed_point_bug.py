"""The fixed-point corpus spec's bug at depth 3 on 1 account (issue 13, round 9).

The incremental unrolling gives up on its depth-3 question, and the one-shot query's
speed depended on the Z3 work done before it in the process (0.4 s first, no answer in
60 s after other work): bmc ended UNKNOWN after 30 s. The one-shot query is now solved on
a copy parsed from its SMT-LIB text (``members._reparsed``), asked in the first attempt
and in the canonical derivation, so the FAIL comes in a few seconds, the same every time.
"""

from __future__ import annotations

import pytest

from solvent.check import first_attempt, portfolio
from solvent.check.members import few_accounts, fresh_from, unroll
from solvent.check.replay import replay
from solvent.check.results import FAIL, UNKNOWN
from solvent.check.solving import Deadline, select_properties
from solvent.spec.load import load_spec
from tests.check.test_first_attempt import ENTRY, counting_races


def fixed_point(monkeypatch: pytest.MonkeyPatch) -> object:
    monkeypatch.setenv("FIXED", "1")
    # every product rounded down, the spec these queries were measured on (round 14's
    # corpus rounds in the protocol's favour: tests/check/test_fixed_point_safe.py)
    monkeypatch.setenv("FLOOR", "1")
    monkeypatch.setenv("ACCOUNTS", "1")
    monkeypatch.setenv("MM", "0.05")
    return load_spec(str(ENTRY), None)


def test_the_first_attempt_finds_it_after_other_z3_work(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = fixed_point(monkeypatch)
    decls = select_properties(spec, None)  # type: ignore[arg-type]
    # Z3 work first in this process (the old one-shot query then gave no answer)
    few_accounts(spec, decls, 2, Deadline(None), False)  # type: ignore[arg-type]
    capped = unroll(spec, decls, 3, Deadline(None), False, rlimit=first_attempt.FIRST_RLIMIT)  # type: ignore[arg-type]
    assert capped.verdict == UNKNOWN  # the unrolling alone gives up at depth 3
    got = first_attempt.first_attempt(
        spec,  # type: ignore[arg-type]
        decls,
        3,
        Deadline(None),
        False,
        full=True,
        members=portfolio.MEMBERS,
        jobs=1,
    )
    assert got is not None
    # fixed point: the market pinned at its corners answers first (round 10) ...
    assert (got.member, got.verdict, got.depth, got.shortest) == ("corners", FAIL, 3, True)
    # ... and the one-shot query still answers after the Z3 work above
    fresh = fresh_from(spec, decls, 3, 3, Deadline(None), False, first_attempt.FIRST_RLIMIT)  # type: ignore[arg-type]
    assert (fresh.member, fresh.verdict, fresh.depth, fresh.shortest) == ("fresh", FAIL, 3, True)


def test_bmc_fails_with_the_canonical_counterexample(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = fixed_point(monkeypatch)
    races = counting_races(monkeypatch)
    result = portfolio.portfolio_bmc(spec, 3, jobs=1, timeout=60)  # type: ignore[arg-type]
    assert (result.verdict, result.bound) == (FAIL, "depth 3/3"), result.message
    assert races == []  # the first attempt answered
    assert "not canonicalised" not in result.message
    replayed = replay(spec, result.counterexample)  # type: ignore[arg-type]
    assert replayed.first_failure is not None and replayed.first_failure.step == 3
