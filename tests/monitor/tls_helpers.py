"""Helpers of the security tests: certificates made with openssl, a redis-server with TLS and
a password, on free ports. In CI a missing openssl or redis-server fails, never skips."""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from monitor_helpers import RedisServer, free_port, in_ci


def _need(exe: str, package: str) -> str:
    path = shutil.which(exe)
    if path is None:
        message = f"{exe} is not installed; scripts/test installs it (apt-get install {package})"
        if in_ci():
            pytest.fail(message)  # in CI a missing component fails, never skips
        pytest.skip(message)
    return path


@dataclass
class Certs:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


_LEAF = (
    "basicConstraints=critical,CA:FALSE\n"
    "keyUsage=critical,digitalSignature,keyEncipherment\n"
    "subjectKeyIdentifier=hash\n"
    "authorityKeyIdentifier=keyid\n"
)


def make_certs(folder: Path) -> Certs:
    """A test CA and a server (127.0.0.1/localhost) and client certificate it signs (EC P-256)."""
    openssl = _need("openssl", "openssl")
    folder.mkdir(parents=True, exist_ok=True)

    def run(*args: str) -> None:
        done = subprocess.run([openssl, *args], cwd=folder, capture_output=True, timeout=60)
        assert done.returncode == 0, done.stderr.decode()

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=solvent test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")  # fmt: skip
    for name, ext in (
        ("server", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"),
        ("client", "extendedKeyUsage=clientAuth\n"),
    ):
        (folder / f"{name}.ext").write_text(_LEAF + ext)
        run("req", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}")
        run("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", f"{name}.pem", "-days", "2",
            "-extfile", f"{name}.ext")  # fmt: skip
    return Certs(
        folder / "ca.pem",
        folder / "server.pem",
        folder / "server.key",
        folder / "client.pem",
        folder / "client.key",
    )


def start_redis_with(
    folder: Path, *, password: str | None = None, certs: Certs | None = None
) -> RedisServer:
    """redis-server on a free port; with ``certs`` on TLS only (clients must show a
    certificate), with ``password`` the default user needs it. ``.url`` carries neither."""
    import redis

    exe = _need("redis-server", "redis-server")
    port = free_port()
    args = [exe, "--bind", "127.0.0.1", "--dir", str(folder), "--save", "", "--appendonly", "no",
            "--daemonize", "no", "--loglevel", "warning"]  # fmt: skip
    kw: dict[str, Any] = {"port": port, "socket_connect_timeout": 0.3}
    if certs is not None:
        args += ["--port", "0", "--tls-port", str(port), "--tls-cert-file", str(certs.server_cert),
                 "--tls-key-file", str(certs.server_key), "--tls-ca-cert-file", str(certs.ca),
                 "--tls-auth-clients", "yes"]  # fmt: skip
        kw.update(ssl=True, ssl_ca_certs=str(certs.ca), ssl_certfile=str(certs.client_cert),
                  ssl_keyfile=str(certs.client_key))  # fmt: skip
    else:
        args += ["--port", str(port)]
    if password is not None:
        args += ["--requirepass", password]
        kw["password"] = password
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            client = redis.Redis(**kw)
            client.ping()
            server = RedisServer(port, proc)
            server.url = f"{'rediss' if certs else 'redis'}://127.0.0.1:{port}/0"
            server.admin = client  # type: ignore[attr-defined]
            return server
        except redis.RedisError:
            if proc.poll() is not None:
                err = proc.stderr.read().decode() if proc.stderr else ""
                pytest.fail(f"redis-server exited at start (does it support TLS?): {err}")
            time.sleep(0.05)
    proc.kill()
    pytest.fail("redis-server did not answer within 10 s")
