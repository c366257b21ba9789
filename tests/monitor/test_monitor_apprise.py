"""Alerts to Slack/Discord/PagerDuty-style services go through Apprise (its payloads, not
hand-built ones); checked end to end with Apprise's json:// service and a local receiver."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import apprise  # noqa: F401 - a test dependency: missing, the module fails (never skips)
import pytest

from solvent.monitor.errors import MonitorConfigError
from solvent.monitor.outputs import Webhook


class _Receiver(BaseHTTPRequestHandler):
    got: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Receiver.got.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_a_critical_alert_reaches_the_service_through_apprise() -> None:
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        hook = Webhook(f"json://127.0.0.1:{server.server_port}/hook", allow_http=True)
        hook.send({"id": "3:envelope", "severity": "critical", "name": "envelope.move.lo",
                   "message": "envelope.move.lo broken: the price moved -9.282% in one step"})  # fmt: skip
        hook.close()
    finally:
        server.shutdown()
        server.server_close()
    assert hook.sent == 1 and hook.failed == 0
    (got,) = _Receiver.got
    assert got["title"] == "[CRITICAL] solvent envelope.move.lo"
    assert got["message"].startswith("envelope.move.lo broken") and got["type"] == "failure"


def test_plain_http_services_and_unknown_schemes_are_refused() -> None:
    with pytest.raises(MonitorConfigError, match="plain http"):
        Webhook("json://127.0.0.1:9/hook")
    with pytest.raises(MonitorConfigError, match="Apprise knows"):
        Webhook("bogus://nowhere")
    Webhook("slack://T000/B000/XXXX").close(timeout=0.1)  # accepted: Apprise knows Slack
