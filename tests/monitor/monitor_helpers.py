"""Helpers of the monitor tests: a real redis-server on a free port, event files, and the
shared parts of the Hypothesis tests (account path, probes, cross perp, deficit index):
their profiles, the strategies of random event streams, the line of one drawn event.

Hypothesis profiles: small and derandomized in CI; ``SOLVENT_HYPOTHESIS=long`` runs the
long profile (:func:`profile`).
"""

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
from hypothesis import settings
from hypothesis import strategies as st

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


# ------------------------------------------------------------------ Hypothesis streams
LONG = os.environ.get("SOLVENT_HYPOTHESIS") == "long"


def profile(ci: int, long: int = 1000) -> Any:
    """Hypothesis settings: ``ci`` derandomized examples, ``long`` random ones when
    ``SOLVENT_HYPOTHESIS=long``; no deadline, no example database."""
    return settings(
        max_examples=long if LONG else ci, deadline=None, database=None, derandomize=not LONG
    )


def _decimal(lo: int, hi: int) -> Any:
    return st.integers(lo, hi).map(lambda k: f"{k / 100:.2f}")


#: amounts with cents as events carry them, -3,000 to 3,000
cents = _decimal(-300_000, 300_000)
#: isolated-perp sizes: flat, long, short, small
sizes = st.sampled_from(["0", "0.5", "-0.5", "1.25", "-2", "3", "-0.01"])
#: drawn events other than accounts': the fund, bad debt, the price
insurance_event = st.tuples(st.just("insurance"), _decimal(0, 400_000))
bad_debt_event = st.tuples(st.just("state"), st.sampled_from(["0", "0", "0", "12.5"]))
price_event = st.tuples(st.just("price"), _decimal(50_000, 400_000))


def event_line(
    i: int, e: tuple[Any, ...], *, fields: tuple[str, ...] = ("quote", "size"), add: str = "quote"
) -> bytes:
    """The solvent-event/1 line of the ``i``-th drawn event ``e``: ``("account", a, *values
    of fields)``, ``("add", a, delta of add)``, ``("liquidation", a[, quote])`` (with a
    quote: the account closed with what is left, without: the spec's keeper runs),
    ``("insurance", balance)``, ``("state", bad_debt)`` or ``("price", price)``."""
    doc: dict[str, Any] = {"type": e[0], "seq": i + 1, "ts": float(i)}
    if e[0] == "account":
        doc.update(account=e[1], set=dict(zip(fields, e[2:], strict=True)))
    elif e[0] == "add":
        doc.update(type="account", account=e[1], add={add: e[2]})
    elif e[0] == "liquidation":
        doc["account"] = e[1]
        if len(e) > 2:
            doc["set"] = {"quote": e[2].lstrip("-"), "size": "0"}
    elif e[0] == "insurance":
        doc["balance"] = e[1]
    elif e[0] == "state":
        doc["set"] = {"bad_debt": e[1]}
    else:
        doc["price"] = e[1]
    return json.dumps(doc).encode()
