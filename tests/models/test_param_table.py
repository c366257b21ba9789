"""A model's keywords are one @takes table (solvent/models/params.py): the table is the
signature `solvent models` lists, its rules refuse a bad value by the keyword's name, and
the body sees the checked values."""

from __future__ import annotations

import inspect
from fractions import Fraction

import pytest

import solvent as sv
from solvent.errors import ModelParameterError
from solvent.models import params, perp_isolated, perp_keeper_late
from solvent.models.params import PERP, Knobs, count, ends, number, rate, takes
from solvent.models.registry import all_models


def _spec_of(k: Knobs) -> sv.Spec:
    spec = sv.Spec(k.name, accounts=k.accounts)
    spec.derive("seen", (k.fee, k.depth, k.range, k.mode))
    return spec


demo = takes(
    name="demo",
    accounts=count(2, minimum=2),
    fee=rate("0.01"),
    depth=number("100", positive=True),
    range=ends(("0", "5")),
    mode="plain",
)(_spec_of)


def test_the_table_is_the_signature_in_its_order() -> None:
    sig = inspect.signature(demo)
    assert [(p.name, p.kind, p.default) for p in sig.parameters.values()] == [
        ("name", inspect.Parameter.KEYWORD_ONLY, "demo"),
        ("accounts", inspect.Parameter.KEYWORD_ONLY, 2),
        ("fee", inspect.Parameter.KEYWORD_ONLY, "0.01"),
        ("depth", inspect.Parameter.KEYWORD_ONLY, "100"),
        ("range", inspect.Parameter.KEYWORD_ONLY, ("0", "5")),
        ("mode", inspect.Parameter.KEYWORD_ONLY, "plain"),
    ]
    assert demo.__name__ == "_spec_of"  # the body's name and docstring, for the recipe label


def test_the_body_sees_checked_values_and_plain_ones_as_given() -> None:
    seen = demo(fee="1/50").derived["seen"][0]
    assert seen == (Fraction(1, 50), Fraction(100), (Fraction(0), Fraction(5)), "plain")
    assert [type(x) for x in seen[:2]] == [Fraction, Fraction]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"accounts": 1}, r"parameter accounts = 1: must be at least 2"),
        ({"fee": "1.5"}, r"parameter fee = 1.5: a fraction of notional must be at most 1"),
        ({"depth": "0"}, r"parameter depth = 0: must be greater than 0"),
        ({"range": ("-1", "5")}, r"parameter range \(low end\) = -1: must not be negative"),
        ({"range": "5"}, r"parameter range = '5': give a pair \(low, high\) of numbers"),
    ],
)
def test_a_rule_refuses_by_the_keywords_name(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ModelParameterError, match=message):
        demo(**kwargs)


def test_an_unknown_keyword_is_refused_like_a_plain_function() -> None:
    with pytest.raises(TypeError, match="colour"):
        demo(colour="red")


def test_a_group_keeps_its_order_and_rules_and_but_changes_only_defaults() -> None:
    changed = PERP.but(max_move="0.02", collateral=("0", "5"))
    assert list(changed) == list(PERP)
    assert changed["max_move"].default == "0.02"
    assert changed["max_move"].check is PERP["max_move"].check  # the rule stays
    assert changed["collateral"] == ("0", "5")  # a plain default stays plain
    assert PERP["max_move"].default == "0.08"  # the shared group itself is unchanged
    with pytest.raises(TypeError, match="no keyword colour"):
        PERP.but(colour="red")
    late = takes(name="x", accounts=1, **changed)(_spec_of_perp)
    with pytest.raises(ModelParameterError, match="parameter max_move = 1: a fraction"):
        late(max_move="1")


def _spec_of_perp(k: Knobs) -> sv.Spec:
    return sv.Spec(k.name, accounts=k.accounts)


def test_the_linear_perps_share_the_perp_group() -> None:
    """isolated and keeper-late list PERP's keywords in its order, keeper-late passes
    them on to isolated: a keeper-late spec has the isolated one's parameters."""
    for build in (perp_isolated.build, perp_keeper_late.build):
        names = list(inspect.signature(build).parameters)
        start = names.index("initial_margin")
        assert names[start : start + len(PERP)] == list(PERP)
    late = perp_keeper_late.build(liquidation_fee="0.02", max_trade="7")
    assert late.param_decls["liquidation_fee"] == sv.Num("0.02")
    assert late.actions[0].args["qty"].hi == 7


def test_every_model_takes_keywords_only_each_with_a_default() -> None:
    for info in all_models():
        sig = inspect.signature(info.module.build)
        assert all(p.kind is p.KEYWORD_ONLY for p in sig.parameters.values()), info.name
        assert [n for n, _ in info.params] == list(sig.parameters), info.name
        assert info.params[0][0] == "name", info.name


@pytest.mark.parametrize(
    ("model", "kwargs", "message"),
    [
        # these crashed (exit 4, a traceback) before the rule moved into the table
        ("perp-pool", {"collateral": "5"}, r"parameter collateral = '5': give a pair"),
        ("perp-cross", {"collateral": None}, r"parameter collateral = None: give a pair"),
        ("perp-pool", {"max_trade": None}, r"parameter max_trade: .*None.* is not a number"),
        ("insurance-waterfall", {"collateral": "2"}, r"parameter collateral = '2': give a pair"),
        (
            "insurance-waterfall",
            {"start_price": None},
            r"parameter start_price: .*None.* is not a number",
        ),
        (
            "perp-inverse",
            {"start_price": None},
            r"parameter start_price: .*None.* is not a number",
        ),
    ],
)
def test_a_bad_value_is_a_parameter_error_not_a_crash(
    model: str, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ModelParameterError, match=message):
        sv.model(model, **kwargs)


def test_params_module_names_its_rules() -> None:
    assert {"count", "number", "rate", "ends", "takes", "PERP"} <= set(vars(params))
