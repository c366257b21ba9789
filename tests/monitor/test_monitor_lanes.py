"""The monitor's invariants on lanes (every account at once) against one concrete
evaluation per account: the same failures on random books, unsure lanes included."""

from __future__ import annotations

import dataclasses
import random
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

import solvent as sv
from solvent import Num
from solvent.errors import UsageError
from solvent.models import fields, perp_isolated
from solvent.monitor.core import Monitor, Options
from solvent.monitor.lanes import Lanes, lane_plan
from solvent.spec.load import load_spec

HERE = Path(__file__).parent
USED = ["envelope.move.hi", "envelope.move.lo"]


def perp(accounts: int) -> Any:
    return perp_isolated.build(accounts=accounts, maintenance_margin="0.08", max_move="0.08")


def pair(spec: Any) -> tuple[Monitor, Monitor]:
    """A monitor judging on lanes and one judging per account (the reference)."""
    lanes = Monitor(spec, USED, Options(detector="none", distance="none"))
    exact = Monitor(spec, USED, Options(detector="none", distance="none"))
    lanes.lanes_from, exact.lanes_from = 0, 10**9
    return lanes, exact


def amount(rng: random.Random, price: Fraction, edge: float) -> tuple[Fraction, Fraction]:
    """An account's (quote, size): mostly decimals, some on the edge of equity 0; with
    ``edge`` only those (0.2: ties, 0.4: ties and near ties on both sides)."""
    size = Fraction(rng.randint(-5000, 5000), 10 ** rng.randint(0, 6))
    kind = rng.random() * (edge or 1.0)
    if kind < 0.2:
        quote = -size * price  # equity exactly 0: a tie the float lanes cannot decide
    elif kind < 0.3:
        quote = -size * price - Fraction(1, 10**30)  # just below 0
    elif kind < 0.4:
        quote = -size * price + Fraction(1, 3 * 10**25)  # just above 0, not a decimal
    elif kind < 0.45:
        quote = Fraction(rng.randint(-(10**40), 10**40), 7)  # far from float64's grid
    else:
        quote = Fraction(rng.randint(-(10**9), 10**9), 10**4)
    return quote, size


def fill(
    ms: tuple[Monitor, ...], rng: random.Random, price: Fraction, bad_debt: int, edge: float = 0
) -> None:
    n = ms[0].n
    book = [amount(rng, price, edge) for _ in range(n)]
    for m in ms:
        m.values["quote"] = [q for q, _ in book]
        m.values["size"] = [s for _, s in book]
        m.values["price"], m.values["bad_debt"] = price, Fraction(bad_debt)


def test_lanes_equal_the_per_account_evaluation_on_random_perp_books() -> None:
    rng = random.Random(21)
    lanes, exact = pair(perp(40))
    verdicts = set()
    for trial in range(40):
        price = Fraction(rng.randint(1, 10**7), 10 ** rng.randint(0, 4))
        debt = rng.choice([0, 0, 0, 1]) if trial % 2 else 0
        fill((lanes, exact), rng, price, debt, edge=[0, 0.2, 0, 0.4][trial % 4])
        got = lanes._generic_failures()
        assert got == exact._generic_failures()
        verdicts.add(tuple(got))
    assert verdicts == {
        (),
        ("solvent",),
    }  # both verdicts were at stake    assert lanes._lanes.one is not None  # the lanes did judge
    assert lanes._lanes.unsure_lanes > 0  # and sent ties to the exact judge
    assert exact._lanes is None


def test_lanes_name_each_failing_account_of_a_per_account_invariant() -> None:
    spec = load_spec(str(HERE / "specs" / "oracle_vault.py")).with_accounts(30)
    lanes, exact = pair(spec)
    rng = random.Random(5)
    seen = set()
    for _ in range(20):
        debt = rng.choice([0, 1])
        fill((lanes, exact), rng, Fraction(rng.randint(1, 300)), debt, rng.choice([0, 0.2, 0.4]))
        got = lanes._generic_failures()
        assert got == exact._generic_failures()
        seen.update(got)
    assert "no_bad_debt" in seen and any(n.startswith("equity_nonnegative[account ") for n in seen)


def coupled() -> Any:
    spec = sv.Spec("pooled", accounts=3)
    fields.state(spec, price=Num("1"))
    fields.accounts(spec, bal=Num("0"))
    fields.envelope(spec, move=sv.within("-0.10", "0.10"))

    @spec.invariant
    def pool_nonnegative(s: Any) -> Any:  # a sum over accounts: no lane holds it
        return sv.sum(s.bal[a] for a in s.accounts) >= 0

    return spec


def test_an_invariant_over_several_accounts_keeps_the_per_account_path() -> None:
    one, why = lane_plan(coupled())
    assert one is None and why is not None and "pool_nonnegative" in why
    lanes, exact = pair(coupled())
    for bals in ([1, -1, 0], [1, -2, 0], [-1, 0, 0]):
        for m in (lanes, exact):
            m.values["bal"] = [Fraction(b) for b in bals]
        assert lanes._generic_failures() == exact._generic_failures()
    assert lanes._lanes.one is None and lanes._generic_failures() == ["pool_nonnegative"]


def test_a_start_that_breaks_the_invariant_is_reported_at_the_first_event() -> None:
    spec = sv.Spec("owing", accounts=300)
    fields.state(spec, price=Num("100"), insurance=Num("10"), bad_debt=Num("0"))
    fields.accounts(spec, quote=Num("-1"), size=Num("0"))
    fields.envelope(spec, move=sv.within("-0.10", "0.10"))

    @spec.invariant
    def equity_nonnegative(s: Any, p: Any, a: int) -> Any:
        return s.quote[a] + s.size[a] * s.price >= 0

    m = Monitor(spec, USED, Options(detector="none", distance="none"))
    m.lanes_from = 0
    alerts, _ = m.feed(b'{"type":"price","ts":0,"seq":1,"price":"100"}')
    bad = sorted(a.name for a in alerts if a.kind == "invariant")
    assert bad == sorted(f"equity_nonnegative[account {a}]" for a in range(300))
    assert all(a.seq == 1 for a in alerts if a.kind == "invariant")
    assert m._lanes.one is not None


def test_the_first_audit_on_lanes_still_flags_a_closed_form_that_disagrees() -> None:
    m = Monitor(perp(50), USED, Options(detector="none", distance="none"))
    m.lanes_from = 0
    m.feed(b'{"type":"price","ts":0,"seq":1,"price":"2000"}')  # audited: all accounts flat
    assert m.counters.audits == 1 and m._lanes.one is not None
    m._audit_every = 2  # the next audit at the third event
    m.feed(b'{"type":"account","ts":1,"seq":2,"account":7,"set":{"quote":"-10","size":"0"}}')
    m.book.all_equity_nonnegative = lambda price: True  # type: ignore[method-assign]
    m._bad_debt_ok = True
    alerts, _ = m.feed(b'{"type":"price","ts":2,"seq":3,"price":"2001"}')
    [internal] = [a for a in alerts if a.kind == "internal"]
    assert internal.details["fast"] is True
    assert internal.details["spec_failures"] == ["solvent"]
    assert "solvent" in m.violated


def test_lanes_refuse_a_book_they_cannot_hold_and_the_concrete_path_judges() -> None:
    lanes, exact = pair(perp(4))
    for m in (lanes, exact):
        m.values["quote"] = [Fraction(-(10**400)), Fraction(0), Fraction(0), Fraction(0)]
        m.values["size"] = [Fraction(1)] * 4
        m.values["price"] = Fraction(2)
    assert Lanes(perp(4)).failures(lanes.values, lanes.backend) is None  # beyond float64
    assert lanes._generic_failures() == exact._generic_failures() == ["solvent"]


def test_accounts_that_start_apart_keep_their_own_start_values_and_the_concrete_path() -> None:
    spec = coupled()
    fd = spec.fields["bal"]
    spec.fields["bal"] = dataclasses.replace(fd, init=(Num("0"), Num("2"), Num("0")))
    with pytest.raises(UsageError, match="different initial values"):
        spec.with_accounts(2)
    one, why = lane_plan(spec)
    assert one is None and why == "the accounts start with different values of bal"
    m = Monitor(spec, USED, Options(detector="none", distance="none"))
    assert m.values["bal"] == [0, 2, 0]
    uniform = coupled()
    m = Monitor(uniform, USED, Options(detector="none", distance="none"))
    assert m.values["bal"] == [0, 0, 0] and m.values["bal"][0] is m.values["bal"][2]
