"""Helpers of the monitor tests: a real redis-server on a free port, event files."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
# the crash windows of shared/data, as shipped inside the package (identical files,
# checked against shared/data's SHA256SUMS by tests/scenarios/test_shipped_data.py)
DATA = Path(str(files("solvent.scenarios").joinpath("data")))
SAFE_PERP = str(REPO / "examples" / "correct" / "perp_isolated.py")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    def __init__(self, port: int, proc: subprocess.Popen[bytes]) -> None:
        self.port = port
        self.proc = proc
        self.url = f"redis://127.0.0.1:{port}/0"

    def client(self) -> Any:
        import redis

        return redis.Redis.from_url(self.url)


def start_redis(folder: Path) -> RedisServer:
    exe = shutil.which("redis-server")
    if exe is None:
        message = (
            "redis-server is not installed; scripts/test installs it from Debian's packages "
            "(apt-get install redis-server)"
        )
        if in_ci():
            pytest.fail(message)  # in CI a missing component fails, never skips
        pytest.skip(message)
    port = free_port()
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder), "--save", "",
         "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    import redis

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            redis.Redis(port=port, socket_connect_timeout=0.2).ping()
            return RedisServer(port, proc)
        except redis.RedisError:
            if proc.poll() is not None:
                err = proc.stderr.read().decode() if proc.stderr else ""
                pytest.fail(f"redis-server exited at start: {err}")
            time.sleep(0.05)
    proc.kill()
    pytest.fail("redis-server did not answer within 10 s")


def stop_redis(server: RedisServer) -> None:
    if server.proc.poll() is None:
        server.proc.terminate()
        try:
            server.proc.wait(5)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait(5)


def line(**event: Any) -> bytes:
    return json.dumps({"schema": "solvent-event/1", **event}).encode()


def write_events(path: Path, events: list[dict[str, Any]] | list[bytes]) -> Path:
    with open(path, "wb") as fh:
        for e in events:
            fh.write((e if isinstance(e, bytes) else line(**e)) + b"\n")
    return path


def price_path(
    prices: list[str], *, start_seq: int = 1, start_ts: float = 1_000.0
) -> list[dict[str, Any]]:
    return [
        {"type": "price", "ts": start_ts + i, "seq": start_seq + i, "price": p}
        for i, p in enumerate(prices)
    ]
