"""The fixed-point corpus specs' bug at depth 3 on 1, 3 and 30 accounts (issue 13, round 10).

In fixed-point arithmetic every product of two solver values is a floor division of a
nonlinear integer term, and Z3 stalls: the quote style on 1 account, and the entry style
from 3 accounts on, ended UNKNOWN or "not canonicalised" after 60 s. ``check/corners.py``
pins the market draws at their envelope's corners (the query becomes linear), and a
fixed-point spec whose accounts decouple is searched on one account from 2 accounts on
(``decompose_bmc``), its path lifted and replayed on all of them.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from solvent.check import corners, portfolio
from solvent.check.bmc import bmc
from solvent.check.decompose_bmc import bmc_any_accounts
from solvent.check.replay import replay
from solvent.check.results import FAIL, UNKNOWN, CheckResult
from solvent.check.solving import Deadline, select_properties
from solvent.spec.load import load_spec
from solvent.spec.spec import Spec

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "benchmarks" / "engine"


def fixed(monkeypatch: pytest.MonkeyPatch, style: str, accounts: int, mm: str = "0.05") -> Spec:
    monkeypatch.setenv("FIXED", "1")
    monkeypatch.setenv("ACCOUNTS", str(accounts))
    monkeypatch.setenv("MM", mm)
    return load_spec(str(ENGINE / f"perp_{style}.py"), None)


def test_assignments_constant_first_then_all_once() -> None:
    got = list(corners.assignments(["a", "b"], 2))
    assert got[:4] == [((0, 0), (0, 0)), ((0, 1), (0, 1)), ((1, 0), (1, 0)), ((1, 1), (1, 1))]
    assert len(got) == len(set(got)) == 16


def test_corners_find_the_quote_style_bug_and_never_a_safe_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = fixed(monkeypatch, "quote", 1)
    decls = select_properties(spec, None)
    got = corners.at_corners_path(spec, decls, 3, Deadline(60), True)
    assert (got.member, got.verdict, got.depth, got.failed) == ("corners", FAIL, 3, ("fund_ok",))
    assert got.trace is not None
    replayed = replay(spec, got.trace)
    assert replayed.first_failure is not None and replayed.first_failure.step == 3
    # the safe variant (maintenance 8% >= the largest move): no pinned path breaks it
    safe = fixed(monkeypatch, "quote", 1, "0.08")
    again = corners.at_corners_path(safe, select_properties(safe, None), 3, Deadline(60), True)
    assert again.verdict == UNKNOWN


def test_quote_style_one_account_fails_canonically(monkeypatch: pytest.MonkeyPatch) -> None:
    """Was UNKNOWN or the falsifier's own path ("not canonicalised") after 60 s."""
    spec = fixed(monkeypatch, "quote", 1)
    result = portfolio.portfolio_bmc(spec, 3, jobs=1, timeout=60)
    assert (result.verdict, result.bound) == (FAIL, "depth 3/3"), result.message
    assert "not canonicalised" not in result.message
    assert "shorter one" not in result.message


def test_entry_style_three_accounts_through_one_same_for_jobs_1_and_2(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Was a FAIL near the 60 s budget with the falsifier's own path (not shown shortest,
    not canonicalised); now found on one account, lifted to 3 and replayed there."""
    spec = fixed(monkeypatch, "entry", 3)
    results = [bmc_any_accounts(spec, bmc, 3, timeout=60, jobs=jobs) for jobs in (1, 2)]
    for result in results:
        assert (result.verdict, result.bound) == (FAIL, "depth 3/3"), result.message
        assert "lifted to 3" in result.message
        assert "not canonicalised" not in result.message
        assert "shorter one" not in result.message  # a shortest one for every N
        replayed = replay(spec, result.counterexample)  # type: ignore[arg-type]
        assert replayed.first_failure is not None and replayed.first_failure.step == 3
    one, two = (r.counterexample for r in results)
    assert one is not None and two is not None
    assert (one.init, one.steps) == (two.init, two.steps)


def test_the_safe_fixed_point_variant_loses_a_unit_to_rounding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Why `prove` of the floor-rounding fixed-point variant (maintenance 8%) cannot pass: the
    floor roundings of the mark price and the PnL let one liquidation leave a deficit of
    one unit of the last decimal, so the fund drains after enough liquidations. The pinned
    market finds such a path at depth 3 (replayed exactly); its UNKNOWN says so."""
    from solvent.check.suggest import why_unknown
    from solvent.spec.decls import PredicateDecl

    monkeypatch.setenv("FLOOR", "1")  # every product rounded down (the corpus before round 14)
    spec = fixed(monkeypatch, "entry", 1, "0.08")
    never_falls = PredicateDecl(
        "fund_never_falls", lambda s: s.insurance >= 100, "invariant", False, False, "test"
    )
    got = corners.at_corners_path(spec, [never_falls], 3, Deadline(60), True)
    assert (got.verdict, got.depth) == (FAIL, 3)
    assert got.trace is not None
    last = replay(spec, got.trace).records[-1].state["insurance"]
    assert 100 - Fraction(1, 10**4) <= last < 100  # a rounding's deficit, not a gap
    unknown = CheckResult(
        "prove", spec.name, UNKNOWN, "k=1", 1.0, 1, details={"obligation": "fund_ok"}
    )
    why = why_unknown(spec, unknown, timeout=60, jobs=1, invariants=None)
    assert any(n.startswith("fixed point: bmc --depth 3") for n in why["next"])
    unknown.details = {}  # the step, no obligation named: the spec's one property's fields
    why = why_unknown(spec, unknown, timeout=60, jobs=1, invariants=None)
    assert any(
        n.startswith("fixed point: bmc --depth 3 with an invariant that insurance")
        for n in why["next"]
    )


def test_a_deeper_question_pins_the_market_where_the_unrolling_gave_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``--depth 5`` on 1 account took 13 s of CPU (75-115 s of wall on the loaded machine)
    for the depth-3 bug that ``--depth 3`` finds in 1 s: the first attempt pinned the market
    at its corners only at the last depth, and its unrolling of the depths before gave up
    at depth 3 (round 15 of benchmarks/results/engine.md). Now the depth where it gave up
    (the depths before it cleared: a shortest one) is asked at the corners too; the path is
    the one of the depth-3 question."""
    from solvent.check.first_attempt import first_attempt

    spec = fixed(monkeypatch, "entry", 1)
    decls = select_properties(spec, None)
    first = first_attempt(
        spec, decls, 5, Deadline(120), False, full=True, members=portfolio.MEMBERS
    )
    assert first is not None
    assert (first.member, first.verdict, first.depth, first.shortest) == ("corners", FAIL, 3, True)
    deep, shallow = (portfolio.portfolio_bmc(spec, d, jobs=1, timeout=120) for d in (5, 3))
    assert (deep.verdict, deep.bound, shallow.bound) == (FAIL, "depth 3/5", "depth 3/3")
    assert deep.counterexample is not None and shallow.counterexample is not None
    same = (shallow.counterexample.init, shallow.counterexample.steps)
    assert (deep.counterexample.init, deep.counterexample.steps) == same
    assert deep.details["replay"].failures  # replayed on the concrete judge
