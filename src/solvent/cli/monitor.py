"""The verbs `solvent monitor` and `solvent monitor-convert`: parse, call, render.

``register(app)`` adds both commands. ``--set`` and ``--spec`` are layered with
``[tool.solvent]`` by :func:`solvent.config.resolve` as for the other verbs. Exit codes:
0 the stream ended without a critical breach or violation · 1 an invariant was violated
or an assumption of the proof broke · 3 bad input (options, source, proof file) · 4
internal error.
"""

from __future__ import annotations

import math
import os
import sys
from fractions import Fraction
from typing import Annotated, Any

import typer

from solvent.cli.common import Target
from solvent.cli.common import opt as _opt
from solvent.config import resolve
from solvent.errors import UsageError

EPILOG = """\b
Exit codes:
  0  the stream ended (or was stopped) without a critical breach or violation
  1  an invariant was violated, or an assumption of the proof broke
  3  spec, usage or input error (bad option, unreachable source, unusable proof file)
  4  internal error (a solvent bug)"""


def register(app: typer.Typer) -> None:
    """Add ``monitor``, ``monitor-convert`` and ``monitor-aggregate`` to ``app`` (idempotent)."""
    names = {c.name for c in app.registered_commands}
    if "monitor" not in names:
        app.command("monitor", epilog=EPILOG)(monitor_command)
    if "monitor-convert" not in names:
        app.command("monitor-convert")(convert_command)
    if "monitor-aggregate" not in names:
        from solvent.cli.monitor_aggregate import aggregate_command

        app.command("monitor-aggregate")(aggregate_command)


def _fraction(text: str | None, flag: str) -> Fraction | None:
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


def _stderr(quiet: bool) -> Any:
    from solvent.report import text

    console = text.make_console(stderr=True)

    def say(message: str) -> None:
        if not quiet:
            console.print(f"monitor: {message}", soft_wrap=True)

    return say


def monitor_command(
    target: Target,
    source: Annotated[
        str | None,
        _opt(
            "--source",
            help="Events: a JSON-lines FILE, - for stdin, or redis[s]://[USER@]HOST:PORT[/DB] "
            "(with --stream) [default: $SOLVENT_REDIS_URL].",
            metavar="SOURCE",
        ),
    ] = None,
    stream: Annotated[
        str | None,
        _opt("--stream", help="Redis stream key to read (with a redis:// source).", metavar="KEY"),
    ] = None,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep reading a FILE as it grows (like tail -f).")
    ] = False,
    idle_exit: Annotated[
        float | None,
        _opt(
            "--idle-exit",
            help="Stop after this many seconds without new events (--follow or Redis).",
            metavar="SECONDS",
        ),
    ] = None,
    proof: Annotated[
        str | None,
        _opt(
            "--proof",
            help="Result of `solvent prove -o` whose assumptions to monitor (else prove now).",
            metavar="RESULT.json",
        ),
    ] = None,
    no_prove: Annotated[
        bool,
        typer.Option(
            "--no-prove",
            help="Do not prove: monitor every declared envelope bound and every-step keeper.",
        ),
    ] = False,
    step_seconds: Annotated[
        float | None,
        _opt(
            "--step-seconds",
            help="The spec's step is this interval [default: one price update].",
            metavar="SECONDS",
        ),
    ] = None,
    move_field: Annotated[
        str | None,
        _opt(
            "--move-field",
            help="Envelope field of the per-step price move [default: move/ret or the only one].",
            metavar="NAME",
        ),
    ] = None,
    oracle_delay_field: Annotated[
        str | None,
        _opt(
            "--oracle-delay-field",
            help="Envelope field of the oracle delay in steps [default: oracle_delay].",
            metavar="NAME",
        ),
    ] = None,
    keeper: Annotated[
        str | None,
        _opt(
            "--keeper",
            help="Keeper that liquidation events stand for [default: liquidate].",
            metavar="NAME",
        ),
    ] = None,
    keeper_grace: Annotated[
        float,
        _opt(
            "--keeper-grace",
            help="Seconds a liquidatable account may wait past the step before it is a breach [default: 0].",
            metavar="SECONDS",
        ),
    ] = 0.0,
    warn_distance: Annotated[
        str | None,
        _opt(
            "--warn-distance",
            help="Warn when the distance to insolvency is at most this [default: 2x critical].",
            metavar="X",
        ),
    ] = None,
    critical_distance: Annotated[
        str | None,
        _opt(
            "--critical-distance",
            help="Critical at or below this [default: the envelope's max move, else 0.05].",
            metavar="X",
        ),
    ] = None,
    distance: Annotated[
        str,
        _opt(
            "--distance",
            help="Distance to insolvency: auto, closed (isolated perp), solver (Z3) or none.",
            metavar="MODE",
        ),
    ] = "auto",
    detector: Annotated[
        str,
        _opt(
            "--detector",
            help="Anomaly detector: zscore, hst or none [default: zscore].",
            metavar="NAME",
        ),
    ] = "zscore",
    anomaly_threshold: Annotated[
        float | None,
        _opt(
            "--anomaly-threshold",
            help="Score that starts an anomaly alarm [default: 8 for zscore, 0.8 for hst].",
            metavar="X",
        ),
    ] = None,
    anomaly_warmup: Annotated[
        int,
        _opt(
            "--anomaly-warmup",
            help="Price events learned before the detector may alert [default: 60].",
            metavar="N",
        ),
    ] = 60,
    reorder_window: Annotated[
        int,
        _opt(
            "--reorder-window",
            help="Hold up to N events to put out-of-order ones back in seq order [default: 0].",
            metavar="N",
        ),
    ] = 0,
    alerts: Annotated[
        str | None,
        _opt(
            "--alerts",
            help="Append alerts (JSON lines) to this file [default: stdout].",
            metavar="PATH",
        ),
    ] = None,
    quarantine: Annotated[
        str,
        _opt(
            "--quarantine",
            help="Append unusable events with the reason here [default: monitor-quarantine.jsonl].",
            metavar="PATH",
        ),
    ] = "monitor-quarantine.jsonl",
    webhook: Annotated[
        str | None,
        _opt(
            "--webhook",
            help="POST every alert as JSON to this URL (retried with backoff, in the background).",
            metavar="URL",
        ),
    ] = None,
    metrics_port: Annotated[
        int | None,
        _opt(
            "--metrics-port",
            help="Serve Prometheus metrics on 127.0.0.1:PORT (0 = any free port).",
            metavar="PORT",
        ),
    ] = None,
    live: Annotated[
        bool, typer.Option("--live", help="Show a live terminal view on stderr.")
    ] = False,
    checkpoint: Annotated[
        str | None,
        _opt(
            "--checkpoint",
            help="Resume from / save position and detector state to this file.",
            metavar="PATH",
        ),
    ] = None,
    checkpoint_every: Annotated[
        int,
        _opt(
            "--checkpoint-every",
            help="Save a checkpoint every N events (and every second) [default: 1000].",
            metavar="N",
        ),
    ] = 1000,
    exact_invariants: Annotated[
        bool,
        typer.Option(
            "--exact-invariants",
            help="Evaluate the spec's invariants on every event even where a closed form exists.",
        ),
    ] = False,
    max_events: Annotated[
        int | None, _opt("--max-events", help="Stop after N input lines.", metavar="N")
    ] = None,
    set_: Annotated[
        list[str] | None,
        _opt("--set", help="Override a spec parameter (repeatable).", metavar="NAME=VALUE"),
    ] = None,
    spec_name: Annotated[
        str | None,
        _opt("--spec", help="Which spec of the file (same as PATH.py:NAME).", metavar="NAME"),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No start-up and summary lines on stderr.")
    ] = False,
    source_password_file: Annotated[
        str | None,
        _opt(
            "--source-password-file",
            help="Redis password (of the URL's user) from this file [default: "
            "$SOLVENT_REDIS_PASSWORD].",
            metavar="PATH",
        ),
    ] = None,
    source_ca_file: Annotated[
        str | None,
        _opt("--source-ca-file", help="CA certificate (PEM) of a rediss:// server.", metavar="PEM"),
    ] = None,
    source_cert_file: Annotated[
        str | None,
        _opt("--source-cert-file", help="Client certificate (PEM) for rediss://.", metavar="PEM"),
    ] = None,
    source_key_file: Annotated[
        str | None,
        _opt("--source-key-file", help="Client private key (PEM) for rediss://.", metavar="PEM"),
    ] = None,
    webhook_url_file: Annotated[
        str | None,
        _opt(
            "--webhook-url-file",
            help="Read the --webhook URL from this file [default: $SOLVENT_WEBHOOK_URL].",
            metavar="PATH",
        ),
    ] = None,
    webhook_ca_file: Annotated[
        str | None,
        _opt(
            "--webhook-ca-file",
            help="Verify an https webhook against this CA (PEM) [default: the system's CAs].",
            metavar="PEM",
        ),
    ] = None,
    allow_http: Annotated[
        bool,
        typer.Option("--allow-http", help="Allow a plain http:// webhook (default: https only)."),
    ] = False,
    alert_key_file: Annotated[
        str | None,
        _opt(
            "--alert-key-file",
            help="Sign alerts (webhook and JSON lines) with HMAC-SHA256 and the key in this "
            "file [default: $SOLVENT_ALERT_KEY].",
            metavar="PATH",
        ),
    ] = None,
    state_key_file: Annotated[
        str | None,
        _opt(
            "--state-key-file",
            help="Seal checkpoints with an HMAC of the key in this file (else a SHA-256) "
            "[default: $SOLVENT_STATE_KEY].",
            metavar="PATH",
        ),
    ] = None,
    metrics_addr: Annotated[
        str,
        _opt("--metrics-addr", help="Address of the metrics endpoint.", metavar="ADDR"),
    ] = "127.0.0.1",
    metrics_cert_file: Annotated[
        str | None,
        _opt(
            "--metrics-cert-file",
            help="Serve metrics over TLS with this certificate (PEM; with --metrics-key-file).",
            metavar="PEM",
        ),
    ] = None,
    metrics_key_file: Annotated[
        str | None,
        _opt("--metrics-key-file", help="Private key (PEM) of --metrics-cert-file.", metavar="PEM"),
    ] = None,
    metrics_client_ca_file: Annotated[
        str | None,
        _opt(
            "--metrics-client-ca-file",
            help="Require scrapers to present a client certificate signed by this CA (TLS).",
            metavar="PEM",
        ),
    ] = None,
    metrics_user: Annotated[
        str | None,
        _opt(
            "--metrics-user",
            help="Require HTTP basic authentication with this user (password: "
            "--metrics-password-file or $SOLVENT_METRICS_PASSWORD).",
            metavar="NAME",
        ),
    ] = None,
    metrics_password_file: Annotated[
        str | None,
        _opt(
            "--metrics-password-file",
            help="Password of --metrics-user, from this file.",
            metavar="PATH",
        ),
    ] = None,
    group: Annotated[
        str | None,
        _opt(
            "--group",
            help="Run as one shard of a sharded monitor: Redis consumer group NAME (with "
            "--consumer and --checkpoint); see solvent monitor-aggregate.",
            metavar="NAME",
        ),
    ] = None,
    consumer: Annotated[
        str | None,
        _opt(
            "--consumer",
            help="This shard: SHARD/SHARDS[:NAME], e.g. 0/3 (owns the accounts whose blake2b "
            "hash mod SHARDS is SHARD).",
            metavar="ID",
        ),
    ] = None,
    distance_every: Annotated[
        str | None,
        _opt(
            "--distance-every",
            help="Re-solve a solver distance at most every N changed events, or every Ns of "
            "event time (e.g. 100 or 5s) [default: every change].",
            metavar="N|Ns",
        ),
    ] = None,
) -> int:
    """Watch live events against the proof's assumptions, the invariants and the distance
    to insolvency; alert when the market leaves what the proof covers."""
    from solvent.monitor.core import Monitor, Options
    from solvent.monitor.runner import (
        RunConfig,
        assumptions_by_proving,
        assumptions_from_file,
        declared_assumptions,
        run,
    )
    from solvent.spec.load import load_spec

    settings = resolve({"params": set_, "quiet": quiet or None, "spec": spec_name})
    say = _stderr(settings.quiet)
    sec = _secrets(
        source, source_password_file, webhook, webhook_url_file, alert_key_file, state_key_file,
        metrics_user, metrics_password_file,
    )  # fmt: skip
    say = sec.redact.wrap(say)
    source, webhook = sec.source, sec.webhook
    if (metrics_cert_file is None) != (metrics_key_file is None):
        raise UsageError("give --metrics-cert-file and --metrics-key-file together")
    if metrics_client_ca_file and not metrics_cert_file:
        raise UsageError("--metrics-client-ca-file needs TLS: give --metrics-cert-file too")
    if proof and no_prove:
        raise UsageError("give --proof FILE or --no-prove, not both")
    if distance not in ("auto", "closed", "solver", "none"):
        raise UsageError(f"--distance must be auto, closed, solver or none, got {distance!r}")
    every, every_s = _every(distance_every)
    if group is not None or consumer is not None:
        distance = _shard_options(group, consumer, source, stream, checkpoint, reorder_window)
    _check_options(
        step_seconds=step_seconds,
        idle_exit=idle_exit,
        keeper_grace=keeper_grace,
        anomaly_threshold=anomaly_threshold,
        anomaly_warmup=anomaly_warmup,
        reorder_window=reorder_window,
        checkpoint_every=checkpoint_every,
        max_events=max_events,
        metrics_port=metrics_port,
    )
    for path in (alerts, quarantine, checkpoint):  # created 0600 (solvent.integrity)
        if path:
            parent = os.path.dirname(os.path.abspath(path))
            if not os.path.isdir(parent):
                raise UsageError(
                    f"cannot write {path}: directory {parent} does not exist; create it first"
                )
    spec = load_spec(target, settings.spec)
    if settings.params:
        spec = spec.with_params(**settings.param_overrides())
    if proof:
        used, how = assumptions_from_file(proof, spec), f"assumptions from {proof}"
    elif no_prove:
        used, how = declared_assumptions(spec), "not proved (--no-prove): every declared assumption"
    else:
        used, how = assumptions_by_proving(spec)
    opts = Options(
        step_seconds=step_seconds, move_field=move_field, oracle_delay_field=oracle_delay_field,
        keeper=keeper, keeper_grace=keeper_grace,
        warn_distance=_fraction(warn_distance, "--warn-distance"),
        critical_distance=_fraction(critical_distance, "--critical-distance"),
        distance=distance, detector=detector, anomaly_threshold=anomaly_threshold,
        anomaly_warmup=anomaly_warmup, reorder_window=reorder_window, exact_invariants=exact_invariants,
        distance_every=every, distance_every_seconds=every_s,
    )  # fmt: skip
    monitor = Monitor(spec, used, opts)
    tls = {"ca_file": source_ca_file, "cert_file": source_cert_file, "key_file": source_key_file}
    shard = None
    if group is not None:
        from solvent.monitor.shard import GroupSource, Shard
        from solvent.monitor.sources import StopWhen

        src = GroupSource(
            source, stream, group, consumer, stop=StopWhen(idle=idle_exit), notice=say,  # type: ignore[arg-type]
            password=sec.source_password, **tls,
        )  # fmt: skip
        shard = Shard(src)
    else:
        src = _source(source, stream, follow, idle_exit, say, sec.source_password, tls)
    cfg = RunConfig(
        alerts=alerts,
        quarantine=quarantine,
        webhook=webhook,
        metrics_port=metrics_port,
        live=live,
        checkpoint=checkpoint,
        checkpoint_every=checkpoint_every,
        max_events=max_events,
        notice=say,
        alert_key=sec.alert_key,
        allow_http=allow_http,
        webhook_ca=webhook_ca_file,
        state_key=sec.state_key,
        metrics_addr=metrics_addr,
        metrics_cert=metrics_cert_file,
        metrics_key=metrics_key_file,
        metrics_client_ca=metrics_client_ca_file,
        metrics_auth=sec.metrics_auth,
    )

    def started(summary: Any) -> None:
        say(f"{spec.name} ({spec.accounts} accounts) from {src.describe()}; {how}")
        say(
            f"checking: {', '.join(monitor.rules.names()) or '(no observable assumption)'}; invariants: "
            f"{', '.join(d.name for d in spec.invariants)}; distance: {monitor.distance_mode}"
            + _lazy_note(monitor)
        )
        if shard is not None:
            say(
                f"shard {shard.name}: account and liquidation events of the accounts whose "
                f"blake2b hash mod {shard.name.count} is {shard.name.index}, every price and "
                f"fund event; records to {shard.out}; the distance is solvent "
                "monitor-aggregate's"
            )
        for note in monitor.rules.unchecked:
            say(f"not checked: {note}")
        if summary.resumed_from is not None:
            say(f"resumed from checkpoint {checkpoint} at position {summary.resumed_from}")
        if summary.metrics_port is not None:
            scheme = "https" if metrics_cert_file else "http"
            host = metrics_addr if ":" not in metrics_addr else f"[{metrics_addr}]"
            auth = f" (basic auth: user {metrics_user})" if metrics_user else ""
            say(f"metrics on {scheme}://{host}:{summary.metrics_port}/metrics{auth}")

    summary = run(monitor, src, cfg, on_start=started, shard=shard)
    c = monitor.counters
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
    # a critical breach anywhere in the stream, also before a restart, fails the run
    return 1 if summary.critical or c.critical_breaches else 0


def _every(text: str | None) -> tuple[int | None, float | None]:
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


def _lazy_note(monitor: Any) -> str:
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


def _shard_options(
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


def _check_options(**values: Any) -> None:
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


class _Secrets:
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


def _secrets(
    source: str | None,
    password_file: str | None,
    webhook: str | None,
    webhook_file: str | None,
    alert_key_file: str | None,
    state_key_file: str | None,
    metrics_user: str | None,
    metrics_password_file: str | None,
) -> _Secrets:
    from solvent.integrity import state_key
    from solvent.monitor import secrets as S

    sec = _Secrets()
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


def _source(
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
        return RedisSource(source, stream, stop=stop, notice=say, password=password, **(tls or {}))
    if stream:
        raise UsageError("--stream is only for a redis:// source")
    if any((tls or {}).values()):
        raise UsageError("--source-ca/cert/key-file are for a rediss:// source")
    if source == "-":
        if follow:
            raise UsageError("--follow is for a FILE source; stdin is read until it closes")
        return StdinSource()
    return FileSource(source, follow=follow, stop=stop, notice=say)


def convert_command(
    csv_file: Annotated[
        str,
        typer.Argument(
            metavar="OHLC.csv",
            help="Binance kline or timestamp,open,high,low,close[,volume] CSV.",
            show_default=False,
        ),
    ],
    output: Annotated[
        str | None,
        _opt(
            "--output",
            "-o",
            help="Write the events here [default: stdout].",
            metavar="EVENTS.jsonl",
        ),
    ] = None,
    symbol: Annotated[
        str | None, _opt("--symbol", help="Symbol to put in every event.", metavar="NAME")
    ] = None,
) -> int:
    """Convert an OHLC CSV into solvent-event/1 price events (open, low/high, close per bar)."""
    from solvent.monitor.convert import bar_events, convert

    if output:
        parent = os.path.dirname(os.path.abspath(output))
        if not os.path.isdir(parent):
            raise UsageError(
                f"cannot write {output}: directory {parent} does not exist; create it first"
            )
        n = convert(csv_file, output, symbol=symbol)
        sys.stderr.write(f"monitor-convert: {n} price events written to {output}\n")
        return 0
    for line in bar_events(csv_file, symbol=symbol):
        sys.stdout.write(line.decode() + "\n")
    return 0
