"""Exact closed forms for the isolated perpetual (``solvent.models.perp_isolated``).

An account with quote balance ``Q`` and signed size ``S`` has equity ``Q + S*X`` at price
``X``. Its *bankruptcy price* ``b = -Q/S`` does not depend on the current price:

* a long (``S > 0``) is under water (equity < 0) below ``b``, with deficit ``S*(b - X)``;
* a short (``S < 0``) is under water above ``b``, with deficit ``|S|*(X - b)``;
* a flat account (``S = 0``) has the constant deficit ``max(0, -Q)``.

The bad debt left beyond the insurance fund ``I`` after the price jumps to ``X`` (every
deficit written off at once, no fees credited: the conservative side) is
``E(X) = bad_debt + D(X) - I`` with ``D`` the sum of the deficits. ``D`` is convex and
piecewise linear in ``X`` with one breakpoint per account, so ``{X > 0 : E(X) <= 0}`` is
an interval ``[X_lo, X_hi]`` that depends on the positions and the fund only, not on the
price. The *distance to insolvency* at price ``P`` is the smallest single gap
``r = X/P - 1`` (either sign) that leaves ``E > 0``: ``min(1 - X_lo/P, X_hi/P - 1)``,
0 when ``P`` is already outside.

:class:`PerpBook` keeps every breakpoint in a :class:`~solvent.monitor.deficit.DeficitIndex`
and the longs' and shorts' bankruptcy prices in two heaps (the highest long's and the
lowest short's are what the invariant and the keeper read; stale entries are dropped when
they reach the top; kept from their first reader on, see :mod:`solvent.monitor.tops`), so
an account change costs O(log N), the interval O(log N) (recomputed after a change,
cached across prices), and a price change O(1). The maintenance check is the same
shape: a long is liquidatable below ``b / (1 - mm)``, a short above ``b / (1 + mm)``.
Everything is exact (``Fraction``); the float copies only speed up the comparisons on
the price-event hot path and are never trusted near a boundary (see ``near``).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from fractions import Fraction

from sortedcontainers import SortedList

from solvent.monitor.deficit import DeficitIndex, coprime, owes_none, ratio
from solvent.monitor.deficit import to_float as _float
from solvent.monitor.tops import Tops
from solvent.monitor.walks import ExactWalks

ZERO = Fraction(0)
# A float comparison is trusted only when it clears the boundary by this relative margin;
# float(Decimal) and one float division are each within 2**-52 relative of exact.
MARGIN = 1e-9


SCALE = 10**18  # integer units of the fast walks (any decimal with up to 18 places)


# ``Fraction.numerator`` is a Python property (about 0.3 us a read on this machine, five
# times the slot it returns); the hot path of an account change reads the slots (every
# CPython since 2.6 keeps a Fraction in these two, checked here once)
if Fraction.__slots__ != ("_numerator", "_denominator"):  # pragma: no cover
    raise ImportError("solvent.monitor.book reads Fraction's _numerator/_denominator slots")


def scaled(q: Fraction) -> int | None:
    """``q`` in units of 1/SCALE when that is an integer, else None."""
    v, r = divmod(q._numerator * SCALE, q._denominator)  # type: ignore[attr-defined]
    return None if r else v


def near(x: float, bound: float) -> bool:
    """``x`` and ``bound`` are too close for a float comparison to decide (re-check exactly)."""
    return abs(x - bound) <= MARGIN * max(abs(x), abs(bound), 1.0)


def strictly_between(lo: float, x: float, hi: float) -> bool:
    """``lo < x < hi`` for the exact values behind these floats, decided by floats alone.

    Each float is within 2**-53 (relative) of its exact value, so a gap wider than
    ``MARGIN`` times the larger magnitude cannot be an artefact of rounding. False means
    "not certainly inside": the caller re-checks exactly.
    """
    lo_ok = lo == -math.inf or x - lo > MARGIN * max(1.0, abs(x), abs(lo))
    return lo_ok and (hi == math.inf or hi - x > MARGIN * max(1.0, abs(x), abs(hi)))


@dataclass(frozen=True, slots=True)
class Distance:
    """The smallest adverse gap that leaves bad debt beyond the fund, both ways."""

    down: (
        Fraction | None
    )  # the largest price below P still safe, as a return (<= 0); None: no crossing
    up: Fraction | None  # as a return (>= 0); None: no crossing
    price: Fraction

    @property
    def value(self) -> Fraction | None:
        """min(|down|, up); None when no single gap can create bad debt beyond the fund."""
        sides = [abs(x) for x in (self.down, self.up) if x is not None]
        return min(sides) if sides else None

    @property
    def side(self) -> str | None:
        if self.value is None:
            return None
        if self.down is not None and abs(self.down) == self.value:
            return "down"
        return "up"


class PerpBook(Tops, ExactWalks):
    """Positions of the isolated perp with its sorted bankruptcy prices."""

    _tops_stale = False  # the highest long's and lowest short's b (eq_lo, eq_hi) are stale
    _probe_span = (-math.inf, math.inf)  # floats certainly below / above every probe

    def __init__(self, accounts: int, maintenance_margin: Fraction) -> None:
        self.n = accounts
        self.mm = Fraction(maintenance_margin)
        self.quote = [ZERO] * accounts
        self.size = [ZERO] * accounts
        self.insurance = ZERO
        self.bad_debt = ZERO
        # (float of b, b, account) of each account's breakpoint; the floats decide unless
        # they tie. The heaps: longs as (-float b, -b, account) (the highest b on top), shorts
        # as the key; an entry is live while ``_live[account]`` is that very tuple
        self._lh: list[tuple[float, Fraction, int]] = []
        self._sh: list[tuple[float, Fraction, int]] = []
        self._live: list[tuple[float, Fraction, int] | None] = [None] * accounts
        self._counts = [0, 0]  # live longs, live shorts
        self._sides: tuple[SortedList, SortedList] | None = None  # sorted views, on demand
        self.key: list[tuple[float, Fraction, int] | None] = [None] * accounts
        self.index = DeficitIndex()  # the accounts whose Q and S are scaled integers
        self.flat_deficit = ZERO  # sum of max(0, -Q) over flat accounts
        self.flat_negative = 0  # flat accounts with Q < 0
        self.flat_negatives: set[int] = set()
        # the same numbers as integers in units of 10**-SCALE when they are such decimals
        # (every value from events is): the index then sums Python ints
        self.qi: list[int | None] = [0] * accounts
        self.si: list[int | None] = [0] * accounts
        self.not_scaled = 0  # accounts whose Q or S is not a multiple of 10**-SCALE
        self._interval: tuple[Fraction | None, Fraction | None] | None = None
        self.interval_f: tuple[float | None, float | None] = (None, None)
        # probes: E at a few fixed prices (numerator, denominator), kept through every
        # change in O(1) each, as integers ``E(x) * SCALE * denominator``; None: not kept
        self.probe_x: list[tuple[int, int]] | None = None
        self.probe_e: list[int] = []
        self._refresh_floats()
        # the heaps are kept from their first reader on (a watched keeper's liquidation
        # checks, the tops of a book with amounts that are not scaled decimals): until
        # then an account change does not push (a fifth of its cost), see _keep_heaps
        self._heaps_kept = False

    # ------------------------------------------------------------------ updates
    def set_account(self, a: int, quote: Fraction, size: Fraction) -> None:
        if type(quote) is not Fraction or type(size) is not Fraction:  # e.g. an int: the
            quote, size = Fraction(quote), Fraction(size)  # slots below are Fraction's
        old = self.key[a]
        qi, si = self.qi, self.si
        q_old, s_old = qi[a], si[a]
        was_scaled = q_old is not None and s_old is not None
        # signs through the numerator: a Fraction comparison costs several isinstance checks
        kept = self._heaps_kept
        if old is not None:
            if kept:
                self._live[a] = None
                self._counts[self.size[a]._numerator < 0] -= 1  # type: ignore[attr-defined]
            if was_scaled:
                self.index.remove(old, q_old, s_old)  # type: ignore[arg-type]
        elif self.quote[a]._numerator < 0:  # type: ignore[attr-defined]
            self.flat_deficit -= -self.quote[a]
            self.flat_negative -= 1
            self.flat_negatives.discard(a)
        if not was_scaled:
            self.not_scaled -= 1
        qi[a] = q_new = scaled(quote)
        si[a] = s_new = scaled(size)
        now_scaled = q_new is not None and s_new is not None
        if not now_scaled:
            self.not_scaled += 1
            self.probe_x = None
        elif self.probe_x is not None and was_scaled:
            # E at each probe x = n/d changes by this account's new deficit minus its old
            # one: d * max(0, -(Q + S*x)) = max(0, -(Q*d + S*n)), O(1) per probe; a side
            # certainly without deficit at every probe (most accounts) is skipped
            e, (lo, hi) = self.probe_e, self._probe_span
            bf_old = old[0] if old else 0.0
            if not owes_none(bf_old, q_old, s_old, lo, hi):  # type: ignore[arg-type]
                for k, (n, d) in enumerate(self.probe_x):
                    if (v := q_old * d + s_old * n) < 0:  # type: ignore[operator]
                        e[k] += v
            if not owes_none(None, q_new, s_new, lo, hi):  # type: ignore[arg-type]
                for k, (n, d) in enumerate(self.probe_x):
                    if (v := q_new * d + s_new * n) < 0:  # type: ignore[operator]
                        e[k] -= v
        self.quote[a], self.size[a] = quote, size
        self._sides = None
        if sn := size._numerator:  # type: ignore[attr-defined]
            if now_scaled:
                b = ratio(-q_new, s_new)  # type: ignore[operator,arg-type]
                try:  # int / int is correctly rounded: float(b) without the Fraction
                    entry = (-q_new / s_new, b, a)  # type: ignore[operator]
                except OverflowError:
                    entry = (_float(b), b, a)
            else:
                b = -quote / size
                entry = (_float(b), b, a)
            self.key[a] = entry
            if kept:
                if sn > 0:
                    held = (-entry[0], coprime(-b._numerator, b._denominator), a)  # type: ignore[attr-defined]
                    heapq.heappush(self._lh, held)
                    self._counts[0] += 1
                    self._compact(self._lh, 0)
                else:
                    held = entry
                    heapq.heappush(self._sh, held)
                    self._counts[1] += 1
                    self._compact(self._sh, 1)
                self._live[a] = held
            if now_scaled:
                self.index.add(entry, q_new, s_new)  # type: ignore[arg-type]
        else:
            self.key[a] = None
            if quote._numerator < 0:  # type: ignore[attr-defined]
                self.flat_deficit += -quote
                self.flat_negative += 1
                self.flat_negatives.add(a)
        self._interval = None
        self._tops_stale = True  # the highest long, lowest short: found when read

    def set_fund(self, insurance: Fraction, bad_debt: Fraction) -> None:
        if insurance is self.insurance and bad_debt is self.bad_debt:
            return  # the same objects (an account event): nothing to compare
        if insurance != self.insurance or bad_debt != self.bad_debt:
            if self.probe_x is not None:
                old = _sum_scaled(self.bad_debt, -self.insurance)
                new = _sum_scaled(bad_debt, -insurance)
                if bad_debt > 0 or old is None or new is None:
                    self.probe_x = None
                else:
                    self.probe_e = [e + (new - old) * d for e, (_, d) in
                                    zip(self.probe_e, self.probe_x, strict=True)]  # fmt: skip
            self.insurance, self.bad_debt = insurance, bad_debt
            self._interval = None

    def set_probes(self, xs: tuple[Fraction, ...]) -> bool:
        """Keep ``E`` at the prices ``xs`` (> 0) through later changes (O(log N) each now,
        O(1) each per later change; read them with :attr:`probe_e`, in units of
        ``1/(SCALE * x.denominator)``). False when they cannot be kept: amounts that are not
        scaled decimals, or bad debt above 0 (then ``E`` is not the linear form)."""
        self.probe_x = None
        if self.not_scaled or self.bad_debt > 0:
            return False
        c = _sum_scaled(self.bad_debt, self.flat_deficit, -self.insurance)
        if c is None:
            return False
        values = []
        for x in xs:
            a, b = self.index.under_water((_float(x), x, -1))
            values.append((c - a) * x.denominator - b * x.numerator)
        self.probe_x = [(x.numerator, x.denominator) for x in xs]
        self._probe_span = (_float(min(xs)) * (1 - MARGIN), _float(max(xs)) * (1 + MARGIN))
        self.probe_e = values
        return True

    def _refresh_floats(self) -> None:
        # equity >= 0 for every account <=> max long b <= P <= min short b (and no flat Q < 0)
        self._tops_stale = False
        self._keep_heaps()
        top_long, top_short = self._top(self._lh), self._top(self._sh)
        lo = None if top_long is None else self.key[top_long][1]  # type: ignore[index]
        hi = None if top_short is None else self.key[top_short][1]  # type: ignore[index]
        if lo is not getattr(self, "eq_lo", 0):  # unchanged mostly: no float conversion
            self.eq_lo = lo
            self.eq_lo_f = float(lo) if lo is not None else float("-inf")
        if hi is not getattr(self, "eq_hi", 0):
            self.eq_hi = hi
            self.eq_hi_f = float(hi) if hi is not None else float("inf")

    # ------------------------------------------------------------------ queries
    def all_equity_nonnegative(self, price: Fraction) -> bool:
        """Every account's equity is >= 0 at ``price`` (exactly).

        With every amount a scaled decimal the index answers in O(log N): the deficits'
        sum ``D = -(A + B*P)`` over the accounts it counts under water at ``P`` (longs
        with ``b > P``, shorts with ``b <= P``, each adding ``-(Q + S*P) >= 0``) is 0
        exactly when no account is below zero. Else the highest long's and lowest
        short's bankruptcy prices decide."""
        if self.flat_negative:
            return False
        if not self.not_scaled:
            a, b = self.index.under_water((_float(price), price, 1 << 62))
            return a * price.denominator + b * price.numerator >= 0
        if self._tops_stale:
            self._refresh_floats()
        if self.eq_lo is not None and price < self.eq_lo:
            return False
        return not (self.eq_hi is not None and price > self.eq_hi)

    def all_equity_nonnegative_fast(self, price_f: float) -> bool:
        """True when the float price is certainly strictly inside the no-negative-equity
        range; False means "check exactly" (it may still hold)."""
        if self._tops_stale:
            self._refresh_floats()
        return not self.flat_negative and strictly_between(self.eq_lo_f, price_f, self.eq_hi_f)

    def equity_nonnegative(self, a: int, price: Fraction) -> bool:
        """Account ``a``'s equity at ``price`` is >= 0 (exactly; O(1))."""
        q, s = self.qi[a], self.si[a]
        if q is None or s is None:
            return self.quote[a] + self.size[a] * price >= 0
        try:  # the slots (see scaled); a price that is not a Fraction: its properties
            return q * price._denominator + s * price._numerator >= 0  # type: ignore[attr-defined]
        except AttributeError:
            return q * price.denominator + s * price.numerator >= 0

    def equity(self, a: int, price: Fraction) -> Fraction:
        return self.quote[a] + self.size[a] * price

    def liquidatable(self, price: Fraction) -> list[int]:
        """Accounts below maintenance at ``price`` (equity < mm * |S| * price), in order."""
        self._keep_heaps()
        everyone = self.n
        # long: Q + S X < mm S X  <=>  X < b / (1 - mm); highest b first
        down, up = price * (1 - self.mm), price * (1 + self.mm)
        out = self._run(self._lh, lambda b: down < b, everyone)
        out += self._run(self._sh, lambda b: up > b, everyone)  # short: X > b / (1 + mm)
        out.extend(self.flat_negatives)
        return sorted(out)

    def liquidation_bounds(self) -> tuple[float, float]:
        """Float prices between which no account is liquidatable (for the fast path)."""
        if self._tops_stale:
            self._refresh_floats()
        lo = _float(self.eq_lo / (1 - self.mm)) if self.eq_lo is not None else float("-inf")
        hi = _float(self.eq_hi / (1 + self.mm)) if self.eq_hi is not None else float("inf")
        return lo, hi

    def interval(self, price: Fraction) -> tuple[Fraction | None, Fraction | None] | None:
        """``(X_lo, X_hi)`` of the safe interval (None ends: no crossing that side);
        None when ``E(price) > 0`` (``price`` is outside it).

        With ``bad_debt <= 0``, ``E(x) > 0`` exactly when
        ``bad_debt + deficits(x) - insurance > 0``, the linear form the walks use; bad debt
        above 0 is beyond the fund at every price (no interval)."""
        if self.bad_debt > 0:
            return None
        if self._interval is not None:
            return self._interval
        c = (
            None
            if self.not_scaled
            else _sum_scaled(self.bad_debt, self.flat_deficit, -self.insurance)
        )
        if c is not None:
            iv = self.index.interval(c, price)
            if iv is None:
                return None
            lo, hi = iv
        else:
            e0, slope_dn, slope_up = self._at(price)
            if e0 > 0:
                return None
            lo, hi = self._walk_down(price, e0, slope_dn), self._walk_up(price, e0, slope_up)
        self._interval = (lo, hi)
        self.interval_f = (None if lo is None else float(lo), None if hi is None else float(hi))
        return self._interval

    def distance(self, price: Fraction) -> Distance:
        iv = self.interval(price)
        if iv is None:
            return Distance(ZERO, ZERO, price)
        lo, hi = iv
        if (lo is not None and price < lo) or (hi is not None and price > hi):
            return Distance(ZERO, ZERO, price)
        down = None if lo is None else lo / price - 1
        up = None if hi is None else hi / price - 1
        return Distance(down, up, price)


def _sum_scaled(*xs: Fraction) -> int | None:
    total = 0
    for x in xs:
        v = scaled(x)
        if v is None:
            return None
        total += v
    return total
