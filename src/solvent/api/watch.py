"""``monitor``: the spec's proof assumptions and invariants checked on observed events,
as an iterator of alerts (the same monitor `solvent monitor` runs, without its outputs:
no files, no webhook, no metrics endpoint, no checkpoint).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from solvent.api.verify import SpecLike, load
from solvent.errors import UsageError

Events = str | Path | Iterable[Mapping[str, Any] | str | bytes]


def monitor(
    spec: SpecLike,
    events: Events,
    *,
    proof: str | Path | None = None,
    prove: bool = False,
    params: Mapping[str, Any] | None = None,
    on_quarantine: Callable[[bytes, str], None] | None = None,
    **options: Any,
) -> Iterator[Any]:
    """Yield the alerts (:class:`solvent.monitor.core.Alert`) the events raise, in order.

    ``events``: a JSON-lines file of events (see docs/monitor.md), or an iterable of
    events (dicts, JSON strings or bytes). The assumptions watched are those a proof used:
    ``proof`` (a `solvent prove -o` result file), or ``prove=True`` (prove now), else every
    envelope bound and keeper the spec declares. ``options`` are the monitor's settings
    (``step_seconds``, ``warn_distance``, ``critical_distance``, ``distance``...; see
    :class:`solvent.monitor.core.Options`). Lines that are not valid events are set aside
    (``on_quarantine(line, reason)``), as `solvent monitor` does with its quarantine file.
    """
    from solvent.monitor.core import Monitor, Options
    from solvent.monitor.runner import (
        assumptions_by_proving,
        assumptions_from_file,
        declared_assumptions,
    )

    loaded = load(spec)
    if params:
        loaded = loaded.with_params(**{k: str(v) for k, v in params.items()})
    if proof is not None and prove:
        raise UsageError("give proof=PATH or prove=True, not both")
    if proof is not None:
        used = assumptions_from_file(str(proof), loaded)
    elif prove:
        used = assumptions_by_proving(loaded)[0]
    else:
        used = declared_assumptions(loaded)
    try:
        settings = Options(**options)
    except TypeError as exc:
        raise UsageError(f"monitor: {exc}") from None
    watcher = Monitor(loaded, used, settings)
    for line in _lines(events):
        alerts, bad = watcher.feed(line)
        _set_aside(bad, on_quarantine)
        yield from alerts
    alerts, bad = watcher.flush()
    _set_aside(bad, on_quarantine)
    yield from alerts


def _set_aside(bad: list[tuple[bytes, str]], on_quarantine: Any) -> None:
    if on_quarantine is not None:
        for line, reason in bad:
            on_quarantine(line, reason)


def _lines(events: Events) -> Iterator[bytes]:
    if isinstance(events, str | Path):
        path = Path(events)
        if not path.is_file():
            raise UsageError(f"event file {events} does not exist; give a JSON-lines file")
        with path.open("rb") as fh:
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
