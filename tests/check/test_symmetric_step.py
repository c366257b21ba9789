"""The 1-induction step asked once per action (``check.symmetric_step``), checked.

zero_sum_funding's step on 30 accounts has 930 trade instances and stayed UNKNOWN in
round 23 (prove and bmc); put_vault's bmc on 30 accounts too. Each PASS here is checked
against an independent computation: the pairwise step written by hand in Z3 with the two
accounts as symbolic indices (so every pair at once, no renaming argument), and on 3 and 4
accounts the reduced step against the whole one (every instance asked). A spec whose
trade writes an account it does not name is refused, and its bug is still found.
"""

from __future__ import annotations

import pytest
import z3
from check_helpers import load_user_spec

import solvent as sv
from solvent import Num, PerAccount, requires
from solvent.check.induction import prove
from solvent.check.infer import Inferred, with_lemmas
from solvent.check.members import run_member
from solvent.check.results import FAIL, PASS
from solvent.check.solving import Deadline, searched_properties
from solvent.check.symmetric_step import Refused, by_action, representatives
from solvent.check.verdicts import inductive
from solvent.lang.functions import sum_
from solvent.spec.spec import PredicateDecl


def load(monkeypatch: pytest.MonkeyPatch, name: str, accounts: int) -> sv.Spec:
    return load_user_spec(monkeypatch, name, ACCOUNTS=str(accounts))


def net_position(spec: sv.Spec) -> sv.Spec:
    """zero_sum_funding with the net position as a lemma (what the inference finds)."""
    decl = PredicateDecl(
        "net_position",
        lambda s, p, a=None: sum_(s.position[b] for b in s.accounts) == 0,
        "lemma", False, True, None, "inferred lemma",
    )  # fmt: skip
    return with_lemmas(spec, [Inferred(decl, "test", "sum(position) == 0")])


def pairwise_step_by_hand(n: int, net: bool = True) -> z3.CheckSatResult:
    """zero_sum_funding's step on ``n`` accounts in Z3, written by hand: the trade's buyer
    and seller two *symbolic* distinct indices (all pairs at once), deposit and withdraw on a symbolic account; the hour's funding first (the
    engine's order: tick, then the action). unsat: the balances and the net position are
    kept by every step; sat without the net position (``net``)."""
    cash, pos = z3.RealVector("cash", n), z3.RealVector("pos", n)
    usdc, f, amt, c = z3.Reals("usdc f amt c")
    i, j = z3.Ints("i j")

    def at(who: z3.ArithRef, v: z3.ArithRef) -> list[z3.ArithRef]:
        return [z3.If(who == k, v, 0) for k in range(n)]

    paid = [cash[k] - pos[k] * f for k in range(n)]  # the hour
    traded = [pos[k] + x - y for k, x, y in zip(range(n), at(i, c), at(j, c), strict=True)]
    s = z3.Solver()
    s.add(z3.Sum(cash) == usdc, z3.Sum(pos) == 0 if net else True, f >= -80, f <= 80)
    s.add(0 <= i, i < n, 0 <= j, j < n, i != j, c >= 0, c <= 50, amt >= 0, amt <= 100000)
    after = [
        (paid, traded, usdc),  # trade(i, j)
        ([x + y for x, y in zip(paid, at(i, amt), strict=True)], pos, usdc + amt),  # deposit(i)
        ([x - y for x, y in zip(paid, at(i, amt), strict=True)], pos, usdc - amt),  # withdraw(i)
        (paid, pos, usdc),  # no action
    ]
    s.add(z3.Or([z3.Or(z3.Sum(c2) != u2, z3.Sum(p2) != 0) for c2, p2, u2 in after]))
    return s.check()


def test_zero_sum_on_30_accounts_is_asked_for_one_trade_and_proved(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    strong = net_position(load(monkeypatch, "zero_sum_funding", 30))
    small = representatives(strong, searched_properties(strong, None))
    assert [i.label() for i in small.instances()] == ["deposit(0)", "withdraw(0)", "trade(0, 1)"]
    assert inductive(small, list(strong.invariants), Deadline(None), by_cases=True)
    assert pairwise_step_by_hand(30) == z3.unsat  # independent: every pair at once
    assert pairwise_step_by_hand(30, net=False) == z3.sat  # and it can fail


@pytest.mark.parametrize("accounts", [3, 4])
def test_the_reduced_step_answers_as_the_whole_step(
    monkeypatch: pytest.MonkeyPatch, accounts: int
) -> None:
    # brute force on few accounts: every instance asked, against one per action
    plain = load(monkeypatch, "zero_sum_funding", accounts)
    for spec, expected in ((plain, False), (net_position(plain), True)):
        decls = list(spec.invariants)
        small = representatives(spec, searched_properties(spec, None))
        assert len(small.instances()) == 3 < len(spec.instances())
        whole = inductive(spec, decls, Deadline(None), by_cases=True)
        assert whole == inductive(small, decls, Deadline(None), by_cases=True) == expected
    vault = load(monkeypatch, "put_vault", accounts)
    small = representatives(vault, searched_properties(vault, None))
    assert [i.label() for i in small.instances()] == [
        "deposit(0)", "withdraw(0)", "sell_1800", "sell_1600",
    ]  # fmt: skip


@pytest.mark.slow
def test_prove_on_30_accounts_passes_by_action(monkeypatch: pytest.MonkeyPatch) -> None:
    # before: UNKNOWN at the step k=1 (930 trades); the lemma here is the inferred one
    strong = net_position(load(monkeypatch, "zero_sum_funding", 30))
    result = by_action(strong, prove, {"k": 1, "max_k": 1, "search_depth": 1, "timeout": 600})
    assert result.verdict == PASS, result.message
    assert result.details["step_by_action"] == ["deposit(0)", "withdraw(0)", "trade(0, 1)"]
    assert "one instance of each action" in result.message
    assert pairwise_step_by_hand(30) == z3.unsat


def test_what_the_representatives_do_not_prove_is_not_passed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # without the net position the step has a CTI (a trade from positions that do not net
    # to 0): the reduced step's answer is not a PASS, and the whole step answers as before
    spec = load(monkeypatch, "zero_sum_funding", 4)
    result = by_action(spec, prove, {"k": 1, "max_k": 1, "search_depth": 1, "timeout": 120})
    assert result.verdict != PASS
    assert "step_by_action" not in result.details
    assert "one instance of each action" not in result.message


@pytest.mark.slow
@pytest.mark.parametrize("name", ["zero_sum_funding", "put_vault"])
def test_bmc_induction_on_30_accounts_passes_with_lemmas_from_3(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    # before: bmc --depth 5/10 UNKNOWN on 30 accounts (Houdini's step on 930 trades)
    spec = load(monkeypatch, name, 30)
    answer = run_member("induction", spec, searched_properties(spec, None), 5, None)
    assert answer.verdict == PASS
    inferred = [str(i).split(":")[0] for i in answer.extra["inferred"]]  # type: ignore[union-attr]
    if name == "zero_sum_funding":
        assert inferred == ["sampled_position"]
        assert pairwise_step_by_hand(30) == z3.unsat
    else:
        assert "sampled_locked_usdc" in inferred
        from test_bmc_lemmas import _put_vault_by_hand  # the vault's totals, any accounts

        _put_vault_by_hand()


# --------------------------------------------------------------------------- refusals
def rebate_spec(accounts: int) -> sv.Spec:
    """A trade whose rebate to the seller is taken from the buyer's *next* account (by
    index): on trade(0, 1) that is the seller itself (nothing moves), on trade(0, 2) it is
    account 1, a third account, whose cash goes negative: broken at depth 1."""
    spec = sv.Spec("rebate", accounts=accounts)

    @spec.state
    class S:
        cash: PerAccount[Num] = Num("0")
        position: PerAccount[Num] = Num("0")

    @spec.action(fee=sv.within("0", "10"))
    def trade(s, p, buyer, seller, fee):  # type: ignore[no-untyped-def]
        requires(fee > 0)
        s.position[buyer] = s.position[buyer] + 1
        s.position[seller] = s.position[seller] - 1
        s.cash[seller] = s.cash[seller] + fee
        nxt = (buyer + 1) % len(s.accounts)
        s.cash[nxt] = s.cash[nxt] - fee

    @spec.invariant
    def solvent_accounts(s, p, a):  # type: ignore[no-untyped-def]
        return s.cash[a] >= 0

    return spec


def test_a_trade_that_writes_a_third_account_is_refused_and_its_bug_found() -> None:
    spec = rebate_spec(3)
    with pytest.raises(Refused, match=r"trade\(0, 2\) writes cash\[1\].*field cash couples"):
        representatives(spec, searched_properties(spec, None))
    # lifted, the reduced step (trade(0, 1) only: nothing moves) would have passed
    result = by_action(spec, prove, {"k": 1, "max_k": 1, "search_depth": 2, "timeout": 120})
    assert result.verdict != PASS
    assert "field cash couples the accounts" in result.details["step_by_action"]
    found = prove(spec, k=1, max_k=2, search_depth=2, timeout=120)
    assert found.verdict == FAIL  # replayed on the concrete backend before it is shown


def test_a_tick_or_a_property_that_singles_out_an_account_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = load(monkeypatch, "zero_sum_funding", 3)
    first = PredicateDecl(
        "first_cash", lambda s, p, a=None: s.cash[0] >= 0, "invariant", False, True, None, ""
    )
    with pytest.raises(Refused, match="do not say the same"):
        representatives(spec, [*searched_properties(spec, None), first])
    only = sv.Spec("house-pays", accounts=3)

    @only.state
    class S:
        cash: PerAccount[Num] = Num("0")

    @only.tick
    def fee(s, m):  # type: ignore[no-untyped-def]
        s.cash[0] = s.cash[0] - 1  # the house account pays, not the others

    @only.action()
    def touch(s, p, a):  # type: ignore[no-untyped-def]
        s.cash[a] = s.cash[a] + 0

    @only.invariant
    def total(s):  # type: ignore[no-untyped-def]
        return sv.sum(s.cash[a] for a in s.accounts) <= 0

    with pytest.raises(Refused, match="tick and keepers"):
        representatives(only, searched_properties(only, None))
