"""`solvent monitor-route`: one Redis stream relayed into the shards' routed streams, with a
real redis-server (in CI a missing redis-server fails, never skips).

* Killed with SIGKILL mid-stream (one entry per transaction) and started again, then run
  once more after the producer appended more: every shard stream holds exactly the lines
  ``destinations`` gives it, once each, in the producer's order (exactly once across
  restarts), and the relay's summary names what it routed.
* SIGTERM stops a relay that has no ``--idle-exit`` with exit 0.
* Bad input exits 3 with the option and the rule named: another number of shards than
  the stream was routed into (SV453), a key that is not a stream and an unreachable
  server (SV451), a URL that is not Redis, 0 shards (SV300).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from monitor_helpers import RedisServer
from shard_helpers import venue_events

from solvent import cli
from solvent.monitor.route import MARK, destinations, position_key, routed_stream
from solvent.monitor.shard import ShardName


def _route(server: RedisServer, *args: str) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "solvent", "monitor-route", "--source", server.url, *args]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=os.environ)


def _events_of(server: RedisServer, stream: str) -> list[bytes]:
    return [f[b"event"] for _id, f in server.client().xrange(stream) if MARK not in f]


def test_route_is_exactly_once_across_a_kill_and_a_restart(redis_server: RedisServer) -> None:
    events = venue_events(400, seed=5)
    first, later = events[:300], events[300:]
    client = redis_server.client()
    pipe = client.pipeline(transaction=False)
    for e in first:
        pipe.xadd("ev", {"event": e})
    pipe.execute()
    proc = _route(redis_server, "--stream", "ev", "--shards", "3", "--count", "1")
    deadline = time.monotonic() + 60
    while client.get(position_key("ev")) is None or len(_events_of(redis_server, "ev.in.0/3")) < 5:
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    proc.kill()  # SIGKILL between (or inside) transactions
    proc.wait(10)
    for args in (["--idle-exit", "0.5"], ["--idle-exit", "0.5", "--count", "64"]):
        out = _route(redis_server, "--stream", "ev", "--shards", "3", *args)
        _, err = out.communicate(timeout=120)
        assert out.returncode == 0, err.decode()
        assert b"routed" in err and b"ev.in.2/3" in err
        for e in later:  # the producer goes on; the next run routes only these
            client.xadd("ev", {"event": e})
        later = []
    for k in range(3):
        want = [e for e in events if k in destinations(e, 3)]
        assert _events_of(redis_server, routed_stream("ev", ShardName(k, 3))) == want


def test_sigterm_stops_a_relay_without_idle_exit(redis_server: RedisServer) -> None:
    proc = _route(redis_server, "--stream", "quiet", "--shards", "2")
    client, deadline = redis_server.client(), time.monotonic() + 60
    # the relay is in its loop (its signal handlers set) once it waits in XREAD
    while not any(c.get("cmd") == "xread" for c in client.client_list()):
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err.decode()
    assert b"routed 0 entries of quiet" in err


def test_bad_input_exits_3_naming_the_problem(
    redis_server: RedisServer, capsys: pytest.CaptureFixture[str]
) -> None:
    client = redis_server.client()
    client.xadd("ev", {"event": b'{"type":"price","ts":0,"seq":1,"price":"100"}'})
    url = ["--source", redis_server.url]
    assert (
        cli.run(["monitor-route", *url, "--stream", "ev", "--shards", "2", "--idle-exit", "0.2"])
        == 0
    )
    cases = [
        (["--shards", "3", "--idle-exit", "0.2"], "already routed into 2 shard streams", "SV453"),
        (["--shards", "0"], "--shards must be between 1 and 1024", "SV300"),
        (["--shards", "2", "--count", "0"], "--count must be at least 1", "SV300"),
        (["--shards", "2", "--idle-exit", "-1"], "--idle-exit must be", "SV300"),
    ]
    for args, words, code in cases:
        capsys.readouterr()
        assert cli.run(["monitor-route", *url, "--stream", "ev", *args]) == 3, args
        err = capsys.readouterr().err
        assert words in err and code in err, (args, err)
    client.set("text", "x")
    assert cli.run(["monitor-route", *url, "--stream", "text", "--shards", "2"]) == 3
    err = capsys.readouterr().err
    assert "text" in err and "not a stream" in err and "SV451" in err
    down = "redis://127.0.0.1:1/0"
    assert cli.run(["monitor-route", "--source", down, "--stream", "ev", "--shards", "2"]) == 3
    err = capsys.readouterr().err
    assert "cannot reach Redis" in err and "SV451" in err
    assert (
        cli.run(["monitor-route", "--source", "http://x", "--stream", "ev", "--shards", "2"]) == 3
    )
    err = capsys.readouterr().err
    assert "give --source redis://" in err and "SV300" in err
