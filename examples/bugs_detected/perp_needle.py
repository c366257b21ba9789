"""Needle: a stale maintenance amount after a tier boundary was moved.

The isolated perpetual of ``solvent.models.perp_isolated`` with tiered maintenance margin
in the style of Binance's leverage brackets: the requirement is
``notional * rate - maintenance_amount``, where the maintenance amount of a tier is chosen
so the requirement is continuous at the tier's lower boundary::

    tier 1  notional <  50,000   8% of notional
    tier 2  notional >= 50,000   10% of notional - 1,000   (= 8% at 50,000)

The exchange lowered the tier-2 boundary from 60,000 to 50,000 to take more margin on
large positions, but kept the maintenance amount computed for the old boundary:
``60,000 * (10% - 8%) = 1,200`` instead of ``50,000 * (10% - 8%) = 1,000``. For notionals in
``[50,000, 60,000)`` the requirement now falls below 8% of notional (7.6% at 50,000), under
the 8% per-step gap the envelope allows. Everywhere else every account is required to hold
at least 8% of its notional, and with keepers every step no liquidation leaves a deficit.

The loss only exceeds the insurance fund (100) in a needle: a position of notional in
``[50,000, 55,000)`` whose equity sits within about 100 of its (too low) requirement, hit by
a gap of at least 7.8% (for one account; several accounts in the band at once widen it a
little, since their deficits add up against the same fund). One counterexample: deposit
6,750, buy 27 at 2,000, the price falls 5.15% (notional 51,219, equity 3,969, requirement
3,921.9: not liquidated, though the correct requirement 4,121.9 would have liquidated it),
then gaps 8%: equity -128.52, of which the fund covers 100 and 28.52 is bad debt.

    solvent bmc examples/bugs_detected/perp_needle.py --depth 5    # exit 1

With ``tier2_maintenance_amount="1000"`` (``build(tier2_maintenance_amount="1000")``) the
spec is the correct one and the same trace liquidates the account one step earlier.
"""

from __future__ import annotations

from typing import Any

import solvent as sv
from solvent import Num, PerAccount, maximum, minimum, requires, when


def build(
    *,
    name: str = "perp-needle",
    accounts: int = 3,
    tier2_maintenance_amount: Any = "1200",
) -> sv.Spec:
    """Build the tiered isolated perpetual; ``tier2_maintenance_amount`` 1200 is the bug."""
    perp = sv.Spec(name, accounts=accounts)
    # class bodies cannot see enclosing names they also define, so read them from here
    amount = Num(tier2_maintenance_amount)

    @perp.params
    class Params:
        initial_margin: Num = Num("0.125")
        maintenance_margin: Num = Num("0.08")
        tier2_boundary: Num = Num("50000")
        tier2_maintenance_margin: Num = Num("0.10")
        tier2_maintenance_amount: Num = amount
        liquidation_fee: Num = Num("0.01")

    @perp.state
    class State:
        price: Num = Num("2000")
        insurance: Num = Num("100")
        bad_debt: Num = Num("0")
        liquidations: Num = Num("0")
        quote: PerAccount[Num] = sv.within("0", "10000")
        size: PerAccount[Num] = Num("0")

    @perp.envelope
    class Market:
        move: Num = sv.within("-0.08", "0.08")

    def equity(s: Any, a: int) -> Any:
        return s.quote[a] + s.size[a] * s.price

    def notional(s: Any, a: int) -> Any:
        return abs(s.size[a]) * s.price

    def requirement(s: Any, p: Any, a: int) -> Any:
        """Tiered maintenance requirement: notional * rate - maintenance amount."""
        n = notional(s, a)
        return when(
            n < p.tier2_boundary,
            n * p.maintenance_margin,
            n * p.tier2_maintenance_margin - p.tier2_maintenance_amount,
        )

    @perp.tick
    def mark(s: Any, m: Any) -> None:
        """The mark price moves by the envelope's per-step return."""
        s.price = s.price * (1 + m.move)

    @perp.action(qty=sv.within("-50", "50"))
    def trade(s: Any, p: Any, a: int, qty: Any) -> None:
        """Account `a` buys (qty > 0) or sells at the mark price."""
        s.quote[a] = s.quote[a] - qty * s.price
        s.size[a] = s.size[a] + qty
        requires(equity(s, a) >= notional(s, a) * p.initial_margin)

    @perp.action(amount=sv.within("0", "10000"))
    def withdraw(s: Any, p: Any, a: int, amount: Any) -> None:
        """Account `a` withdraws collateral it does not need for its initial margin."""
        s.quote[a] = s.quote[a] - amount
        requires(equity(s, a) >= notional(s, a) * p.initial_margin)

    @perp.keeper(every_step=True)
    def liquidate(s: Any, p: Any, a: int) -> None:
        """Close an account below its tiered requirement at the mark; run the waterfall."""
        requires(equity(s, a) < requirement(s, p, a))
        e = equity(s, a)
        fee = minimum(maximum(e, 0), notional(s, a) * p.liquidation_fee)
        deficit = maximum(-e, 0)
        covered = minimum(deficit, s.insurance)
        s.insurance = s.insurance + fee - covered
        s.bad_debt = s.bad_debt + deficit - covered
        s.quote[a] = maximum(e - fee, 0)
        s.size[a] = 0
        s.liquidations = s.liquidations + 1

    @perp.invariant
    def solvent(s: Any) -> Any:
        """Assets held cover all positive trader equity (see perp_isolated.solvent)."""
        return (s.bad_debt <= 0) & sv.all_of(equity(s, a) >= 0 for a in s.accounts)

    @perp.lemma
    def price_positive(s: Any) -> Any:
        """The mark price stays positive (moves are bounded by the envelope)."""
        return s.price > 0

    @perp.lemma
    def insurance_nonnegative(s: Any) -> Any:
        """The insurance fund never pays out more than it holds."""
        return s.insurance >= 0

    @perp.lemma
    def healthy(s: Any, p: Any, a: int) -> Any:
        """After the keeper runs, every account meets its tiered requirement."""
        return equity(s, a) >= requirement(s, p, a)

    @perp.witness
    def liquidation_happens(s: Any) -> Any:
        """Some account gets liquidated (else a proof could be vacuous)."""
        return s.liquidations > 0

    @perp.witness
    def tier2_position(s: Any, p: Any) -> Any:
        """Some account holds a tier-2 position (else the second tier is never exercised)."""
        return sv.any_of(notional(s, a) >= p.tier2_boundary for a in s.accounts)

    @perp.metric
    def account_equity(s: Any, p: Any, a: int) -> Any:
        return equity(s, a)

    @perp.metric
    def maintenance(s: Any, p: Any, a: int) -> Any:
        return requirement(s, p, a)

    @perp.metric
    def account_notional(s: Any, p: Any, a: int) -> Any:
        return notional(s, a)

    return perp


perp = build()
