"""Trading-fee accrual in on-chain fixed point: the rounding direction decides solvency.

Sources: docs/models/sources.md A3 (GMX v2: position fee 0.04%/0.06% of the size,
charged in token units on chain), A5 (Synthetix v3: taker fee 5 bp); floor-rounded fixed point
made Z3 find 1 unit of bad debt: round requirements up and PnL against the trader.

Each trade of ``notional`` quote units pays ``fee_rate * notional`` into a fee vault,
rounded to the token's decimals. Liquidity providers are owed ``fee_rate`` of the
cumulative volume, booked through one accumulator (``lp_claim = volume * fee_rate``
rounded down, as a reward index is). The vault must hold the LP claim at all times.

- fee rounded **up** (against the trader): the sum of per-trade fees is at least the
  exact fee of the total volume, so the vault covers the claim: ``prove`` proves it.
- fee rounded **down** (in favour of the trader): two dust trades can each pay 0 while
  their combined volume books 1 unit of claim: ``bmc`` finds it at depth 2. In exact
  arithmetic there is no rounding and the same spec is safe, so only a check in the
  protocol's own fixed point finds the bug.
"""

from __future__ import annotations

from typing import Any

import solvent as sv
from solvent import Num, PerAccount, requires
from solvent.models.params import Knobs, number, rate, takes
from solvent.models.validate import refuse

ROUNDINGS = ("up", "down")


@sv.builder
@takes(
    name="fee-accrual",
    accounts=2,
    fee_rate=rate("0.0005", upper_open=True),
    fee_rounding="up",
    arithmetic="fixed",
    decimals=6,
    max_trade=number("1000", positive=True),
    deposit=number("1000", positive=True),
)
def build(k: Knobs) -> sv.Spec:
    """Build the fee-accrual spec.

    Parameters
    ----------
    fee_rate
        Fee as a fraction of the traded notional (5 bp = ``"0.0005"``), in ``[0, 1)``.
    fee_rounding
        ``"up"`` (against the trader, correct) or ``"down"`` (the bug).
    arithmetic, decimals
        ``"fixed"`` with the token's decimals (6 for USDC), or ``"exact"``.
    max_trade, deposit
        The largest notional of one trade, and each account's deposit.
    """
    rate_q, top, dep = k.fee_rate, k.max_trade, k.deposit
    if k.fee_rounding not in ROUNDINGS:
        raise refuse(
            f"fee_rounding={k.fee_rounding!r}: must be one of {', '.join(ROUNDINGS)} "
            "(the direction the per-trade fee is rounded to the token's decimals)"
        )
    kwargs: dict[str, Any] = {"arithmetic": k.arithmetic}
    if k.arithmetic == "fixed":
        kwargs["decimals"] = k.decimals
    spec = sv.Spec(k.name, accounts=k.accounts, **kwargs)
    charge = sv.mul_up if k.fee_rounding == "up" else sv.mul_down

    @spec.params
    class Params:
        fee_rate: Num = rate_q

    @spec.state
    class State:
        fee_vault: Num = Num("0")
        volume: Num = Num("0")
        balance: PerAccount[Num] = dep

    @spec.action(notional=sv.within("0", top))
    def trade(s: Any, p: Any, a: int, notional: Any) -> None:
        """Account `a` trades `notional`; its fee goes to the vault."""
        fee = charge(notional, p.fee_rate)
        s.balance[a] = s.balance[a] - fee
        s.fee_vault = s.fee_vault + fee
        s.volume = s.volume + notional
        requires(s.balance[a] >= 0)

    @spec.invariant
    def vault_covers_lp_claim(s: Any, p: Any) -> Any:
        """The fee vault holds at least what liquidity providers are owed."""
        return s.fee_vault >= lp_claim(s, p)

    @spec.witness
    def fees_collected(s: Any) -> Any:
        """Some fee reaches the vault (else the proof would be vacuous)."""
        return s.fee_vault > 0

    @spec.metric
    def lp_claim(s: Any, p: Any) -> Any:
        return sv.mul_down(s.volume, p.fee_rate)

    return spec
