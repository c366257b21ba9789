"""The aggregator's per-event work without an index update: sums of the shards' probes.

The closed-form distance decides its level from the signs of the excess ``E`` at five
probe prices (the price ``P`` and ``P*(1 -+ t)`` for the critical and warning thresholds
``t``; see :class:`~solvent.monitor.distance.DistanceMixin`), and the invariant (every
account's equity >= 0) from the deficits at ``P``. ``E`` at a price is the fund's term
plus the sum of every account's deficit there, and the accounts split by shard, so:

* with every price record a shard sends its own accounts' deficits at the five probes
  (:func:`shard_vector`, ``pv``: integers, ``deficit * 10**18 * x.denominator`` at each
  probe ``x``; O(log N) in the shard's own index) and the thresholds it used (``pt``);
* :class:`ProbeSums` adds the ``N`` vectors and the fund's term at a price event
  (O(shards x probes)) and, between prices, each account change's own difference at the
  five probes (O(probes), from the account's old and new amounts): no index update.

When the sums say that neither the distance's level nor the invariant changes, the event
is *deferred*: the aggregator's monitor gets its accounts' amounts only when something
needs its book (an event whose level or invariant may change, a probe exactly at an end,
a fund event, the summary at the end): :meth:`ProbeSums.sync`. Every other event goes
through the monitor exactly as before, so every alert is the one a single monitor raises.

The catch-up is paid in bounded slices: at most :data:`PENDING_CAP` deferred accounts
wait outside the book (past it, the deferred event puts the older half in), and an idle
aggregator puts at most :data:`IDLE_SLICE` in per poll before it reads again, so an event
that needs the book waits for at most ``PENDING_CAP`` accounts' catch-up (about 10 ms at
100,000 accounts, 15 to 20 microseconds an account), never for every change since the
last idle moment.

The sums assume that an account a shard does not own stays at its start values in that
shard's book, with no deficit at any price: start values with size 0 and quote >= 0 (the
spec's start of every perp model here). Otherwise, or with amounts that are not decimals
of at most 18 places, bad debt above 0, a shard's record without ``pv`` (a shard of an
earlier solvent) or thresholds other than the aggregator's, or an event the monitor
refused, the aggregator applies every event through its monitor (the old path).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from itertools import chain, islice
from math import gcd
from operator import le
from typing import Any

import msgspec

from solvent.monitor import events as ev
from solvent.monitor.book import SCALE, scaled
from solvent.monitor.catch_up import Lag
from solvent.monitor.deficit import coprime, to_float

_INF = float("inf")
#: the rows of a shard's piece (:mod:`solvent.monitor.pieces`): ``[seq, ts, account, q, s]``
decode_rows = msgspec.json.Decoder(list[list[Any]]).decode
#: deferred accounts kept out of the book at most (the catch-up an event may wait for)
PENDING_CAP = 512
#: deferred accounts put into the book per idle poll of the aggregator
IDLE_SLICE = 2048


def probe_prices(p: Fraction, crit: Fraction, warn: Fraction) -> tuple[Fraction, ...]:
    """The five probes: ``P``, ``P*(1 - crit)``, ``P*(1 + crit)``, ``P*(1 - warn)``,
    ``P*(1 + warn)``."""
    return (p, p * (1 - crit), p * (1 + crit), p * (1 - warn), p * (1 + warn))


def probe_factors(crit: Fraction, warn: Fraction) -> list[tuple[int, int]]:
    """The probes' factors of the price, as integer pairs: 1 -+ crit, 1 -+ warn."""
    return [(f.numerator, f.denominator) for f in (1 - crit, 1 + crit, 1 - warn, 1 + warn)]


def probe_pairs(price: Decimal, factors: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The five probes of :func:`probe_prices` as ``(numerator, denominator)`` in lowest
    terms, from integers (Fraction's products took six times as long); ``factors``:
    :func:`probe_factors`."""
    n, d = price.as_integer_ratio()
    out = [(n, d)]
    for a, b in factors:
        x, y = n * a, d * b
        g = gcd(x, y)
        out.append((x // g, y // g))
    return out


def moved(
    px: list[tuple[int, int]], sums: list[int], q0: int, s0: int, q: int, s: int
) -> list[int]:
    """``sums`` at the five probes ``px`` after an account's amounts went from ``q0``,
    ``s0`` to ``q``, ``s``: at a probe ``n/d``, ``d`` times its deficit is
    ``max(0, -(Q*d + S*n))``. Written out: a loop over the probes took 1.06x-1.27x the CPU
    of the aggregator's merge and sums (``benchmarks/results/monitor_scale.md``, round 21)."""
    (n0, d0), (n1, d1), (n2, d2), (n3, d3), (n4, d4) = px
    e0, e1, e2, e3, e4 = sums
    if (v := q * d0 + s * n0) < 0:
        e0 -= v
    if (v := q0 * d0 + s0 * n0) < 0:
        e0 += v
    if (v := q * d1 + s * n1) < 0:
        e1 -= v
    if (v := q0 * d1 + s0 * n1) < 0:
        e1 += v
    if (v := q * d2 + s * n2) < 0:
        e2 -= v
    if (v := q0 * d2 + s0 * n2) < 0:
        e2 += v
    if (v := q * d3 + s * n3) < 0:
        e3 -= v
    if (v := q0 * d3 + s0 * n3) < 0:
        e3 += v
    if (v := q * d4 + s * n4) < 0:
        e4 -= v
    if (v := q0 * d4 + s0 * n4) < 0:
        e4 += v
    return [e0, e1, e2, e3, e4]


def thresholds(monitor: Any) -> str:
    return f"{monitor.critical_distance} {monitor.warn_distance}"


def shard_vector(monitor: Any) -> dict[str, Any] | None:
    """What a shard adds to a price record: its accounts' deficits at the five probes of
    the new price (``pv``) and the thresholds (``pt``); None when its book cannot say."""
    book = monitor.book
    if book is None or book.not_scaled:
        return None
    flat = scaled(book.flat_deficit)
    crit, warn, p = monitor.critical_distance, monitor.warn_distance, monitor.price()
    if flat is None or not (0 < crit <= warn < 1 and p > 0):
        return None
    pv = []
    for x in probe_prices(p, crit, warn):
        a, b = book.index.under_water((to_float(x), x, -1))
        pv.append((flat - a) * x.denominator - b * x.numerator)
    return {"pv": pv, "pt": thresholds(monitor)}


def _amount(text: str) -> int | None:
    """Decimal text in units of 10**-18 (None: not such a decimal)."""
    if text.endswith("e-18"):
        try:
            return int(text[:-4])
        except ValueError:
            pass
    n, d = Decimal(text).as_integer_ratio()
    return n * SCALE // d if (n * SCALE) % d == 0 else None


class ProbeSums:
    """The aggregator's fast path (see the module): decide an event from the probe sums,
    defer it when nothing it decides changes, :meth:`sync` the monitor when asked."""

    def __init__(self, monitor: Any, shards: int) -> None:
        self.m = monitor
        self.shards = shards
        book = monitor.book
        self.on = (
            book is not None
            and monitor.perp
            and not book.not_scaled
            and book.index.size == 0
            and not book.flat_negative
        )
        self.q: list[int] = list(book.qi) if self.on else []  # every account's amounts, now
        self.s: list[int] = list(book.si) if self.on else []
        self.pt = thresholds(monitor)
        self.px: list[tuple[int, int]] | None = None  # the probes; None: no valid sums
        self.pe: list[int] = []  # E at each probe, times 10**18 and the probe's denominator
        self.fund = self._fund()
        self.pending: dict[int, tuple[int, int]] = {}  # account -> amounts not in the book
        self.lag = Lag(monitor)  # accounts in the book's index whose exact values lag
        self._p = Fraction(0)  # the price of the sums
        self.deferred = 0
        self.raw: list[Any] = []  # certified pieces whose changes are not in q, s, pending
        self._factors: list[tuple[int, int]] | None = None  # (probe_factors, once)
        self.certified = 0  # events combined from pieces at once

    def _fund(self) -> int | None:
        """``bad_debt - insurance`` in units of 10**-18 (None: bad debt above 0, or not such
        a decimal: then ``E`` is not the linear form)."""
        v = self.m.values
        ins, bad = v.get("insurance"), v.get("bad_debt")
        if not isinstance(ins, Fraction) or not isinstance(bad, Fraction) or bad > 0:
            return None
        a, b = scaled(bad), scaled(ins)
        return None if a is None or b is None else a - b

    def take(self, rec: dict[str, Any], group: list[dict[str, Any]]) -> bool:
        """Apply the event of ``rec`` (``group``: every shard's record of its seq) from the
        sums, deferred, when that certainly raises no alert; False: the monitor must."""
        if not self.on:
            return False
        kind = rec["type"]
        if kind == "price":
            self._price(rec, group)
        elif "account" in rec:
            if not self._account(rec):
                return False
        else:
            return False  # a fund event: through the monitor
        if self.px is None:
            return False
        m = self.m
        ts = rec["ts"]
        if not (type(ts) is float and 0.0 <= ts < _INF):  # a shard's record: a float, mostly
            ts = ev.parse_ts(ts)
        if (m.last_ts is not None and ts < m.last_ts) or m.violated:
            return False
        if m._audit_every > 0 and m.counters.events % m._audit_every == 0:
            return False  # an audit runs the spec: through the monitor
        pe = self.pe
        e_now, crit_dn, crit_up, warn_dn, warn_up = pe
        if e_now >= 0 or not (crit_dn and crit_up and warn_dn and warn_up):
            return False  # beyond the fund, or a probe exactly at an end: compute
        if e_now != self.fund * self.px[0][1]:  # type: ignore[operator]
            return False  # an account's deficit at P: the invariant is violated
        if crit_dn > 0 or crit_up > 0:
            level = "critical"
        else:
            level = "warning" if warn_dn > 0 or warn_up > 0 else "ok"
        if level != m.distance_level:
            return False
        # nothing to say: the event is applied to the monitor's counters now, its amounts later
        m._liq_known = False  # and the keeper's liquidatable accounts at its next event
        if kind == "price":
            m.price_dec = dec = Decimal(rec["price"])
            m.price_float = float(dec)
            m.values[m.opts.price_field] = self._p
            m.last_price_ts = ts
        else:
            self.pending[rec["account"]] = (self.q[rec["account"]], self.s[rec["account"]])
            if len(self.pending) > PENDING_CAP:  # the older half into the book: a bounded
                self.sync(PENDING_CAP // 2)  # wait, and few calls (the loop stays tight)
        m.last_seq, m.last_ts = rec["seq"], ts
        m.counters.events += 1
        m.counters.by_type["price" if kind == "price" else "account"] += 1
        m._gauge_pending = True
        self.deferred += 1
        return True

    def _price(self, rec: dict[str, Any], group: list[dict[str, Any]]) -> None:
        """The sums at the new price's probes: the shards' vectors plus the fund's term."""
        self.px = None
        m = self.m
        vs = [r.get("pv") for r in group if r["type"] == "price" and r.get("pt") == self.pt]
        if len(vs) != self.shards or self.fund is None:
            return
        if self._factors is None:
            crit, warn = m.critical_distance, m.warn_distance
            if not (0 < crit <= warn < 1):
                return
            self._factors = probe_factors(crit, warn)
        if not all(type(v) is list and len(v) == 5 and all(type(x) is int for x in v)
                   for v in vs):  # fmt: skip
            return  # not what a shard sends: the monitor decides
        dec = Decimal(rec["price"])
        if not dec > 0:
            return
        px = probe_pairs(dec, self._factors)
        self._p = coprime(*px[0])
        self.pe = [
            sum(col) + self.fund * d for col, (_, d) in zip(zip(*vs, strict=True), px, strict=True)
        ]
        self.px = px

    def _account(self, rec: dict[str, Any]) -> bool:
        """The account's new amounts, and the sums' change at the probes (O(probes)): at a
        probe ``n/d``, ``d`` times the account's deficit is ``max(0, -(Q*d + S*n))``."""
        if self.raw:  # the account's amounts before: the pieces' changes first
            self.materialize()
        a, tq, ts = rec["account"], rec["quote"], rec["size"]
        try:  # a shard's amounts: the book's integers as "Ne-18" (_amount, inlined)
            q = int(tq[:-4]) if tq.endswith("e-18") else _amount(tq)
            s = int(ts[:-4]) if ts.endswith("e-18") else _amount(ts)
        except ValueError:
            q, s = _amount(tq), _amount(ts)
        if q is None or s is None or not (type(a) is int and 0 <= a < len(self.q)):
            self.on = False  # amounts the sums cannot hold: the monitor alone from now on
            return False
        q0, s0 = self.q[a], self.s[a]
        self.q[a], self.s[a] = q, s
        if self.px is not None and (q != q0 or s != s0):
            self.pe = moved(self.px, self.pe, q0, s0, q, s)
        return True

    def sync(self, limit: int | None = None) -> None:
        """Put the deferred accounts into the monitor's book (its index: what the distance
        and the invariant read; their exact values lag, see :mod:`solvent.monitor.catch_up`):
        all of them, or the ``limit`` deferred first (a slice; the rest stay deferred)."""
        if self.raw:
            self.materialize()
        pending = self.pending
        if not pending:
            return
        m = self.m
        # the book's own probes are set again at the monitor's next decision (5 queries)
        # rather than kept through every deferred change (5 products each)
        m.book.probe_x = None
        if limit is None or limit >= len(pending):
            items = list(pending.items())
            pending.clear()
        else:  # the oldest first (a dict keeps the order the accounts were deferred in)
            items = [(a, pending.pop(a)) for a in list(islice(pending, max(limit, 0)))]
        self.lag.put(items)
        m._liq_bounds_stale = True
        m.distance_stale = True
        m._gauge_pending = True

    def fresh(self, rec: dict[str, Any] | None = None) -> None:
        """The exact values of the accounts that lag: the account of ``rec`` (an event the
        monitor is about to apply), every account when ``rec`` is None or the sums are off
        (the monitor alone from now on)."""
        if rec is None or not self.on:
            self.sync()  # (the whole state: every change in the book first)
            self.lag.fresh()
        elif "account" in rec:
            self.lag.fresh((rec["account"],))

    def after(self, rec: dict[str, Any], applied: bool) -> None:
        """After the monitor applied an event itself: the fund's term follows the fund; an
        event the monitor refused leaves the sums behind its book: the monitor alone."""
        if not applied:
            self.on = False
            return
        if rec["type"] == "price" or "account" in rec:
            return
        fund = self._fund()
        if self.px is not None:
            if fund is None or self.fund is None:
                self.px = None
            else:
                self.pe = [
                    e + (fund - self.fund) * d for e, (_, d) in zip(self.pe, self.px, strict=True)
                ]
        self.fund = fund

    def materialize(self) -> None:
        """The certified pieces' changes into the amounts and the deferred accounts (each
        piece's rows decoded now, not when it was combined)."""
        q, s, pending = self.q, self.s, self.pending
        for piece in self.raw:
            for row in decode_rows(piece.r):
                a = row[2]
                q[a], s[a] = row[3], row[4]
                pending[a] = (row[3], row[4])
        self.raw = []

    def certify(self, pieces: list[Any]) -> bool:
        """Combine the shards' ``pieces`` between two events at once when their bounds show
        that no event among them changes the distance's level or breaks the invariant
        (:mod:`solvent.monitor.pieces`); False: they are combined change by change."""
        m, px, pe, fund = self.m, self.px, self.pe, self.fund
        if not self.on or px is None or fund is None or m.violated:
            return False
        n = sum(len(p.q) for p in pieces)
        every, e0 = m._audit_every, m.counters.events
        if every > 0 and (e0 + n - 1) // every > (e0 - 1) // every:
            return False  # an audit runs the spec: through the monitor
        # each piece's least and greatest excursion from its start, summed: a bound of E
        # at every event of the run (a shard's later piece starts where its last ended, so
        # its excursions add to that one's end, which lies within the last's bounds)
        lo_rel, hi_rel, moved = [0] * 5, [0] * 5, [0] * 5
        for p in pieces:
            for j, b, lo, hi, e in zip(range(5), p.b, p.lo, p.hi, p.e, strict=True):
                moved[j] += e - b
                if lo < b:
                    lo_rel[j] += lo - b
                if hi > b:
                    hi_rel[j] += hi - b
        if pe[0] + hi_rel[0] >= 0 or hi_rel[0] or pe[0] != fund * px[0][1]:
            return False  # beyond the fund, or an account's deficit at P: the invariant
        signs = []
        for j in range(1, 5):
            if pe[j] + hi_rel[j] < 0:
                signs.append(False)
            elif pe[j] + lo_rel[j] > 0:
                signs.append(True)
            else:
                return False  # the level may change (or a probe at an end): change by change
        level = "critical" if signs[0] or signs[1] else "warning" if signs[2] or signs[3] else "ok"
        if level != m.distance_level or not _in_order(pieces, m.last_ts):
            return False
        self.pe = [e + x for e, x in zip(pe, moved, strict=True)]
        last = max(pieces, key=lambda p: p.q[-1])
        m._liq_known = False
        m.last_seq, m.last_ts = last.q[-1], last.t[-1]
        m.counters.events += n
        m.counters.by_type["account"] += n
        m._gauge_pending = True
        self.deferred += n
        self.certified += n
        self.raw += pieces
        return True


def _in_order(pieces: list[Any], last_ts: float | None) -> bool:
    """The pieces' changes, merged by seq, have timestamps that never go back (from
    ``last_ts``, the previous event's): as the monitor would require of them one by one."""
    if len(pieces) == 1:
        ts = pieces[0].t
    else:
        pairs = sorted(zip(chain.from_iterable(p.q for p in pieces),
                           chain.from_iterable(p.t for p in pieces), strict=True))  # fmt: skip
        ts = [t for _, t in pairs]
    if last_ts is not None and ts[0] < last_ts:
        return False
    return all(map(le, ts, islice(ts, 1, None)))
