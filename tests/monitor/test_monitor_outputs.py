"""Outputs: a webhook that fails (retries, never blocks) and the Prometheus endpoint."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from monitor_helpers import free_port, line, write_events

from solvent.models import perp_isolated
from solvent.monitor.core import Monitor, Options
from solvent.monitor.outputs import Webhook
from solvent.monitor.runner import RunConfig, run
from solvent.monitor.sources import FileSource, StopWhen


class _Hook(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []
    fail_first = 0
    calls = 0

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).calls += 1
        if type(self).calls <= type(self).fail_first:
            self.send_response(500)
            self.end_headers()
            return
        type(self).received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def _server(fail_first: int) -> tuple[ThreadingHTTPServer, type[_Hook]]:
    handler = type("Hook", (_Hook,), {"received": [], "fail_first": fail_first, "calls": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, handler


def test_webhook_retries_with_backoff_until_delivered() -> None:
    server, handler = _server(fail_first=3)
    notes: list[str] = []
    hook = Webhook(
        f"http://127.0.0.1:{server.server_port}/alerts",
        backoff=0.01,
        notice=notes.append,
        allow_http=True,
    )
    for i in range(5):
        hook.send({"id": f"a{i}", "message": "m"})
    hook.close(timeout=10)
    server.shutdown()
    assert [d["id"] for d in handler.received] == [
        "a0",
        "a1",
        "a2",
        "a3",
        "a4",
    ]  # order kept, none lost
    assert hook.sent == 5 and hook.retries == 3 and hook.failed == 0
    assert sum("retry" in n for n in notes) == 3


def test_unreachable_webhook_never_blocks_the_stream() -> None:
    port = free_port()  # nothing listens here
    notes: list[str] = []
    hook = Webhook(
        f"http://127.0.0.1:{port}/",
        attempts=2,
        backoff=0.01,
        notice=notes.append,
        capacity=50,
        allow_http=True,
    )
    start = time.perf_counter()
    for i in range(200):
        hook.send({"id": str(i)})
    assert time.perf_counter() - start < 0.5  # queued, not posted inline
    hook.close(timeout=5)
    assert hook.sent == 0 and hook.failed + hook.dropped == 200 and hook.dropped > 0
    assert any("gave up" in n for n in notes)


def test_run_sends_alerts_to_the_webhook_and_serves_metrics(tmp_path: Path) -> None:
    server, handler = _server(fail_first=1)
    events = [
        {"type": "price", "ts": i, "seq": i + 1, "price": p}
        for i, p in enumerate(["2000", "2010", "2200", "2190", "2180"])
    ]
    path = write_events(tmp_path / "e.jsonl", events)
    spec = perp_isolated.build(accounts=3, maintenance_margin="0.08")
    m = Monitor(spec, ["envelope.move.lo", "envelope.move.hi"], Options(detector="zscore"))
    stop = threading.Event()
    src = FileSource(str(path), follow=True, stop=StopWhen(event=stop), poll=0.01)
    started = threading.Event()
    ports: list[int] = []

    def on_start(summary: Any) -> None:
        ports.append(summary.metrics_port)
        started.set()

    cfg = RunConfig(
        alerts=str(tmp_path / "alerts.jsonl"),
        quarantine=str(tmp_path / "q.jsonl"),
        webhook=f"http://127.0.0.1:{server.server_port}/",
        allow_http=True,
        metrics_port=0,
        stop=stop,
    )
    result: list[Any] = []
    t = threading.Thread(target=lambda: result.append(run(m, src, cfg, on_start=on_start)))
    t.start()
    assert started.wait(10)
    with open(path, "ab") as fh:  # one more event, and a malformed one, while it runs
        fh.write(line(type="price", ts=9, seq=6, price="2181") + b"\n" + b"oops\n")
    deadline = time.monotonic() + 10
    text = ""
    while time.monotonic() < deadline:
        text = (
            urllib.request.urlopen(f"http://127.0.0.1:{ports[0]}/metrics", timeout=2)
            .read()
            .decode()
        )
        if (
            'solvent_monitor_events_total{type="price"} 6.0' in text
            and "solvent_monitor_quarantined_total 1.0" in text
        ):
            break
        time.sleep(0.05)
    stop.set()
    t.join(10)
    server.shutdown()
    assert 'solvent_monitor_events_total{type="price"} 6.0' in text
    assert "solvent_monitor_quarantined_total 1.0" in text
    assert 'solvent_monitor_breaches_total{assumption="envelope.move.hi"} 1.0' in text
    assert (
        "solvent_monitor_distance_to_insolvency +Inf" in text
    )  # no positions: no gap creates bad debt
    assert "solvent_monitor_anomaly_score" in text and "solvent_monitor_lag_seconds" in text
    alerts = [json.loads(x) for x in (tmp_path / "alerts.jsonl").read_text().splitlines()]
    assert [a["name"] for a in alerts] == ["envelope.move.hi"]
    assert [d["id"] for d in handler.received] == [
        a["id"] for a in alerts
    ]  # delivered after one failure
    q = [json.loads(x) for x in (tmp_path / "q.jsonl").read_text().splitlines()]
    assert q[0]["line"] == "oops" and "malformed JSON" in q[0]["reason"]
    assert result[0].webhook["sent"] == 1 and result[0].webhook["retries"] == 1
