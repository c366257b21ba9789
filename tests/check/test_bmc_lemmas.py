"""bmc's 1-induction member infers lemmas (``check.bmc_lemmas``): PASS where it stalled.

Round 22's safe user specs gave bmc UNKNOWN at depth 5 and 10 (put_vault: "to d0" or "to
d3"; zero_sum_funding from 10 accounts): their properties are not 1-inductive alone and the
nonlinear unrollings stall. The member now infers lemmas (affine equalities fitting the
states of seeded concrete paths, and prove's guard, sign and net-total candidates), keeps
Houdini's survivors and passes only when the properties and the lemmas are 1-inductive
together. Each PASS is checked here against a proof written by hand in Z3 (independent of
the spec's encoding), and the buggy variants are never passed.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
import z3
from check_helpers import load_user_spec

import solvent as sv
from solvent.check.bmc import bmc
from solvent.check.bmc_lemmas import sampled_equalities
from solvent.check.infer_linear import null_space
from solvent.check.members import run_member
from solvent.check.solving import searched_properties


def load(monkeypatch: pytest.MonkeyPatch, name: str, accounts: int, bug: bool = False) -> sv.Spec:
    env = {"ACCOUNTS": str(accounts), **({"BUG": "1"} if bug else {})}
    return load_user_spec(monkeypatch, name, **env)


def induction(spec: sv.Spec, depth: int = 5) -> tuple[str, list[str]]:
    answer = run_member("induction", spec, searched_properties(spec, None), depth, None)
    return answer.verdict, list(answer.extra.get("inferred", []))  # type: ignore[call-overload]


def test_null_space_is_exact() -> None:
    # rows (x, y, 1) on the line y == 2x + 1: the one relation is y - 2x - 1 == 0
    rows = [[Fraction(x), Fraction(2 * x + 1), Fraction(1)] for x in (0, 3, 7)]
    (v,) = null_space(rows, 3)
    assert [x / v[1] for x in v] == [-2, 1, -1]
    assert null_space([[Fraction(1), Fraction(0)], [Fraction(0), Fraction(1)]], 2) == []


def test_sampled_equalities_of_the_put_vault(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = load(monkeypatch, "put_vault", 30)
    texts = [i.text for i in sampled_equalities(spec, set())]
    assert "locked_usdc == 1800 x puts_1800 + 1600 x puts_1600 (on every sampled state)" in texts
    assert "vault_usdc == sum(shares_usdc) (on every sampled state)" in texts
    assert texts == [i.text for i in sampled_equalities(spec, set())]  # seeded


def _put_vault_by_hand() -> None:
    """The put vault's lemmas and invariant, proved by hand in Z3: L holds initially, each
    action and the tick keep it, and L implies the invariant (so no path breaks it)."""
    spot, vault, prem, locked, p18, p16, x, r = z3.Reals("spot vault prem locked p18 p16 x r")

    def lemma(spot: z3.ArithRef, vault: z3.ArithRef, prem: z3.ArithRef, locked: z3.ArithRef,
              p18: z3.ArithRef, p16: z3.ArithRef) -> z3.BoolRef:  # fmt: skip
        return z3.And(
            locked == 1800 * p18 + 1600 * p16,
            vault >= locked, p18 >= 0, p16 >= 0, prem >= 0, spot >= 0,
        )  # fmt: skip

    def owed(spot: z3.ArithRef) -> z3.ArithRef:
        return p18 * z3.If(1800 - spot > 0, 1800 - spot, 0) + p16 * z3.If(
            1600 - spot > 0, 1600 - spot, 0
        )

    now = lemma(spot, vault, prem, locked, p18, p16)
    steps = [
        lemma(spot * (1 + r), vault, prem, locked, p18, p16),  # the tick, |r| <= 0.1
        lemma(spot, vault + x, prem, locked, p18, p16),  # deposit x > 0
        lemma(spot, vault - x, prem, locked, p18, p16),  # withdraw x <= vault - locked
        lemma(spot, vault, prem + x * spot / 50, locked + 1800 * x, p18 + x, p16),  # sell 1800
        lemma(spot, vault, prem + x * spot / 100, locked + 1600 * x, p18, p16 + x),  # sell 1600
    ]
    guards = [
        z3.And(r >= -0.1, r <= 0.1),
        x > 0,
        z3.And(x > 0, x <= vault - locked),
        z3.And(x > 0, locked + 1800 * x <= vault),
        z3.And(x > 0, locked + 1600 * x <= vault),
    ]
    assert z3.simplify(lemma(z3.RealVal(2000), *[z3.RealVal(0)] * 5)) == z3.BoolVal(True)
    for guard, after in zip(guards, steps, strict=True):
        s = z3.Solver()
        s.add(now, guard, z3.Not(after))
        assert s.check() == z3.unsat
    s = z3.Solver()
    s.add(now, z3.Not(vault + prem >= owed(spot)))
    assert s.check() == z3.unsat


@pytest.mark.parametrize("accounts", [1, 3])
def test_put_vault_is_passed_by_1_induction_with_inferred_lemmas(
    monkeypatch: pytest.MonkeyPatch, accounts: int
) -> None:
    # before: "not shown 1-inductive", and bmc --depth 5/10 UNKNOWN
    verdict, inferred = induction(load(monkeypatch, "put_vault", accounts))
    assert verdict == "PASS"
    assert any(i.startswith("sampled_locked_usdc: locked_usdc == 1800 x") for i in inferred)
    _put_vault_by_hand()  # independent: the same PASS proved by hand


@pytest.mark.slow
def test_zero_sum_funding_on_10_accounts_is_passed_with_the_net_position(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # its one-query step ran out of its units on 10 accounts; asked by cases it is proved
    verdict, inferred = induction(load(monkeypatch, "zero_sum_funding", 10))
    assert verdict == "PASS"
    assert [i.split(":")[0] for i in inferred] == ["sampled_position"]
    # independent: funding f on every position keeps sum(cash) == usdc when the positions
    # sum to 0, and a trade keeps them summing to 0 (10 accounts, by hand)
    cash, pos = z3.RealVector("c", 10), z3.RealVector("q", 10)
    usdc, f, k = z3.Reals("usdc f k")
    s = z3.Solver()
    s.add(z3.Sum(cash) == usdc, z3.Sum(pos) == 0, f >= -80, f <= 80, k >= 0, k <= 50)
    moved = [pos[i] + (k if i == 0 else -k if i == 1 else 0) for i in range(10)]
    s.add(z3.Or(z3.Sum(moved) != 0, z3.Sum([cash[i] - moved[i] * f for i in range(10)]) != usdc))
    assert s.check() == z3.unsat


@pytest.mark.parametrize(("name", "accounts"), [("put_vault", 1), ("zero_sum_funding", 3)])
def test_the_bugs_are_never_passed(
    monkeypatch: pytest.MonkeyPatch, name: str, accounts: int
) -> None:
    verdict, _ = induction(load(monkeypatch, name, accounts, bug=True))
    assert verdict == "UNKNOWN"


@pytest.mark.slow
def test_bmc_depth_10_passes_the_put_vault_the_same_with_1_and_2_jobs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = load(monkeypatch, "put_vault", 1)
    one = bmc(spec, 10, jobs=1, timeout=240)
    two = bmc(spec, 10, jobs=2, timeout=240)
    assert one.verdict == two.verdict == "PASS", one.message
    assert one.message == two.message
    assert "1-inductive with" in one.message and "sampled_locked_usdc" in one.message
