"""A shard killed between an invariant's alert and its whole-state report (issue 21).

The run loop writes an invariant's critical alert to its sinks first and its report (the
whole observed state, ``kind`` ``report``) after it. A process killed between the two
left the alert in the file without its report, and its successor, which replays the
event and recognises the alert as already written, did not write the report either.
Now the successor writes the missing report after the alert. Tested with a real
redis-server: a shard process SIGKILLs itself at the report of its first invariant alert
(the alert is in its file, the report is not), and a standby takes the shard over.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from monitor_helpers import REPO, RedisServer, line
from shard_helpers import SPEC, cli

#: a shard process that kills itself (SIGKILL, no clean-up) when the run loop asks for the
#: report of its first invariant alert: after the alert was written and flushed
KILLED_AT_REPORT = """
import os, signal, sys
from solvent.monitor import alerts
report_json = alerts.Alert.report_json
def killed(self):
    out = report_json(self)
    if out is not None:
        os.kill(os.getpid(), signal.SIGKILL)
    return out
alerts.Alert.report_json = killed
from solvent.cli import main
sys.argv = ["solvent", *sys.argv[1:]]
sys.exit(main())
"""


def venue() -> list[bytes]:
    """24 accounts at 20x leverage at 2,000 (longs and shorts), then a 10% fall: the longs
    go below zero equity (the invariant breaks), then back to 2,000 (it holds again)."""
    out = [line(type="price", ts=0, seq=1, price="2000"),
           line(type="insurance", ts=0, seq=2, balance="100")]  # fmt: skip
    for a in range(24):
        size = 1 if a % 2 == 0 else -1
        quote = -size * 2000 + 100  # equity 100 at 2,000: 20x
        out.append(line(type="account", ts=0, seq=3 + a, account=a,
                        set={"quote": str(quote), "size": str(size)}))  # fmt: skip
    out.append(line(type="price", ts=1, seq=27, price="1800"))
    out.append(line(type="price", ts=2, seq=28, price="2000"))
    return out


def shard(server: RedisServer, tmp: Path, consumer: str, *, killed: bool) -> Any:
    args = ["monitor", SPEC, "--source", server.url, "--stream", "ev", "--group", "g",
            "--consumer", consumer, "--no-prove", "--detector", "none", "--idle-exit", "2",
            "--checkpoint", str(tmp / "shard.ckpt"), "--checkpoint-every", "1",
            "--alerts", str(tmp / "shard.jsonl"), "--quarantine", str(tmp / "q.jsonl"), "-q"]  # fmt: skip
    cmd = [sys.executable, "-c", KILLED_AT_REPORT, *args] if killed else cli(*args)
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.run(cmd, capture_output=True, timeout=120, env=env)


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]


def test_a_shard_killed_between_an_alert_and_its_report_writes_the_report_on_takeover(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    client = redis_server.client()
    for e in venue():
        client.xadd("ev", {"event": e})
    first = shard(redis_server, tmp_path, "0/1", killed=True)
    assert first.returncode == -9, first.stderr.decode()
    before = records(tmp_path / "shard.jsonl")
    broken = [d for d in before if d["kind"] == "invariant" and d["severity"] == "critical"]
    assert len(broken) == 1  # the alert reached the file ...
    assert not any(d["kind"] == "report" for d in before)  # ... its report did not
    assert client.xpending("ev", "g:0/1")["pending"] > 0
    # a standby takes the shard over: it replays the pending entries from the checkpoint
    second = shard(redis_server, tmp_path, "0/1:standby", killed=False)
    assert second.returncode == 1, second.stderr.decode()
    after = records(tmp_path / "shard.jsonl")
    ids = [d["id"] for d in after]
    alert = broken[0]
    assert ids.count(alert["id"]) == 1  # not written twice
    report_id = alert["details"]["state_report"]
    assert ids.count(report_id) == 1  # and its report is there, after it
    assert ids.index(report_id) > ids.index(alert["id"])
    report = after[ids.index(report_id)]
    assert report["kind"] == "report" and report["details"]["alert"] == alert["id"]
    state = report["details"]["state"]
    assert state["price"] == "1800"
    assert state["size"] == ["1" if a % 2 == 0 else "-1" for a in range(24)]
    assert client.xpending("ev", "g:0/1")["pending"] == 0
