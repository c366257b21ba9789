"""Round 22: five user specs in new styles (tests/check/specs/), each safe and ``BUG=1``.

- ``zero_sum_funding``: funding is zero-sum only because a trade between two accounts
  keeps the positions netting to zero; the user wrote no lemma. bmc stalls past depth 3
  and prove ended in a CTI after a search that used the whole budget. Inference now also
  offers "the accounts' position adds up to its initial total" when an action takes two
  or more accounts (``infer._net_totals``); Houdini checks it and the proof passes.
  Checked against a hand-written Z3 step with the same fact, and the bug is never proved.
- ``close_factor``, ``hlp_backstop``, ``borrow_index``, ``put_vault``: the bugs are found
  at the depth the spec's docstring works out by hand, each path replayed; the safe
  variants' bmc verdicts agree with a hand-written Z3 BMC
  (benchmarks/engine/naive_r22.py) where that one answers.
- A spec whose action takes more accounts than it declares: the error says how to fix it.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
import z3
from check_helpers import load_user_spec

import solvent as sv
from solvent.check.bmc import bmc
from solvent.check.decompose import prove_any_accounts
from solvent.check.induction import prove
from solvent.check.infer import candidate_lemmas
from solvent.check.replay import replay
from solvent.errors import SpecError

pytestmark = pytest.mark.slow

SPECS = Path(__file__).resolve().parent / "specs"
NAIVE = Path(__file__).resolve().parents[2] / "benchmarks" / "engine" / "naive_r22.py"


def load(monkeypatch: pytest.MonkeyPatch, name: str, **env: str) -> sv.Spec:
    return load_user_spec(monkeypatch, name, **env)


def naive() -> ModuleType:
    found = importlib.util.spec_from_file_location("naive_r22", NAIVE)
    assert found is not None and found.loader is not None
    module = importlib.util.module_from_spec(found)
    found.loader.exec_module(module)
    return module


def naive_answer(model: str, accounts: int, depth: int, bug: bool) -> z3.CheckSatResult:
    s = z3.Solver()
    s.set(timeout=120_000)
    s.add(z3.Or(naive().MODELS[model](s, accounts, depth, bug)))
    return s.check()


def test_zero_sum_funding_is_proved_with_the_positions_net_total_inferred(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = load(monkeypatch, "zero_sum_funding", ACCOUNTS="3")
    result = prove_any_accounts(spec, prove, k=1, max_k=3, timeout=240, jobs=1)
    assert result.verdict == "PASS", result.message
    assert "position_total_0" in result.message
    assert "the accounts' position add up to 0" in result.message
    # independent: the step written by hand in Z3 (3 accounts, funding f on every
    # position, then a deposit, a withdrawal or a trade), from any state where the cash
    # adds up to what the exchange holds and the positions to 0: both facts hold after it
    s = z3.Solver()
    cash = [z3.Real(f"c{i}") for i in range(3)]
    pos = [z3.Real(f"q{i}") for i in range(3)]
    usdc, f, amount, k = z3.Reals("usdc f amount k")
    s.add(z3.Sum(cash) == usdc, z3.Sum(pos) == 0, f >= -80, f <= 80)
    s.add(amount >= 0, amount <= 100000, k >= 0, k <= 50)
    after = [c - q * f for c, q in zip(cash, pos, strict=True)]
    worlds = [z3.Or(z3.Sum(after) != usdc, z3.Sum(pos) != 0)]  # no action
    for i in range(3):
        dep = list(after)
        dep[i] = after[i] + amount
        worlds.append(z3.Sum(dep) != usdc + amount)
        wd = list(after)
        wd[i] = after[i] - amount
        worlds.append(z3.And(amount <= after[i], z3.Sum(wd) != usdc - amount))
        for j in range(3):
            if i != j:
                moved = list(pos)
                moved[i], moved[j] = pos[i] + k, pos[j] - k
                worlds.append(z3.Or(z3.Sum(after) != usdc, z3.Sum(moved) != 0))
    s.add(z3.Or(worlds))
    assert s.check() == z3.unsat
    # without the fact the hand-written step is not inductive: the lemma is needed
    s2 = z3.Solver()
    s2.add(z3.Sum(cash) == usdc, f >= -80, f <= 80, z3.Sum(after) != usdc)
    assert s2.check() == z3.sat


def test_the_net_total_is_offered_only_when_an_action_takes_two_accounts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = load(monkeypatch, "zero_sum_funding", ACCOUNTS="3")
    sources = {c.decl.name: c.source for c in candidate_lemmas(spec, None, None)}
    assert sources["position_total_0"] == "net total"
    assert sources["cash_total_0"] == "net total"  # offered; Houdini drops it (deposits)
    assert "position_total_0" not in {
        c.decl.name for c in candidate_lemmas(spec, None, None, exclude=["position"])
    }
    single = load(monkeypatch, "close_factor", ACCOUNTS="3")
    assert all(c.source != "net total" for c in candidate_lemmas(single, None, None))


def test_the_funding_bug_is_found_and_never_proved(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = load(monkeypatch, "zero_sum_funding", BUG="1", ACCOUNTS="3")
    result = prove_any_accounts(spec, prove, k=1, max_k=3, timeout=240, jobs=1)
    assert result.verdict == "FAIL", result.message
    trace = result.counterexample
    assert trace is not None
    assert "balances_add_up" in [f.name for f in replay(spec, trace).failures]
    assert naive_answer("zero_sum_funding", 3, result.depth or 0, True) == z3.sat


@pytest.mark.parametrize(
    ("name", "depth"),
    [("close_factor", 4), ("hlp_backstop", 4), ("borrow_index", 2), ("put_vault", 3)],
)
def test_each_bug_is_found_at_the_depth_worked_out_by_hand(
    monkeypatch: pytest.MonkeyPatch, name: str, depth: int
) -> None:
    spec = load(monkeypatch, name, BUG="1", ACCOUNTS="3")
    result = bmc(spec, 5, timeout=240, jobs=1)
    assert (result.verdict, result.depth) == ("FAIL", depth), result.message
    trace = result.counterexample
    assert trace is not None and trace.accounts == 3
    again = replay(spec, trace)
    assert again.violated and again.first_failure is not None
    assert again.first_failure.step == depth


@pytest.mark.parametrize(("name", "bug"), [("close_factor", True), ("put_vault", True)])
def test_no_shorter_path_by_the_hand_written_bmc(name: str, bug: bool) -> None:
    # the depths above are shortest: the naive BMC finds nothing one step earlier
    depth = {"close_factor": 4, "put_vault": 3}[name]
    assert naive_answer(name, 1, depth - 1, bug) == z3.unsat
    assert naive_answer(name, 1, depth, bug) == z3.sat


@pytest.mark.parametrize("name", ["close_factor", "hlp_backstop", "borrow_index"])
def test_the_safe_variants_pass_bmc_and_prove(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    spec = load(monkeypatch, name, ACCOUNTS="3")
    bounded = bmc(spec, 3, timeout=240, jobs=1)
    assert bounded.verdict == "PASS", bounded.message
    proved = prove_any_accounts(spec, prove, k=1, max_k=3, timeout=240, jobs=1)
    assert proved.verdict == "PASS", proved.message


def test_the_safe_close_factor_agrees_with_the_hand_written_bmc() -> None:
    assert naive_answer("close_factor", 1, 3, False) == z3.unsat


def test_an_action_with_more_accounts_than_declared_says_how_to_fix_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(SpecError) as raised:
        load(monkeypatch, "zero_sum_funding", ACCOUNTS="1")
    text = str(raised.value)
    assert "action trade takes 2 accounts (buyer, seller) but the spec has 1" in text
    assert "declare at least 2 (sv.Spec(..., accounts=2)" in text
