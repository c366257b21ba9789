"""A user's spec of a Deribit-style portfolio: a perpetual hedging short calls, margined by delta.

The style (Deribit, ``reference/derivatives.md`` A7: linear perp maintenance 1%; Derive's
portfolio-margin contingency of 0.3% of spot per short option, A6): per account
``usdc`` (premiums included), a signed ``perp_btc`` at ``perp_entry`` and
``short_calls`` struck at 100,000, each marked at its intrinsic value (no time value
left in this model); a call sold pays its mark into ``usdc``. The portfolio's value is
piecewise linear in BTC: its delta is ``perp_btc`` below the strike and ``perp_btc -
short_calls`` above. The maintenance margin is 1% of spot per unit of delta plus the
0.3% contingency per call; the initial margin twice that. BTC moves at most 0.8% a step.
The keeper closes a portfolio below maintenance at the marks. The invariant, per
account: the portfolio's equity is never negative. No lemma.

Safe: the margin counts the worse of the two deltas (the stress-grid answer of portfolio
margin: both sides of the strike), so a move costs less than 0.8% of spot per unit of
the delta margined at 1%. ``BUG=1``: a fixed delta of 0.5 per call: a perp long of half
the calls looks delta-neutral and is margined at the contingency only, but above the
strike it is short half a BTC per call: the open at the initial margin, a rise that
leaves it just above maintenance, one more rise of 0.8%: negative equity at depth 3.
``ACCOUNTS`` sets the number of accounts (default 3).
"""

import os

import solvent as sv
from solvent import Num, PerAccount, requires

BUG = os.environ.get("BUG") == "1"
pm = sv.Spec("delta-hedge", accounts=int(os.environ.get("ACCOUNTS", "3")))


@pm.params
class Margin:
    strike: Num = Num("100000")
    perp_mm: Num = Num("0.01")
    option_contingency: Num = Num("0.003")
    fixed_delta: Num = Num("0.5")


@pm.state
class Portfolio:
    btc_index: Num = Num("100000")
    usdc: PerAccount[Num] = Num("0")
    perp_btc: PerAccount[Num] = Num("0")
    perp_entry: PerAccount[Num] = Num("100000")
    short_calls: PerAccount[Num] = Num("0")


@pm.envelope
class Index:
    btc_return: Num = sv.within("-0.008", "0.008")


@pm.tick
def index(s, m):
    s.btc_index = s.btc_index * (1 + m.btc_return)


def call_mark(s, p):
    return sv.maximum(s.btc_index - p.strike, 0)


def equity(s, p, a):
    perp_pnl = s.perp_btc[a] * (s.btc_index - s.perp_entry[a])
    return s.usdc[a] + perp_pnl - s.short_calls[a] * call_mark(s, p)


def margined_delta(s, p, a):
    if BUG:
        return abs(s.perp_btc[a] - p.fixed_delta * s.short_calls[a])
    return sv.maximum(abs(s.perp_btc[a]), abs(s.perp_btc[a] - s.short_calls[a]))


def maintenance(s, p, a):
    per_delta = margined_delta(s, p, a) * p.perp_mm
    return s.btc_index * (per_delta + s.short_calls[a] * p.option_contingency)


@pm.action(
    deposit=sv.within("0", "100000"), perp=sv.within("-20", "20"), calls=sv.within("0", "20")
)
def open_portfolio(s, p, a, deposit, perp, calls):
    requires((s.perp_btc[a] == 0) & (s.short_calls[a] == 0) & (calls >= 0))
    s.usdc[a] = s.usdc[a] + deposit + calls * call_mark(s, p)
    s.perp_btc[a] = perp
    s.perp_entry[a] = s.btc_index
    s.short_calls[a] = calls
    requires(equity(s, p, a) >= 2 * maintenance(s, p, a))


@pm.keeper(every_step=True)
def liquidate(s, p, a):
    requires((s.perp_btc[a] != 0) | (s.short_calls[a] != 0))
    requires(equity(s, p, a) < maintenance(s, p, a))
    s.usdc[a] = equity(s, p, a)
    s.perp_btc[a] = 0
    s.short_calls[a] = 0


@pm.invariant
def portfolio_not_negative(s, p, a):
    return equity(s, p, a) >= 0
