"""The verb `solvent monitor-aggregate`: the venue-wide distance and alerts of shard monitors.

Registered on the app when :mod:`solvent.cli` imports this module. Exit codes: 0 no critical breach or
violation in the shards' alerts · 1 one (as `solvent monitor`) · 3 bad input · 4 bug.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Annotated, Any

import typer

from solvent.cli.common import RedisUrl, Target
from solvent.cli.common import opt as _opt
from solvent.cli.verbs import verb
from solvent.config import Settings
from solvent.errors import UsageError


@verb("monitor-aggregate", epilog=None, json_errors=False)
def aggregate_command(
    target: Target,
    shards: Annotated[
        int, _opt("--shards", help="How many shards (the N of --consumer K/N).", metavar="N")
    ],
    stream: Annotated[
        str,
        _opt(
            "--stream", help="The stream the shards read (records: KEY.shard.K/N).", metavar="KEY"
        ),  # fmt: skip
    ],
    source: RedisUrl = None,
    proof: Annotated[
        str | None,
        _opt("--proof", help="The proof the shards monitor (its thresholds).", metavar="FILE"),
    ] = None,
    no_prove: Annotated[
        bool, typer.Option("--no-prove", help="As the shards' --no-prove.")
    ] = False,
    alerts: Annotated[
        str | None,
        _opt("--alerts", help="Write alerts (JSON lines) here [default: stdout].", metavar="FILE"),
    ] = None,
    idle_exit: Annotated[
        float | None,
        _opt(
            "--idle-exit", help="Stop after this many seconds without a record.", metavar="SECONDS"
        ),  # fmt: skip
    ] = None,
    warn_distance: Annotated[
        str | None, _opt("--warn-distance", help="As for monitor.", metavar="RETURN")
    ] = None,
    critical_distance: Annotated[
        str | None, _opt("--critical-distance", help="As for monitor.", metavar="RETURN")
    ] = None,
    *,
    settings: Settings,
) -> int:
    """Combine the shards of `solvent monitor --group` into the venue-wide distance to
    insolvency and one alert stream."""
    import redis

    from solvent.cli.monitor_support import check_options as _check_options
    from solvent.cli.monitor_support import fraction as _fraction
    from solvent.cli.monitor_support import stderr_printer as _stderr
    from solvent.monitor.aggregate import Aggregator, run_aggregate
    from solvent.monitor.alerts import json_default
    from solvent.monitor.core import Options
    from solvent.monitor.errors import SourceError
    from solvent.monitor.runner import assumptions
    from solvent.monitor.secrets import redact_url
    from solvent.spec.load import load_spec

    say = _stderr(settings.quiet)
    if not 1 <= shards <= 1024:
        raise UsageError(f"--shards must be between 1 and 1024, got {shards}")
    _check_options(idle_exit=idle_exit)
    url = source or os.environ.get("SOLVENT_REDIS_URL", "")
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise UsageError("monitor-aggregate reads Redis: give --source redis://HOST:PORT")
    if proof and no_prove:
        raise UsageError("give --proof FILE or --no-prove, not both")
    spec = load_spec(target, settings.spec)
    if settings.params:
        spec = spec.with_params(**settings.param_overrides())
    used, _ = assumptions(spec, proof, not no_prove, say, settings.timeout)
    opts = Options(
        warn_distance=_fraction(warn_distance, "--warn-distance"),
        critical_distance=_fraction(critical_distance, "--critical-distance"),
    )
    agg = Aggregator(spec, used, shards, opts, notice=say)
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        client.ping()
    except (ValueError, redis.RedisError) as exc:
        raise SourceError(f"cannot reach Redis at {redact_url(url)}: {exc}") from None
    out: Any = open(alerts, "a", encoding="utf-8") if alerts else sys.stdout  # noqa: SIM115

    def write(doc: dict[str, Any]) -> None:
        out.write(json.dumps(doc, separators=(",", ":"), default=json_default) + "\n")
        out.flush()

    try:
        summary = run_aggregate(agg, client, stream, write=write, idle_exit=idle_exit)
    finally:
        if alerts:
            out.close()
    from solvent.lang.values import format_number

    shown = "none" if summary.distance is None else format_number(summary.distance)
    say(
        f"{shards} shards, {summary.records} records, {summary.events} events combined, "
        f"{summary.alerts} alerts ({summary.critical} critical); venue-wide distance to "
        f"insolvency {shown} ({summary.side or '-'})"
    )
    if summary.waiting:
        say(f"still waiting for shards {summary.waiting} at exit (their records are incomplete)")
    return 1 if summary.critical else 0
