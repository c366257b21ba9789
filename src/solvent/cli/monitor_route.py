"""The verb `solvent monitor-route`: one Redis stream relayed into the shards' routed streams.

Registered on the app when :mod:`solvent.cli` imports this module; the work is
:func:`solvent.api.watch.route`. Exit codes: 0 done (idle for --idle-exit seconds, or
stopped by SIGTERM/Ctrl-C after the current batch) · 3 bad input · 4 bug.
"""

from __future__ import annotations

import os
import signal
import threading
from typing import Annotated, Any

from solvent.cli.common import RedisUrl
from solvent.cli.common import opt as _opt
from solvent.cli.verbs import verb
from solvent.config import Settings


@verb("monitor-route", epilog=None, json_errors=False)
def route_command(
    stream: Annotated[
        str,
        _opt(
            "--stream",
            help="The stream the producer writes (field `event`); routed into KEY.in.K/N.",
            metavar="KEY",
        ),
    ],
    shards: Annotated[
        int,
        _opt("--shards", help="How many shards (the N of --consumer K/N --routed).", metavar="N"),
    ],
    source: RedisUrl = None,
    idle_exit: Annotated[
        float | None,
        _opt("--idle-exit", help="Stop after SECONDS without a new entry.", metavar="SECONDS"),
    ] = None,
    count: Annotated[
        int,
        _opt("--count", help="Entries read and routed per transaction.", metavar="N"),
    ] = 1000,
    *,
    settings: Settings,
) -> int:
    """Relay one Redis stream into the routed streams of N shards (`solvent monitor
    --group NAME --consumer K/N --routed`), exactly once across restarts."""
    from solvent.api.watch import route
    from solvent.cli.monitor_support import check_options as _check_options
    from solvent.cli.monitor_support import stderr_printer as _stderr
    from solvent.monitor.secrets import redact_url

    say = _stderr(settings.quiet)
    _check_options(idle_exit=idle_exit)
    url = source or os.environ.get("SOLVENT_REDIS_URL", "")
    stop = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:  # stop after the current batch
        if signum == signal.SIGINT:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        stop.set()

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        done = route(url, stream, shards, idle_exit=idle_exit, count=count, stopped=stop.is_set)
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
    each = ", ".join(f"{c:,} to {n}" for n, c in zip(done.streams, done.per_shard, strict=True))
    say(f"routed {done.entries:,} entries of {stream} at {redact_url(url)}: {each}")
    return 0
