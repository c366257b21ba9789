"""Security of the monitor: no secret in any output, Redis over TLS with a read-only ACL
user, signed alerts a receiver verifies, tamper-evident checkpoints, a guarded metrics
endpoint, private files. Real redis-server and openssl (see tls_helpers)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import os
import pickle
import ssl
import stat
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from monitor_helpers import SAFE_PERP, free_port, line, stop_redis, write_events
from tls_helpers import make_certs, start_redis_with

from solvent.cli import run

SECRET = "Pw-7fQz-redis-SECRET"  # the Redis password
TOKEN = "hookTOKEN-4242-SECRET"  # the webhook URL's path/query token
ALERT_KEY = "alert-KEY-SECRET-31"
STATE_KEY = "state-KEY-SECRET-58"
METRICS_PW = "metrics-PW-SECRET-96"
ALL = (SECRET, TOKEN, ALERT_KEY, STATE_KEY, METRICS_PW)
PRICES = ["2000", "2010", "2200", "2190"]  # +9.45% at seq 3: one critical envelope alert


def _events(client: Any, stream: str = "ev") -> None:
    for i, p in enumerate(PRICES):
        client.xadd(stream, {"event": line(type="price", ts=i, seq=i + 1, price=p)})
    client.xadd(stream, {"event": b"{broken"})  # quarantined


def _secret_file(path: Path, value: str) -> str:
    path.write_text(value + "\n")
    path.chmod(0o600)
    return str(path)


def _no_secret(where: str, blob: str | bytes) -> None:
    data = blob.encode() if isinstance(blob, str) else blob
    for s in ALL:
        assert s.encode() not in data, f"{s} leaked into {where}"


def test_no_secret_in_any_output_file_or_metric(tmp_path: Path) -> None:
    certs = make_certs(tmp_path / "pki")
    ctx = ssl.create_default_context(cafile=str(certs.ca))
    server = start_redis_with(tmp_path, password=SECRET)
    try:
        _events(server.admin)
        dead = free_port()  # the webhook fails: its retry and give-up messages are shown
        hook = f"http://127.0.0.1:{dead}/services/{TOKEN}?token={TOKEN}"
        out = {n: tmp_path / n for n in ("alerts.jsonl", "q.jsonl", "ck.bin")}
        cmd = [
            sys.executable, "-m", "solvent", "monitor", SAFE_PERP,
            "--source", f"redis://:{SECRET}@127.0.0.1:{server.port}/0", "--stream", "ev",
            "--no-prove", "--idle-exit", "1.5", "--alerts", str(out["alerts.jsonl"]),
            "--quarantine", str(out["q.jsonl"]), "--checkpoint", str(out["ck.bin"]),
            "--webhook", hook, "--allow-http",
            "--alert-key-file", _secret_file(tmp_path / "ak", ALERT_KEY),
            "--state-key-file", _secret_file(tmp_path / "sk", STATE_KEY),
            "--metrics-port", "0", "--metrics-user", "prom",
            "--metrics-cert-file", str(certs.server_cert),
            "--metrics-key-file", str(certs.server_key),
            "--metrics-password-file", _secret_file(tmp_path / "mp", METRICS_PW), "--live",
        ]  # fmt: skip
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        err_lines: list[bytes] = []
        reader = threading.Thread(target=lambda: err_lines.extend(iter(proc.stderr.readline, b"")))
        reader.start()
        metrics_url = None
        deadline = time.monotonic() + 60
        while metrics_url is None and time.monotonic() < deadline:
            for raw in list(err_lines):
                if b"metrics on " in raw:
                    metrics_url = raw.decode().split("metrics on ")[1].split()[0]
            time.sleep(0.02)
        assert metrics_url is not None, b"".join(err_lines).decode()
        assert metrics_url.startswith("https://127.0.0.1:")
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(metrics_url, timeout=5, context=ctx)
        assert denied.value.code == 401
        auth = base64.b64encode(f"prom:{METRICS_PW}".encode()).decode()
        req = urllib.request.Request(metrics_url, headers={"Authorization": f"Basic {auth}"})
        metrics = urllib.request.urlopen(req, timeout=5, context=ctx).read()
        # not communicate(): it would read stderr too, racing the reader thread for lines
        stdout = proc.stdout.read()
        proc.wait(timeout=60)
        reader.join(10)
    finally:
        stop_redis(server)
    stderr = b"".join(err_lines)
    assert proc.returncode == 1, stderr.decode()
    assert b"solvent_monitor_events_total" in metrics
    text = stderr.decode()
    assert f"redis://:***@127.0.0.1:{server.port}/0" in text  # shown, redacted
    assert "webhook http://127.0.0.1:" in text and "/***?***" in text and "gave up" in text
    for where, blob in [("stdout", stdout), ("stderr", stderr), ("metrics", metrics)] + [
        (name, path.read_bytes()) for name, path in out.items()
    ]:
        _no_secret(where, blob)
    assert json.loads(out["alerts.jsonl"].read_text().splitlines()[0])["name"] == (
        "envelope.move.hi"
    )


def test_secrets_from_environment_and_files_and_error_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_redis_with(tmp_path, password=SECRET)
    try:
        _events(server.admin)
        base = ["monitor", SAFE_PERP, "--stream", "ev", "--no-prove", "--idle-exit", "0.2",
                "--quarantine", str(tmp_path / "q.jsonl")]  # fmt: skip
        # the URL from SOLVENT_REDIS_URL, the password from SOLVENT_REDIS_PASSWORD
        monkeypatch.setenv("SOLVENT_REDIS_URL", f"redis://127.0.0.1:{server.port}/0")
        monkeypatch.setenv("SOLVENT_REDIS_PASSWORD", SECRET)
        assert run(base) == 1
        # the password from a file (it wins over the environment)
        monkeypatch.setenv("SOLVENT_REDIS_PASSWORD", "not-it")
        pw = _secret_file(tmp_path / "pw", SECRET)
        assert run([*base, "--source-password-file", pw]) == 1
        # the whole URL, password included, from the environment
        monkeypatch.delenv("SOLVENT_REDIS_PASSWORD")
        monkeypatch.setenv("SOLVENT_REDIS_URL", f"redis://:{SECRET}@127.0.0.1:{server.port}/0")
        assert run(base) == 1
        out = capsys.readouterr()
        assert out.out.count('"name":"envelope.move.hi"') == 3
        _no_secret("output", out.out + out.err)
        # a wrong password, an unreachable server and a plain-http webhook: exit 3, redacted
        wrong = f"redis://:{SECRET}x@127.0.0.1:{server.port}/0"
        assert run([*base, "--source", wrong]) == 3
        assert "refused the credentials" in capsys.readouterr().err
        dead = f"redis://user:{SECRET}@127.0.0.1:{free_port()}/0"
        assert run([*base, "--source", dead]) == 3
        err = capsys.readouterr().err
        assert "cannot reach Redis at redis://user:***@127.0.0.1:" in err
        _no_secret("error", err)
        hook = _secret_file(tmp_path / "hook", f"http://127.0.0.1:9/x/{TOKEN}")
        assert run([*base, "--webhook-url-file", hook]) == 3
        err = capsys.readouterr().err
        assert "plain http" in err and "--allow-http" in err
        _no_secret("webhook error", err)
        # reconnect notices of a running source
        from solvent.monitor.sources import RedisSource, StopWhen

        notes: list[str] = []
        src = RedisSource(
            f"redis://:{SECRET}@127.0.0.1:{server.port}/0", "ev", stop=StopWhen(idle=30),
            block_ms=20, notice=notes.append, max_backoff=0.05,
        )  # fmt: skip
        batches = src.batches()
        next(batches)
        stop_redis(server)
        for _ in range(4):
            next(batches)
        assert notes and all("redis://:***@" in n for n in notes)
        _no_secret("reconnect notices", "\n".join(notes))
    finally:
        stop_redis(server)


def test_tls_redis_with_a_read_only_acl_user(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    certs = make_certs(tmp_path / "pki")
    server = start_redis_with(tmp_path, certs=certs)
    try:
        admin = server.admin
        _events(admin, "prices")
        admin.execute_command(
            "ACL", "SETUSER", "watcher", "reset", "on", f">{SECRET}", "~prices", "+xread", "+ping"
        )
        admin.execute_command("ACL", "SETUSER", "default", "off")  # no anonymous access
        url = f"rediss://watcher@127.0.0.1:{server.port}/0"
        tls = ["--source-ca-file", str(certs.ca), "--source-cert-file", str(certs.client_cert),
               "--source-key-file", str(certs.client_key)]  # fmt: skip
        base = ["monitor", SAFE_PERP, "--stream", "prices", "--no-prove", "--idle-exit", "0.2",
                "--quarantine", str(tmp_path / "q.jsonl")]  # fmt: skip
        pw = _secret_file(tmp_path / "pw", SECRET)
        assert run([*base, "--source", url, "--source-password-file", pw, *tls]) == 1
        out = capsys.readouterr()
        assert '"envelope.move.hi"' in out.out and f"at {url} from 0-0" in out.err
        # the server's certificate is checked: without the CA it is refused
        assert run([*base, "--source", url, "--source-password-file", pw]) == 3
        assert "certificate verify failed" in capsys.readouterr().err
        # the server wants a client certificate
        assert run([*base, "--source", url, "--source-password-file", pw, *tls[:2]]) == 3
        capsys.readouterr()
        # plain redis:// to the TLS port does not connect; TLS options need rediss://
        plain = f"redis://watcher@127.0.0.1:{server.port}/0"
        assert run([*base, "--source", plain, "--source-password-file", pw]) == 3
        assert run([*base, "--source", plain, "--source-password-file", pw, *tls]) == 3
        assert "write rediss://" in capsys.readouterr().err
        # the ACL user is read-only
        import redis

        watcher = redis.Redis(
            port=server.port, ssl=True, ssl_ca_certs=str(certs.ca),
            ssl_certfile=str(certs.client_cert), ssl_keyfile=str(certs.client_key),
            username="watcher", password=SECRET,
        )  # fmt: skip
        with pytest.raises(redis.exceptions.NoPermissionError):
            watcher.xadd("prices", {"event": b"{}"})
        assert run([*base, "--source", url.replace("watcher@", f"watcher:{SECRET}x@"), *tls]) == 3
        err = capsys.readouterr().err
        assert "refused the credentials" in err
        _no_secret("TLS errors", err)
    finally:
        stop_redis(server)


# -- signed alerts ------------------------------------------------------------------------------


def verify(key: bytes, headers: Any, body: bytes, tolerance: int = 300) -> bool:
    """A receiver's check, as docs/monitor.md shows it (standard library only)."""
    ts = headers.get("X-Solvent-Timestamp", "")
    sig = headers.get("X-Solvent-Signature", "")
    if not ts.isdigit() or abs(time.time() - int(ts)) > tolerance:
        return False  # missing, or too old: a replay
    mac = hmac.new(key, ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(sig, "v1=" + mac)


class _Receiver(BaseHTTPRequestHandler):
    key = b""
    accepted: list[tuple[dict[str, str], bytes]] = []
    rejected = 0

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        ok = verify(type(self).key, self.headers, body)
        if ok:
            type(self).accepted.append((dict(self.headers), body))
        else:
            type(self).rejected += 1
        self.send_response(204 if ok else 401)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def _post(url: str, headers: dict[str, str], body: bytes, ctx: ssl.SSLContext) -> int:
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        return urllib.request.urlopen(req, timeout=5, context=ctx).status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_signed_webhook_alerts_verify_and_replays_or_edits_are_rejected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    certs = make_certs(tmp_path / "pki")  # the receiver serves https with a test CA
    handler = type("R", (_Receiver,), {"key": ALERT_KEY.encode(), "accepted": [], "rejected": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(str(certs.server_cert), str(certs.server_key))
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"https://127.0.0.1:{server.server_port}/hook"
    ctx = ssl.create_default_context(cafile=str(certs.ca))
    events = write_events(
        tmp_path / "e.jsonl",
        [{"type": "price", "ts": i, "seq": i + 1, "price": p} for i, p in
         enumerate(["2000", "2010", "2200", "2190", "1990"])],
    )  # fmt: skip
    alerts = tmp_path / "alerts.jsonl"
    monkeypatch.setenv("SOLVENT_ALERT_KEY", ALERT_KEY)
    args = ["monitor", SAFE_PERP, "--source", str(events), "--no-prove", "--alerts", str(alerts),
            "--quarantine", str(tmp_path / "q.jsonl"), "-q"]  # fmt: skip
    try:
        plain = url.replace("https://", "http://")
        assert run([*args, "--webhook", plain]) == 3  # http:// needs --allow-http
        assert "--allow-http" in capsys.readouterr().err
        assert run([*args, "--webhook", url, "--webhook-ca-file", str(certs.ca)]) == 1
        lines = alerts.read_text().splitlines()
        assert len(lines) == 2 and handler.rejected == 0
        assert [json.loads(b)["id"] for _, b in handler.accepted] == [
            json.loads(x)["id"] for x in lines
        ]
        headers, body = handler.accepted[0]
        fresh = {k: v for k, v in headers.items() if k.startswith("X-Solvent")}
        fresh["Content-Type"] = "application/json"
        assert _post(url, fresh, body, ctx) == 204  # the same POST now: accepted
        altered = body.replace(b'"critical"', b'"info"')
        assert altered != body and _post(url, fresh, altered, ctx) == 401
        from solvent.monitor import signing

        old = int(time.time()) - 600  # a genuine signature of ten minutes ago: a replay
        stale = {**fresh, "X-Solvent-Timestamp": str(old),
                 "X-Solvent-Signature": signing.sign(ALERT_KEY.encode(), old, body)}  # fmt: skip
        assert _post(url, stale, body, ctx) == 401
        moved = {**fresh, "X-Solvent-Timestamp": str(int(time.time()) + 1)}  # re-dated: bad HMAC
        assert _post(url, moved, body, ctx) == 401 and handler.rejected == 3
        # the JSON-lines alerts carry the same signature over the same body
        for raw in lines:
            doc = json.loads(raw)
            assert signing.verify_line(ALERT_KEY.encode(), raw)
            assert verify(
                ALERT_KEY.encode(),
                {"X-Solvent-Timestamp": str(doc["signed_at"]),
                 "X-Solvent-Signature": doc["signature"]},
                signing.body(doc),
            )  # fmt: skip
            assert json.loads(signing.body(doc)) in [json.loads(b) for _, b in handler.accepted]
        edited = lines[0].replace('"critical"', '"warning"')
        assert not signing.verify_line(ALERT_KEY.encode(), edited)
        assert not signing.verify_line(b"another key", lines[0])
    finally:
        server.shutdown()


# -- checkpoints and files ----------------------------------------------------------------------


def test_tampered_checkpoints_are_refused_and_files_are_private(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = write_events(
        tmp_path / "e.jsonl",
        [{"type": "price", "ts": i, "seq": i + 1, "price": p} for i, p in enumerate(PRICES)],
    )
    ck, alerts, quarantine = tmp_path / "ck.bin", tmp_path / "a.jsonl", tmp_path / "q.jsonl"
    key, other = _secret_file(tmp_path / "k", STATE_KEY), _secret_file(tmp_path / "o", "other")
    base = ["monitor", SAFE_PERP, "--source", str(events), "--no-prove", "--checkpoint", str(ck),
            "--alerts", str(alerts), "--quarantine", str(quarantine), "-q"]  # fmt: skip
    old_umask = os.umask(0o022)
    try:
        events.open("ab").write(b"{broken\n")
        assert run(base) == 1
    finally:
        os.umask(old_umask)
    for path in (ck, alerts, quarantine):  # 0600 whatever the umask
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    good = ck.read_bytes()
    # resumes from a checkpoint that verifies: nothing new; exit 1 still, since a critical
    # alert was raised on the stream before the restart (docs/monitor.md)
    assert run(base) == 1

    def refused(data: bytes, *extra: str) -> str:
        ck.write_bytes(data)
        assert run([*base, *extra]) == 3
        return capsys.readouterr().err

    capsys.readouterr()
    flipped = bytearray(good)
    flipped[-20] ^= 1  # one bit of the pickled state
    assert "does not verify" in refused(bytes(flipped))
    head, _, payload = good.partition(b"\n")
    assert "older solvent" in refused(payload)  # a version-1 checkpoint: a bare pickle
    # with a key: an edit whose plain hash is recomputed is still refused
    ck.unlink()
    assert run([*base, "--state-key-file", key]) == 1
    sealed = ck.read_bytes()
    head, _, payload = sealed.partition(b"\n")
    doc = pickle.loads(payload)  # noqa: S301 - the test's own file
    doc["position"] = 0  # replay everything
    forged = pickle.dumps(doc)
    rehashed = json.dumps(
        {"version": json.loads(head)["version"],
         "seal": "sha256:" + hashlib.sha256(forged).hexdigest()}
    ).encode()  # fmt: skip
    assert "plain hash but a key was given" in refused(
        rehashed + b"\n" + forged, "--state-key-file", key
    )
    assert "does not verify" in refused(sealed, "--state-key-file", other)
    assert "none was given" in refused(sealed)
    ck.write_bytes(sealed)
    assert run([*base, "--state-key-file", key]) == 1  # the untouched one resumes (exit 1: the
    # critical alert raised before the restart still counts)


def test_metrics_endpoint_over_tls_with_basic_auth(tmp_path: Path) -> None:
    from solvent.monitor.outputs import Metrics

    certs = make_certs(tmp_path / "pki")
    m = Metrics(
        0, certfile=str(certs.server_cert), keyfile=str(certs.server_key),
        auth=("prom", METRICS_PW),
    )  # fmt: skip
    try:
        assert m.server.server_address[0] == "127.0.0.1"  # the default address
        url = f"https://127.0.0.1:{m.port}/metrics"
        ctx = ssl.create_default_context(cafile=str(certs.ca))
        auth = base64.b64encode(f"prom:{METRICS_PW}".encode()).decode()
        ok = urllib.request.Request(url, headers={"Authorization": f"Basic {auth}"})
        assert b"solvent_monitor_events" in urllib.request.urlopen(ok, context=ctx).read()
        bad = base64.b64encode(b"prom:guess").decode()
        for headers in ({}, {"Authorization": f"Basic {bad}"}):
            with pytest.raises(urllib.error.HTTPError) as denied:
                urllib.request.urlopen(urllib.request.Request(url, headers=headers), context=ctx)
            assert denied.value.code == 401
        with pytest.raises(urllib.error.URLError):  # the server's certificate is not trusted
            urllib.request.urlopen(ok, timeout=5)
        with pytest.raises((OSError, http.client.HTTPException)):  # no plain http
            urllib.request.urlopen(f"http://127.0.0.1:{m.port}/metrics", timeout=5).read()
    finally:
        m.close()
    # --metrics-client-ca-file: scrapers must show a certificate signed by that CA
    m = Metrics(
        0, certfile=str(certs.server_cert), keyfile=str(certs.server_key),
        client_cafile=str(certs.ca),
    )  # fmt: skip
    try:
        url = f"https://127.0.0.1:{m.port}/metrics"
        with pytest.raises((OSError, http.client.HTTPException)):
            urllib.request.urlopen(url, context=ctx, timeout=5).read()
        mutual = ssl.create_default_context(cafile=str(certs.ca))
        mutual.load_cert_chain(str(certs.client_cert), str(certs.client_key))
        assert b"solvent_monitor_events" in urllib.request.urlopen(url, context=mutual).read()
    finally:
        m.close()


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
        ("redis://:pw-123@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0"),
        ("rediss://monitor:p%40ss@[::1]:6380/2", "rediss://monitor:***@[::1]:6380/2"),
        ("rediss://monitor@host:6380/0", "rediss://monitor@host:6380/0"),
        ("redis://host/0?password=pw-123", "redis://host/0?***"),
        ("https://hooks.example.com/services/T0/B1/XyZ0123456789", "https://hooks.example.com/***"),
        ("https://example.com/hook?token=abc", "https://example.com/***?***"),
        ("https://u:pw-123@example.com/", "https://u:***@example.com/"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("redis://host:notaport/0", "***"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    from solvent.monitor.secrets import Redactor, redact_url

    assert redact_url(url) == shown
    r = Redactor()
    r.add_url(url)
    message = f"failed at {url} (the last part: {url.rsplit('/', 1)[-1]})"
    for hidden in ("pw-123", "p%40ss", "p@ss", "XyZ0123456789", "token=abc"):
        assert hidden not in r(message)
