"""Building blocks shared by the models: margin, liquidation, the loss waterfall, funding.

Each block is a plain function of numbers. It works on traced values inside a spec (any
backend) and on plain ``Fraction``\\ s outside one, so known-answer tests evaluate exactly
the rules the models use. Sources are sections of ``docs/models/sources.md``.

Conventions (dYdX v4, A1): an account holds a quote balance ``quote`` (may go negative)
and a signed size (``> 0`` long); ``equity = quote + size * price``; requirements are a
rate of the notional ``|size| * price`` at the *mark* price (dYdX, Binance; Bybit
evaluates maintenance at the entry price instead, A9).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from solvent.lang.functions import maximum, minimum, when

# -- margin --------------------------------------------------------------------------------


def equity(quote: Any, size: Any, price: Any) -> Any:
    """Account value: quote balance plus the position marked at ``price`` (A1)."""
    return quote + size * price


def notional(size: Any, price: Any) -> Any:
    """Position value ``|size| * price``."""
    return abs(size) * price


def requirement(notional_value: Any, rate: Any) -> Any:
    """A margin requirement as a rate of notional (IMR/MMR of A1, A2, A8)."""
    return notional_value * rate


def tiered_requirement(
    notional_value: Any, rate: Any, boundary: Any, tier2_rate: Any, tier2_amount: Any
) -> Any:
    """Two maintenance tiers: ``notional * rate`` below ``boundary``, then
    ``notional * tier2_rate - tier2_amount`` (Binance brackets, A8; Hyperliquid, A2)."""
    return when(
        notional_value < boundary,
        notional_value * rate,
        notional_value * tier2_rate - tier2_amount,
    )


def tier_amount(boundary: Any, rate: Any, tier2_rate: Any) -> Any:
    """The maintenance amount that makes two tiers continuous at ``boundary`` (A2, A8):
    ``deduction(n) = deduction(n-1) + lower_bound(n) * (mmr(n) - mmr(n-1))``."""
    return boundary * (tier2_rate - rate)


# -- liquidation ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Waterfall:
    """Where a liquidated account's equity goes (values of one liquidation).

    ``fee`` goes to the insurance fund, ``covered`` is the deficit the fund pays,
    ``uncovered`` is left for the next layer (ADL or socialized loss), ``remaining`` is
    what the account keeps. Conservation: ``equity = remaining + fee - deficit`` where
    ``deficit = covered + uncovered``.
    """

    equity: Any
    fee: Any
    deficit: Any
    covered: Any

    @property
    def uncovered(self) -> Any:
        """The deficit the insurance fund could not pay."""
        return self.deficit - self.covered

    @property
    def remaining(self) -> Any:
        """What the account keeps after the fee (never negative)."""
        return maximum(self.equity - self.fee, 0)


def close_out(account_equity: Any, notional_value: Any, fee_rate: Any, insurance: Any) -> Waterfall:
    """Close a position at the mark: fee to the fund (never more than the positive
    equity, A1 dYdX: "min(1.5% x quote, leftover collateral above bankruptcy price)"),
    the fund covers a deficit as far as it can, the rest is uncovered.

    Only the fee, deficit and covered amount are computed here; ``uncovered`` and
    ``remaining`` are computed when read, so a model builds exactly the terms it uses.
    """
    fee = minimum(maximum(account_equity, 0), notional_value * fee_rate)
    deficit = maximum(-account_equity, 0)
    covered = minimum(deficit, insurance)
    return Waterfall(account_equity, fee, deficit, covered)


# -- funding -------------------------------------------------------------------------------


def funding_payment(size: Any, price: Any, rate: Any) -> Any:
    """What an account pays for one funding interval: ``size * price * rate``.

    A positive rate makes longs pay shorts (A1 dYdX, A2 Hyperliquid); the rate is bounded
    by a cap (dYdX: ``600% x (IMF - MMF)`` per 8 h; Hyperliquid: 4%/hour).
    """
    return size * price * rate


def funding_on_value(position_value: Any, rate: Any) -> Any:
    """:func:`funding_payment` for a position held as its signed value ``size * price``."""
    return position_value * rate


def dydx_funding_cap(initial_fraction: Any, maintenance_fraction: Any) -> Any:
    """dYdX 8-hour funding cap ``600% x (IMF - MMF)`` (A1: BTC 5%/3% gives 12%)."""
    return 6 * (Fraction(initial_fraction) - Fraction(maintenance_fraction))


# -- closed forms (plain numbers; for docs, tests and users checking a venue) ---------------


def liquidation_price(
    account_equity: Any,
    size: Any,
    price: Any,
    maintenance_rate: Any,
    other_requirement: Any = 0,
) -> Fraction:
    """Mark price at which equity equals maintenance, other positions fixed (A1 dYdX):
    ``p' = (e - s*p - MMR_o) / (|s| * MMF - s)``."""
    e, s, p = Fraction(account_equity), Fraction(size), Fraction(price)
    mmf, other = Fraction(maintenance_rate), Fraction(other_requirement)
    return (e - s * p - other) / (abs(s) * mmf - s)


def inverse_equity(balance: Any, contracts: Any, entry: Any, price: Any) -> Any:
    """Coin-margined account value in coin: ``balance + contracts * (1/entry - 1/price)``
    (contracts in USD, long ``> 0``; A9 Bybit inverse)."""
    balance, contracts, entry, price = (_exact(x) for x in (balance, contracts, entry, price))
    return balance + contracts / entry - contracts / price


def _exact(x: Any) -> Any:
    """Plain numbers as Fractions (so ``int / int`` stays exact); traced values as they are."""
    from solvent.lang.values import Value, to_fraction

    return x if isinstance(x, Value) else to_fraction(x)


def inverse_bankruptcy_price(balance: Any, contracts: Any, entry: Any, taker_fee: Any) -> Fraction:
    """Price where a long's coin equity pays exactly the taker fee to close (A9 Bybit):
    ``balance + c/entry - c/p = fee * c/p``."""
    b, c, e, f = (Fraction(x) for x in (balance, contracts, entry, taker_fee))
    return c * (1 + f) / (b + c / e)
