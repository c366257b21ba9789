"""A model's parameters, state and envelope declared from keywords (solvent/models/fields.py)
are the spec the same declarations make as class bodies; the keyword groups of
solvent/models/params.py keep their order and rules when cut, changed or repeated per
market."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import solvent as sv
from solvent import Num
from solvent.errors import ModelParameterError
from solvent.lang.domains import Within
from solvent.models import fields
from solvent.models.params import MARGINS, MARKET, PERP, Knobs, count, takes

HERE = Path(__file__).name


# a spec written with class bodies, Bool fields and all (the stress kernel's fixture)
MISC = Path(__file__).parents[1] / "stress" / "specs" / "misc.py"


def _by_tables() -> sv.Spec:
    """misc.py's parameters, state and envelope, declared from keywords."""
    spec = sv.Spec("misc", accounts=3)
    fields.params(spec, **fields.nums(Knobs(floor="-50"), "floor"))
    fields.state(spec, price=Num("100"), halted=False, bad_debt=Num("0"), insurance=Num("20"))
    fields.state(spec, liquidations=Num("0"))
    fields.accounts(spec, pos=sv.within("-5", "5"), hit=False)
    fields.symmetric(spec, move="0.1")
    return spec


def _plain(x: object) -> object:
    """A value without its place (a ``Within`` names the line that made it)."""
    return (x.lo, x.hi) if isinstance(x, Within) else x


def test_tables_declare_the_spec_class_bodies_declare() -> None:
    a, b = sv.load(str(MISC)), _by_tables()
    assert list(a.param_decls.items()) == list(b.param_decls.items())
    assert [
        (f.name, f.sort, f.per_account, [_plain(x) for x in f.init]) for f in a.fields.values()
    ] == [(f.name, f.sort, f.per_account, [_plain(x) for x in f.init]) for f in b.fields.values()]
    assert [(n, w.lo, w.hi) for n, w in a.bounds.items()] == [
        (n, w.lo, w.hi) for n, w in b.bounds.items()
    ]


def test_the_witness_counts_and_a_field_is_placed_at_the_call() -> None:
    spec = sv.Spec("placed", accounts=1)
    line = inspect.currentframe().f_lineno + 1  # type: ignore[union-attr]
    fields.state(spec, liquidations=Num("0"))
    assert str(spec.fields["liquidations"].where).endswith(f"{HERE}:{line}")
    fields.counted(spec, "liquidation_happens", "liquidations", "Some account is liquidated.")
    (declared,) = spec.witnesses
    assert (declared.name, declared.doc) == ("liquidation_happens", "Some account is liquidated.")
    happens = declared.fn
    assert happens(type("S", (), {"liquidations": Num("1")})()) is True
    assert happens(type("S", (), {"liquidations": Num("0")})()) is False


def test_a_name_declared_twice_is_refused_as_in_a_class_body() -> None:
    spec = sv.Spec("twice", accounts=1)
    fields.state(spec, price=Num("1"))
    with pytest.raises(sv.SpecError, match="declared twice"):
        fields.state(spec, price=Num("2"))


def test_groups_keep_their_order_and_rules_when_cut_changed_and_repeated() -> None:
    assert list(MARKET) == ["max_move", "max_trade", "start_price"]
    assert list(PERP)[4:7] == list(MARKET)
    per = MARGINS.but(initial_margin="0.12").per("_a", "_b")
    assert list(per) == [
        "initial_margin_a",
        "maintenance_margin_a",
        "initial_margin_b",
        "maintenance_margin_b",
    ]
    assert per["initial_margin_b"].default == "0.12"
    assert per["maintenance_margin_b"].default == "0.05"
    assert list(MARKET.only("max_trade", "max_move")) == ["max_move", "max_trade"]
    with pytest.raises(TypeError, match="no keyword leverage"):
        MARKET.only("leverage")

    build = takes(name="g", accounts=count(1), **per)(lambda k: sv.Spec(k.name))
    with pytest.raises(ModelParameterError, match="initial_margin_b"):
        build(initial_margin_b="1.5")
