"""``solvent monitor-aggregate``: the venue-wide view of ``N`` shard monitors.

Each shard appends a record to ``STREAM.shard.K/N`` for every event it applied and a
``mark`` when idle (see :mod:`solvent.monitor.shard`). The aggregator reads the ``N``
record streams and merges them by ``seq``: an event is combined once every shard has
published a record or mark at or past its ``seq`` (price and fund events come from every
shard, each account's from its owner; records a replacement shard publishes again are
dropped by ``seq``). The combined deficit function (every account's position, the fund,
the price) is kept in the incremental index of one :class:`~solvent.monitor.core.Monitor`,
which computes the venue-wide distance to insolvency and the invariants exactly as one
unsharded monitor would; an event that the sums of the shards' deficits at the probe
prices show to change neither (:mod:`solvent.monitor.probe_sums`) is applied to that
index later, when the aggregator is idle or a distance value is needed; the shards' other alerts (envelope, keeper,
anomaly) are forwarded once each (alerts of shared events carry the same id in every
shard).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby
from operator import itemgetter
from typing import Any

import msgspec

from solvent.monitor import bulk_index
from solvent.monitor import events as ev
from solvent.monitor.alerts import AlertTally
from solvent.monitor.core import CRITICAL_KINDS, Monitor, Options
from solvent.monitor.errors import MonitorConfigError
from solvent.monitor.heap import FREEZE_EVERY, QuietHeap  # records between two freezes
from solvent.monitor.pieces import Piece, decode_pieces
from solvent.monitor.pieces import records as piece_records
from solvent.monitor.probe_sums import IDLE_SLICE, ProbeSums
from solvent.monitor.shard import FUND_FIELDS, ShardName, record_stream
from solvent.spec.spec import Spec

#: what the aggregator computes on the combined book itself (a shard's are partial views:
#: an invariant over every account, or the distance, does not split by account)
COMBINED = ("invariant", "distance")
_DECODE = msgspec.json.Decoder().decode
_SEQ = itemgetter("seq")
#: an aggregator idle this long (no record read) puts the pieces' changes into its book
QUIET_S = 1.0


def _first(p: Piece) -> int:
    return p.q[0]


@dataclass
class AggregateSummary(AlertTally):
    records: int = 0
    events: int = 0
    distance: Any = None
    side: str | None = None
    waiting: list[int] = field(default_factory=list)


class Aggregator:
    """Merge shard records by ``seq``; feed the combined events to one closed-form monitor."""

    def __init__(
        self, spec: Spec, used: list[str], shards: int, opts: Options, notice: Any = None
    ) -> None:
        opts.distance = "closed"
        opts.detector = "none"
        self.monitor = Monitor(spec, used, opts, notice=notice)
        if self.monitor.book is None:
            raise MonitorConfigError(
                "monitor-aggregate combines closed-form deficit functions: it needs the isolated "
                "perp model (solvent.models.perp_isolated without tier2 or liquidation_depth)"
            )
        bulk_index.until_read(self.monitor.book)
        self.shards = shards
        self.queues: list[list[dict[str, Any]]] = [[] for _ in range(shards)]
        self.pieces: list[list[Piece]] = [[] for _ in range(shards)]  # in seq order
        self.water = [-1] * shards
        self.done: int | None = None
        self.last = [-1] * shards  # the last seq queued from each shard
        self.ids: set[str] = set()
        # its catch-up leaves accounts' exact values behind the book's index: the monitor
        # puts them in before it reads the whole state (solvent.monitor.state.Lagging)
        self.fast = self.monitor.lagging = ProbeSums(self.monitor, shards)
        # the keeper's alerts are the shards' (forwarded): the combined book does not watch
        # it (its liquidation checks would read sizes that lag, see catch_up)
        self.monitor._watch_keeper = False

    def add(self, k: int, rec: dict[str, Any]) -> None:
        self.add_all(k, (rec,))

    def add_all(self, k: int, recs: Any, pieces: Any = ()) -> None:
        """Queue shard ``k``'s records and pieces (one entry's, each in order); a mark
        raises its water."""
        water, last, queue = self.water[k], self.last[k], self.queues[k]
        done = self.done
        # a record at or below both the last queued from this shard and the last combined
        # was published again by a shard that took over (the same record): dropped
        low = last if done is None or done < last else done
        if pieces:
            low0, expanded = low, False
            for p in pieces:
                top = p.q[-1]
                water = top if top > water else water
                last = top if top > last else last
                if top <= low0:
                    continue
                if p.q[0] <= low0:  # partly combined already: its rows past that, one by one
                    queue += [r for r in piece_records(p) if r["seq"] > low0]
                    expanded = True
                    continue
                self.pieces[k].append(p)
            if expanded:
                queue.sort(key=_SEQ)
            low = low0
        for rec in recs:
            if "mark" in rec:
                mark = int(rec["mark"])
                water = mark if mark > water else water
                continue
            seq = int(rec["seq"])
            if seq > water:
                water = seq
            if seq <= low:
                continue
            low = seq
            last = seq if seq > last else last
            queue.append(rec)
        if pieces and recs:
            queue.sort(key=_SEQ)  # (in order already, unless pieces were taken apart)
        self.water[k], self.last[k] = water, last

    def drain(self) -> list[dict[str, Any]]:
        """Combine every event all shards have passed; return the alerts to write."""
        out: list[dict[str, Any]] = []
        cut = self._cut(min(self.water))
        ready: list[dict[str, Any]] = []
        for q in self.queues:  # each queue is in seq order: take its records up to the cut
            i = bisect_right(q, cut, key=_SEQ)
            ready += q[:i]
            del q[:i]
        ready.sort(key=_SEQ)  # stable: the records of one seq in shard order
        pieces: list[tuple[int, int, Piece]] = []
        for k, pq in enumerate(self.pieces):
            i = bisect_right(pq, cut, key=_first)
            pieces += [(p.q[0], k, p) for p in pq[:i]]
            del pq[:i]
        if not pieces:
            for seq, grouped in groupby(ready, key=_SEQ):
                self._group(seq, list(grouped), out)
            return out
        pieces.sort(key=itemgetter(0, 1))
        self._apart(ready, pieces)
        slot: list[tuple[int, int, Piece]] = []
        notes: list[tuple[int, list[dict[str, Any]]]] = []  # alerts-only records in the slot
        i = 0
        for seq, grouped in groupby(ready, key=_SEQ):
            group = list(grouped)
            if all(r.get("type") == "alerts" for r in group):
                notes.append((seq, group))
                continue
            while i < len(pieces) and pieces[i][0] < seq:
                slot.append(pieces[i])
                i += 1
            self._slot(slot, notes, out)
            slot, notes = [], []
            self._group(seq, group, out)
        self._slot(slot + pieces[i:], notes, out)
        return out

    def _cut(self, safe: int) -> int:
        """The last ``seq`` up to which every shard has published and no piece runs on."""
        cut, moved = safe, True
        while moved:
            moved = False
            for pq in self.pieces:
                i = bisect_right(pq, cut, key=_first)
                if i and pq[i - 1].q[-1] > cut:
                    cut, moved = pq[i - 1].q[0] - 1, True
        return cut

    def _apart(self, ready: list[dict[str, Any]], pieces: list[tuple[int, int, Piece]]) -> None:
        """Pieces that an account's own record (a shard sending records) falls inside are
        taken apart into their records, so that the events are combined in order."""
        inside = [r["seq"] for r in ready if "account" in r]
        if not inside:
            return
        keep = []
        for first, k, p in pieces:
            j = bisect_right(inside, first)
            if j < len(inside) and inside[j] < p.q[-1]:
                ready += piece_records(p)
            else:
                keep.append((first, k, p))
        if len(keep) < len(pieces):
            ready.sort(key=_SEQ)
            pieces[:] = keep

    def _slot(
        self,
        slot: list[tuple[int, int, Piece]],
        notes: list[tuple[int, list[dict[str, Any]]]],
        out: list[dict[str, Any]],
    ) -> None:
        """Combine the pieces between two events (and the alerts-only records among them):
        at once when the probe sums certify the run (:meth:`ProbeSums.certify`), else
        change by change."""
        done = self.done
        slot = [x for x in slot if done is None or x[2].q[0] > done]
        if slot and self.fast.certify([p for _, _, p in slot]):
            alerts = [(seq, k, a) for _, k, p in slot for seq, a in p.a]
            alerts += [(seq, 0, a) for seq, group in notes for r in group
                       for a in r.get("alerts", ())]  # fmt: skip
            alerts.sort(key=itemgetter(0))
            for _, _, a in alerts:
                if a["kind"] not in COMBINED:
                    self._out(a, out)
            top = max(p.q[-1] for _, _, p in slot)
            self.done = top if done is None or top > done else done
            for seq, _ in notes:  # (their alerts are out)
                self.done = max(self.done, seq)
            return
        recs = [r for _, _, p in slot for r in piece_records(p)]
        recs += [r for _, group in notes for r in group]
        recs.sort(key=_SEQ)
        for seq, grouped in groupby(recs, key=_SEQ):
            self._group(seq, list(grouped), out)

    def _group(self, seq: int, group: list[dict[str, Any]], out: list[dict[str, Any]]) -> None:
        """Combine the records of one ``seq`` (every shard's, in shard order)."""
        done = self.done
        if done is not None and seq <= done:
            return  # published again by a shard that took over
        self.done = seq
        fast, counters = self.fast, self.monitor.counters
        first = None
        for rec in group:
            for a in rec.get("alerts", ()):
                if a["kind"] not in COMBINED:
                    self._out(a, out)
            if first is None and rec["type"] != "alerts":
                first = rec
        if first is None or fast.take(first, group):
            return  # no event, or one the probe sums say raises nothing here
        fast.sync()
        fast.fresh(first)  # the exact values of the account the monitor changes
        event = self._event(first)
        before = counters.events
        alerts, bad = self.monitor.apply_event(event, ev.parse_ts(event.ts))
        fast.after(first, counters.events > before and not bad)
        for a in alerts:
            if a.kind in COMBINED:
                self._out(a.to_json(), out)
                if (report := a.report_json()) is not None:  # after its alert
                    self._out(report, out)

    def sync(self, limit: int | None = None, *, values: bool = True) -> None:
        """Put the deferred account changes into the monitor's book (before reading it):
        all of them and every exact value (with ``values=False`` only into its index: what
        the distance and the invariant read), or the ``limit`` oldest into its index (a
        slice: :meth:`catching_up` says if more)."""
        self.fast.sync(limit)
        if limit is None and values:
            self.fast.fresh()

    def catching_up(self, quiet: bool = True) -> bool:
        """Deferred account changes are still outside the book (with ``quiet``, the
        pieces' changes count too: an aggregator that reads nothing puts them in)."""
        return bool(self.fast.pending) or (quiet and bool(self.fast.raw))

    def _out(self, doc: dict[str, Any], out: list[dict[str, Any]]) -> None:
        if doc["id"] not in self.ids:
            self.ids.add(doc["id"])
            out.append(doc)

    def _event(self, rec: dict[str, Any]) -> ev.Event:
        """The event a record stands for (its numbers are exact decimal text)."""
        seq, ts = rec["seq"], rec["ts"]
        if rec["type"] == "price":
            return ev.PriceEvent(ts=ts, seq=seq, price=Decimal(rec["price"]))
        if "account" in rec:
            values = {"quote": Decimal(rec["quote"]), "size": Decimal(rec["size"])}
            return ev.AccountEvent(ts=ts, seq=seq, account=rec["account"], set=values)
        fund = rec.get("fund", {})
        return ev.StateEvent(
            ts=ts, seq=seq, set={k: Decimal(v) for k, v in fund.items() if k in FUND_FIELDS}
        )


def run_aggregate(
    agg: Aggregator,
    client: Any,
    stream: str,
    *,
    write: Callable[[dict[str, Any]], None],
    idle_exit: float | None,
    block_ms: int = 200,
) -> AggregateSummary:
    """Read the shards' record streams until ``idle_exit`` seconds pass without a record."""
    import time

    names = [record_stream(stream, ShardName(k, agg.shards)) for k in range(agg.shards)]
    pos = dict.fromkeys(names, "0-0")
    summary = AggregateSummary()
    idle_since = time.monotonic()
    # the collector leaves the book alone (solvent.monitor.heap): its full passes over
    # millions of objects stopped this loop for 0.1-0.7 s
    with QuietHeap(FREEZE_EVERY) as heap:
        while True:
            # an entry holds a shard's batch of records (up to 2,048); while the book catches
            # up (a slice per poll), the read does not wait for records
            behind = agg.catching_up(time.monotonic() - idle_since >= QUIET_S)
            reply = client.xread(pos, count=16, block=None if behind else block_ms)
            got = 0
            for name, entries in reply or []:
                key = name.decode() if isinstance(name, bytes) else str(name)
                k = names.index(key)
                for eid, fields in entries:
                    pos[key] = eid.decode() if isinstance(eid, bytes) else str(eid)
                    recs = _records(fields)
                    pieces = _pieces(fields)
                    agg.add_all(k, recs, pieces)
                    got += len(recs) + sum(len(p.q) for p in pieces)
            summary.records += got
            heap.read(got)
            for doc in agg.drain():
                write(doc)
                if doc["kind"] == "report":  # an alert's whole-state report (alerts.py)
                    continue
                summary.alerts += 1
                summary.critical += doc["severity"] == "critical" and doc["kind"] in CRITICAL_KINDS
            if got:
                idle_since = time.monotonic()
                continue
            if behind:  # nothing to read: the book catches up with the deferred changes, a
                agg.sync(IDLE_SLICE)  # bounded slice at a time (then a new read)
                continue
            if idle_exit is not None and time.monotonic() - idle_since > idle_exit:
                break
    # the summary reads the distance alone, which the book's index answers: the deferred
    # changes go into it; the exact values that lag the index (solvent.monitor.catch_up)
    # are left behind it, since nothing reads them now (0.13 to 0.17 CPU s at 100,000
    # accounts, a sixth of the aggregator's, was spent putting them in)
    agg.sync(values=False)
    m = agg.monitor
    summary.events = m.counters.events
    book = m.book
    if book is not None and m.counters.events:
        d = book.distance(m.price())
        summary.distance, summary.side = d.value, d.side
    summary.waiting = [k for k in range(agg.shards) if agg.queues[k]]
    return summary


def _pieces(fields: dict[Any, Any]) -> list[Piece]:
    """The pieces of one entry (field ``pc``; :mod:`solvent.monitor.pieces`), if any."""
    raw = fields.get(b"pc") or fields.get("pc")
    return decode_pieces(raw) if raw is not None else []


def _records(fields: dict[Any, Any]) -> list[dict[str, Any]]:
    """The records of one entry of a shard's record stream: a JSON array in ``rs``, or one
    record in ``r`` (as earlier versions of the shards wrote them)."""
    raw = fields.get(b"rs") or fields.get("rs")
    if raw is not None:
        return _DECODE(raw)  # type: ignore[no-any-return]
    return [_DECODE(fields.get(b"r") or fields.get("r") or b"{}")]
