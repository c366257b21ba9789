"""``monitor``: the spec's proof assumptions and invariants checked on observed events,
as an iterator of alerts.

This is the run loop of `solvent monitor` (:func:`solvent.monitor.runner.alerts`): the
command builds its outputs (alert file, quarantine file, webhook, metrics endpoint, live
view, checkpoint, shard) into a :class:`Watch` and iterates it; :func:`monitor` is the
same loop over an event file or an iterable, with no outputs: the alerts are yielded.
:func:`route` is `solvent monitor-route`: one Redis stream relayed into the routed
streams of sharded monitors.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solvent.api.verify import SpecLike, load
from solvent.errors import UsageError

Events = str | Path | Iterable[Mapping[str, Any] | str | bytes]


class Watch:
    """An iterator of the alerts a monitor raises over an event source, in order.

    ``monitor`` is a :class:`solvent.monitor.core.Monitor`, ``source`` an event source of
    :mod:`solvent.monitor.sources` (or anything with ``batches()``), ``config`` the
    outputs (:class:`solvent.monitor.runner.RunConfig`; default: none, alerts are only
    yielded). :attr:`summary` (:class:`solvent.monitor.runner.Summary`) fills in as the
    iteration goes: lines read, alerts, latencies, how the run stopped."""

    def __init__(
        self,
        monitor: Any,
        source: Any,
        config: Any = None,
        *,
        shard: Any = None,
        on_start: Callable[[Any], None] | None = None,
    ) -> None:
        from solvent.monitor.runner import RunConfig, Summary, alerts

        self.monitor = monitor
        self.source = source
        self.config = config or RunConfig(print_alerts=False, quarantine=None, signals=False)
        self.summary = Summary()
        self._alerts = alerts(
            monitor, source, self.config, self.summary, on_start=on_start, shard=shard
        )

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        return next(self._alerts)

    def close(self) -> None:
        """Stop early: held events are flushed and the outputs closed, as at the end."""
        self._alerts.close()


class IterableSource:
    """Events from an iterable (dicts, JSON text or bytes) or a JSON-lines file, one line
    at a time (an endless generator is read lazily)."""

    kind = "iterable"
    resumable = False

    def __init__(self, events: Events) -> None:
        self.events = events

    def describe(self) -> str:
        if isinstance(self.events, str | Path):
            return str(self.events)
        return "Python events"

    def batches(self) -> Iterator[list[tuple[int, bytes]]]:
        for n, line in enumerate(_lines(self.events), 1):
            yield [(n, line)]


def monitor(
    spec: SpecLike,
    events: Events,
    *,
    proof: str | Path | None = None,
    prove: bool = False,
    params: Mapping[str, Any] | None = None,
    on_quarantine: Callable[[bytes, str], None] | None = None,
    **options: Any,
) -> Watch:
    """Yield the alerts (:class:`solvent.monitor.core.Alert`) the events raise, in order.

    ``events``: a JSON-lines file of events (see docs/monitor.md), or an iterable of
    events (dicts, JSON strings or bytes). The assumptions watched are those a proof used:
    ``proof`` (a `solvent prove -o` result file), or ``prove=True`` (prove now), else every
    envelope bound and keeper the spec declares. ``options`` are the monitor's settings
    (``step_seconds``, ``warn_distance``, ``critical_distance``, ``distance``...; see
    :class:`solvent.monitor.core.Options`). Lines that are not valid events are set aside
    (``on_quarantine(line, reason)``), as `solvent monitor` does with its quarantine file.
    The result is a :class:`Watch`: iterate it; its ``monitor`` holds the state after.
    """
    from solvent.monitor.core import Monitor, Options
    from solvent.monitor.runner import RunConfig, assumptions

    loaded = load(spec)
    if params:
        loaded = loaded.with_params(**{k: str(v) for k, v in params.items()})
    if proof is not None and prove:
        raise UsageError("give proof=PATH or prove=True, not both")
    if isinstance(events, str | Path) and not Path(events).is_file():
        raise UsageError(f"event file {events} does not exist; give a JSON-lines file")
    used = assumptions(loaded, None if proof is None else str(proof), prove)[0]
    try:
        settings = Options(**options)
    except TypeError as exc:
        raise UsageError(f"monitor: {exc}") from None
    config = RunConfig(
        print_alerts=False, quarantine=None, signals=False, on_quarantine=on_quarantine
    )
    return Watch(Monitor(loaded, used, settings), IterableSource(events), config)


def _lines(events: Events) -> Iterator[bytes]:
    if isinstance(events, str | Path):
        with Path(events).open("rb") as fh:
            for line in fh:
                if line.strip():
                    yield line.rstrip(b"\r\n")
        return
    for event in events:
        if isinstance(event, bytes):
            yield event
        elif isinstance(event, str):
            yield event.encode("utf-8")
        else:
            yield json.dumps(dict(event)).encode("utf-8")


@dataclass(frozen=True)
class Routed:
    """What :func:`route` did: entries read from the stream, lines written to each shard's
    stream (``per_shard[k]``: shard ``k``'s, marks not counted) and their stream names."""

    entries: int
    per_shard: tuple[int, ...]
    streams: tuple[str, ...]


def route(
    source: str,
    stream: str,
    shards: int,
    *,
    idle_exit: float | None = None,
    count: int = 1000,
    stopped: Callable[[], bool] = lambda: False,
) -> Routed:
    """Relay the Redis stream ``stream`` at ``source`` (``redis[s]://`` or ``unix://``
    URL) into the routed streams of ``shards`` shards (``STREAM.in.K/N``, which
    `solvent monitor --group NAME --consumer K/N --routed` reads), exactly once across
    restarts (:func:`solvent.monitor.route.relay`), until ``idle_exit`` seconds pass
    without a new entry (None: until ``stopped()``). Raises :class:`UsageError` for a bad
    option, :class:`~solvent.monitor.errors.SourceError` when Redis cannot be reached or
    ``stream`` is not a stream, :class:`~solvent.monitor.errors.MonitorConfigError` when
    the stream was routed into another number of shards before."""
    import redis

    from solvent.monitor.errors import SourceError
    from solvent.monitor.route import Router, relay
    from solvent.monitor.secrets import redact_url

    if not 1 <= shards <= 1024:
        raise UsageError(f"--shards must be between 1 and 1024, got {shards}")
    if count < 1:
        raise UsageError(f"--count must be at least 1, got {count}")
    if not stream:
        raise UsageError("--stream must name a Redis stream, got ''")
    if not source.startswith(("redis://", "rediss://", "unix://")):
        raise UsageError(
            f"monitor-route reads Redis: give --source redis://HOST:PORT, got {source!r}"
        )
    shown = redact_url(source)
    try:
        client = redis.Redis.from_url(source, socket_connect_timeout=2)
        client.ping()
    except (ValueError, redis.RedisError) as exc:
        raise SourceError(
            f"cannot reach Redis at {shown}: {exc}; start redis-server or fix the --source URL"
        ) from None
    kind = client.type(stream)
    if kind not in (b"stream", b"none", "stream", "none"):
        name = kind.decode() if isinstance(kind, bytes) else kind
        raise SourceError(
            f"{stream} at {shown} is a Redis {name}, not a stream; give the stream the "
            "producer writes (XADD) with --stream"
        )
    router = Router(client, stream, shards)
    try:
        n = relay(router, idle_exit=idle_exit, count=count, stopped=stopped)
    except redis.ResponseError as exc:
        raise SourceError(f"Redis at {shown} refused the relay: {exc}") from None
    return Routed(n, tuple(router.routed), tuple(router.names))
