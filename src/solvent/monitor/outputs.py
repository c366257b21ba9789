"""Where alerts go: JSON lines (stdout or a file), a webhook, Prometheus metrics, a live view.

None of them may block or stop the stream: the webhook posts from a background thread
with retries and exponential backoff, its queue is bounded (the oldest alert is dropped,
and counted, when it is full), and the metrics endpoint is served by prometheus_client's
own thread.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from typing import IO, Any

from solvent.integrity import create_private
from solvent.monitor import signing
from solvent.monitor.alerts import json_default
from solvent.monitor.core import Alert, Monitor
from solvent.monitor.secrets import redact_url


def _json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False, default=json_default)


class JsonLines:
    """Append JSON lines to a file (created 0600 on the first line, flushed per line) or stdout.

    With ``key`` each line is signed (``signed_at`` and ``signature``, see
    :mod:`solvent.monitor.signing`).
    """

    def __init__(self, path: str | None, key: bytes | None = None) -> None:
        self.path = path
        self.key = key
        self.fh: IO[str] | None = None if path else sys.stdout

    def write(self, doc: dict[str, Any]) -> None:
        if self.fh is None:
            assert self.path is not None
            self.fh = create_private(self.path)
            if self.fh.tell() > 0 and not _ends_with_newline(self.path):
                self.fh.write("\n")  # a line torn by a kill: end it, never append to it
        if self.key:
            doc = signing.signed_line(self.key, doc)
        self.fh.write(_json(doc) + "\n")
        self.fh.flush()

    def offset(self) -> int:
        if not self.path:
            return 0
        if self.fh is not None:
            return self.fh.tell()
        return os.path.getsize(self.path) if os.path.exists(self.path) else 0

    def close(self) -> None:
        if self.path and self.fh is not None:
            self.fh.close()


def _ends_with_newline(path: str) -> bool:
    with open(path, "rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) == b"\n"


def read_alert_ids(path: str | None, offset: int) -> Counter[str]:
    """Ids of the alerts already written after ``offset`` (suppressed after a restart),
    each with how many times it was written (ids are unique; the count guards anyway)."""
    ids: Counter[str] = Counter()
    if not path or not os.path.exists(path):
        return ids
    with open(path, "rb") as fh:
        fh.seek(offset)
        for line in fh:
            try:
                ids[json.loads(line)["id"]] += 1
            except (ValueError, KeyError, TypeError):
                continue
    return ids


class Webhook:
    """POST each alert as JSON to ``url`` from a background thread, retrying with backoff.

    Only https:// unless ``allow_http``; with ``key`` every POST is signed (headers of
    :mod:`solvent.monitor.signing`). Messages show the URL through :func:`redact_url`.
    """

    def __init__(
        self,
        url: str,
        *,
        key: bytes | None = None,
        allow_http: bool = False,
        ca_file: str | None = None,
        attempts: int = 6,
        backoff: float = 0.2,
        max_backoff: float = 10.0,
        timeout: float = 5.0,
        capacity: int = 10_000,
        notice: Callable[[str], None] | None = None,
    ) -> None:
        from solvent.monitor.errors import MonitorConfigError

        shown = redact_url(url)
        self.apprise = None if url.startswith(("http://", "https://")) else _apprise(url, shown)
        plain = url.startswith(("http://", *(f"{s}://" for s in PLAIN_APPRISE)))
        if plain and not allow_http:
            raise MonitorConfigError(
                f"--webhook {shown} is plain http: alerts and their signatures would cross the "
                "network unencrypted; use an https:// URL, or give --allow-http (e.g. for a "
                "receiver on 127.0.0.1)"
            )
        self.url = url
        self.shown = shown
        self.key = key
        self.context = None  # urllib's default: the system's CAs
        if ca_file:
            import ssl

            try:
                self.context = ssl.create_default_context(cafile=ca_file)
            except (OSError, ssl.SSLError) as exc:
                raise MonitorConfigError(f"--webhook-ca-file {ca_file}: {exc}") from None
        self.attempts = attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.timeout = timeout
        self.q: queue.Queue[dict[str, Any] | None] = queue.Queue(maxsize=capacity)
        self.notice = notice or (lambda _m: None)
        self.sent = 0
        self.failed = 0
        self.dropped = 0
        self.retries = 0
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="solvent-webhook", daemon=True)
        self.thread.start()

    def send(self, doc: dict[str, Any]) -> None:
        """Queue one alert; never blocks (drops the oldest queued alert when full)."""
        while True:
            try:
                self.q.put_nowait(doc)
                return
            except queue.Full:
                try:
                    self.q.get_nowait()
                    self.dropped += 1
                except queue.Empty:
                    pass

    def _post(self, doc: dict[str, Any]) -> None:
        if self.apprise is not None:
            import apprise

            kind = _NOTIFY_TYPE.get(str(doc.get("severity")), apprise.NotifyType.INFO)
            title = f"[{str(doc.get('severity', '')).upper()}] solvent {doc.get('name', '')}"
            if not self.apprise.notify(title=title, body=str(doc.get("message", "")),
                                       notify_type=kind):  # fmt: skip
                raise OSError("the notification service did not accept it")
            return
        payload = signing.body(doc)
        head = {"Content-Type": "application/json"}
        if self.key:
            head.update(signing.headers(self.key, payload))
        req = urllib.request.Request(self.url, data=payload, headers=head, method="POST")
        opened = urllib.request.urlopen(req, timeout=self.timeout, context=self.context)  # noqa: S310
        with opened as resp:
            if resp.status >= 300:
                raise urllib.error.HTTPError(self.shown, resp.status, "status", resp.headers, None)

    def _run(self) -> None:
        while True:
            doc = self.q.get()
            if doc is None:
                return
            delay = self.backoff
            for attempt in range(1, self.attempts + 1):
                try:
                    self._post(doc)
                    self.sent += 1
                    break
                except (OSError, urllib.error.URLError, ValueError) as exc:
                    if attempt == self.attempts:
                        self.failed += 1
                        self.notice(
                            f"webhook {self.shown}: gave up on alert {doc.get('id')} after {attempt} attempts ({exc})"
                        )
                        break
                    self.retries += 1
                    self.notice(
                        f"webhook {self.shown} failed ({exc}); retry {attempt} in {delay:.1f}s"
                    )
                    if self._stop.wait(delay):
                        delay = 0.0  # shutting down: keep trying without sleeping
                    delay = min(delay * 2, self.max_backoff) if delay else 0.0

    def close(self, timeout: float = 5.0) -> None:
        """Deliver what is queued (up to ``timeout`` seconds), then stop the thread."""
        try:
            self.q.put(None, timeout=1.0)
        except queue.Full:
            pass
        self.thread.join(timeout)
        self._stop.set()
        self.thread.join(1.0)


def basic_auth(app: Any, user: str, password: str) -> Any:
    """A WSGI app that answers 401 unless the request carries these basic-auth credentials."""
    import base64
    import hmac

    expected = b"Basic " + base64.b64encode(f"{user}:{password}".encode())

    def guarded(environ: dict[str, Any], start_response: Any) -> Any:
        given = environ.get("HTTP_AUTHORIZATION", "").encode("latin-1", "replace")
        if hmac.compare_digest(given, expected):
            return app(environ, start_response)
        start_response(
            "401 Unauthorized",
            [("WWW-Authenticate", 'Basic realm="solvent"'), ("Content-Type", "text/plain")],
        )
        return [b"authentication required\n"]

    return guarded


#: the metrics: attribute -> (kind, name after ``solvent_monitor_``, help, labels...)
METRICS: dict[str, tuple[str, ...]] = {
    "events": ("counter", "events", "Events applied, by type", "type"),
    "quarantined": ("counter", "quarantined", "Events set aside (malformed, late, backwards)"),
    "duplicates": ("counter", "duplicates", "Duplicate events dropped"),
    "out_of_order": ("counter", "out_of_order", "Events that arrived out of order (reordered "
                     "or late)"),
    "breaches": ("counter", "breaches", "Envelope/keeper assumption breaches", "assumption"),
    "alerts": ("counter", "alerts", "Alerts raised, by severity", "severity"),
    "lag": ("gauge", "lag_seconds", "Wall-clock time minus the last event's timestamp"),
    "distance": ("gauge", "distance_to_insolvency", "Smallest single price gap (fraction) "
                 "leaving bad debt beyond the fund; +Inf when none"),
    "anomaly": ("gauge", "anomaly_score", "Latest anomaly score of the feed"),
    "price": ("gauge", "price", "Latest observed price"),
    "seq": ("gauge", "last_seq", "Sequence number of the last applied event"),
    "invariants_violated": ("gauge", "invariants_violated", "Invariants currently violated"),
}  # fmt: skip


class Metrics:
    """Prometheus metrics on ``addr:port`` (0 = a free port; see ``.port``), own registry.

    Served by prometheus_client's own server: TLS through its ``certfile``/``keyfile``
    (and ``client_cafile`` to require client certificates), basic authentication by
    wrapping its WSGI app when ``auth`` = (user, password) is given.
    """

    # the metrics of METRICS (prometheus_client's Counter and Gauge)
    events: Any
    quarantined: Any
    duplicates: Any
    out_of_order: Any
    breaches: Any
    alerts: Any
    lag: Any
    distance: Any
    anomaly: Any
    price: Any
    seq: Any
    invariants_violated: Any

    def __init__(
        self,
        port: int,
        addr: str = "127.0.0.1",
        *,
        certfile: str | None = None,
        keyfile: str | None = None,
        client_cafile: str | None = None,
        auth: tuple[str, str] | None = None,
    ) -> None:
        from prometheus_client import (
            CollectorRegistry,
            Counter,
            Gauge,
            make_wsgi_app,
            start_http_server,
        )

        r = self.registry = CollectorRegistry()
        made = {"counter": Counter, "gauge": Gauge}
        for attr, (kind, name, doc, *labels) in METRICS.items():
            setattr(self, attr, made[kind](f"solvent_monitor_{name}", doc, labels, registry=r))
        self._last: dict[str, Any] = {}
        # with auth, the server starts on an empty registry and gets the guarded app of the
        # real one before this returns: no request ever sees a metric unauthenticated
        tls: dict[str, Any] = {}  # only what is asked: plain use needs no TLS arguments
        if certfile:
            tls.update(certfile=certfile, keyfile=keyfile)
        if client_cafile:
            tls.update(client_cafile=client_cafile, client_auth_required=True)
        self.server, self.thread = start_http_server(
            port, addr=addr, registry=CollectorRegistry() if auth is not None else r, **tls
        )
        if auth is not None:
            self.server.set_app(basic_auth(make_wsgi_app(r), *auth))
        self.port = self.server.server_port
        self.scheme = "https" if certfile else "http"

    def _delta(self, key: str, value: int) -> int:
        d = value - self._last.get(key, 0)
        self._last[key] = value
        return max(d, 0)

    def update(self, m: Monitor) -> None:
        c = m.counters
        for t, n in c.by_type.items():
            self.events.labels(t).inc(self._delta(f"ev.{t}", n))
        self.quarantined.inc(self._delta("q", c.quarantined))
        self.duplicates.inc(self._delta("dup", c.duplicates))
        self.out_of_order.inc(self._delta("ooo", c.late + c.reordered))
        for name, n in c.breaches.items():
            self.breaches.labels(name).inc(self._delta(f"b.{name}", n))
        for sev, n in c.alerts.items():
            self.alerts.labels(sev).inc(self._delta(f"a.{sev}", n))
        if m.last_ts is not None:
            self.lag.set(time.time() - m.last_ts)
        self.distance.set(float("inf") if m.distance_f is None else m.distance_f)
        self.anomaly.set(m.anomaly)
        self.price.set(m.price_float)
        if m.last_seq is not None:
            self.seq.set(m.last_seq)
        self.invariants_violated.set(len(m.violated))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# Apprise URL schemes that deliver over plain http (their https forms end in "s")
PLAIN_APPRISE = ("json", "xml", "form")
_NOTIFY_TYPE = {"critical": "failure", "warning": "warning", "info": "info"}


def _apprise(url: str, shown: str) -> Any:
    """Slack, Discord, PagerDuty... webhooks through Apprise (``slack://...``, see its
    URL list); the payload of each service is Apprise's, not solvent's."""
    from solvent.monitor.errors import MonitorConfigError

    try:
        import apprise
    except ImportError:
        raise MonitorConfigError(
            f"--webhook {shown} is not an https:// URL; notification services (slack://, "
            "discord://, pagerduty://...) need Apprise: pip install apprise"
        ) from None
    notifier = apprise.Apprise()
    if not notifier.add(url):
        raise MonitorConfigError(
            f"--webhook {shown} is neither an https:// URL nor a notification URL Apprise "
            "knows (slack://, discord://, pagerduty://, ...)"
        )
    return notifier


_STYLE = {"critical": "bold red", "warning": "yellow", "info": "cyan"}
SHORT_ALERT = 110  # characters of a warning or info alert the live panel shows


def event_time(ts: float | None, now: float | None = None) -> str:
    """The last applied event's time (UTC) and its lag behind the wall clock."""
    if ts is None:
        return "- (no event yet)"
    import datetime

    when = datetime.datetime.fromtimestamp(ts, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")
    lag = (time.time() if now is None else now) - ts
    return f"{when} UTC · lag {lag:,.1f}s"


def alert_text(a: Alert) -> str:
    """An alert's message for the live panel: a critical one always in full."""
    if a.severity == "critical" or len(a.message) <= SHORT_ALERT:
        return a.message
    return a.message[: SHORT_ALERT - 1] + "…"


class LiveView:
    """A Rich Live panel on stderr for an operator: price, distance, alerts, counters."""

    def __init__(self, spec_name: str, source: str) -> None:
        from rich.console import Console
        from rich.live import Live

        self.spec_name = spec_name
        self.source = source
        self.recent: list[Alert] = []
        self.console = Console(file=sys.stderr)
        self.live = Live(console=self.console, refresh_per_second=4, transient=False)
        self.live.start()

    def alert(self, a: Alert) -> None:
        self.recent = [*self.recent[-7:], a]

    def update(self, m: Monitor) -> None:
        from rich.table import Table
        from rich.text import Text

        c = m.counters
        t = Table(
            title=f"solvent monitor · {self.spec_name} · {self.source}",
            show_header=False,
            expand=False,
        )
        t.add_column("what", style="bold")
        t.add_column("value")
        dist = (
            "none (no single gap breaks it)"
            if m.distance_f is None
            else f"{m.distance_f * 100:.3f}% ({m.distance_side})"
        )
        rows = [
            ("event time", event_time(m.last_ts)),
            ("price", f"{m.price_dec}" if m.price_dec is not None else "-"),
            ("distance to insolvency", f"{dist} ({m.distance_level})"),
            ("anomaly score", f"{m.anomaly:.3g}"),
            ("invariants violated", ", ".join(sorted(m.violated)) or "none"),
            (
                "events",
                f"{c.events} applied · {c.quarantined} quarantined · {c.duplicates} duplicates · "
                f"{c.late + c.reordered} out of order",
            ),
            ("breaches", ", ".join(f"{k}: {v}" for k, v in sorted(c.breaches.items())) or "none"),
        ]
        for name, value in rows:
            t.add_row(name, Text(value))
        for a in self.recent:
            t.add_row(
                Text(a.severity.upper(), style=_STYLE.get(a.severity, "")),
                Text(f"seq {a.seq}: {alert_text(a)}"),
            )
        self.live.update(t)

    def close(self) -> None:
        self.live.stop()
