"""Sharded monitors over one Redis stream: who owns an account, the group source, the
records a shard publishes for the aggregator.

A shard is named ``K/N`` (shard ``K`` of ``N``, ``0 <= K < N``). It owns account ``a``
when ``owner(a, N) == K`` with ``owner(a, N) = int.from_bytes(blake2b(str(a), 8 bytes),
"big") % N`` (stable across processes, machines and Python versions, unlike ``hash``).
Account and liquidation events go to the owner only; price, insurance and state events
to every shard; a line that is not a valid event to shard 0 (which quarantines it once).

Each shard reads the stream through its own consumer group ``GROUP:K/N`` (so every shard
sees every entry) and acknowledges (XACK) an entry only once a checkpoint covering it is
written: an acknowledged entry is durably applied. A process taking over a crashed shard
(the same ``--consumer`` or another one of the same ``K/N``, with the same checkpoint
file) restores the checkpoint, then takes the entries still pending in the group (its
own, then the others' by XAUTOCLAIM) in stream order, skipping those the checkpoint
already covers, and goes on with new entries: no entry is lost or applied twice.

After every event it applies, a shard queues a record for ``STREAM.shard.K/N`` (sent in
order, one entry per batch read, up to ``RECORDS_PER_ENTRY``, as a JSON array in the
field ``rs``): the event's ``seq``, ``ts`` and type, the price (price events), the fund
(``insurance``, ``bad_debt``: fund and state events), the owned account's ``quote`` and
``size`` (account and liquidation events), and the shard's alerts; when
idle, a ``mark`` with the last ``seq`` it has read. ``solvent monitor-aggregate`` merges
the ``N`` record streams by ``seq`` (see :mod:`solvent.monitor.aggregate`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

import msgspec

from solvent.monitor.errors import SourceError
from solvent.monitor.pieces import PieceWriter
from solvent.monitor.probe_sums import shard_vector
from solvent.monitor.sources import Batch, RedisSource, _raw_reply

SHARED = ("price", "insurance", "state")
OWNED = ("account", "liquidation")
FUND_FIELDS = ("insurance", "bad_debt")


def owner(account: int, shards: int) -> int:
    """The shard that owns ``account`` among ``shards`` (blake2b, 8 bytes, big-endian)."""
    digest = hashlib.blake2b(str(account).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards


@dataclass(frozen=True, slots=True)
class ShardName:
    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_consumer(text: str) -> tuple[ShardName, str]:
    """``K/N`` or ``K/N:NAME`` -> (shard, consumer name); a clear error otherwise."""
    m = re.fullmatch(r"(\d+)/(\d+)(?::([A-Za-z0-9_.-]+))?", text.strip())
    if not m or not 0 <= int(m.group(1)) < int(m.group(2)) <= 1024:
        raise ValueError(
            f"--consumer {text!r} must be SHARD/SHARDS[:NAME] with 0 <= SHARD < SHARDS <= 1024, "
            "e.g. 0/3 or 2/3:standby"
        )
    shard = ShardName(int(m.group(1)), int(m.group(2)))
    return shard, text.strip()


def record_stream(stream: str, shard: ShardName) -> str:
    return f"{stream}.shard.{shard}"


def routed_stream(stream: str, shard: ShardName) -> str:
    """The input stream of one shard when the producer routes (:mod:`solvent.monitor.route`)."""
    return f"{stream}.in.{shard}"


def _id(eid: str) -> tuple[int, int]:
    ms, _, seq = eid.partition("-")
    return int(ms), int(seq or 0)


class Mark(bytes):
    """A router's mark (the ``seq`` it has routed up to) as the source yields it: only
    :class:`GroupSource` makes one, from an entry's ``mark`` field, so no event line can
    pass for a mark."""


class GroupSource(RedisSource):
    """A Redis stream read through the consumer group of one shard (see the module)."""

    def __init__(
        self, url: str, stream: str, group: str, consumer: str, *, routed: bool = False,
        **kw: Any,
    ) -> None:  # fmt: skip
        shard, name = parse_consumer(consumer)
        self.base = stream  # the stream the records are named after
        self.routed = routed
        if routed:
            stream = routed_stream(stream, shard)
        super().__init__(url, stream, **kw)
        import redis

        self.shard, self.consumer = shard, name
        self.group = f"{group}:{self.shard}"
        self.position = None  # type: ignore[assignment]  # set from a checkpoint
        self.client.set_response_callback("XREADGROUP", _raw_reply)
        self.unacked: list[str] = []
        self.claimed = 0
        self.outbox: Any = None  # the Shard whose records go out with the next read
        try:
            self.client.xgroup_create(stream, self.group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise SourceError(f"cannot create consumer group {self.group}: {exc}") from None

    def describe(self) -> str:
        return (
            f"redis stream {self.stream} at {self.shown}, group {self.group}, "
            f"consumer {self.consumer}"
        )

    def identity(self) -> str:
        return f"redis:{self.shown}#{self.stream}@{self.group}"

    def _entries(self, reply: Any) -> Batch:
        out: Batch = []
        field = self.FIELD
        for entry_id, fields in reply or []:
            if fields is None:  # deleted while pending: nothing to apply
                continue
            eid = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
            if self.routed and not (  # an event's one field (the common entry): no mark
                fields.__class__ is list and len(fields) == 2 and fields[0] == field
            ):
                mark = _mark_field(fields)
                if mark is not None:
                    out.append((eid, Mark(mark)))  # a router's mark
                    continue
            out.append((eid, self._event(fields)))
        return out

    def _fresh(self, batch: Batch) -> Batch:
        """Drop (and acknowledge) entries the checkpoint already covers."""
        done = _id(self.position) if self.position else None
        keep: Batch = []
        covered: Batch = []
        for eid, raw in batch:
            (covered if done is not None and _id(eid) <= done else keep).append((eid, raw))
        if covered:
            self.client.xack(self.stream, self.group, *[e for e, _ in covered])
        self.unacked.extend(e for e, _ in keep)
        return keep

    def pending(self) -> Batch:
        """Entries delivered but never acknowledged: this consumer's, then the others'."""
        mine: Batch = []
        last = "0-0"
        while True:
            reply = self.client.xreadgroup(
                self.group, self.consumer, {self.stream: last}, count=self.count
            )
            got = self._entries(_first_stream(reply))
            if not got:
                break
            mine += got
            last = got[-1][0]
        start = "0-0"
        while True:
            res = self.client.xautoclaim(
                self.stream, self.group, self.consumer, 0, start_id=start, count=self.count
            )
            nxt, entries = res[0], res[1]
            got = self._entries(entries)
            self.claimed += len(got)
            mine += got
            nxt = nxt.decode() if isinstance(nxt, bytes) else str(nxt)
            if nxt == "0-0":
                break
            start = nxt
        mine.sort(key=lambda e: _id(e[0]))
        return self._fresh(mine)

    def _first_batch(self) -> Batch:
        return self.pending()

    def _read(self) -> Batch:
        """The next entries (XREADGROUP); the shard's records queued since the last read
        (:meth:`Shard.batch_done`) go first, in the same round trip (a pipeline: the XADD
        is applied before the read waits)."""
        ask = (self.group, self.consumer, {self.stream: ">"})
        out = None if self.outbox is None else self.outbox.entry()
        if out is None:
            reply = self.client.xreadgroup(*ask, count=self.count, block=self.block_ms)
        else:
            pipe = self.client.pipeline(transaction=False)
            pipe.xadd(*out)
            pipe.xreadgroup(*ask, count=self.count, block=self.block_ms)
            sent, reply = pipe.execute(raise_on_error=False)
            if isinstance(sent, Exception):  # as a failed XADD of its own: the run stops
                # (the entries just read stay pending: a replacement takes them over)
                raise SourceError(f"cannot publish the shard's records to {out[0]}: {sent}")
            self.outbox.sent()
            if isinstance(reply, Exception):
                raise reply
        return self._fresh(self._entries(_first_stream(reply)))

    def ack(self, position: Any) -> None:
        """XACK every entry up to ``position`` (called once a checkpoint covers it)."""
        if not self.unacked or position is None:
            return
        upto = _id(str(position))
        done = [e for e in self.unacked if _id(e) <= upto]
        if done:
            self.client.xack(self.stream, self.group, *done)
            self.unacked = [e for e in self.unacked if _id(e) > upto]


#: records sent in one entry at the most; the run loop also sends what is queued after
#: every batch it read, in one round trip with its next read (one XADD a batch, not one a
#: few hundred lines, and no round trip of its own: every round trip to redis-server waits
#: for it to be scheduled, which on shared cores costs more than the write)
RECORDS_PER_ENTRY = 2048


#: accounts whose owner a shard remembers (a stream of ever new account numbers does not
#: grow it further; past it the owner is hashed again)
OWNERS_KEPT = 1 << 20


class Shard:
    """Routing of lines to this shard and the records it publishes for the aggregator."""

    def __init__(self, source: GroupSource) -> None:
        self.source = source
        self.name = source.shard
        self.routed = source.routed
        self.out = record_stream(source.base, self.name)
        self.client = source.client
        self.last_seq: int | None = None
        self.dropped = 0
        self._queued: list[dict[str, Any]] = []  # records not yet sent (encoded at once)
        self._doc: Any = None  # the line route() parsed last
        self._owners: dict[int, int] = {}  # account -> owner(account, N), as routed
        self.pieces = PieceWriter()  # its account changes between shared events, summed
        source.outbox = self

    def route(self, line: bytes) -> tuple[bool, str | None]:
        """(apply here?, a quarantine reason when the shard must refuse the event).

        Over one stream every shard reads every line, so this is the per-line cost of the
        lines other shards own: one msgspec decode of the four fields routing needs (the
        monitor's own decoding and validation run only for the lines this shard applies).
        Routed (only this shard's lines), it applies every line but another shard's
        account's, which it refuses."""
        self._doc = None
        routed = self.routed
        try:
            doc = self._doc = _ROUTE.decode(line)
        except (msgspec.DecodeError, RecursionError):  # not a JSON object: shard 0 says so
            return routed or self.name.index == 0, None
        seq = doc.seq
        if type(seq) is int:
            self.last_seq = seq if self.last_seq is None or seq > self.last_seq else self.last_seq
        kind = doc.type
        if kind in SHARED:
            return True, None
        acc = doc.account
        if kind in OWNED and type(acc) is int and acc >= 0:
            home = self._owners.get(acc)
            if home is None:  # the hash once per account, not per line
                home = owner(acc, self.name.count)
                if len(self._owners) < OWNERS_KEPT:
                    self._owners[acc] = home
            if home != self.name.index:
                if routed:
                    return False, (
                        f"routed to shard {self.name} but account {acc} belongs to shard "
                        f"{home}/{self.name.count} (blake2b hash mod {self.name.count}): the "
                        "producer's routing is wrong (see solvent.monitor.route)"
                    )
                self.dropped += 1
                return False, None
            if kind == "liquidation" and not doc.set:
                return False, (
                    "a sharded monitor cannot run the keeper for a liquidation (it changes the "
                    "shared fund, which other shards hold too); give the liquidated account's "
                    "fields in `set`"
                )
            return True, None
        return routed or self.name.index == 0, None

    def feed(self, monitor: Any, line: bytes) -> tuple[list[Any], list[tuple[bytes, str]]]:
        """Route one line; feed it to ``monitor`` when this shard applies it; publish."""
        if line.__class__ is Mark:  # the router passed this seq: tell the aggregator
            seq = int(line)
            self.last_seq = seq if self.last_seq is None or seq > self.last_seq else self.last_seq
            self._send({"mark": self.last_seq})
            return [], []
        mine, reason = self.route(line)
        if reason is not None:
            return [], [(line, reason)]
        if not mine:
            return [], []
        doc, w = self._doc, self.pieces
        owned = doc is not None and doc.type in OWNED
        pre = None
        a = doc.account if owned else None
        if w.px is not None and type(a) is int and 0 <= a < len(monitor.book.qi):
            pre = monitor.book.qi[a], monitor.book.si[a]  # the amounts before the change
        before = monitor.counters.events
        alerts, bad = monitor.feed(line)
        applied = monitor.counters.events > before
        if pre is not None and applied and None not in pre:
            if w.account(monitor, doc, pre[0], pre[1], alerts):
                return alerts, bad  # in the piece being written
        elif pre is not None and applied:
            w.off()
        if not owned:
            w.close()  # a shared event (or a line shard 0 quarantines) ends the piece
        rec = self.publish(monitor, line, applied, alerts)
        if applied and doc is not None and doc.type == "price":
            w.price(monitor, rec)
        return alerts, bad

    def publish(
        self, monitor: Any, line: bytes, applied: bool, alerts: list[Any]
    ) -> dict[str, Any] | None:
        """Queue the record of one fed line (sent by :meth:`flush`); the record."""
        if not applied and not alerts:
            return None
        doc = self._doc if self._doc is not None else _ROUTE.decode(line)  # parsed by route
        rec = record(monitor, doc, applied, alerts)
        self._send(rec)
        return rec

    def mark(self) -> None:
        if self.last_seq is not None:
            self._send({"mark": self.last_seq})
        self.flush()

    def _send(self, rec: dict[str, Any]) -> None:
        queued = self._queued
        queued.append(rec)
        if len(queued) >= RECORDS_PER_ENTRY:
            self.flush()

    def flush(self) -> None:
        """Send the queued records as one entry (field ``rs``: a JSON array, in order)."""
        if (out := self.entry()) is not None:
            self.client.xadd(*out)
            self.sent()

    def batch_done(self) -> None:
        """A batch is applied: its records go out with the source's next read, in the same
        round trip (:meth:`GroupSource._read`); at once if the source is not this shard's.
        Whatever the run loop does next (a mark when idle, a checkpoint, the end) flushes
        first, so the records stay in order and precede any acknowledgement."""
        if getattr(self.source, "outbox", None) is not self:
            self.flush()

    def entry(self) -> tuple[str, dict[str, bytes]] | None:
        """The queued records (field ``rs``) and pieces (``pc``, :mod:`solvent.monitor.pieces`)
        as the one entry to add (None: nothing queued)."""
        pieces = self.pieces.take()
        if not self._queued and not pieces:
            return None
        fields = {"rs": _ENCODE(self._queued)}  # one call for the whole array
        if pieces:
            fields["pc"] = _ENCODE(pieces)
        return self.out, fields

    def sent(self) -> None:
        """The entry of :meth:`entry` is in the stream."""
        self._queued = []


class _Route(msgspec.Struct):
    """What routing reads of a line (any JSON types: checked by :meth:`Shard.route`)."""

    type: Any = None
    seq: Any = None
    ts: Any = None
    account: Any = None
    set: Any = None


_ROUTE = msgspec.json.Decoder(_Route)
_ENCODE = msgspec.json.Encoder().encode


def record(monitor: Any, doc: Any, applied: bool, alerts: list[Any]) -> dict[str, Any]:
    """The record of one fed line (``doc``: what routing read of it; see the module); a
    price record also carries the shard's deficits at the probes (``pv``, ``pt``:
    :func:`solvent.monitor.probe_sums.shard_vector`); an account's amounts as exact decimal
    text: the book's integer in units of 10**-18 when it has one, else written out."""
    kind = doc.type
    if applied:
        book = monitor.book
        if kind in OWNED:  # the common record: the owned account's new position
            if book is None:
                return _alerts({"seq": doc.seq, "ts": doc.ts, "type": kind}, alerts)
            a, values = doc.account, monitor.values
            q, s = book.qi[a], book.si[a]
            rec = {
                "seq": doc.seq, "ts": doc.ts, "type": kind, "account": a,
                "quote": f"{q}e-18" if q is not None else _text(values["quote"][a]),
                "size": f"{s}e-18" if s is not None else _text(values["size"][a]),
            }  # fmt: skip
            return _alerts(rec, alerts)
        rec = {"seq": doc.seq, "ts": doc.ts, "type": kind}
        if kind == "price":
            rec["price"] = str(monitor.price_dec)
            rec.update(shard_vector(monitor) or {})
        else:  # the events that change the fund
            values = monitor.values
            rec["fund"] = {k: _text(values[k]) for k in FUND_FIELDS if k in values}
        return _alerts(rec, alerts)
    return _alerts({"seq": doc.seq, "ts": doc.ts, "type": "alerts"}, alerts)


def _alerts(rec: dict[str, Any], alerts: list[Any]) -> dict[str, Any]:
    """``rec`` with the shard's alerts, if any."""
    if alerts:
        rec["alerts"] = [a.to_json() for a in alerts]
    return rec


def record_of(monitor: Any, line: bytes, applied: bool, alerts: list[Any]) -> dict[str, Any]:
    """:func:`record` of a raw line (in-process shards: tests, the benchmark)."""
    return record(monitor, _ROUTE.decode(line), applied, alerts)


def _first_stream(reply: Any) -> Any:
    """The entries of the one stream of an XREADGROUP reply (kept raw: RESP2 or RESP3)."""
    if not reply:
        return []
    if isinstance(reply, dict):
        return next(iter(reply.values()))
    return reply[0][1]


def _mark_field(fields: Any) -> bytes | None:
    """The ``mark`` field of a raw entry (a flat list, or a dict), if it has one."""
    if isinstance(fields, list):
        fields = dict(zip(fields[::2], fields[1::2], strict=False))
    x = fields.get(b"mark", fields.get("mark"))
    return None if x is None else x.encode() if isinstance(x, str) else bytes(x)


def _text(x: Any) -> str:
    from solvent.lang.values import format_number

    return format_number(x) if not isinstance(x, bool) else str(x)
