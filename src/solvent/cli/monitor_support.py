"""What `solvent monitor` checks and reads before it runs: numbers and ranges of its
options, and the secrets of a run (from files or the environment) with their redactor."""

from __future__ import annotations

import math
import os
from fractions import Fraction
from typing import Any

from solvent.errors import UsageError


def fraction(text: str | None, flag: str) -> Fraction | None:
    if text is None:
        return None
    from solvent.limits import number_problem

    problem = number_problem(text)
    if problem is not None:
        raise UsageError(f"{flag}: {problem}")
    try:
        value = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise UsageError(f"{flag} expects a number such as 0.05 or 1/20, got {text!r}") from None
    if value < 0:
        raise UsageError(f"{flag} must be >= 0, got {text}")
    return value


def stderr_printer(quiet: bool) -> Any:
    from solvent.report import text

    console = text.make_console(stderr=True)

    def say(message: str) -> None:
        if not quiet:
            console.print(f"monitor: {message}", soft_wrap=True)

    return say


def check_options(**values: Any) -> None:
    """Refuse a numeric option outside its range, naming the option (exit 3)."""
    # option -> (lowest, lowest allowed?, highest): NaN and inf fail every range
    ranges: dict[str, tuple[float, bool, float]] = {
        "step_seconds": (0, False, math.inf),
        "idle_exit": (0, True, math.inf),
        "keeper_grace": (0, True, math.inf),
        "anomaly_threshold": (0, False, math.inf),
        "anomaly_warmup": (0, True, math.inf),
        "reorder_window": (0, True, math.inf),
        "checkpoint_every": (1, True, math.inf),
        "max_events": (1, True, math.inf),
        "metrics_port": (0, True, 65535),
    }
    for name, value in values.items():
        if value is None:
            continue
        low, inclusive, high = ranges[name]
        above = value >= low if inclusive else value > low
        if not (above and value <= high and math.isfinite(value)):
            flag = "--" + name.replace("_", "-")
            rule = f"{'>=' if inclusive else '>'} {low:g}"
            if high != math.inf:
                rule += f" and <= {high:g}"
            raise UsageError(f"{flag} must be a finite number {rule}, got {value}")


class Secrets:
    """The secrets of a run, read from files or the environment, and their redactor."""

    def __init__(self) -> None:
        from solvent.monitor.secrets import Redactor

        self.redact = Redactor()
        self.source: str = ""
        self.source_password: str | None = None
        self.webhook: str | None = None
        self.alert_key: bytes | None = None
        self.state_key: bytes | None = None
        self.metrics_auth: tuple[str, str] | None = None


def read_secrets(
    source: str | None,
    password_file: str | None,
    webhook: str | None,
    webhook_file: str | None,
    alert_key_file: str | None,
    state_key_file: str | None,
    metrics_user: str | None,
    metrics_password_file: str | None,
) -> Secrets:
    from solvent.integrity import state_key
    from solvent.monitor import secrets as S

    sec = Secrets()
    if source is None:
        source = os.environ.get(S.REDIS_URL_ENV, "")
        if not source:
            raise UsageError(
                f"give --source (a JSON-lines FILE, - or a redis:// URL) or set {S.REDIS_URL_ENV}"
            )
    sec.source = source
    sec.redact.add_url(source)
    if source.startswith(("redis://", "rediss://", "unix://")):
        sec.source_password = S.read_secret(
            password_file, S.REDIS_PASSWORD_ENV, "--source-password-file"
        )
    elif password_file:
        raise UsageError("--source-password-file is for a redis:// or rediss:// source")
    if webhook and webhook_file:
        raise UsageError("give --webhook URL or --webhook-url-file FILE, not both")
    sec.webhook = webhook or S.read_secret(webhook_file, S.WEBHOOK_URL_ENV, "--webhook-url-file")
    sec.redact.add_url(sec.webhook)
    alert_key = S.read_secret(alert_key_file, S.ALERT_KEY_ENV, "--alert-key-file")
    sec.alert_key = alert_key.encode() if alert_key else None
    sec.state_key = state_key(state_key_file)
    if metrics_password_file and not metrics_user:
        raise UsageError("--metrics-password-file needs --metrics-user NAME")
    if metrics_user:
        password = S.read_secret(
            metrics_password_file, S.METRICS_PASSWORD_ENV, "--metrics-password-file"
        )
        if not password:
            raise UsageError(
                f"--metrics-user {metrics_user} needs a password: --metrics-password-file "
                f"FILE or {S.METRICS_PASSWORD_ENV}"
            )
        sec.metrics_auth = (metrics_user, password)
    sec.redact.add(
        sec.source_password, alert_key, sec.state_key, sec.metrics_auth and sec.metrics_auth[1]
    )
    return sec


def distance_every_of(text: str | None) -> tuple[int | None, float | None]:
    """``--distance-every``: N events or Ns seconds of event time."""
    if text is None:
        return None, None
    t = text.strip()
    try:
        if t.endswith("s"):
            secs = float(t[:-1])
            if math.isfinite(secs) and secs > 0:
                return None, secs
        else:
            n = int(t)
            if n >= 1:
                return n, None
    except ValueError:
        pass
    raise UsageError(
        f"--distance-every expects a count of events >= 1 (e.g. 100) or seconds (e.g. 5s), "
        f"got {text!r}"
    )


def lazy_note(monitor: Any) -> str:
    o = monitor.opts
    if monitor.distance_mode == "solver" and (o.distance_every or o.distance_every_seconds):
        every = (
            f"{o.distance_every} changed events"
            if o.distance_every
            else (f"{o.distance_every_seconds:g}s of event time")
        )
        return f" (re-solved lazily, at most every {every}; alerts give as_of_seq)"
    if monitor.distance_mode == "closed" and (o.distance_every or o.distance_every_seconds):
        return " (closed form, exact after every event: --distance-every is not needed)"
    return ""


def shard_options(
    group: str | None,
    consumer: str | None,
    source: str | None,
    stream: str | None,
    checkpoint: str | None,
    reorder_window: int,
) -> str:
    """Check the options of a shard; its own distance is off (the aggregator's)."""
    from solvent.monitor.shard import parse_consumer

    if group is None or consumer is None:
        raise UsageError("a shard needs both --group NAME and --consumer SHARD/SHARDS[:NAME]")
    try:
        parse_consumer(consumer)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    src = source or os.environ.get("SOLVENT_REDIS_URL") or ""
    if not src.startswith(("redis://", "rediss://", "unix://")) or not stream:
        raise UsageError("--group reads a Redis stream: give --source redis://... and --stream")
    if not checkpoint:
        raise UsageError(
            "a shard must survive a crash: give --checkpoint FILE (entries are acknowledged "
            "only once a checkpoint covers them)"
        )
    if reorder_window:
        raise UsageError("--reorder-window is not supported with --group (order by the stream)")
    return "none"


def open_shard(
    source: Any, stream: Any, group: str, consumer: Any, routed: bool, idle_exit: Any,
    say: Any, sec: Any, tls: dict[str, Any],
) -> tuple[Any, Any]:  # fmt: skip
    """The consumer-group source of a shard (``routed``: its own stream) and its Shard."""
    from solvent.monitor.shard import GroupSource, Shard
    from solvent.monitor.sources import StopWhen

    src = GroupSource(
        source, stream, group, consumer, routed=routed, stop=StopWhen(idle=idle_exit),
        notice=say, password=sec.source_password, **tls,
    )  # fmt: skip
    return src, Shard(src)


def shard_note(shard: Any) -> str:
    """What a shard reads and writes, for the start of its run."""
    n = shard.name
    mine = f"the accounts whose blake2b hash mod {n.count} is {n.index}"
    if shard.routed:
        reads = f"only its routed stream {shard.source.stream} ({mine}, every price and fund event)"
    else:
        reads = f"account and liquidation events of {mine}, every price and fund event"
    return (
        f"shard {n}: {reads}; records to {shard.out}; the distance is solvent monitor-aggregate's"
    )


def print_summary(say: Any, summary: Any, c: Any) -> None:
    """The end-of-run lines of `solvent monitor` on stderr (``c``: the monitor's counters)."""
    p99 = summary.percentile(0.99)
    latency = f", p99 event-to-alert {p99 * 1e3:.2f} ms" if p99 is not None else ""
    if summary.stopped_by is not None:
        how = "Ctrl-C" if summary.stopped_by == "SIGINT" else summary.stopped_by
        say(f"stopped by {how}: the summary covers the stream up to the last line read")
    if summary.resumed_from is None:
        say(
            f"{summary.lines} lines, {c.events} events applied, {c.quarantined} quarantined, "
            f"{c.duplicates} duplicates, {c.late + c.reordered} out of order, "
            f"{summary.alerts} alerts ({summary.critical} critical){latency}"
        )
    else:  # counts of this run, then the stream's totals (carried over by the checkpoint)
        say(
            f"this run: {summary.lines} lines, {summary.alerts} alerts written "
            f"({summary.critical} critical), {summary.suppressed} already written before the "
            f"restart{latency}"
            + (
                f", {summary.late_reports} reports their run did not write"
                if summary.late_reports
                else ""
            )
        )
        say(
            f"since the stream's start: {c.events} events applied, {c.quarantined} quarantined, "
            f"{c.duplicates} duplicates, {c.late + c.reordered} out of order, "
            f"{sum(c.alerts.values())} alerts ({c.critical_breaches} critical)"
        )
    if summary.webhook:
        w = summary.webhook
        say(
            f"webhook: {w['sent']} sent, {w['failed']} failed, {w['retries']} retries, {w['dropped']} dropped"
        )


def open_source(
    source: str,
    stream: str | None,
    follow: bool,
    idle_exit: float | None,
    say: Any,
    password: str | None = None,
    tls: dict[str, str | None] | None = None,
) -> Any:
    from solvent.monitor.sources import FileSource, RedisSource, StdinSource, StopWhen

    stop = StopWhen(idle=idle_exit)
    if source.startswith(("redis://", "rediss://", "unix://")):
        if not stream:
            raise UsageError("a Redis source needs --stream KEY (the stream to read)")
        return RedisSource(source, stream, stop=stop, notice=say, password=password, **(tls or {}))  # type: ignore[arg-type]
    if stream:
        raise UsageError("--stream is only for a redis:// source")
    if any((tls or {}).values()):
        raise UsageError("--source-ca/cert/key-file are for a rediss:// source")
    if source == "-":
        if follow:
            raise UsageError("--follow is for a FILE source; stdin is read until it closes")
        return StdinSource()
    return FileSource(source, follow=follow, stop=stop, notice=say)
