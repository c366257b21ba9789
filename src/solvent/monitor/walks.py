"""The exact walks of a :class:`~solvent.monitor.book.PerpBook` whose amounts are not all
scaled decimals (and the O(N) checks): the longs' and shorts' keys in sorted views, built on
demand, and the walks from the price to each end of the safe interval, one breakpoint at a
time (O(N) at worst). With every amount a scaled decimal the book's
:class:`~solvent.monitor.deficit.DeficitIndex` answers instead, in O(log N).
"""

from __future__ import annotations

from fractions import Fraction

from sortedcontainers import SortedList

from solvent.monitor.deficit import to_float as _float

ZERO = Fraction(0)
Entry = tuple[float, Fraction, int]


class ExactWalks:
    """The sorted views and the exact walks (a mixin of :class:`PerpBook`)."""

    n: int
    key: list[Entry | None]
    size: list[Fraction]
    flat_deficit: Fraction
    insurance: Fraction
    bad_debt: Fraction
    _sides: tuple[SortedList, SortedList] | None

    @property
    def longs(self) -> SortedList:
        """The longs' keys ``(float b, b, account)`` ascending (built on demand: the exact
        walks for amounts that are not scaled decimals, and checks)."""
        return self._sorted()[0]

    @property
    def shorts(self) -> SortedList:
        return self._sorted()[1]

    def _sorted(self) -> tuple[SortedList, SortedList]:
        if self._sides is None:
            keys = [k for k in self.key if k is not None]
            self._sides = (
                SortedList(k for k in keys if self.size[k[2]].numerator > 0),
                SortedList(k for k in keys if self.size[k[2]].numerator < 0),
            )
        return self._sides

    def excess(self, x: Fraction) -> Fraction:
        """E(x): bad debt beyond the fund if the price were ``x`` (O(N); for checks).

        ``bad_debt`` is what the fund did not cover (the model's liquidation adds only the
        uncovered part to it), so the fund covers the new deficits only:
        ``E(x) = bad_debt + max(0, deficits(x) - insurance)``. Bad debt above 0 is beyond
        the fund already, at any price.
        """
        d = self.flat_deficit
        for _, b, a in self.longs:
            if x < b:
                d += self.size[a] * (b - x)
        for _, b, a in self.shorts:
            if x > b:
                d += -self.size[a] * (x - b)
        return self.bad_debt + max(ZERO, d - self.insurance)

    def _at(self, p: Fraction) -> tuple[Fraction, Fraction, Fraction]:
        """E(p) and the slopes of E going down and going up from p (under-water accounts only)."""
        e = self.bad_debt + self.flat_deficit - self.insurance
        long_under = ZERO  # sum S of longs with b > p (their deficit grows as X falls)
        pf = _float(p)
        i = self.longs.bisect_right((pf, p, self.n))
        for _, b, a in self.longs[i:]:
            e += self.size[a] * (b - p)
            long_under += self.size[a]
        short_under = ZERO  # sum |S| of shorts with b < p
        j = self.shorts.bisect_left((pf, p, -1))
        for _, b, a in self.shorts[:j]:
            e += -self.size[a] * (p - b)
            short_under += -self.size[a]
        if self.bad_debt > 0:  # beyond the fund at any price: E = bad_debt + max(0, D - fund)
            e = self.bad_debt + max(ZERO, e - self.bad_debt)
        return e, long_under - short_under, short_under - long_under

    def _walk_down(self, p: Fraction, e: Fraction, slope: Fraction) -> Fraction | None:
        """The largest X <= p with E(X) = 0 beyond which E > 0 (None: E stays <= 0 for X > 0)."""
        pf = _float(p)
        i = self.longs.bisect_right((pf, p, self.n)) - 1  # longs with b <= p, walk down
        j = self.shorts.bisect_left((pf, p, -1)) - 1  # under-water shorts, b < p, walk down
        x = p
        while True:
            nb_long = self.longs[i][1] if i >= 0 else None
            nb_short = self.shorts[j][1] if j >= 0 else None
            nxt = max((v for v in (nb_long, nb_short) if v is not None), default=ZERO)
            if nxt < 0:
                nxt = ZERO
            if slope > 0 and e + slope * (x - nxt) > 0:
                return x + e / slope  # e <= 0: the crossing lies in (nxt, x]
            e += slope * (x - nxt)
            x = nxt
            if x <= 0:
                return None
            if nb_long is not None and nb_long == nxt:
                slope += self.size[self.longs[i][2]]
                i -= 1
            elif nb_short is not None and nb_short == nxt:
                slope += -self.size[self.shorts[j][2]]  # a short back above water
                j -= 1

    def _walk_up(self, p: Fraction, e: Fraction, slope: Fraction) -> Fraction | None:
        pf = _float(p)
        i = self.shorts.bisect_left((pf, p, -1))  # shorts with b >= p, walk up
        j = self.longs.bisect_right((pf, p, self.n))  # under-water longs, b > p, walk up
        x = p
        while True:
            nb_short = self.shorts[i][1] if i < len(self.shorts) else None
            nb_long = self.longs[j][1] if j < len(self.longs) else None
            cands = [v for v in (nb_short, nb_long) if v is not None]
            if not cands:
                return x - e / slope if slope > 0 else None
            nxt = min(cands)
            if slope > 0 and e + slope * (nxt - x) > 0:
                return x - e / slope
            e += slope * (nxt - x)
            x = nxt
            if nb_short is not None and nb_short == nxt:
                slope += -self.size[self.shorts[i][2]]
                i += 1
            else:
                slope += self.size[self.longs[j][2]]  # a long back above water
                j += 1
