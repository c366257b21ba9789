"""Run a monitor over a source: alerts, quarantine, checkpoints, webhook, metrics, live view."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

from solvent.monitor import checkpoint as ckpt
from solvent.monitor.alerts import AlertTally
from solvent.monitor.core import CRITICAL_KINDS, Alert, Monitor
from solvent.monitor.errors import MonitorConfigError, ProofInputError
from solvent.monitor.heap import QuietHeap
from solvent.monitor.lanes import PROGRESS_FROM
from solvent.monitor.outputs import JsonLines, LiveView, Metrics, Webhook, read_alert_ids
from solvent.spec.spec import Spec


# ------------------------------------------------------------------ assumptions
def assumptions_from_file(path: str, spec: Spec) -> list[str]:
    """``details.assumptions_used`` of a PASS of prove written by ``solvent prove -o``."""
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except FileNotFoundError:
        raise ProofInputError(
            f"proof file {path} does not exist; write one with `solvent prove SPEC -o {path}`"
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ProofInputError(
            f"cannot read proof file {path}: {exc}; give the JSON of `solvent prove -o`"
        ) from None
    if not isinstance(doc, dict) or not str(doc.get("schema", "")).startswith("solvent-result/"):
        raise ProofInputError(f"{path} is not a solvent result file (no schema solvent-result/1)")
    if doc.get("check") == "check":  # `solvent check -o`: take its prove result
        doc = next((d for d in doc.get("results", []) if d.get("check") == "prove"), doc)
    if doc.get("check") != "prove":
        raise ProofInputError(
            f"{path} holds a {doc.get('check')} result, not a proof; give the output of `solvent prove -o`"
        )
    if doc.get("verdict") != "PASS":
        raise ProofInputError(
            f"{path} is a {doc.get('verdict')} of prove, not a proof: there are no assumptions to monitor "
            "(fix the spec until `solvent prove` passes, or use --no-prove to monitor every declared assumption)"
        )
    if doc.get("spec") != spec.name:
        raise ProofInputError(
            f"{path} proves spec {doc.get('spec')}, not {spec.name}; prove this spec again"
        )
    if doc.get("accounts") not in (None, "any", spec.accounts):  # "any": every number
        raise ProofInputError(
            f"{path} was proved for {doc.get('accounts')} accounts but the spec has {spec.accounts}; prove it again"
        )
    used = (doc.get("details") or {}).get("assumptions_used")
    if not isinstance(used, list):
        raise ProofInputError(
            f"{path} lists no details.assumptions_used; write it again with this solvent's `prove -o`"
        )
    return [str(x) for x in used]


def declared_assumptions(spec: Spec) -> list[str]:
    """Every envelope bound and every-step keeper of the spec (no proof: assume them all)."""
    out = [f"envelope.{f}.{s}" for f in spec.bounds for s in ("lo", "hi")]
    out += [f"keeper.{k.name}.every_step" for k in spec.keepers if k.liveness == "every_step"]
    return out


#: seconds the monitor's start-up proof may take without --timeout (then it is stopped and
#: every declared assumption is monitored)
START_BUDGET = 120.0
HOW_TO_PROVE = (
    "prove it once with `solvent prove SPEC -o FILE` and give --proof FILE, or give a larger "
    "--timeout"
)


def assumptions_by_proving(
    spec: Spec, timeout: float | None = None, notice: Any = None
) -> tuple[list[str], str]:
    """Prove once, as ``solvent prove`` does, within ``timeout`` seconds (default
    :data:`START_BUDGET`); return (assumptions used, a sentence about the proof).

    When the accounts decouple (``decompose.prove_any_accounts``) the proof runs on one
    account and holds for every number of accounts, so its time does not grow with the
    venue; else it runs on all of them. A forked process the budget stops runs it
    (``check/watchdog.py``): a proof that does not finish in time is not a proof, and
    every declared assumption is monitored instead. ``notice``: progress lines (stderr)."""
    from solvent.check import decompose, induction
    from solvent.check.watchdog import guarded, hard_end

    budget = START_BUDGET if timeout is None else float(timeout)
    if notice is not None and spec.accounts >= PROGRESS_FROM:
        notice(
            f"proving {spec.name} first, within {budget:g}s (its proof says what to monitor; "
            "one account suffices when the accounts decouple; --timeout SECONDS bounds it, "
            "--proof FILE or --no-prove skips it)..."
        )
    began = time.perf_counter()
    result, _, stop = guarded(
        lambda: decompose.prove_any_accounts(spec, induction.prove, timeout=budget),
        (),
        hard_end(budget),
    )
    if stop is not None:
        how = decompose.coupling(spec)
        return declared_assumptions(spec), (
            f"prove was stopped by the {budget:g}s budget after "
            f"{time.perf_counter() - began:.1f}s{f' during {stop.phase}' if stop.phase else ''}"
            f"{f' (the accounts interact: {how})' if how else ''}: not proved, monitoring "
            f"every declared assumption instead ({HOW_TO_PROVE})"
        )
    if result.verdict == "PASS":
        over = (
            "every number of accounts" if result.accounts == "any" else f"{spec.accounts} accounts"
        )
        return list(result.details.get("assumptions_used", [])), (
            f"proved at {result.bound} for {over} ({result.seconds:.1f}s)"
        )
    how = f"; {HOW_TO_PROVE}" if result.verdict == "UNKNOWN" else ""
    split = str(result.details.get("decomposition", ""))
    if how and split.startswith("not applied"):
        how = f"; the per-account decomposition {split}{how}"
    return declared_assumptions(spec), (
        f"prove answered {result.verdict} ({result.message}){how}; monitoring every declared "
        "assumption instead"
    )


def assumptions(
    spec: Spec,
    proof: str | None,
    prove: bool,
    notice: Any = None,
    timeout: float | None = None,
) -> tuple[list[str], str]:
    """The assumptions to watch and a sentence saying where they come from: a proof file,
    else proving now (``prove``, within ``timeout`` s), else every declared assumption.
    ``notice``: a progress line (stderr) before a proof of a large venue's spec."""
    if proof:
        return assumptions_from_file(proof, spec), f"assumptions from {proof}"
    if not prove:
        return declared_assumptions(spec), "not proved (--no-prove): every declared assumption"
    return assumptions_by_proving(spec, timeout, notice)


# ------------------------------------------------------------------ the loop
PROGRESS_S = 2.0  # a progress line every this many seconds until the source first pauses


def _progress(notice: Callable[[str], None], lines: int, start: float) -> float:
    now = time.perf_counter()
    notice(f"applied {lines:,} lines ({lines / max(now - start, 1e-9):,.0f} a second)...")
    return now


@dataclass
class RunConfig:
    alerts: str | None = None  # None: stdout
    quarantine: str | None = "monitor-quarantine.jsonl"
    webhook: str | None = None
    metrics_port: int | None = None
    live: bool = False
    checkpoint: str | None = None
    checkpoint_every: int = 1000
    checkpoint_seconds: float = 1.0
    max_events: int | None = None
    stop: threading.Event | None = None
    notice: Callable[[str], None] = field(default=lambda m: None)
    alert_key: bytes | None = None  # signs webhook POSTs and JSON-lines alerts
    allow_http: bool = False  # a plain http:// webhook
    webhook_ca: str | None = None  # CA of an https webhook (else the system's)
    state_key: bytes | None = None  # HMAC of checkpoints (else a plain SHA-256)
    metrics_addr: str = "127.0.0.1"
    metrics_cert: str | None = None
    metrics_key: str | None = None
    metrics_client_ca: str | None = None
    metrics_auth: tuple[str, str] | None = None
    print_alerts: bool = True  # False: alerts are only yielded (the Python API)
    on_quarantine: Callable[[bytes, str], None] | None = None  # beside the quarantine file
    signals: bool = True  # Ctrl-C and SIGTERM stop cleanly (in the main thread)


@dataclass
class Summary(AlertTally):
    lines: int = 0
    suppressed: int = 0
    late_reports: int = 0  # reports of alerts written before a kill that cut them off
    latencies: list[float] = field(default_factory=list)
    resumed_from: Any = None
    seconds: float = 0.0
    metrics_port: int | None = None
    webhook: dict[str, int] = field(default_factory=dict)
    stopped_by: str | None = None  # "SIGINT" or "SIGTERM" when a signal stopped the run

    def percentile(self, q: float) -> float | None:
        if not self.latencies:
            return None
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(q * len(xs)))]


def source_id(source: Any) -> str:
    if hasattr(source, "identity"):  # a shard's consumer group (solvent.monitor.shard)
        return str(source.identity())
    if source.kind == "file":
        return f"file:{os.path.abspath(source.path)}"
    if source.kind == "redis":
        return f"redis:{source.shown}#{source.stream}"  # no password: it is stored
    return source.kind


def run(
    monitor: Monitor,
    source: Any,
    cfg: RunConfig,
    *,
    on_start: Callable[[Summary], None] | None = None,
    shard: Any = None,
) -> Summary:
    """Run :func:`alerts` to the end of the source; return its summary."""
    summary = Summary()
    for _ in alerts(monitor, source, cfg, summary, on_start=on_start, shard=shard):
        pass
    return summary


def alerts(
    monitor: Monitor,
    source: Any,
    cfg: RunConfig,
    summary: Summary,
    *,
    on_start: Callable[[Summary], None] | None = None,
    shard: Any = None,
) -> Generator[Alert, None, None]:
    """The run loop: feed ``source`` to ``monitor`` and yield every alert once it is
    written (and sent, and shown); ``summary`` is filled in as it goes. With ``shard``
    (:class:`solvent.monitor.shard.Shard`) only the lines this shard owns, publishing its
    records and acknowledging entries once a checkpoint covers them. Closing the iterator
    early stops the run as the end of the source would (outputs flushed and closed)."""
    if cfg.checkpoint and not source.resumable:
        raise MonitorConfigError(
            f"--checkpoint needs a source that can resume (a file or Redis), not {source.describe()}"
        )
    sid = source_id(source)
    suppress: Counter[str] = Counter()
    if cfg.checkpoint:
        doc = ckpt.load(cfg.checkpoint, spec=monitor.spec.name, source=sid, key=cfg.state_key)
        if doc is not None:
            monitor.restore(doc["snapshot"])
            if source.kind == "file":
                source.offset = int(doc["position"] or 0)
            else:
                source.position = doc["position"] or "0-0"
            summary.resumed_from = doc["position"]
            suppress = read_alert_ids(cfg.alerts, doc["alerts_offset"])
    webhook = (
        Webhook(
            cfg.webhook,
            notice=cfg.notice,
            key=cfg.alert_key,
            allow_http=cfg.allow_http,
            ca_file=cfg.webhook_ca,
        )
        if cfg.webhook
        else None
    )
    alerts_out = JsonLines(cfg.alerts, key=cfg.alert_key) if cfg.print_alerts else None
    quarantine = JsonLines(cfg.quarantine) if cfg.quarantine else None
    metrics = (
        Metrics(
            cfg.metrics_port,
            cfg.metrics_addr,
            certfile=cfg.metrics_cert,
            keyfile=cfg.metrics_key,
            client_cafile=cfg.metrics_client_ca,
            auth=cfg.metrics_auth,
        )
        if cfg.metrics_port is not None
        else None
    )
    summary.metrics_port = metrics.port if metrics else None
    view = LiveView(monitor.spec.name, source.describe()) if cfg.live else None
    stop = cfg.stop or threading.Event()
    monitor.stop_event = stop  # a solver distance in progress is interrupted by a stop
    if getattr(source, "stop", None) is not None and source.stop.event is None:
        source.stop.event = stop
    position: Any = summary.resumed_from
    since_ckpt = 0
    last_ckpt = time.monotonic()
    start = time.perf_counter()

    reports: list[dict[str, Any]] = []  # whole-state reports, written after their alerts

    def emit(raised: list[Alert], t0: float) -> list[Alert]:
        out = []
        for a in raised:
            if suppress[a.id] > 0:
                suppress[a.id] -= 1
                summary.suppressed += 1
                late_report(a)
                continue
            doc = a.to_json()
            if alerts_out is not None:
                alerts_out.write(doc)
                if (report := a.report_json()) is not None:
                    reports.append(report)
            out.append(a)
            summary.latencies.append(time.perf_counter() - t0)
            summary.alerts += 1
            if a.severity == "critical" and a.kind in CRITICAL_KINDS:
                summary.critical += 1
            if webhook is not None:
                webhook.send(doc)
            if view is not None:
                view.alert(a)
        return out

    def late_report(a: Alert) -> None:
        """An alert written before a restart: its report too, unless the run that wrote the
        alert was killed before its report (then it is written now, after the alert)."""
        if alerts_out is None or (report := a.report_json()) is None:
            return
        if suppress[report["id"]] > 0:
            suppress[report["id"]] -= 1
        else:
            reports.append(report)
            summary.late_reports += 1

    def write_reports() -> None:
        """The reports of the alerts just yielded (their alerts reached every sink first)."""
        if alerts_out is not None:
            for doc in reports:
                alerts_out.write(doc)
        reports.clear()

    def quarantined(bad: list[tuple[bytes, str]], pos: Any) -> None:
        for line, reason in bad:
            if cfg.on_quarantine is not None:
                cfg.on_quarantine(line, reason)
            if quarantine is not None:
                quarantine.write(
                    {
                        "position": pos,
                        "reason": reason,
                        "line": line.decode("utf-8", "replace").rstrip("\r\n"),
                    }
                )

    def save() -> None:
        nonlocal since_ckpt, last_ckpt
        if cfg.checkpoint and position is not None:
            if shard is not None:  # published, then durable, then acknowledged: a shard
                shard.flush()  # killed after its checkpoint lost the records it covered
            ckpt.save(
                cfg.checkpoint,
                spec=monitor.spec.name,
                source=sid,
                position=position,
                snapshot=monitor.snapshot(),
                alerts_offset=0 if alerts_out is None else alerts_out.offset(),
                key=cfg.state_key,
            )
            if shard is not None:
                source.ack(position)
        since_ckpt = 0
        last_ckpt = time.monotonic()

    def on_signal(signum: int, _frame: Any) -> None:
        # stop after the current line: flush, checkpoint, summary; a second Ctrl-C while
        # stopping interrupts at once (the default handler is back)
        summary.stopped_by = signal.Signals(signum).name
        if signum == signal.SIGINT:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        stop.set()

    old_term = old_int = None
    if cfg.signals and threading.current_thread() is threading.main_thread():
        old_term = signal.signal(signal.SIGTERM, on_signal)
        old_int = signal.signal(signal.SIGINT, on_signal)
    if on_start is not None:
        on_start(summary)
    heap = QuietHeap().start()  # the collector leaves the book alone (solvent.monitor.heap)
    # progress lines until the source first pauses (a venue's set-up, a backlog)
    noted: float | None = start
    # a Redis read of fewer entries than it asks (XREAD COUNT) found the stream's end
    short = source.count if source.kind == "redis" else 0
    try:
        for batch in source.batches():
            heap.read(len(batch))
            if noted is not None and (not batch or time.perf_counter() - noted >= PROGRESS_S):
                noted = _progress(cfg.notice, summary.lines, start) if batch else None
            if not batch:
                t0 = time.perf_counter()
                raised, bad = monitor.flush()
                quarantined(bad, position)
                yield from emit(raised, t0)
                write_reports()
                if shard is not None:
                    shard.mark()
            for pos, line in batch:
                t0 = time.perf_counter()
                raised, bad = monitor.feed(line) if shard is None else shard.feed(monitor, line)
                position = pos
                summary.lines += 1
                if bad:
                    quarantined(bad, pos)
                if raised:
                    yield from emit(raised, t0)
                    write_reports()
                since_ckpt += 1
                if cfg.checkpoint and (since_ckpt >= cfg.checkpoint_every):
                    save()
                if cfg.max_events is not None and summary.lines >= cfg.max_events:
                    stop.set()
                if stop.is_set():  # the line being applied is done: stop here
                    break
            if shard is not None and batch:
                shard.batch_done()  # its records in one entry, sent with the next read
            if 0 < len(batch) < short:  # a short read: the source caught up with its backlog
                monitor.caught_up()
            if (
                cfg.checkpoint
                and since_ckpt
                and time.monotonic() - last_ckpt >= cfg.checkpoint_seconds
            ):
                save()
            if metrics is not None:
                metrics.update(monitor)
            if view is not None:
                view.update(monitor)
            if stop.is_set():
                break
        t0 = time.perf_counter()
        raised, bad = monitor.flush()
        quarantined(bad, position)
        yield from emit(raised, t0)
        write_reports()
        save()
        if shard is not None:
            shard.mark()
    finally:
        heap.stop()
        summary.seconds = time.perf_counter() - start
        if old_term is not None:
            signal.signal(signal.SIGTERM, old_term)
        if old_int is not None:
            signal.signal(signal.SIGINT, old_int)
        if metrics is not None:
            metrics.update(monitor)
        if view is not None:
            view.update(monitor)
            view.close()
        if webhook is not None:
            webhook.close()
            summary.webhook = {
                "sent": webhook.sent,
                "failed": webhook.failed,
                "retries": webhook.retries,
                "dropped": webhook.dropped,
            }
        if metrics is not None:
            metrics.close()
        if alerts_out is not None:
            write_reports()  # (the run stopped between an alert and its report)
            alerts_out.close()
        if quarantine is not None:
            quarantine.close()
