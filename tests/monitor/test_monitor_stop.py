"""A monitor busy in a long solver distance stops on SIGTERM at once (issue 21.4)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

# hundreds of accounts: encoding one symbolic step for the Z3 distance takes seconds
SPEC = """
from solvent.models import perp_isolated

spec = perp_isolated.build(accounts=300, maintenance_margin="0.08", max_move="0.08")
"""


def test_sigterm_stops_a_solver_distance_within_two_seconds(tmp_path: Path) -> None:
    spec = tmp_path / "big_perp.py"
    spec.write_text(SPEC)
    events = tmp_path / "events.jsonl"
    lines = ['{"type":"price","ts":0,"seq":1,"price":"2000"}']
    lines += [
        f'{{"type":"account","ts":1,"seq":{a + 2},"account":{a},'
        f'"set":{{"quote":"{-1800 - a}","size":"1"}}}}'
        for a in range(20)
    ]  # every event changes the state: a solve each (seconds), 21 in one batch
    events.write_text("\n".join(lines) + "\n")
    alerts = tmp_path / "alerts.jsonl"
    cmd = [sys.executable, "-m", "solvent", "monitor", str(spec), "--source", str(events),
           "--no-prove", "--distance", "solver", "--detector", "none",
           "--alerts", str(alerts), "--quarantine", str(tmp_path / "q.jsonl")]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stderr is not None
        started = b""
        deadline = time.monotonic() + 120
        while b"monitor: checking" not in started and time.monotonic() < deadline:
            chunk = proc.stderr.readline()
            if not chunk:
                break
            started += chunk
        assert b"monitor: checking" in started, started.decode()
        time.sleep(1.0)  # inside the first events' solves now
        assert proc.poll() is None, "the run must still be solving when the signal comes"
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            raise AssertionError("SIGTERM did not stop the monitor within 20 s") from None
        took = time.monotonic() - sent
        rest = proc.stderr.read().decode()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert took < 2.0, f"stopped {took:.1f} s after SIGTERM; {rest}"
    assert "stopped by SIGTERM" in rest, rest
    assert proc.returncode == 0, rest
