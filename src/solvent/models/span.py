"""Portfolio margin with a SPAN-like scenario grid, checked against the loss at expiry.

Each account holds a portfolio on one underlying: a futures position and calls and puts
at two strikes (``strike_low``, ``strike_high``), all expiring at the settlement price.
Its margin is the **scanning risk** of CME SPAN (docs/models/sources.md C): the largest
loss over the scenarios

- price moves of 0, ±1/3, ±2/3 and ±3/3 of the price scan range (``scan_range``, a
  fraction of ``price``), each with volatility up and down (14 scenarios in SPAN), and
- two extreme moves of ±``extreme_multiple`` (2) times the range, of which only
  ``extreme_cover`` (35%) of the loss counts.

Positions are valued **at expiry** (intrinsic value: futures ``size * (P - price)``,
calls ``(P - K)+``, puts ``(K - P)+``). At-expiry values do not depend on volatility, so
the volatility-up and volatility-down scenarios of a price point coincide and the grid is
9 distinct scenarios. Black–Scholes values before expiry (exp, log and the normal CDF) are
outside the solver's arithmetic; :mod:`solvent.models.option_pricing` computes them for
documentation and bounds them between intrinsic and intrinsic plus a vega bound (see the
docs page, "Black–Scholes").

What is proved (``prove``, per account): an account that posted at least its scanning
risk never has negative equity at expiry, for *every* settlement price within the scan
range ``price * (1 ± scan_range)`` (the envelope). The payoff is piecewise linear in the
settlement price with kinks only at the strikes, so the worst loss over the range is
attained at the range ends or at a strike. The proof therefore covers exactly the
portfolios whose strikes inside the range are scan points: either the strikes lie on the
grid (``price * (1 + j/3 * scan_range)``), or ``scan_strikes=True`` adds every strike
inside the range as an extra scenario (counted at 100%). With a strike between grid
points and ``scan_strikes=False``, a long straddle at that strike loses more at the
strike than at any grid point, and ``bmc`` shows it.

The spec: each account starts with any portfolio within ``max_size`` contracts per
instrument and collateral covering its scanning risk (``@initial``), may replace its
portfolio at value (``rebalance``, guarded by the same margin rule), and every step the
tick draws a settlement price in the range. The invariant ``covered_at_expiry`` says the
account's equity at that settlement price is not negative. In the invariant the payoff is
written segment by segment between the strikes and grid points (:func:`value_in_range`),
an exact rewriting of the ``max``-based payoff on the range that the solver handles in
about a second (the ``max`` form did not finish in 5 minutes, see
benchmarks/results/models_ext.md).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import solvent as sv
from solvent import Num, requires
from solvent.errors import ModelParameterError
from solvent.lang.values import format_number
from solvent.models import fields
from solvent.models.params import Knobs, count, number, rate, takes
from solvent.models.validate import check_range

INSTRUMENTS = ("future", "call_low", "put_low", "call_high", "put_high")
Holdings = dict[str, Any]  # an account's position in each instrument
Grid = list[tuple[Fraction, Fraction]]  # scenario prices and their weights


def scan_points(
    price: Any,
    scan_range: Any,
    *,
    extreme_multiple: Any = 2,
    extreme_cover: Any = "0.35",
    strikes: tuple[Any, ...] = (),
) -> list[tuple[Fraction, Fraction]]:
    """The scenario prices and the share of each scenario's loss that counts.

    Seven price points ``price * (1 + j/3 * scan_range)`` for ``j = -3..3`` at weight 1
    (each stands for a volatility-up and a volatility-down scenario, equal at expiry),
    two extreme points ``price * (1 ± extreme_multiple * scan_range)`` at
    ``extreme_cover``, and each of ``strikes`` strictly inside the range at weight 1.
    """
    p, r = Fraction(price), Fraction(scan_range)
    points = [(p * (1 + Fraction(j, 3) * r), Fraction(1)) for j in range(-3, 4)]
    m, cover = Fraction(extreme_multiple), Fraction(extreme_cover)
    points += [(p * (1 - m * r), cover), (p * (1 + m * r), cover)]
    grid = {q for q, _ in points[:7]}
    for k in strikes:
        fk = Fraction(k)
        if p * (1 - r) < fk < p * (1 + r) and fk not in grid:
            points.append((fk, Fraction(1)))
    return points


def payoff(instrument: str, settlement: Any, strike_low: Any, strike_high: Any) -> Any:
    """Value at expiry of one unit of ``instrument`` at ``settlement`` (futures: the
    price itself; the entry price cancels in every loss)."""
    if instrument == "future":
        return settlement
    strike = strike_low if instrument.endswith("low") else strike_high
    if instrument.startswith("call"):
        return sv.maximum(settlement - strike, 0)
    return sv.maximum(strike - settlement, 0)


def portfolio_value(positions: dict[str, Any], settlement: Any, low: Any, high: Any) -> Any:
    """Value at expiry of a portfolio ``{instrument: signed size}``."""
    return sv.sum(positions[i] * payoff(i, settlement, low, high) for i in INSTRUMENTS)


def breakpoints(price: Any, scan_range: Any, strikes: tuple[Any, ...]) -> list[Fraction]:
    """The range ends, the seven grid points and every strike inside the range, sorted:
    between two consecutive ones every payoff is linear in the settlement price."""
    p, r = Fraction(price), Fraction(scan_range)
    pts = {p * (1 + Fraction(j, 3) * r) for j in range(-3, 4)}
    pts |= {Fraction(k) for k in strikes if p * (1 - r) < Fraction(k) < p * (1 + r)}
    return sorted(pts)


def value_in_range(
    positions: dict[str, Any], settlement: Any, segments: list[Fraction], low: Any, high: Any
) -> Any:
    """:func:`portfolio_value` at a settlement price inside ``[segments[0], segments[-1]]``,
    written segment by segment: on ``[lo, hi]`` (no strike inside) each payoff is
    ``payoff(lo) + slope * (settlement - lo)`` with a static slope, so the value is a
    linear form of the positions plus ``(settlement - lo)`` times another. This equals
    the ``max``-based payoff exactly on the range (a unit test checks it); the solver
    handles it far better than products of positions with ``max(settlement - K, 0)``.
    """
    value: Any = None
    for lo, hi in reversed(list(zip(segments, segments[1:], strict=False))):
        at_lo = sv.sum(positions[i] * payoff(i, lo, low, high) for i in INSTRUMENTS)
        slope = sv.sum(
            positions[i] * ((payoff(i, hi, low, high) - payoff(i, lo, low, high)) / (hi - lo))
            for i in INSTRUMENTS
        )
        piece = at_lo + (settlement - lo) * slope
        value = piece if value is None else sv.when(settlement <= hi, piece, value)
    return value


def scenario_losses(
    positions: Holdings, price: Any, points: Grid, low: Any, high: Any
) -> list[Any]:
    """The weighted loss of the portfolio in each scenario (negative: a gain)."""
    now = portfolio_value(positions, price, low, high)
    return [w * (now - portfolio_value(positions, q, low, high)) for q, w in points]


def scanning_risk(positions: Holdings, price: Any, points: Grid, low: Any, high: Any) -> Any:
    """The largest weighted loss over the scenario points (never below 0)."""
    return sv.maximum(0, *scenario_losses(positions, price, points, low, high))


@sv.builder
@takes(
    name="span-margin",
    accounts=count(3),
    price=number("2000", positive=True),
    scan_range=rate("0.15", positive=True, upper_open=True),
    extreme_multiple=number("2", positive=True),
    extreme_cover=rate("0.35"),
    strike_low=number("1900", positive=True),
    strike_high=number("2100", positive=True),
    scan_strikes=False,
    max_size=number("10", positive=True),
    collateral=("0", "5000"),
)
def build(k: Knobs) -> sv.Spec:
    """Build the scenario-margin spec.

    ``price`` is the price at which the margin is computed; the envelope draws the
    settlement ``price * (1 + move)`` with ``|move| <= scan_range``. ``max_size`` bounds
    each position (contracts); ``collateral`` is the range of each account's deposit.
    """
    p0, r, m = k.price, k.scan_range, k.extreme_multiple
    if m < 1:
        raise ModelParameterError(
            f"parameter extreme_multiple = {format_number(m)}: must be at least 1 (the extreme moves lie "
            "beyond the scan range)"
        )
    if m * r >= 1:
        raise ModelParameterError(
            f"parameters extreme_multiple * scan_range = {format_number(m * r)}: must be below 1 (the "
            "extreme move down would take the price to zero or below)"
        )
    cover, low, high, size = k.extreme_cover, k.strike_low, k.strike_high, k.max_size
    if not isinstance(k.scan_strikes, bool):
        raise ModelParameterError(
            f"parameter scan_strikes = {k.scan_strikes!r}: must be True or False"
        )
    check_range("collateral", *k.collateral, nonnegative=True)
    points = scan_points(
        p0,
        r,
        extreme_multiple=m,
        extreme_cover=cover,
        strikes=(low, high) if k.scan_strikes else (),
    )
    segments = breakpoints(p0, r, (low, high))
    span = sv.Spec(k.name, accounts=k.accounts)
    span.derive(
        "scan_points",
        tuple(q for q, _ in points),
        "scenario prices the margin scans (the two extremes count at extreme_cover)",
    )
    span.derive("segments", tuple(segments), "kinks of value_in_range: grid points and strikes")
    fields.params(span, price=Num(p0), scan_range=Num(r), strike_low=Num(low))
    fields.params(span, strike_high=Num(high))
    fields.state(span, settlement=Num(p0))
    holdings = {i: fields.both_ways(size) for i in INSTRUMENTS}
    fields.accounts(span, collateral=sv.within(*k.collateral), **holdings)
    fields.symmetric(span, move=r)

    def positions(s: Any, a: int) -> dict[str, Any]:
        return {i: getattr(s, i)[a] for i in INSTRUMENTS}

    def margin(s: Any, p: Any, a: int) -> Any:
        return scanning_risk(positions(s, a), p.price, points, p.strike_low, p.strike_high)

    def covers_margin(s: Any, p: Any, a: int) -> Any:
        """``collateral >= scanning risk``, written as one inequality per scenario (the
        same condition as ``collateral >= max(0, losses...)``; the solver handles a
        conjunction of linear inequalities far better than a nested maximum)."""
        losses = scenario_losses(positions(s, a), p.price, points, p.strike_low, p.strike_high)
        return sv.all_of([s.collateral[a] >= 0, *(s.collateral[a] >= x for x in losses)])

    def pnl_at_expiry(s: Any, p: Any, a: int) -> Any:
        pos = positions(s, a)
        return value_in_range(
            pos, s.settlement, segments, p.strike_low, p.strike_high
        ) - portfolio_value(pos, p.price, p.strike_low, p.strike_high)

    @span.tick
    def settle(s: Any, p: Any, m: Any) -> None:
        """Draw a settlement price within the scan range of the margining price."""
        s.settlement = p.price * (1 + m.move)

    @span.initial
    def posted_scanning_risk(s: Any, p: Any, a: int) -> Any:
        """Every account starts with collateral covering its portfolio's scanning risk."""
        return covers_margin(s, p, a)

    trade_size = fields.both_ways(size)

    @span.action(
        future=trade_size,
        call_low=trade_size,
        put_low=trade_size,
        call_high=trade_size,
        put_high=trade_size,
    )
    def rebalance(
        s: Any,
        p: Any,
        a: int,
        future: Any,
        call_low: Any,
        put_low: Any,
        call_high: Any,
        put_high: Any,
    ) -> None:
        """Account `a` replaces its portfolio (traded at value, so its equity is
        unchanged); the new portfolio must be covered by its collateral's scanning risk."""
        s.future[a] = future
        s.call_low[a] = call_low
        s.put_low[a] = put_low
        s.call_high[a] = call_high
        s.put_high[a] = put_high
        requires(covers_margin(s, p, a))

    @span.invariant
    def covered_at_expiry(s: Any, p: Any, a: int) -> Any:
        """Collateral covers the portfolio's loss at the settlement price."""
        return s.collateral[a] + pnl_at_expiry(s, p, a) >= 0

    @span.lemma
    def margined(s: Any, p: Any, a: int) -> Any:
        """Every account's collateral is at least its scanning risk."""
        return covers_margin(s, p, a)

    @span.witness
    def loss_at_expiry(s: Any, p: Any, a: int) -> Any:
        """Some account loses at expiry (else nothing is at stake)."""
        return pnl_at_expiry(s, p, a) < 0

    @span.metric
    def scanning_risk_margin(s: Any, p: Any, a: int) -> Any:
        return margin(s, p, a)

    @span.metric
    def pnl(s: Any, p: Any, a: int) -> Any:
        return pnl_at_expiry(s, p, a)

    return span
