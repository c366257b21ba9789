"""Issue 15: the monitor's restart promise under random kills.

The monitor is killed with SIGKILL at seeded random moments (at least 20 kills that land
mid-stream) over a stream whose events break the keeper for three accounts at once; after
each kill it restarts from its checkpoint. The alert log must equal the uninterrupted
run's: every alert exactly once, in order, and every event applied exactly once.

The runs are forked from this process (solvent already imported) so a kill and restart
costs milliseconds, not an interpreter start-up; the kill is a real SIGKILL of a process.
``SOLVENT_KILLS=N`` asks for more kills (the default, 24, keeps the test under ~20 s).
"""

from __future__ import annotations

import os
import random
import signal
import sys
import time
from pathlib import Path

import pytest
from monitor_streams import SAFE_PERP, alerts_of, keeper_episodes, write_lines

from solvent import cli
from solvent.monitor import checkpoint

KILLS = int(os.environ.get("SOLVENT_KILLS", "24"))


def _run_child(args: list[str]) -> int:
    """Fork a child that runs ``solvent ARGS`` and exits with its code; return its pid."""
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 4
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            code = cli.run(args)
        finally:
            os._exit(code)
    return pid


@pytest.mark.skipif(sys.platform == "win32", reason="fork and SIGKILL are POSIX")
def test_random_sigkills_neither_lose_an_event_nor_repeat_an_alert(tmp_path: Path) -> None:
    events = keeper_episodes(600)  # 6,602 events, 1,800 keeper alerts in threes
    stream = write_lines(tmp_path / "e.jsonl", events)  # type: ignore[arg-type]
    base = [
        "monitor", SAFE_PERP, "--source", str(stream), "--no-prove", "--detector", "none",
        "--distance", "none", "-q", "--quarantine", str(tmp_path / "q"),
    ]  # fmt: skip
    whole = tmp_path / "whole.jsonl"
    assert cli.run([*base, "--alerts", str(whole)]) == 1
    expected = [a["id"] for a in alerts_of(whole)]
    keeper = [i for i in expected if ":keeper:" in i]
    assert len(keeper) == 1800 and len(expected) == len(set(expected))

    alerts, ck = tmp_path / "alerts.jsonl", tmp_path / "ck.pickle"
    args = [*base, "--alerts", str(alerts), "--checkpoint", str(ck), "--checkpoint-every", "7"]
    rng = random.Random(15)
    kills = finished = 0
    positions = set()  # where the kills left the checkpoint: the kills land all over the stream
    started = time.monotonic()
    while finished == 0 and time.monotonic() - started < 300:
        size = alerts.stat().st_size if alerts.exists() else 0
        pid = _run_child(args)
        status = None
        if kills < KILLS:
            # once the child has written an alert (it is past start-up, mid-stream), wait a
            # seeded random while more, then kill it: wherever it is, even inside a write
            wait_until = time.monotonic() + 60
            while time.monotonic() < wait_until and (
                not alerts.exists() or alerts.stat().st_size == size
            ):
                ended, status = os.waitpid(pid, os.WNOHANG)
                if ended:
                    break  # it reached the end of the stream with nothing new to write
                time.sleep(0.001)
            if status is None or not ended:
                time.sleep(rng.uniform(0.0, 0.05))
                os.kill(pid, signal.SIGKILL)
                status = None
        if status is None:
            _, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status):
            assert os.WTERMSIG(status) == signal.SIGKILL
            kills += 1
            if ck.exists():
                doc = checkpoint.load(
                    str(ck), spec="perp-isolated", source=f"file:{stream.resolve()}"
                )
                positions.add(doc["position"] if doc else None)
        else:
            assert os.WEXITSTATUS(status) == 1  # the keeper breaches are critical
            finished += 1
    assert finished == 1, "the monitor did not finish within 300 s"
    assert kills >= min(KILLS, 20), kills
    assert len(positions) >= min(KILLS, 20) // 2, positions
    got = [a["id"] for a in alerts_of(alerts)]
    assert got == expected  # every alert exactly once, in order
    doc = checkpoint.load(str(ck), spec="perp-isolated", source=f"file:{stream.resolve()}")
    assert doc is not None
    assert doc["position"] == stream.stat().st_size
    assert doc["snapshot"]["counters"].events == len(events)  # none lost or applied twice
