"""The round-24 user specs (tests/check/specs/) written again by hand, without solvent.

Each ``*_bug_path`` walks the shortest path the spec's docstring works out, with exact
fractions, and returns the invariant's value after each step; each ``*_safe_step`` is the
spec's safety argument as one hand-written Z3 query on one account: from any state the
rules leave (after the keeper, or flat), one worst step keeps the invariant (``unsat``
means no step breaks it). ``test_user_specs_r24.py`` compares solvent's verdicts with
these.
"""

from __future__ import annotations

from fractions import Fraction as F

import z3


def _z3abs(x: z3.ArithRef) -> z3.ArithRef:
    return z3.If(x >= 0, x, -x)


def _z3max(x: z3.ArithRef, y: z3.ArithRef | int) -> z3.ArithRef:
    return z3.If(x >= y, x, y)


def _z3min(x: z3.ArithRef, y: z3.ArithRef | int) -> z3.ArithRef:
    return z3.If(x <= y, x, y)


def _answer(*constraints: object) -> z3.CheckSatResult:
    s = z3.Solver()
    s.set(timeout=120_000)
    s.add(*constraints)
    return s.check()


# two_market_tiers: BTC tier lookup by size (BUG) or notional; fund >= 0


def tiers_bug_path() -> list[F]:
    """Deposit 48,000; long 20 BTC (2,000,000) at the bug's 2.4% initial margin (twice
    tier 1's 1.2%); two falls of 0.8%: below maintenance, and the liquidation's slippage
    on the second million leaves the fund negative at step 4. (No path is shorter: a
    position opened at step 2 meets the keeper first at step 3, after one move, with
    2.4% - 0.8% of its notional against 1.2% maintenance; ETH's 5% - 2% against 3% needs
    an ETH notional 6.5 times BTC's, beyond the 500 ETH an order may take.)"""
    btc, fund, usdc = F(100000), F(0), F(48000)
    funds = [fund, fund]  # step 1: the deposit
    base, entry = F(20), btc  # step 2: the open
    assert usdc >= 2 * F("0.012") * base * btc
    funds.append(fund)
    for _ in range(2):  # steps 3 and 4
        btc *= 1 - F("0.008")
        eq = usdc + base * (btc - entry)
        n = base * btc
        if base and eq < n * F("0.012"):  # the bug's maintenance: tier 1 at any notional
            above = max(n - 1000000, F(0))
            left = eq - ((n - above) * F("0.002") + above * F("0.03"))
            fund += min(n * F("0.015"), max(left, F(0))) + min(left, F(0))
            base = F(0)
        funds.append(fund)
    return funds


def tiers_safe_step(bug: bool = False) -> z3.CheckSatResult:
    """From an account at or above its tiered maintenance (BTC and ETH), one move of at
    most 0.8% / 2% and the liquidation: what is left after the slippage is >= 0 (with
    ``bug``, BTC's maintenance is tier 1's at every notional)."""
    u, b, e, p, q, pe, qe, mb, me = z3.Reals("u b e p q pe qe mb me")

    def btc_mm(n: z3.ArithRef) -> z3.ArithRef:
        if bug:
            return n * 0.012
        return z3.If(n > 1000000, n * 0.05 - 1000000 * (0.05 - 0.012), n * 0.012)

    def eq(pp: z3.ArithRef, qq: z3.ArithRef) -> z3.ArithRef:
        return u + b * (pp - pe) + e * (qq - qe)

    nb, ne = _z3abs(b) * p, _z3abs(e) * q
    p1, q1 = p * (1 + mb), q * (1 + me)
    nb1, ne1 = _z3abs(b) * p1, _z3abs(e) * q1
    above = _z3max(nb1 - 1000000, 0)
    slip = (nb1 - above) * 0.002 + above * 0.03 + ne1 * 0.005
    return _answer(
        p > 0,
        q > 0,
        mb >= -0.008,
        mb <= 0.008,
        me >= -0.02,
        me <= 0.02,
        eq(p, q) >= btc_mm(nb) + ne * 0.03,
        eq(p1, q1) - slip < 0,
    )


# lp_pool_withdraw: pool >= pending capped profit


def pool_bug_path() -> list[F]:
    """Add 100,000; open 100 ETH (300,000) with 30,000 margin (reserve 60,000); the bug
    lets the LP take out 100,000 (pending profit 0); ETH +5%: owed 15,000 > pool 0."""
    eth, pool = F(3000), F(0)
    slack = [pool]
    pool += 100000  # step 1
    slack.append(pool)
    size, entry = F(100), eth  # step 2: reserve 60,000 <= 95% of the pool
    assert size * entry * F("0.2") <= pool * F("0.95")
    slack.append(pool)
    pool -= 100000  # step 3: pool - amount >= pending profit (0)
    slack.append(pool)
    eth *= 1 + F("0.05")  # step 4
    owed = min(size * (eth - entry), size * entry * F("0.2"))
    slack.append(pool - max(owed, F(0)))
    return slack


def pool_safe_step() -> z3.CheckSatResult:
    """The safe pool's reason on one account: the pending profit is at most the reserve,
    which stays within the pool after any step (reserve = 20% of the entry notional)."""
    pool, eth, size, entry, margin, r, amount = z3.Reals("pool eth size entry margin r amount")
    cap = size * entry * 0.2
    owed = _z3max(_z3min(size * (eth * (1 + r) - entry), cap), -margin)
    return _answer(
        size >= 0,
        entry > 0,
        margin >= 0,
        pool >= cap,  # the reserve within the pool (reserved == sum of caps)
        r >= -0.05,
        r <= 0.05,
        amount > 0,
        z3.Or(
            pool < _z3max(owed, 0),  # a move
            z3.And(pool - amount >= cap, pool - amount < _z3max(owed, 0)),  # a withdrawal
        ),
    )


# debt_pool_stale: snx x spot >= debt, the oracle K steps stale


def debt_bug_path() -> list[F]:
    """A staker at exactly 150% at 2; three falls of 15% with the debt unchanged and the
    oracle skipped three times (within=3): backed/debt after each step."""
    spot, oracle, per_share = F(2), F(2), F(1)
    snx, shares = F(1500), F(2000)  # 1500 x 2 = 1.5 x 2000
    ratios = [snx * spot / (shares * per_share)]
    for _ in range(3):
        spot *= 1 - F("0.15")
        # the keeper reads the stale oracle: 1500 x 2 is not below 1.5 x 2000
        assert not snx * oracle < F("1.5") * shares * per_share
        ratios.append(snx * spot / (shares * per_share))
    return ratios


def debt_safe_bound(within: int) -> F:
    """The worst backed/debt ratio the keeper can miss with an oracle ``within`` steps
    stale: it last saw the staker at >= 150% of today's debt at a price since fallen
    by 0.85^K at most (it reads a fresh price at step K + 1): 1.5 x 0.85^K."""
    return F("1.5") * F("0.85") ** within


def debt_safe_step(within: int) -> z3.CheckSatResult:
    """A staker the keeper saw at >= 150% (at the spot then) is still backed after
    ``within`` unseen steps of at most -15% and +2% debt."""
    snx, shares, spot, d = z3.Reals("snx shares spot d")
    rs = [z3.Real(f"r{i}") for i in range(within)]
    gs = [z3.Real(f"g{i}") for i in range(within)]
    spot_k, d_k = spot, d
    bounds = []
    for r, g in zip(rs, gs, strict=True):
        spot_k, d_k = spot_k * (1 + r), d_k * (1 + g)
        bounds += [r >= -0.15, r <= 0.15, g >= 0, g <= 0.02]
    return _answer(
        snx >= 0, shares >= 0, spot > 0, d > 0, snx * spot >= 1.5 * shares * d,
        *bounds, snx * spot_k < shares * d_k,
    )  # fmt: skip


# premium_clamp: equity >= 0, the keeper within=1


def funding_bug_path() -> list[F]:
    """Open 100 contracts at 2,000 with the 3.5% initial margin (7,000); two hours of
    -0.8% and a 10% premium (1.25% an hour with the bug's cap): equity per step."""
    oracle, cum = F(2000), F(0)
    usdc, size, entry, at_entry = F(7000), F(100), F(2000), F(0)
    equities = [F(0), usdc]
    for _ in range(2):
        oracle *= 1 - F("0.008")
        rate = max(-F("0.03"), min(F("0.03"), F("0.1") / 8 + F("0.0000125")))
        cum += oracle * rate
        equities.append(usdc + size * (oracle - entry) - size * (cum - at_entry))
    return equities


def funding_safe_step(cap: F) -> z3.CheckSatResult:
    """An account at or above 3% maintenance after the keeper; two hours (the keeper
    one hour late) of moves <= 0.8% and funding clamped at ``cap`` an hour: equity >= 0."""
    u, c, p, m1, m2, f1, f2 = z3.Reals("u c p m1 m2 f1 f2")
    p1 = p * (1 + m1)
    p2 = p1 * (1 + m2)
    eq0 = u
    eq2 = u + c * (p2 - p) - c * (p1 * f1 + p2 * f2)
    fc = z3.RealVal(str(cap))
    return _answer(
        p > 0,
        m1 >= -0.008, m1 <= 0.008, m2 >= -0.008, m2 <= 0.008,
        f1 >= -fc, f1 <= fc, f2 >= -fc, f2 <= fc,
        eq0 >= _z3abs(c) * p * 0.03,
        eq2 < 0,
    )  # fmt: skip


# delta_hedge: equity >= 0, margin by a fixed delta (BUG) or the worse of both sides


def hedge_bug_path() -> list[F]:
    """Sell 10 calls at 100,000 and buy 5 BTC (fixed delta 0.5: margined at the 0.3%
    contingency, 3,000; initial 6,000); BTC +0.59%, then +0.8%: equity per step."""
    btc, k = F(100000), F(100000)
    usdc, perp, calls = F(6000), F(5), F(10)

    def equity() -> F:
        return usdc + perp * (btc - k) - calls * max(btc - k, F(0))

    def maintenance() -> F:
        return btc * (abs(perp - F("0.5") * calls) * F("0.01") + calls * F("0.003"))

    equities = [F(0), equity()]
    for r in (F("0.0059"), F("0.008")):
        btc *= 1 + r
        assert r == F("0.008") or equity() >= maintenance()  # not liquidated at step 2
        equities.append(equity())
    return equities


def hedge_safe_step() -> z3.CheckSatResult:
    """A portfolio at or above the worse-delta maintenance, one move of at most 0.8%:
    equity stays >= 0 (its value is piecewise linear, slope perp or perp - calls)."""
    u, perp, calls, s, entry, r = z3.Reals("u perp calls s entry r")

    def equity(x: z3.ArithRef) -> z3.ArithRef:
        return u + perp * (x - entry) - calls * _z3max(x - 100000, 0)

    delta = _z3max(_z3abs(perp), _z3abs(perp - calls))
    mm = s * (delta * 0.01 + calls * 0.003)
    return _answer(
        s > 0, calls >= 0, r >= -0.008, r <= 0.008,
        equity(s) >= mm, equity(s * (1 + r)) < 0,
    )  # fmt: skip
