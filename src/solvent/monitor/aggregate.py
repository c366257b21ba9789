"""``solvent monitor-aggregate``: the venue-wide view of ``N`` shard monitors.

Each shard appends a record to ``STREAM.shard.K/N`` for every event it applied and a
``mark`` when idle (see :mod:`solvent.monitor.shard`). The aggregator reads the ``N``
record streams and merges them by ``seq``: an event is combined once every shard has
published a record or mark at or past its ``seq`` (price and fund events come from every
shard, each account's from its owner; records a replacement shard publishes again are
dropped by ``seq``). The combined deficit function (every account's position, the fund,
the price) is kept in the incremental index of one :class:`~solvent.monitor.core.Monitor`,
which computes the venue-wide distance to insolvency and the invariants after every event
exactly as one unsharded monitor would; the shards' other alerts (envelope, keeper,
anomaly) are forwarded once each (alerts of shared events carry the same id in every
shard).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec

from solvent.monitor.alerts import AlertTally
from solvent.monitor.core import CRITICAL_KINDS, Monitor, Options
from solvent.monitor.errors import MonitorConfigError
from solvent.monitor.shard import FUND_FIELDS, ShardName, record_stream
from solvent.spec.spec import Spec

#: what the aggregator computes on the combined book itself (a shard's are partial views:
#: an invariant over every account, or the distance, does not split by account)
COMBINED = ("invariant", "distance")
_ENCODE = msgspec.json.Encoder().encode
_DECODE = msgspec.json.Decoder().decode


@dataclass
class AggregateSummary(AlertTally):
    records: int = 0
    events: int = 0
    distance: Any = None
    side: str | None = None
    waiting: list[int] = field(default_factory=list)


class Aggregator:
    """Merge shard records by ``seq``; feed the combined events to one closed-form monitor."""

    def __init__(self, spec: Spec, used: list[str], shards: int, opts: Options) -> None:
        opts.distance = "closed"
        opts.detector = "none"
        self.monitor = Monitor(spec, used, opts)
        if self.monitor.book is None:
            raise MonitorConfigError(
                "monitor-aggregate combines closed-form deficit functions: it needs the isolated "
                "perp model (solvent.models.perp_isolated without tier2 or liquidation_depth)"
            )
        self.shards = shards
        self.queues: list[list[dict[str, Any]]] = [[] for _ in range(shards)]
        self.water = [-1] * shards
        self.done: int | None = None
        self.last = [-1] * shards  # the last seq queued from each shard
        self.ids: set[str] = set()

    def add(self, k: int, rec: dict[str, Any]) -> None:
        if "mark" in rec:
            self.water[k] = max(self.water[k], int(rec["mark"]))
            return
        seq = int(rec["seq"])
        self.water[k] = max(self.water[k], seq)
        if seq <= self.last[k] or (self.done is not None and seq <= self.done):
            return  # published again by a shard that took over (the same record)
        self.last[k] = seq
        self.queues[k].append(rec)

    def drain(self) -> list[dict[str, Any]]:
        """Combine every event all shards have passed; return the alerts to write."""
        out: list[dict[str, Any]] = []
        safe = min(self.water)
        heads = [0] * self.shards
        while True:
            seq = min(
                (q[h]["seq"] for q, h in zip(self.queues, heads, strict=True) if h < len(q)),
                default=None,
            )
            if seq is None or seq > safe:
                break
            recs = []
            for k, q in enumerate(self.queues):
                while heads[k] < len(q) and q[heads[k]]["seq"] == seq:
                    recs.append(q[heads[k]])
                    heads[k] += 1
            if self.done is not None and seq <= self.done:
                continue  # published again by a shard that took over
            self.done = seq
            for rec in recs:
                for a in rec.get("alerts", []):
                    if a["kind"] not in COMBINED:
                        self._out(a, out)
            events = next((r for r in recs if r["type"] != "alerts"), None)
            if events is not None:
                for line in self._events(events):
                    alerts, _bad = self.monitor.feed(line)
                    for a in alerts:
                        if a.kind in COMBINED:
                            self._out(a.to_json(), out)
        for k in range(self.shards):
            del self.queues[k][: heads[k]]
        return out

    def _out(self, doc: dict[str, Any], out: list[dict[str, Any]]) -> None:
        if doc["id"] not in self.ids:
            self.ids.add(doc["id"])
            out.append(doc)

    def _events(self, rec: dict[str, Any]) -> list[bytes]:
        base = {"schema": "solvent-event/1", "seq": rec["seq"], "ts": rec["ts"]}
        fund = {k: v for k, v in rec.get("fund", {}).items() if k in FUND_FIELDS}
        if rec["type"] == "price":
            ev = {**base, "type": "price", "price": rec["price"]}
        elif "account" in rec:
            ev = {
                **base,
                "type": "account",
                "account": rec["account"],
                "set": {"quote": rec["quote"], "size": rec["size"]},
            }
        else:
            ev = {**base, "type": "state", "set": fund}
        return [_ENCODE(ev)]


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
    while True:
        reply = client.xread(pos, count=2000, block=block_ms)
        got = 0
        for name, entries in reply or []:
            key = name.decode() if isinstance(name, bytes) else str(name)
            k = names.index(key)
            for eid, fields in entries:
                pos[key] = eid.decode() if isinstance(eid, bytes) else str(eid)
                raw = fields.get(b"r") or fields.get("r")
                agg.add(k, _DECODE(raw))
                got += 1
        summary.records += got
        for doc in agg.drain():
            write(doc)
            summary.alerts += 1
            summary.critical += doc["severity"] == "critical" and doc["kind"] in CRITICAL_KINDS
        if got:
            idle_since = time.monotonic()
        elif idle_exit is not None and time.monotonic() - idle_since > idle_exit:
            break
    m = agg.monitor
    summary.events = m.counters.events
    book = m.book
    if book is not None and m.counters.events:
        d = book.distance(m.price())
        summary.distance, summary.side = d.value, d.side
    summary.waiting = [k for k in range(agg.shards) if agg.queues[k]]
    return summary
