"""Routed streams: the producer writes one Redis stream per shard, so a shard reads only
its own lines (``solvent monitor --group NAME --consumer K/N --routed``).

The input stream of shard ``K/N`` of stream ``KEY`` is ``KEY.in.K/N``
(:func:`routed_stream`). :class:`Router` writes each event line (field ``event``) to the
streams :func:`destinations` names: an account or liquidation event (an ``account`` that
is a non-negative integer) to its owner's stream only (:func:`solvent.monitor.shard.owner`,
the same blake2b hash as the one-stream mode), a price, insurance or state event to every
shard's stream, and any other line (not JSON, an unknown type) to shard 0's, which
quarantines it once. Each stream keeps the order in which the lines were given.

After each batch the router also appends a *mark* entry (field ``mark``: the highest
``seq`` routed so far) to every shard stream that did not receive the batch's last line,
so every shard passes every ``seq`` and the aggregator, which combines an event once all
shards have passed it, never waits for a shard that has nothing to say. A mark is never
fed to a monitor: the shard forwards it to the aggregator as a record mark.

:func:`relay` moves the lines of one stream ``KEY`` into the routed streams (for a
producer that already writes one stream), exactly once across its own crashes: each batch's entries and the
position it read up to (the key ``KEY.route.position``) are written in one MULTI/EXEC
transaction, and a restarted relay resumes from that position. The number of shards is
kept beside it (``KEY.route.shards``): a relay started again with another number is
refused (:class:`~solvent.monitor.errors.MonitorConfigError`), as the lines already
routed would belong to other shards than the new ones.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import msgspec

from solvent.monitor.errors import MonitorConfigError
from solvent.monitor.events import MISSING_FIELD
from solvent.monitor.shard import _ROUTE, OWNED, SHARED, ShardName, owner, routed_stream

__all__ = ["Router", "destinations", "position_key", "relay", "routed_stream", "shards_key"]
EVENT, MARK = b"event", b"mark"


def position_key(stream: str) -> str:
    """Where :func:`relay` keeps the last entry id of ``stream`` it has routed."""
    return f"{stream}.route.position"


def shards_key(stream: str) -> str:
    """Where :func:`relay` keeps the number of shards it routes ``stream`` into."""
    return f"{stream}.route.shards"


def route(line: bytes, shards: int) -> tuple[int | None, range | tuple[int, ...]]:
    """(the line's ``seq`` if an integer, the shards whose streams get it: see the module)."""
    try:
        doc = _ROUTE.decode(line)
    except (msgspec.DecodeError, RecursionError):
        return None, (0,)
    seq = doc.seq if type(doc.seq) is int else None
    kind, acc = doc.type, doc.account
    if kind in OWNED and type(acc) is int and acc >= 0:
        return seq, (owner(acc, shards),)
    if kind in SHARED:
        return seq, range(shards)
    return seq, (0,)


def destinations(line: bytes, shards: int) -> range | tuple[int, ...]:
    """The shards whose streams get ``line`` (see the module)."""
    return route(line, shards)[1]


class Router:
    """Write event lines into the ``shards`` routed streams of ``stream`` (one pipeline
    per :meth:`send`). ``client`` is a ``redis.Redis``."""

    def __init__(self, client: Any, stream: str, shards: int) -> None:
        if not 1 <= shards <= 1024:
            raise ValueError(f"shards must be between 1 and 1024, got {shards}")
        self.client = client
        self.stream = stream
        self.shards = shards
        self.names = [routed_stream(stream, ShardName(k, shards)) for k in range(shards)]
        self.seq: int | None = None  # the highest seq routed
        self.routed = [0] * shards  # lines written to each shard's stream

    def queue(self, pipe: Any, lines: Iterable[bytes]) -> int:
        """Queue the XADDs of ``lines`` and the marks on ``pipe``; how many lines."""
        names, shards, count = self.names, self.shards, 0
        last: range | tuple[int, ...] = ()
        for line in lines:
            seq, last = route(line, shards)
            if seq is not None and (self.seq is None or seq > self.seq):
                self.seq = seq
            for k in last:
                pipe.xadd(names[k], {EVENT: line})
                self.routed[k] += 1
            count += 1
        if count and self.seq is not None:
            for k in range(shards):
                if k not in last:
                    pipe.xadd(names[k], {MARK: self.seq})
        return count

    def send(self, lines: Iterable[bytes]) -> int:
        """Route ``lines`` (in order) in one pipeline; how many were routed."""
        pipe = self.client.pipeline(transaction=False)
        n = self.queue(pipe, lines)
        pipe.execute()
        return n


def relay(
    router: Router,
    *,
    idle_exit: float | None = None,
    count: int = 1000,
    block_ms: int = 200,
    stopped: Callable[[], bool] = lambda: False,
) -> int:
    """Route the entries of ``router.stream`` (field ``event``) into its shard streams from
    the saved position on, until ``idle_exit`` seconds pass without one; how many entries.
    A batch and the new position are one transaction (exactly once across restarts)."""
    client, stream = router.client, router.stream
    key = position_key(stream)
    before = client.get(shards_key(stream))
    if before is not None and int(before) != router.shards:
        raise MonitorConfigError(
            f"stream {stream} is already routed into {int(before)} shard streams "
            f"({shards_key(stream)}), not {router.shards}: relay it with {int(before)} shards, "
            f"or delete {key}, {shards_key(stream)} and the {stream}.in.* streams to route "
            "it again from the start"
        )
    saved = client.get(key)
    pos = saved.decode() if isinstance(saved, bytes) else (saved or "0-0")
    total = 0
    idle_since = time.monotonic()
    while not stopped():
        reply = client.xread({stream: pos}, count=count, block=block_ms)
        entries = [e for _name, es in (reply or []) for e in es]
        if not entries:
            if idle_exit is not None and time.monotonic() - idle_since > idle_exit:
                break
            continue
        idle_since = time.monotonic()
        lines = [_event(fields) for _eid, fields in entries]
        last = entries[-1][0]
        pos = last.decode() if isinstance(last, bytes) else str(last)
        pipe = client.pipeline(transaction=True)
        router.queue(pipe, lines)
        pipe.set(key, pos)
        pipe.set(shards_key(stream), router.shards)
        pipe.execute()
        total += len(lines)
    return total


def _event(fields: Any) -> bytes:
    """The ``event`` field of an entry (missing: a line shard 0 quarantines)."""
    if isinstance(fields, list):
        fields = dict(zip(fields[::2], fields[1::2], strict=True))
    raw = fields.get(EVENT, fields.get("event"))
    if raw is None:
        keys = ", ".join(sorted(k.decode() if isinstance(k, bytes) else str(k) for k in fields))
        return MISSING_FIELD + keys.encode()
    return raw.encode() if isinstance(raw, str) else bytes(raw)
