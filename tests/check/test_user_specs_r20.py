"""Round 20: user specs `prove` answered UNKNOWN or CTI on, though the answer is known.

- ``call_vault`` (safe, no lemma, its accounts coupled through the vault's shared fields):
  the lemma it needs, ``sum(open calls) <= locked_eth``, is a sale's guard without its
  ``qty > 0``; ``infer`` now builds it ("the action's conditions on the state hold") and
  the spec's own proof infers lemmas after a CTI (``decompose_one.own_first``), not only
  the one-account proof of the decomposition.
- ``late_keeper`` (safe; a keeper that closes an account two steps after flagging it):
  the lemma it needs bounds the margin a flagged account may lose by its lateness counter
  times its notional; ``infer_counter`` builds it (and the counter's values) from the
  keeper, and the decomposition's proof on one account infers it.
- ``gmx_pool`` (bug, one account): k=1 and k=2 give CTIs and the k=3 step does not stop
  by itself, so the search after the last k never ran; a search capped by Z3's resource
  counter now runs after the first CTI (``induction.counted_search``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import solvent as sv
from solvent.check.bmc import bmc
from solvent.check.decompose import prove_any_accounts
from solvent.check.induction import prove
from solvent.check.infer import candidate_lemmas
from solvent.check.replay import replay
from solvent.spec.load import load_spec

SPECS = Path(__file__).resolve().parent / "specs"


def load(monkeypatch: pytest.MonkeyPatch, name: str, **env: str) -> sv.Spec:
    for key in ("BUG", "LEMMAS", "ACCOUNTS"):
        monkeypatch.setenv(key, env.get(key, "0" if key != "ACCOUNTS" else "3"))
    return load_spec(str(SPECS / f"{name}.py"), None)


def proved(
    monkeypatch: pytest.MonkeyPatch, name: str, max_k: int = 3, **env: str
) -> tuple[sv.Spec, Any]:
    """The spec and its ``prove`` (k = 1..3, the decomposition first, as the CLI asks)."""
    spec = load(monkeypatch, name, **env)
    return spec, prove_any_accounts(spec, prove, k=1, max_k=max_k, timeout=120)


def test_a_sales_guard_without_its_argument_conditions_is_a_candidate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = load(monkeypatch, "call_vault")
    found = {c.decl.name: c for c in candidate_lemmas(spec, None, None)}
    said = found["sell_calls_2300_state_allowed"].text
    assert "sum(open_calls(s)) + qty <= s.locked_eth" in said and "qty > 0" not in said
    # the plain guard at qty = 0 is false (qty > 0): that candidate can never hold
    assert "sell_calls_2300_allowed" in found
    # deposit's only condition reads its argument alone: no state candidate for it
    assert "deposit_state_allowed" not in found


def test_the_vault_without_lemmas_is_proved_with_the_inferred_cover_lemma(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec, result = proved(monkeypatch, "call_vault")
    assert result.verdict == "PASS", result.message
    assert result.accounts == 3
    inferred = {d["name"] for d in result.details["inferred_lemmas"]}
    assert any(n.endswith("_state_allowed") for n in inferred), inferred
    assert "inferred from the spec" in result.message
    assert result.details["decomposition"].startswith("not applied: shared field")
    # independent: the spec rebuilt with the lemmas its user wrote by hand is proved by
    # plain k-induction, no inference (on one account: on 3 that proof takes a minute),
    # and bmc on two accounts finds no path in 2 steps
    by_hand = load(monkeypatch, "call_vault", LEMMAS="1", ACCOUNTS="1")
    assert prove(by_hand, k=1, timeout=60).verdict == "PASS"
    assert bmc(spec.with_accounts(2), depth=2, timeout=60).verdict == "PASS"


def test_the_vault_bug_stays_a_replayed_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    spec, result = proved(monkeypatch, "call_vault", BUG="1")
    assert result.verdict == "FAIL", result.message
    assert "inferred_lemmas" not in result.details
    again = replay(spec, result.counterexample)
    assert ("calls_covered", result.depth) in [(f.name, f.step) for f in again.failures]


def test_the_pool_bug_on_one_account_is_found_after_the_first_cti(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec, result = proved(monkeypatch, "gmx_pool", BUG="1", ACCOUNTS="1")
    assert result.verdict == "FAIL", result.message
    assert "before the larger k's" in result.message
    # the shortest path (the open, two rises), replayed on the concrete backend; bmc, the
    # independent search, finds a path at the same depth
    assert result.depth == 3
    again = replay(spec, result.counterexample)
    assert ("pool_covers_pending_profit", 3) in [(f.name, f.step) for f in again.failures]
    assert bmc(spec, depth=3, timeout=60).depth == 3


def test_the_late_keeper_is_proved_for_any_accounts_with_the_counter_lemmas(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec, result = proved(monkeypatch, "late_keeper")
    assert result.verdict == "PASS", result.message
    assert result.accounts == "any"
    inferred = {d["name"]: d for d in result.details["inferred_lemmas"]}
    assert {"late_counts_to_2", "queue_margin_while_late"} <= set(inferred)
    assert inferred["queue_margin_while_late"]["source"] == "keeper counter"
    # independent: the lemma written by hand (the numbers worked out for mm 10%, moves
    # of 3%: c = 0.03 x 1.1 / 0.97 < 0.035) proves the spec by plain k-induction on one
    # account, and bmc on one account finds no path within 5 steps (the bug's depth)
    by_hand = load(monkeypatch, "late_keeper", ACCOUNTS="1")

    def late_steps(s, p, a):  # type: ignore[no-untyped-def]
        return (s.late[a] == 0) | (s.late[a] == 1) | (s.late[a] == 2)

    def margin_while_late(s, p, a):  # type: ignore[no-untyped-def]
        value = s.col[a] + s.qty[a] * (s.px - s.entry[a])
        return value >= sv.abs(s.qty[a]) * s.px * (p.mm - sv.Num("0.035") * s.late[a])

    def price_positive(s):  # type: ignore[no-untyped-def]
        return s.px > 0

    for fn in (late_steps, margin_while_late, price_positive):
        by_hand.lemma(fn)
    assert prove(by_hand, k=1, timeout=60).verdict == "PASS"
    assert bmc(by_hand, depth=5, timeout=60).verdict == "PASS"


def test_the_counter_lemmas_do_not_make_the_late_keeper_bug_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # maintenance 5% does not cover the three moves the keeper lets pass: the margin
    # template is not inductive there, and the proof on one account ends in its real path
    spec, result = proved(monkeypatch, "late_keeper", max_k=1, BUG="1", ACCOUNTS="1")
    assert result.verdict == "FAIL", result.message
    again = replay(spec, result.counterexample)
    assert ("fund_ok", 5) in [(f.name, f.step) for f in again.failures]
