"""Fixed-point arithmetic end to end: spec declaration, the refusals that force a rounding
direction, the same model in exact and fixed arithmetic, and solver/replay agreement."""

from __future__ import annotations

from fractions import Fraction

import pytest

import solvent as sv
from solvent import Num, PerAccount
from solvent.check.bmc import bmc
from solvent.check.induction import prove
from solvent.check.lint import lint
from solvent.check.replay import replay
from solvent.errors import FixedPointError, SpecError
from solvent.models import fee_accrual


def tiny(body: str, *, decimals: int = 2, rate: str = "0.5") -> sv.Spec:
    """A one-account spec whose action runs ``body`` (an expression of x and p.rate)."""
    spec = sv.Spec("tiny", accounts=1, arithmetic="fixed", decimals=decimals)
    value = Num(rate)  # a class body cannot see a name it defines itself

    @spec.params
    class Params:
        rate: Num = value

    @spec.state
    class State:
        x: PerAccount[Num] = sv.within("0", "10")
        y: Num = Num("0")

    @spec.action(k=sv.within("0", "1"))
    def act(s, p, a, k):  # noqa: ANN001, ANN202
        s.y = eval(body, {"sv": sv}, {"x": s.x[a], "p": p, "k": k})  # noqa: S307

    @spec.invariant
    def fine(s):  # noqa: ANN001, ANN202
        return s.y >= 0

    return spec


def test_declaration_needs_decimals() -> None:
    with pytest.raises(FixedPointError, match="needs decimals=N"):
        sv.Spec("s", arithmetic="fixed")
    with pytest.raises(FixedPointError, match=r"decimals=-1: .* an int from 0 to 36"):
        sv.Spec("s", arithmetic="fixed", decimals=-1)
    with pytest.raises(SpecError, match="only meaningful with arithmetic='fixed'"):
        sv.Spec("s", decimals=6)
    with pytest.raises(SpecError, match="use 'exact'"):
        sv.Spec("s", arithmetic="float")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("x * p.rate", r"`\*` in fixed arithmetic .* sv.mul_down\(a, b\) or sv.mul_up"),
        ("x * k", r"`\*` in fixed arithmetic"),
        ("x / 2", r"`/` in fixed arithmetic must round; write sv.div_down"),
        ("1 / (x + 1)", r"`/` in fixed arithmetic must round"),
    ],
)
def test_operations_without_rounding_are_refused(body: str, message: str) -> None:
    with pytest.raises(FixedPointError, match=message):
        lint(tiny(body))


def test_product_by_an_integer_literal_is_exact_and_allowed() -> None:
    assert lint(tiny("x * 3 + 2 * x")).verdict == "PASS"


def test_off_grid_parameter_is_refused_when_used() -> None:
    with pytest.raises(FixedPointError, match=r"0.005 is not a multiple of 10\^-2"):
        lint(tiny("sv.mul_down(x, p.rate)", rate="0.005"))


def test_rounding_helpers_are_exact_in_exact_arithmetic() -> None:
    """One model, two arithmetics: exact mode has no rounding, so rounding down is safe."""
    exact = fee_accrual.build(fee_rounding="down", arithmetic="exact", accounts=1)
    assert prove(exact).verdict == "PASS"


def test_rounding_down_is_found_and_replays_exactly() -> None:
    spec = fee_accrual.build(fee_rounding="down", decimals=6, accounts=1)
    result = bmc(spec, 3)
    assert result.verdict == "FAIL" and result.depth == 2
    trace = result.counterexample
    for step in trace.steps:
        units = Fraction(step.action.args["notional"]) * 10**6
        assert units.denominator == 1  # every solver value is on the 6-decimal grid
    again = replay(spec, trace)
    assert again.first_failure is not None and again.first_failure.step == 2
    final = again.records[-1].state
    assert final["fee_vault"] < again.records[-1].metrics["lp_claim"]


def test_rounding_up_is_proved() -> None:
    assert prove(fee_accrual.build(fee_rounding="up", decimals=6, accounts=1)).verdict == "PASS"


def test_negative_operands_round_as_named() -> None:
    """mul_down floors toward minus infinity, div_trunc truncates toward zero (Solidity)."""
    spec = sv.Spec("signs", accounts=1, arithmetic="fixed", decimals=0)

    @spec.state
    class State:
        a: Num = Num("-7")
        down: Num = Num("0")
        up: Num = Num("0")
        trunc: Num = Num("0")

    @spec.action
    def go(s, p, acc):  # noqa: ANN001, ANN202
        s.down = sv.div_down(s.a, 2)
        s.up = sv.div_up(s.a, 2)
        s.trunc = sv.div_trunc(s.a, 2)

    @spec.invariant
    def ok(s):  # noqa: ANN001, ANN202
        return s.a < 0

    trace = sv.Trace(
        "signs",
        1,
        {"a": Fraction(-7), "down": 0, "up": 0, "trunc": 0},
        (sv.TraceStep({}, sv.ActionChoice("go", (0,), {}), {}),),
        {},
        {},
    )
    state = replay(spec, trace).records[-1].state
    assert (state["down"], state["up"], state["trunc"]) == (-4, -3, -3)


def test_pool_vault_in_fixed_arithmetic_is_proved() -> None:
    """perp-pool offers on-chain arithmetic: rounded in the vault's favour, still solvent."""
    from solvent.models import perp_pool

    spec = perp_pool.build(accounts=1, arithmetic="fixed", decimals=12)
    assert spec.arithmetic == "fixed" and spec.decimals == 12
    assert prove(spec).verdict == "PASS"
    with pytest.raises(FixedPointError, match=r"not a multiple of 10\^-6"):
        prove(perp_pool.build(accounts=1, arithmetic="fixed", decimals=6))
