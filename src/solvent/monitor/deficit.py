"""The aggregate deficit function of a book of linear positions, kept incrementally.

Every account with quote ``Q`` and size ``S != 0`` has a *bankruptcy price* ``b = -Q/S``
and a deficit ``max(0, -(Q + S*X))`` at price ``X``: a long is under water below ``b``, a
short above it. With ``c`` the constant part (bad debt and flat deficits minus the fund),
the excess over the fund is ``E(X) = c - A(X) - B(X)*X`` where ``A`` and ``B`` sum ``Q``
and ``S`` over the accounts under water at ``X``. ``E`` is convex and piecewise linear
with one breakpoint per account, so ``{X > 0 : E(X) <= 0}`` is an interval.

:class:`DeficitIndex` keeps every breakpoint in one sorted order, in buckets of at most
``2 * LOAD`` keys. Going up past a long's breakpoint removes it from the under-water set,
going up past a short's adds it, so each key carries a signed weight and ``A(X)``,
``B(X)`` are a base plus a prefix sum of weights. Each bucket holds its own prefix sums
(rebuilt by ``itertools.accumulate`` when a query needs them after a change) and its
totals; the prefix sums of the totals over the buckets are summed again (in C, one
``accumulate`` over the ``N / LOAD`` buckets) at the first query after a change, so:

* an account change costs O(log N) (a bisect, an insert into one bucket, two totals);
* ``E`` at a price, and each end of the safe interval, cost O(log N) after that one sum:
  ``E(b) > 0`` at the breakpoints beyond the price is monotone (convexity), so a
  bisection over the buckets finds the bucket of the crossing and a bisection inside it
  the breakpoint; ``E`` is linear between two breakpoints, so the end is one exact
  division. (A monitor queries after a price event, every few account changes; a
  Fenwick tree over the buckets, updated at every change, cost more.)

All sums are Python integers (amounts in units of 1/SCALE, see :mod:`solvent.monitor.book`),
so the interval is exact and equals the full recomputation, not approximately.
"""

from __future__ import annotations

import bisect
import math
from fractions import Fraction
from itertools import accumulate
from typing import Any

# a bucket splits past 2 * LOAD keys; buckets are large (inserting into a list of 512 is
# a memmove) so that the buckets' totals are few to sum
LOAD = 256

#: a key: (float of b, b, account); floats order as the Fractions do (a correctly rounded
#: conversion is monotone), and ties of the floats fall through to the exact Fraction
Key = tuple[float, Fraction, int]


class DeficitIndex:
    """Breakpoints with signed integer weights, sorted, with O(log N) prefix sums."""

    #: prefix sums of the buckets' totals (``initial=0``); None: changed since, summed
    #: again (in C) at the next query, so an account change never walks the buckets
    _cum: tuple[list[int], list[int]] | None = None

    def __init__(self) -> None:
        self.keys: list[list[Key]] = [[]]
        self.kf: list[list[float]] = [[]]  # the keys' floats: bisected first, ties exactly
        self.wq: list[list[int]] = [[]]
        self.ws: list[list[int]] = [[]]
        # prefix sums within a bucket (initial 0); None: changed since, rebuilt on demand
        self.pq: list[list[int] | None] = [[0]]
        self.ps: list[list[int] | None] = [[0]]
        self.maxes: list[Key] = []  # last key of each bucket (none while the index is empty)
        self.mf: list[float] = []  # their floats
        self.tq: list[int] = [0]  # weight totals of each bucket
        self.ts: list[int] = [0]
        self.base_q = 0  # sum of Q and S over the longs: the under-water set far below
        self.base_s = 0
        self.size = 0

    # ------------------------------------------------------------------ updates
    def add(self, key: Key, q: int, s: int) -> None:
        """Insert the breakpoint of an account with (scaled) quote ``q`` and size ``s``."""
        wq, ws = self._weights(q, s, +1)
        j = self._bucket(key)
        keys = self.keys[j]
        i = _position(self.kf[j], keys, key)
        keys.insert(i, key)
        self.kf[j].insert(i, key[0])
        self.wq[j].insert(i, wq)
        self.ws[j].insert(i, ws)
        self.size += 1
        self.tq[j] += wq
        self.ts[j] += ws
        self.pq[j] = self.ps[j] = None
        self._cum = None
        if not self.maxes:  # the first key
            self.maxes.append(key)
            self.mf.append(key[0])
        elif i == len(keys) - 1:
            self.maxes[j] = key
            self.mf[j] = key[0]
        if len(keys) > 2 * LOAD:
            self._split(j)

    def remove(self, key: Key, q: int, s: int) -> None:
        """Remove a breakpoint added with these values."""
        mf, f = self.mf, key[0]
        j = bisect.bisect_left(mf, f)  # the bucket (see _bucket), inline: the hot path
        if j == len(mf) or mf[j] == f:
            j = self._bucket(key)
        keys, kf = self.keys[j], self.kf[j]
        i = bisect.bisect_left(kf, f)
        # the key is the very tuple added (PerpBook keeps it): identity first, then equality
        if i == len(keys) or (keys[i] is not key and keys[i] != key):
            i = _position(kf, keys, key)  # a tie of the floats: the exact order
            if i == len(keys) or keys[i] != key:
                raise KeyError(key)
        if s > 0:  # a long's weights come out of the base (see _weights)
            self.base_q -= q
            self.base_s -= s
        del keys[i]
        del kf[i]
        wq = self.wq[j].pop(i)
        ws = self.ws[j].pop(i)
        self.tq[j] -= wq
        self.ts[j] -= ws
        self.size -= 1
        self._cum = None
        if keys:
            self.pq[j] = self.ps[j] = None
            if i == len(keys):
                self.maxes[j] = keys[-1]
                self.mf[j] = keys[-1][0]
        elif len(self.keys) > 1:  # an emptied bucket goes
            for part in (self.keys, self.kf, self.wq, self.ws, self.pq, self.ps, self.tq,
                         self.ts, self.maxes, self.mf):  # fmt: skip
                del part[j]
        else:  # the last key of the index
            self.pq[0], self.ps[0], self.maxes, self.mf = [0], [0], [], []

    def _weights(self, q: int, s: int, sign: int) -> tuple[int, int]:
        if s > 0:  # a long: under water far below; going up past b it leaves
            self.base_q += sign * q
            self.base_s += sign * s
            return -q, -s
        return q, s  # a short joins the under-water set going up past b

    def _bucket(self, key: Key) -> int:
        """The bucket of ``key``: the first whose last key is >= it (else the last)."""
        mf, f = self.mf, key[0]
        j = bisect.bisect_left(mf, f)
        while j < len(mf) and mf[j] == f and self.maxes[j] < key:  # a tie of the floats
            j += 1
        return j if j < len(self.keys) else len(self.keys) - 1

    def _prefix(self, j: int) -> tuple[list[int], list[int]]:
        pq, ps = self.pq[j], self.ps[j]
        if pq is None or ps is None:
            pq = self.pq[j] = list(accumulate(self.wq[j], initial=0))
            ps = self.ps[j] = list(accumulate(self.ws[j], initial=0))
        return pq, ps

    def _split(self, j: int) -> None:
        half = len(self.keys[j]) // 2
        parts: tuple[list[Any], ...] = (self.keys, self.kf, self.wq, self.ws)
        for part in parts:
            part.insert(j + 1, part[j][half:])
            del part[j][half:]
        self.pq[j] = self.ps[j] = None
        self.pq.insert(j + 1, None)
        self.ps.insert(j + 1, None)
        for tot, w in ((self.tq, self.wq), (self.ts, self.ws)):
            tot[j] = sum(w[j])
            tot.insert(j + 1, sum(w[j + 1]))
        self.maxes[j] = self.keys[j][-1]
        self.maxes.insert(j + 1, self.keys[j + 1][-1])
        self.mf[j] = self.maxes[j][0]
        self.mf.insert(j + 1, self.maxes[j + 1][0])

    def __setstate__(self, state: dict[str, Any]) -> None:
        """A checkpoint's index; one of an older solvent gets the keys' floats."""
        self.__dict__.update(state)
        if "kf" not in state:
            self.kf = [[k[0] for k in keys] for keys in self.keys]
            self.mf = [k[0] for k in self.maxes]

    def _cumulative(self) -> tuple[list[int], list[int]]:
        """Prefix sums of the buckets' totals: ``[0][j]`` sums the buckets ``0 .. j-1``."""
        cum = self._cum
        if cum is None:
            cum = self._cum = (
                list(accumulate(self.tq, initial=0)),
                list(accumulate(self.ts, initial=0)),
            )
        return cum

    # ------------------------------------------------------------------ queries
    def _before_bucket(self, j: int) -> tuple[int, int]:
        """Sums of the weights in buckets ``0 .. j-1``."""
        cq, cs = self._cumulative()
        return cq[j], cs[j]

    def under_water(self, key: Key) -> tuple[int, int]:
        """``(A, B)`` over the accounts whose breakpoints sort before ``key``."""
        j = self._bucket(key)
        i = _position(self.kf[j], self.keys[j], key)
        a, b = self._before_bucket(j)
        pq, ps = self.pq[j], self.ps[j]
        if pq is not None and ps is not None:
            return self.base_q + a + pq[i], self.base_s + b + ps[i]
        # no prefix sums since the bucket changed: sum the shorter side of the key (a
        # price event asks at a few keys; rebuilding the sums would cost the whole bucket)
        wq, ws = self.wq[j], self.ws[j]
        if 2 * i <= len(wq):
            return self.base_q + a + sum(wq[:i]), self.base_s + b + sum(ws[:i])
        return (
            self.base_q + a + self.tq[j] - sum(wq[i:]),
            self.base_s + b + self.ts[j] - sum(ws[i:]),
        )

    def interval(self, c: int, price: Fraction) -> tuple[Fraction | None, Fraction | None] | None:
        """``(X_lo, X_hi)`` of ``{X > 0 : c - A(X) - B(X)*X <= 0}`` (None ends: no crossing
        on that side), or None when the excess at ``price`` is already above 0."""
        pf = to_float(price)
        a, b = self.under_water((pf, price, -1))
        if (c - a) * price.denominator - b * price.numerator > 0:
            return None
        return self._low(c, (pf, price, -1)), self._high(c, (pf, price, 1 << 62))

    def _descend(self, c: int, pkey: Key, down: bool) -> tuple[int, int, int]:
        """Bisection over the buckets: the number of leading buckets whose last key passes
        (going down: below the price with ``E > 0`` there; going up: not above the price
        with ``E > 0``), a monotone run, with the weight sums (base included) through them."""
        cq, cs = self._cumulative()
        keys, wq, ws = self.keys, self.wq, self.ws
        bq, bs = self.base_q, self.base_s
        lo, hi = 0, len(keys)
        while lo < hi:
            mid = (lo + hi) // 2
            if keys[mid] and _passes(c, keys[mid][-1], wq[mid][-1], ws[mid][-1],
                                     bq + cq[mid + 1], bs + cs[mid + 1], pkey, down):  # fmt: skip
                lo = mid + 1
            else:
                hi = mid
        return lo, bq + cq[lo], bs + cs[lo]

    def _inside(self, c: int, j: int, a: int, b: int, pkey: Key, down: bool) -> int:
        """In bucket ``j`` (sums ``a``, ``b`` before it): the first index that fails."""
        keys, wq, ws = self.keys[j], self.wq[j], self.ws[j]
        pq, ps = self._prefix(j)
        lo, hi = 0, len(keys)
        while lo < hi:
            mid = (lo + hi) // 2
            if _passes(c, keys[mid], wq[mid], ws[mid], a + pq[mid + 1], b + ps[mid + 1],
                       pkey, down):  # fmt: skip
                lo = mid + 1
            else:
                hi = mid
        return lo

    def _low(self, c: int, pkey: Key) -> Fraction | None:
        """The lower end: after the last breakpoint below the price where E > 0 (or 0+)."""
        pos, a, b = self._descend(c, pkey, True)
        last = self._last_before(pos)
        if pos < len(self.keys):  # the last passing key may lie inside bucket pos
            i = self._inside(c, pos, a, b, pkey, True)
            pq, ps = self._prefix(pos)
            a, b = a + pq[i], b + ps[i]  # the under-water set just above the last passing key
            if i:
                last = self.keys[pos][i - 1]
        if last is not None and last[1] > 0:
            return Fraction(c - a, b)
        return Fraction(c - a, b) if c - a > 0 and b > 0 else None

    def _last_before(self, pos: int) -> Key | None:
        for j in range(pos - 1, -1, -1):
            if self.keys[j]:
                return self.keys[j][-1]
        return None

    def _high(self, c: int, pkey: Key) -> Fraction | None:
        """The upper end: before the first breakpoint above the price where E > 0."""
        pos, a, b = self._descend(c, pkey, False)
        if pos < len(self.keys):
            i = self._inside(c, pos, a, b, pkey, False)
            pq, ps = self._prefix(pos)
            if i < len(self.keys[pos]):  # the under-water set just below that breakpoint
                return Fraction(c - a - pq[i], b + ps[i])
            a, b = a + pq[-1], b + ps[-1]
        return Fraction(c - a, b) if b < 0 else None  # past every breakpoint


def _position(kf: list[float], keys: list[Key], key: Key) -> int:
    """``bisect_left(keys, key)``, bisecting the floats (cheaper than tuples), ties exactly."""
    i = bisect.bisect_left(kf, key[0])
    n, f = len(kf), key[0]
    while i < n and kf[i] == f and keys[i] < key:
        i += 1
    return i


def _passes(c: int, key: Key, wq: int, ws: int, a: int, b: int, pkey: Key, down: bool) -> bool:
    """Going down: ``key`` is below the price and ``E(key) > 0`` or key <= 0 (never reached);
    going up: NOT (``key`` above the price and ``E(key) > 0``). ``a``, ``b``: the sums with
    the key's own weight in (``E`` is continuous at a breakpoint, so either side will do).

    With ``b_k = -q/s`` and the weight ``w = -(q, s)`` of a long or ``(q, s)`` of a short,
    ``E(b_k) > 0`` is ``(c - a)*w_s + b*w_q < 0`` in both cases (integers only)."""
    if down:
        if not key < pkey:
            return False
        if key[0] <= 0.0 and (key[0] < 0.0 or key[1] <= 0):
            return True
        return (c - a) * ws + b * wq < 0
    return not (key > pkey and (c - a) * ws + b * wq < 0)


def owes_none(bf: float | None, q: int, s: int, lo: float, hi: float) -> bool:
    """An account (scaled ``q``, ``s``; ``bf`` the float of its bankruptcy price, None:
    computed here) certainly has no deficit at any price in ``[lo, hi]`` (``0 < lo``;
    floats already past the exact ends by a margin): a long's ``b`` below ``lo``, a
    short's above ``hi``, a flat account with ``q >= 0``. False: maybe (compute)."""
    if not s:
        return q >= 0
    if bf is None:
        try:
            bf = -q / s  # int / int: correctly rounded
        except OverflowError:
            return False
    return bf < lo if s > 0 else bf > hi


def _coprime(n: int, d: int, _new: Any = object.__new__) -> Fraction:
    f = _new(Fraction)
    f._numerator = n  # type: ignore[attr-defined]
    f._denominator = d  # type: ignore[attr-defined]
    return f


#: ``coprime(n, d)`` is ``Fraction(n, d)`` for ``n/d`` already in lowest terms with
#: ``d > 0``, without the gcd and type checks of ``Fraction.__new__`` (the monitor makes
#: several per account event): Python 3.12's ``Fraction._from_coprime_ints``, on 3.11 the
#: same two slots set; checked against ``Fraction(n, d)`` at import, else that is used
coprime = getattr(Fraction, "_from_coprime_ints", _coprime)
try:
    _probe = coprime(-7, 3)
    if not (_probe == Fraction(-7, 3) and hash(_probe) == hash(Fraction(-7, 3))
            and str(_probe + 1) == "-4/3"):  # fmt: skip
        coprime = Fraction
except Exception:  # noqa: BLE001 - another Fraction layout: the plain constructor
    coprime = Fraction


def ratio(n: int, d: int, _gcd: Any = math.gcd) -> Fraction:
    """``Fraction(n, d)`` of two integers, ``d != 0``: reduced here and made by ``coprime``
    (``Fraction.__new__`` checks its arguments' types first: about twice the cost)."""
    g = _gcd(n, d)
    if d < 0:
        g = -g
    return coprime(n // g, d // g)


def to_float(x: Fraction) -> float:
    """``float(x)``, or an infinity beyond float range (still monotone: ties fall through)."""
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf
