"""An accumulator its property pins (``bad_debt == 0``): proved for every number of accounts
when no account's step moves it (issue 13, point 2, on the invariant users write).

``bad_debt == 0`` is monotone in neither direction of ``bad_debt``, so before this the
shared-accumulator rule refused it ("not monotone") and ``prove`` fell back to the fixed
number of accounts. The rule now asks the one-account proof to show that an account's step
never changes such an accumulator (direction 0, the step lemma ``moved == 0``). Checked
independently: the unrolled search (the ``incremental`` member alone) on 2 accounts finds
nothing where the rule proves; where one account is safe and two are not (``draw``), the
rule does not prove and the exhaustive exploration finds the 2-account violation.
"""

from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path

import pytest

import solvent as sv
from solvent.check import members
from solvent.check.decompose import plan, prove_any_accounts
from solvent.check.induction import prove
from solvent.check.results import PASS
from solvent.spec.load import load_spec

ROOT = Path(__file__).resolve().parents[2]
SPEC = Path(__file__).resolve().parent / "specs" / "bad_debt_ledger.py"
sys.path.insert(0, str(ROOT / "tests" / "soundness"))
from specgen import explore  # noqa: E402


def ledger(monkeypatch: pytest.MonkeyPatch, variant: str, accounts: int) -> sv.Spec:
    monkeypatch.setenv("VARIANT", variant)
    monkeypatch.setenv("ACCOUNTS", str(accounts))
    return load_spec(str(SPEC), None)


def test_bad_debt_pinned_at_zero_is_proved_for_every_number_of_accounts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = ledger(monkeypatch, "perp", 3)
    rule = plan(spec).rule
    assert rule is not None and rule.directions == {"bad_debt": 0, "fund": 1}
    result = prove_any_accounts(spec, prove, max_k=1, timeout=120)
    assert (result.verdict, result.accounts) == (PASS, "any"), result.message
    assert "bad_debt never changes in an account's step" in result.details["decomposition"]
    # independently: no path of up to 2 steps on 2 accounts breaks it (unrolled search)
    two = spec.with_accounts(2)
    assert members.run_member("incremental", two, two.properties(), 2, 120.0).verdict == PASS


def test_a_fund_that_covers_one_default_but_not_two_is_not_proved(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = ledger(monkeypatch, "draw", 2)
    result = prove_any_accounts(spec, prove, max_k=1, timeout=120)
    assert result.accounts == 2 and result.verdict != PASS
    # the default reads the fund (``max(fund - 60, 0)``) in a way that matters
    assert (
        "the shared-accumulator rule does not apply: action default reads"
        in (result.details["decomposition"])
    )
    # the brute-force reason: one account is safe, two are not
    assert not explore(spec.with_accounts(1), 2)
    assert explore(spec.with_accounts(2), 2)


def test_a_budget_the_one_account_search_used_up_is_named_as_the_users(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # without lemmas the rule refuses; the one-account proof that infers lemmas for the
    # rule's reader (it proves this spec in about 3 s of CPU: test_reader_lemmas.py) and
    # the search for a real path on one account take the budget (0.3 s: spent on any
    # machine; with 1 s, a fresh-clone CI run once got PASS), and the fallback's timeout
    # used to read "solver timeout after 0.001s"
    monkeypatch.setenv("LEMMAS", "0")
    spec = ledger(monkeypatch, "perp", 3)
    result = prove_any_accounts(spec, prove, max_k=1, timeout=0.3)
    assert result.verdict == "UNKNOWN" and result.accounts == 3, result.message
    assert "0.001s" not in result.message
    assert "solver timeout after 0.3s (the proof and the search on one account used " in (
        result.message
    )


def test_frontier_probes_prove_for_every_number_of_accounts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a frontier's (and prove's slack search's) probes take the same one-account route as
    # prove: each proved value holds for every number of accounts
    from solvent.check.frontier import frontier
    from solvent.check.probes import PROVED, ProbeOptions

    spec = ledger(monkeypatch, "perp", 3)
    options = ProbeOptions(k=1, timeout=60, depth=1)
    found = frontier(
        spec, "r", tol="0.005", search_range=("0.05", "0.07"), checks=0, options=options
    )
    proved = [p for p in found.probes if p.outcome == PROVED]
    assert proved and all(p.result is not None and p.result.accounts == "any" for p in proved)
    # the closed form: a move of |r| <= mmr (6.25%) cannot take an account that the keeper
    # left above maintenance below zero, and a larger one can; the frontier stays below it
    assert found.safe is not None and Fraction("0.05") <= found.safe <= Fraction("0.0625")
