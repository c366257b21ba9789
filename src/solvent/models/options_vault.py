"""A covered-call / cash-secured-put vault, settled at expiry.

The vault (one pool, in the style of DeFi option vaults) sells options to the accounts
and must be able to pay every claim at expiry, whatever the settlement price:

- it writes **calls** (strike ``strike``, one unit of the underlying each) against the
  underlying it holds. Covered: ``calls written <= underlying held`` (``call_coverage =
  1``). At expiry, if the settlement price is above the strike, each call is exercised
  (physical delivery): the holder pays the strike in cash and the vault delivers one unit.
- it writes **puts** against the cash it holds. Cash-secured: ``strike * puts written <=
  cash`` (``put_margin_basis = "strike"``). At expiry, if the settlement price is below the
  strike, each put is exercised: the vault pays the strike and receives one unit.

The collateral then covers the payoff for *every* settlement price: the vault never
delivers more units than ``calls written`` nor pays more than ``strike * puts written``.
A cash-settled vault (paying ``(S - K)+ / S`` units per call, ``(K - S)+`` cash per put,
as collateral-asset-settled option tokens do) pays less than that in every case, so the
same two conditions cover it.

Two classic mistakes are parameters here: ``call_coverage > 1`` writes more calls than
the underlying held (a partially naked call), and ``put_margin_basis = "spot"`` secures
puts with ``spot * puts`` instead of ``strike * puts``, which is short of the strike
exactly when the put is in the money (spot below strike). ``bmc`` finds both.

Sources (docs/models/sources.md): A6 (Derive standard manager: an uncovered short
call is margined at its mark plus 9% of the spot value, ``MtM + 0.09 * spot * amount``, a
fraction of what full cover holds; long options get no margin credit) and A7 (Deribit:
short option margin = a fraction of the underlying + the mark). Full cover by the
underlying / by strike cash is the textbook definition of covered calls and cash-secured
puts; the settlement rules (physical delivery, rational exercise at expiry) are stated
above, not taken from a venue.

The premium a buyer pays goes to the vault's cash (it may back puts). Buyers' own cash is
not modelled: a buyer always pays the strike on exercise (physical call delivery).
"""

from __future__ import annotations

from typing import Any

import solvent as sv
from solvent import Num, requires
from solvent.errors import ModelParameterError
from solvent.models import blocks_perp as shared
from solvent.models import fields
from solvent.models.params import Knobs, count, number, rate, takes

MARGIN_BASES = ("strike", "spot")


@sv.builder
@takes(
    name="options-vault",
    accounts=count(3),
    strike=number("2000", positive=True),
    start_price=number("2000", positive=True),
    max_move=rate("0.10", positive=True, upper_open=True),
    call_coverage=number("1", positive=True),
    put_margin_basis="strike",
    max_contracts=number("10", positive=True),
    max_premium=number("1000", nonnegative=True),
    underlying=("0", "20"),
    cash=("0", "40000"),
)
def build(k: Knobs) -> sv.Spec:
    """Build the option-vault spec.

    Parameters
    ----------
    strike:
        Strike of the calls and the puts (quote per unit).
    start_price:
        Underlying price at the start; ``max_move`` bounds its per-step return.
    call_coverage:
        Calls the vault may write per unit of underlying held: 1 is covered; above 1 the
        excess is naked.
    put_margin_basis:
        ``"strike"`` (cash-secured: ``strike * puts <= cash``) or ``"spot"`` (the mistake:
        ``spot * puts <= cash``).
    max_contracts, max_premium:
        Largest single sale and premium (the action domains).
    underlying, cash:
        Ranges of the vault's initial holdings (symbolic initial state).
    """
    strike_k, coverage = k.strike, k.call_coverage
    if k.put_margin_basis not in MARGIN_BASES:
        raise ModelParameterError(
            f"parameter put_margin_basis = {k.put_margin_basis!r}: must be one of "
            f"{', '.join(repr(b) for b in MARGIN_BASES)}"
        )
    shared.check_holdings(underlying=k.underlying, cash=k.cash)
    at_spot = k.put_margin_basis == "spot"
    vault = sv.Spec(k.name, accounts=k.accounts)
    fields.params(vault, strike=Num(strike_k), call_coverage=Num(coverage))
    holdings = {"underlying": sv.within(*k.underlying), "cash": sv.within(*k.cash)}
    fields.state(vault, price=Num(k.start_price), expired=False, **holdings)
    fields.accounts(vault, **fields.zeros("calls puts received_units received_cash"))

    shared.move_envelope(vault, k.max_move)

    def calls_written(s: Any) -> Any:
        return sv.sum(s.calls[a] for a in s.accounts)

    def puts_written(s: Any) -> Any:
        return sv.sum(s.puts[a] for a in s.accounts)

    shared.mark_tick(vault)

    contracts = sv.within("0", k.max_contracts)
    premium = sv.within("0", k.max_premium)

    @vault.action(qty=contracts, paid=premium)
    def sell_call(s: Any, p: Any, a: int, qty: Any, paid: Any) -> None:
        """The vault sells `qty` calls to account `a` for a premium `paid`."""
        requires(~s.expired)
        s.calls[a] = s.calls[a] + qty
        s.cash = s.cash + paid
        requires(calls_written(s) <= s.underlying * p.call_coverage)

    @vault.action(qty=contracts, paid=premium)
    def sell_put(s: Any, p: Any, a: int, qty: Any, paid: Any) -> None:
        """The vault sells `qty` puts to account `a` for a premium `paid`."""
        requires(~s.expired)
        s.puts[a] = s.puts[a] + qty
        s.cash = s.cash + paid
        margin_price = s.price if at_spot else p.strike
        requires(puts_written(s) * margin_price <= s.cash)

    @vault.action
    def expire(s: Any, p: Any) -> None:
        """Expiry at the current price: in-the-money options are exercised, physically."""
        requires(~s.expired)
        s.expired = True
        call_itm = s.price > p.strike
        put_itm = s.price < p.strike
        delivered = sv.when(call_itm, calls_written(s), 0)
        assigned = sv.when(put_itm, puts_written(s), 0)
        s.underlying = s.underlying - delivered + assigned
        s.cash = s.cash + delivered * p.strike - assigned * p.strike
        for a in s.accounts:
            s.received_units[a] = sv.when(call_itm, s.calls[a], 0) - sv.when(put_itm, s.puts[a], 0)
            s.received_cash[a] = (
                sv.when(put_itm, s.puts[a], 0) - sv.when(call_itm, s.calls[a], 0)
            ) * p.strike

    @vault.invariant
    def vault_pays_every_claim(s: Any) -> Any:
        """The vault never owes more underlying or cash than it holds."""
        return (s.underlying >= 0) & (s.cash >= 0)

    @vault.invariant
    def covered_for_every_price(s: Any, p: Any) -> Any:
        """Before expiry: underlying held >= calls written, cash >= strike * puts written.

        The payoff at expiry is at most one unit per call and ``strike`` per put, whatever
        the settlement price, so this is the rule that makes the vault safe for every price.
        """
        return sv.implies(
            ~s.expired,
            (calls_written(s) <= s.underlying) & (puts_written(s) * p.strike <= s.cash),
        )

    shared.price_positive(vault)

    @vault.lemma
    def holdings_nonnegative(s: Any, p: Any, a: int) -> Any:
        """Accounts only buy options from the vault: their holdings are never negative."""
        return (s.calls[a] >= 0) & (s.puts[a] >= 0)

    @vault.witness
    def calls_exercised(s: Any) -> Any:
        """Expiry with calls in the money: the vault delivers underlying."""
        return sv.any_of(s.received_units[a] > 0 for a in s.accounts)

    @vault.witness
    def puts_exercised(s: Any) -> Any:
        """Expiry with puts in the money: the vault pays the strike."""
        return sv.any_of(s.received_cash[a] > 0 for a in s.accounts)

    return vault
