"""An isolated perp in 6-decimal fixed point (stress test fixture for int64 lanes).

The accounting of solvent.models.perp_isolated with every product rounded explicitly, in
the protocol's favour (requirements and fees up, marked equity down). A gap move larger
than the maintenance margin leaves bad debt, so a volatile scenario breaks ``solvent``.
``perp_fixed_big`` is the same perp in 18 decimals at a start price of 100: its products
``size * price`` leave int64 in grid units (10^-18) on every lane.
"""

import solvent as sv
from solvent import Num, maximum, minimum, requires
from solvent.models import fields


def build(
    name: str,
    decimals: int,
    start: str,
    *,
    accounts: int = 4,
    largest_move: str = "0.08",
    withdraw_most: str | None = None,
) -> sv.Spec:
    """The perp; with ``withdraw_most``, also ``trade`` and a too weak ``withdraw`` of at
    most that amount (tests/stress/specs/perp_fixed_actions.py)."""
    spec = sv.Spec(name, accounts=accounts, arithmetic="fixed", decimals=decimals)
    up, down = sv.mul_up, sv.mul_down

    fields.params(
        spec,
        initial_margin=Num("0.10"),
        maintenance_margin=Num("0.05"),
        liquidation_fee=Num("0.01"),
    )

    fields.state(
        spec,
        price=Num(start),
        insurance=Num("100"),
        bad_debt=Num("0"),
        liquidations=Num("0"),
    )
    fields.accounts(spec, quote=sv.within("0", "10000"), size=Num("0"))
    fields.envelope(spec, move=sv.within(f"-{largest_move}", largest_move))

    def equity(s, a):
        return s.quote[a] + down(s.size[a], s.price)

    def notional(s, a):
        return up(abs(s.size[a]), s.price)

    @spec.tick
    def mark(s, m):
        s.price = down(s.price, 1 + m.move)

    if withdraw_most is not None:

        @spec.action(qty=sv.within("-5", "5"))
        def trade(s, p, a, qty):
            s.quote[a] = s.quote[a] - up(qty, s.price)
            s.size[a] = s.size[a] + qty
            requires(equity(s, a) >= up(notional(s, a), p.initial_margin))

        @spec.action(amount=sv.within("0", withdraw_most))
        def withdraw(s, p, a, amount):
            requires(amount <= s.quote[a])  # too weak: ignores the account's position
            s.quote[a] = s.quote[a] - amount

    @spec.keeper(every_step=True)
    def liquidate(s, p, a):
        requires(equity(s, a) < up(notional(s, a), p.maintenance_margin))
        e = equity(s, a)
        fee = minimum(maximum(e, 0), up(notional(s, a), p.liquidation_fee))
        deficit = maximum(-e, 0)
        covered = minimum(deficit, s.insurance)
        s.insurance = s.insurance + fee - covered
        s.bad_debt = s.bad_debt + deficit - covered
        s.quote[a] = e - fee + covered
        s.size[a] = 0
        s.liquidations = s.liquidations + 1

    @spec.invariant
    def solvent(s):
        return (s.bad_debt <= 0) & sv.all_of(equity(s, a) >= 0 for a in s.accounts)

    @spec.lemma
    def insurance_nonnegative(s):
        return s.insurance >= 0

    @spec.metric
    def account_equity(s, p, a):
        return equity(s, a)

    return spec


perp_fixed = build("perp-fixed", 6, "2000")
perp_fixed_big = build("perp-fixed-big", 18, "100")
