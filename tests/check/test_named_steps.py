"""Steps that name their state after the keepers: one account, two moved prices (round 19).

In a spec written with one account whose ticks move two fields or more, the unrolling
gives the state after the keepers variables of its own (``encode.names_steps``): the
corpus's entry-style perpetual with two markets on one account took 5-6x the naive hand
encoding's time at depth 3 without them. Naming is equisatisfiable, so what is checked
here: the rule (a spec written with one account, never a proof's symbolic step, never a
spec the engine or ``--accounts`` narrowed to one, only when two fields move), that the
names are really there, and that both encodings give the same verdict at the same
shortest depth, the named one's path replayed on the exact judge and the plain one's own
bmc finding nothing shorter.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from solvent.check.bmc import bmc
from solvent.check.encode import Unrolling, names_steps
from solvent.check.replay import replay
from solvent.check.results import FAIL, PASS
from solvent.spec.load import load_spec
from solvent.spec.spec import Spec

ROOT = Path(__file__).resolve().parents[2]
ENTRY = ROOT / "benchmarks" / "engine" / "perp_entry.py"


def entry(
    monkeypatch: pytest.MonkeyPatch, accounts: int, mm: str = "0.05", markets: int = 2
) -> Spec:
    monkeypatch.setenv("ACCOUNTS", str(accounts))
    monkeypatch.setenv("MM", mm)
    if markets == 2:
        monkeypatch.setenv("MARKETS", "2")
    else:
        monkeypatch.delenv("MARKETS", raising=False)
    return load_spec(str(ENTRY), None)


def test_only_a_spec_written_with_one_account_names_its_steps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    one = entry(monkeypatch, 1)
    three = entry(monkeypatch, 3)
    assert names_steps(one)
    assert not names_steps(three)
    assert not names_steps(three.with_accounts(1))  # narrowed by the engine or --accounts
    assert not names_steps(one.with_accounts(1))
    assert Unrolling(one).named_steps
    assert not Unrolling(one, free_init=True).named_steps  # a proof's step reads terms


def test_the_named_unrolling_defines_the_intermediate_states(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    named, plain = Unrolling(entry(monkeypatch, 1)), Unrolling(entry(monkeypatch, 1))
    plain.named_steps = False
    for u in (named, plain):
        u.add_step()
        u.add_step()
    extra = set(named.definitions) - set(plain.definitions)
    assert {"s1.coll[0].kept", "s2.size2[0].kept", "s2.insurance.kept"} <= extra
    assert set(plain.definitions) <= set(named.definitions)  # the post-states as before
    assert not [n for n in plain.definitions if n.endswith(".kept")]
    # one market: the ticks move one field, and the steps stay plain
    one_market = Unrolling(entry(monkeypatch, 1, markets=1))
    one_market.add_step()
    assert one_market.named_steps
    assert not [n for n in one_market.definitions if n.endswith(".kept")]


@pytest.mark.parametrize(("mm", "verdict", "depth"), [("0.05", FAIL, 3), ("0.08", PASS, 3)])
def test_named_and_plain_steps_agree(
    monkeypatch: pytest.MonkeyPatch, mm: str, verdict: str, depth: int
) -> None:
    spec = entry(monkeypatch, 1, mm)
    named = bmc(spec, 3, timeout=60, jobs=1)
    plain = bmc(spec.with_accounts(1), 3, timeout=60, jobs=1)  # the same spec, plain steps
    assert (named.verdict, named.bound) == (verdict, f"depth {depth}/3"), named.message
    assert (plain.verdict, plain.bound) == (named.verdict, named.bound), plain.message
    if verdict == FAIL:
        assert named.counterexample is not None
        assert len(named.counterexample.steps) == 3
        first = replay(spec, named.counterexample).first_failure
        assert first is not None and (first.step, first.name) == (3, "fund_ok")
        # shortest: the plain encoding finds nothing within 2 steps either
        assert bmc(spec.with_accounts(1), 2, timeout=60, jobs=1).verdict == PASS
