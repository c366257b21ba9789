"""The verb `solvent monitor` (registered by :func:`solvent.cli.verbs.verb`: ``--set``,
``--spec``, ``--quiet`` from Settings; every option in ``[tool.solvent.monitor]``).

Exit codes: 0 the stream ended without a critical breach or violation · 1 an invariant
was violated or an assumption broke · 3 bad input (options, source, proof) · 4 a bug.
"""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer

from solvent.cli.common import Target
from solvent.cli.common import opt as _opt
from solvent.cli.monitor_options import (
    AlertKeyFile,
    AllowHttp,
    Consumer,
    Group,
    MetricsAddr,
    MetricsCertFile,
    MetricsClientCaFile,
    MetricsKeyFile,
    MetricsPasswordFile,
    MetricsUser,
    Routed,
    SourceCaFile,
    SourceCertFile,
    SourceKeyFile,
    SourcePasswordFile,
    StateKeyFile,
    WebhookCaFile,
    WebhookUrlFile,
)
from solvent.cli.monitor_support import (
    check_options,
    distance_every_of,
    fraction,
    lazy_note,
    open_shard,
    open_source,
    print_summary,
    read_secrets,
    shard_note,
    shard_options,
    stderr_printer,
)
from solvent.cli.verbs import verb
from solvent.config import Settings
from solvent.errors import UsageError

EPILOG = """\b
Exit codes:
  0  the stream ended (or was stopped) without a critical breach or violation
  1  an invariant was violated, or an assumption of the proof broke
  3  spec, usage or input error (bad option, unreachable source, unusable proof file)
  4  internal error (a solvent bug)"""


@verb("monitor", epilog=EPILOG, json_errors=False)
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
    price_field: Annotated[
        str,
        _opt(
            "--price-field",
            help="Field price events set [default: price, else price*].",
            metavar="NAME",
        ),
    ] = "price",
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
            help="Save a checkpoint every N lines read (and every second) [default: 1000].",
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
    source_password_file: SourcePasswordFile = None,
    source_ca_file: SourceCaFile = None,
    source_cert_file: SourceCertFile = None,
    source_key_file: SourceKeyFile = None,
    webhook_url_file: WebhookUrlFile = None,
    webhook_ca_file: WebhookCaFile = None,
    allow_http: AllowHttp = False,
    alert_key_file: AlertKeyFile = None,
    state_key_file: StateKeyFile = None,
    metrics_addr: MetricsAddr = "127.0.0.1",
    metrics_cert_file: MetricsCertFile = None,
    metrics_key_file: MetricsKeyFile = None,
    metrics_client_ca_file: MetricsClientCaFile = None,
    metrics_user: MetricsUser = None,
    metrics_password_file: MetricsPasswordFile = None,
    group: Group = None,
    consumer: Consumer = None,
    routed: Routed = False,
    distance_every: Annotated[
        str | None,
        _opt(
            "--distance-every",
            help="Re-solve a solver distance at most every N changed events, or every Ns of "
            "event time (e.g. 100 or 5s) [default: every change].",
            metavar="N|Ns",
        ),
    ] = None,
    *,
    settings: Settings,
) -> int:
    """Watch live events against the proof's assumptions, the invariants and the distance
    to insolvency; alert when the market leaves what the proof covers."""
    from solvent.api.watch import Watch
    from solvent.monitor.core import Monitor, Options
    from solvent.monitor.runner import RunConfig, assumptions
    from solvent.spec.load import load_spec

    say = stderr_printer(settings.quiet)
    sec = read_secrets(
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
    every, every_s = distance_every_of(distance_every)
    if group is not None or consumer is not None:
        distance = shard_options(group, consumer, source, stream, checkpoint, reorder_window)
    elif routed:
        raise UsageError("--routed is for a shard: give --group NAME and --consumer K/N too")
    check_options(
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
    used, how = assumptions(spec, proof, not no_prove, say, settings.timeout)
    opts = Options(
        step_seconds=step_seconds, move_field=move_field, oracle_delay_field=oracle_delay_field,
        price_field=price_field,
        keeper=keeper, keeper_grace=keeper_grace,
        warn_distance=fraction(warn_distance, "--warn-distance"),
        critical_distance=fraction(critical_distance, "--critical-distance"),
        distance=distance, detector=detector, anomaly_threshold=anomaly_threshold,
        anomaly_warmup=anomaly_warmup, reorder_window=reorder_window, exact_invariants=exact_invariants,
        distance_every=every, distance_every_seconds=every_s,
    )  # fmt: skip
    monitor = Monitor(spec, used, opts, notice=say)
    tls = {"ca_file": source_ca_file, "cert_file": source_cert_file, "key_file": source_key_file}
    shard = None
    if group is not None:
        src, shard = open_shard(source, stream, group, consumer, routed, idle_exit, say, sec, tls)
    else:
        src = open_source(source, stream, follow, idle_exit, say, sec.source_password, tls)
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
            + lazy_note(monitor)
        )
        if shard is not None:
            say(shard_note(shard))
        for note in monitor.rules.unchecked:
            say(f"not checked: {note}")
        if summary.resumed_from is not None:
            say(f"resumed from checkpoint {checkpoint} at position {summary.resumed_from}")
        if summary.metrics_port is not None:
            scheme = "https" if metrics_cert_file else "http"
            host = metrics_addr if ":" not in metrics_addr else f"[{metrics_addr}]"
            auth = f" (basic auth: user {metrics_user})" if metrics_user else ""
            say(f"metrics on {scheme}://{host}:{summary.metrics_port}/metrics{auth}")

    watch = Watch(monitor, src, cfg, shard=shard, on_start=started)
    for _alert in watch:  # the API's run loop: outputs, checkpoints and shard in cfg
        pass
    summary = watch.summary
    c = monitor.counters
    print_summary(say, summary, c)
    # a critical breach anywhere in the stream, also before a restart, fails the run
    return 1 if summary.critical or c.critical_breaches else 0
