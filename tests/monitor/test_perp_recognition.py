"""Which specs the monitor's closed forms apply to: perp-isolated as its build() made it
(full liquidation, no tiers, no price impact, nothing added), recognised by the call that
built it, not by where its functions happen to be written (the model's rules live in shared
building blocks)."""

from __future__ import annotations

from solvent.models import perp_isolated
from solvent.monitor.rules import is_perp_isolated


def test_the_model_as_built_is_recognised() -> None:
    assert is_perp_isolated(perp_isolated.build(accounts=2))


def test_partial_liquidation_tiers_and_impact_are_not_the_closed_forms_model() -> None:
    assert not is_perp_isolated(perp_isolated.build(accounts=2, liquidation="partial"))
    assert not is_perp_isolated(perp_isolated.build(accounts=2, tier2=("100000", "0.10", "2000")))
    assert not is_perp_isolated(perp_isolated.build(accounts=2, liquidation_depth="1000000"))


def test_a_spec_extended_after_build_is_checked_on_the_spec() -> None:
    spec = perp_isolated.build(accounts=2)

    @spec.invariant
    def fund_floor(s, p):  # type: ignore[no-untyped-def]
        return s.insurance >= 50

    assert not is_perp_isolated(spec)
