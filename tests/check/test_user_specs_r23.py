"""Round 23: the safe user specs of round 22 that prove left UNKNOWN.

- ``put_vault``: its invariant needs ``locked_usdc == 1800 * puts_1800 + 1600 * puts_1600``
  (the vault locks each put's strike), a linear relation between shared fields no
  candidate said. ``infer_linear`` offers every linear relation no step changes (the null
  space of the fields' changes at seeded points); Houdini proves it inductive and the
  proof passes at 1-30 accounts. Checked against a step written by hand in Z3 and the
  same spec with the lemmas written by hand; the bug is never proved.
- More than ``INFER_ACCOUNTS`` accounts: lemmas are inferred on ``FEWER_ACCOUNTS`` and
  proved again on the spec's accounts (``decompose_one.inferred_on_fewer``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import z3
from check_helpers import load_user_spec, put_vault_hand_lemmas

import solvent as sv
from solvent.check import decompose_one
from solvent.check.decompose import prove_any_accounts
from solvent.check.induction import prove
from solvent.check.infer_linear import linear_relations

pytestmark = pytest.mark.slow

SPECS = Path(__file__).resolve().parent / "specs"
RELATION = "linked_locked_usdc_puts_1800_puts_1600"


def load(monkeypatch: pytest.MonkeyPatch, name: str, **env: str) -> sv.Spec:
    return load_user_spec(monkeypatch, name, **env)


def test_the_strikes_relation_is_offered_for_the_safe_vault_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    found = {d.name: text for d, text, _code in linear_relations(load(monkeypatch, "put_vault"))}
    assert found == {
        RELATION: "locked_usdc == 1800 * puts_1800 + 1600 * puts_1600: no step changes "
        "locked_usdc - 1800 x puts_1800 - 1600 x puts_1600, so it keeps its initial value",
        "linked_vault_usdc_shares_usdc": "vault_usdc == sum(shares_usdc): no step changes "
        "vault_usdc - shares_usdc, so it keeps its initial value",
    }
    # the bug locks 15% of the spot a put: no linear relation of locked_usdc is conserved
    bug = linear_relations(load(monkeypatch, "put_vault", BUG="1"))
    assert [d.name for d, _t, _c in bug] == ["linked_vault_usdc_shares_usdc"]
    # the same candidates on every run (seeded points), none where nothing is conserved
    assert [d.name for d, _t, _c in linear_relations(load(monkeypatch, "put_vault"))] == list(found)
    assert linear_relations(load(monkeypatch, "close_factor")) == []


@pytest.mark.parametrize("accounts", ["1", "3", "30"])
def test_the_put_vault_is_proved_with_the_relation_inferred(
    monkeypatch: pytest.MonkeyPatch, accounts: str
) -> None:
    spec = load(monkeypatch, "put_vault", ACCOUNTS=accounts)
    result = prove_any_accounts(spec, prove, k=1, max_k=3, timeout=300, jobs=1)
    assert result.verdict == "PASS", result.message
    assert RELATION in result.message
    inferred = {i["name"]: i for i in result.details["inferred_lemmas"]}
    assert inferred[RELATION]["source"] == "linear relation"
    assert "1800 * s.puts_1800 + 1600 * s.puts_1600" in inferred[RELATION]["code"]
    if accounts == "30":
        assert "(the lemmas found on 3 accounts, proved on 30)" in result.message


def test_the_vault_step_written_by_hand_needs_and_keeps_the_relation() -> None:
    # independent of solvent: one step of the vault on one account (the tick, then one
    # action) from any state where the invariant, the relation, locked <= vault and the
    # signs hold; the invariant and those facts hold after it
    spot, vault, prem, locked, p1, p2 = z3.Reals("spot vault prem locked p1 p2")
    r, x = z3.Reals("r x")

    def owed(s: z3.ArithRef, a: z3.ArithRef, b: z3.ArithRef) -> z3.ArithRef:
        return a * z3.If(1800 - s > 0, 1800 - s, 0) + b * z3.If(1600 - s > 0, 1600 - s, 0)

    def facts(
        v: z3.ArithRef,
        pr: z3.ArithRef,
        lk: z3.ArithRef,
        a: z3.ArithRef,
        b: z3.ArithRef,
        s: z3.ArithRef,
        relation: bool = True,
    ) -> z3.BoolRef:
        kept = [lk <= v, pr >= 0, a >= 0, b >= 0, s >= 0, v + pr >= owed(s, a, b)]
        return z3.And(*kept, lk == 1800 * a + 1600 * b) if relation else z3.And(*kept)

    s1 = spot * (1 + r)
    steps = [
        (z3.BoolVal(True), (vault, prem, locked, p1, p2)),  # no action
        (x > 0, (vault + x, prem, locked, p1, p2)),  # deposit
        (z3.And(x > 0, x <= vault - locked), (vault - x, prem, locked, p1, p2)),  # withdraw
        (
            z3.And(x > 0, locked + 1800 * x <= vault),
            (vault, prem + x * s1 * z3.RealVal("0.02"), locked + 1800 * x, p1 + x, p2),
        ),
        (
            z3.And(x > 0, locked + 1600 * x <= vault),
            (vault, prem + x * s1 * z3.RealVal("0.01"), locked + 1600 * x, p1, p2 + x),
        ),
    ]

    def broken(relation: bool) -> z3.CheckSatResult:
        s = z3.Solver()
        s.set(timeout=120_000)
        s.add(facts(vault, prem, locked, p1, p2, spot, relation), r >= -0.1, r <= 0.1)
        s.add(z3.Or([z3.And(g, z3.Not(facts(*after, s1, relation))) for g, after in steps]))
        return s.check()

    assert broken(relation=True) == z3.unsat
    assert broken(relation=False) == z3.sat  # without it the step is not inductive


def test_the_vault_with_the_lemmas_written_by_hand_is_proved_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = put_vault_hand_lemmas(load(monkeypatch, "put_vault", ACCOUNTS="3"))
    result = prove_any_accounts(spec, prove, k=1, max_k=1, timeout=300, jobs=1)
    assert result.verdict == "PASS", result.message


def test_the_vault_bug_is_never_proved(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = load(monkeypatch, "put_vault", BUG="1", ACCOUNTS="3")
    result = prove_any_accounts(spec, prove, k=1, max_k=3, timeout=300, jobs=1)
    assert result.verdict != "PASS", result.message


def test_lemmas_inferred_on_fewer_accounts_are_proved_on_the_specs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # zero-sum funding on 4 accounts with the cut at 3: the positions' net total is
    # inferred on 2 accounts and the proof on 4 proves it again with the invariant
    monkeypatch.setattr(decompose_one, "INFER_ACCOUNTS", 3)
    monkeypatch.setattr(decompose_one, "FEWER_ACCOUNTS", 2)
    spec = load(monkeypatch, "zero_sum_funding", ACCOUNTS="4")
    result = prove_any_accounts(spec, prove, k=1, max_k=3, timeout=300, jobs=1)
    assert result.verdict == "PASS", result.message
    assert "position_total_0" in result.message
    assert "(the lemmas found on 2 accounts, proved on 4)" in result.message
    bug = load(monkeypatch, "zero_sum_funding", BUG="1", ACCOUNTS="4")
    assert prove_any_accounts(bug, prove, k=1, max_k=3, timeout=300, jobs=1).verdict == "FAIL"
