"""`solvent monitor` and `solvent monitor-convert` end to end, including a SIGKILL restart."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from monitor_helpers import DATA, SAFE_PERP, RedisServer, free_port, line, write_events

from solvent.cli import run


def _alerts(path: Path) -> list[dict[str, Any]]:
    out = []
    for raw in path.read_text().splitlines():
        try:
            out.append(json.loads(raw))
        except ValueError:
            continue  # a line torn by SIGKILL
    return out


@pytest.fixture(scope="module")
def proof(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("proof") / "proof.json"
    assert run(["prove", SAFE_PERP, "--no-slack", "-q", "-o", str(path)]) == 0
    return path


def test_convert_then_monitor_a_crash_with_the_proof(
    tmp_path: Path, proof: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = tmp_path / "events.jsonl"
    assert (
        run(["monitor-convert", str(DATA / "btcusdt_perp_1m_2025-10-10.csv"), "-o", str(events)])
        == 0
    )
    alerts = tmp_path / "alerts.jsonl"
    # per-update steps: the worst leg of 2025-10-10 is -6.7% (21:19 high to low), inside the 8% envelope
    code = run(
        [
            "monitor",
            SAFE_PERP,
            "--source",
            str(events),
            "--proof",
            str(proof),
            "--alerts",
            str(alerts),
            "--quarantine",
            str(tmp_path / "q.jsonl"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 0, err
    assert (
        "checking: envelope.move.lo, envelope.move.hi, keeper.liquidate.every_step"
        in err.replace("\n", " ")
    )
    assert "2884 events applied" in err
    kinds = {a["kind"] for a in _alerts(alerts)}
    assert kinds == {"anomaly"}  # the feed looked abnormal, no assumption broke
    # hourly steps: 20:00 -> 21:20 falls -13% (README figure 4), beyond the 8% envelope
    hourly = tmp_path / "hourly.jsonl"
    code = run(
        [
            "monitor",
            SAFE_PERP,
            "--source",
            str(events),
            "--proof",
            str(proof),
            "--alerts",
            str(hourly),
            "--step-seconds",
            "3600",
            "--detector",
            "none",
            "-q",
        ]
    )
    assert code == 1
    breach = [a for a in _alerts(hourly) if a["kind"] == "envelope"]
    assert (
        breach
        and breach[0]["name"] == "envelope.move.lo"
        and "the proof no longer covers this market" in breach[0]["message"]
    )
    assert not (
        tmp_path / "q.jsonl"
    ).exists()  # nothing to quarantine: the file is not even created


def test_bad_proof_file_and_options_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = write_events(
        tmp_path / "e.jsonl", [{"type": "price", "ts": 1, "seq": 1, "price": "1"}]
    )
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "solvent-result/1", "check": "bmc", "verdict": "FAIL"}')
    assert run(["monitor", SAFE_PERP, "--source", str(events), "--proof", str(bad)]) == 3
    assert "SV452" in capsys.readouterr().err
    assert (
        run(["monitor", SAFE_PERP, "--source", str(events), "--proof", str(tmp_path / "none.json")])
        == 3
    )
    assert run(["monitor", SAFE_PERP, "--source", str(tmp_path / "none.jsonl"), "--no-prove"]) == 3
    assert "SV451" in capsys.readouterr().err
    assert (
        run(["monitor", SAFE_PERP, "--source", str(events), "--no-prove", "--move-field", "nope"])
        == 3
    )
    assert "SV453" in capsys.readouterr().err
    assert (
        run(
            [
                "monitor",
                SAFE_PERP,
                "--source",
                str(events),
                "--no-prove",
                "--critical-distance",
                "abc",
            ]
        )
        == 3
    )
    assert (
        run(
            [
                "monitor",
                SAFE_PERP,
                "--source",
                "-",
                "--no-prove",
                "--checkpoint",
                str(tmp_path / "c"),
            ]
        )
        == 3
    )


def test_unreachable_redis_exits_3_with_a_clear_message(capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    code = run(
        [
            "monitor",
            SAFE_PERP,
            "--source",
            f"redis://127.0.0.1:{port}/0",
            "--stream",
            "ev",
            "--no-prove",
        ]
    )
    err = capsys.readouterr().err
    assert (
        code == 3 and f"cannot reach Redis at redis://127.0.0.1:{port}/0" in err and "SV451" in err
    )


def test_monitor_reads_a_redis_stream_and_resumes(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    r = redis_server.client()
    for i, p in enumerate(["2000", "2010", "2200", "2190"]):
        r.xadd("prices", {"event": line(type="price", ts=i, seq=i + 1, price=p)})
    r.xadd("prices", {"event": b"{broken"})
    r.xadd("prices", {"payload": b"{}"})
    alerts, ck = tmp_path / "a.jsonl", tmp_path / "ck.pickle"
    args = [
        "monitor",
        SAFE_PERP,
        "--source",
        redis_server.url,
        "--stream",
        "prices",
        "--no-prove",
        "--idle-exit",
        "0.3",
        "--alerts",
        str(alerts),
        "--checkpoint",
        str(ck),
        "--quarantine",
        str(tmp_path / "q.jsonl"),
        "-q",
    ]
    assert run(args) == 1
    assert [a["name"] for a in _alerts(alerts)] == ["envelope.move.hi"]
    quarantined = [json.loads(x)["reason"] for x in (tmp_path / "q.jsonl").read_text().splitlines()]
    assert (
        "malformed JSON" in quarantined[0]
        and "no `event` field (its fields: payload)" in quarantined[1]
    )
    r.xadd("prices", {"event": line(type="price", ts=9, seq=5, price="1990")})  # -9.1%
    assert run(args) == 1
    assert [a["name"] for a in _alerts(alerts)] == [
        "envelope.move.hi",
        "envelope.move.lo",
    ]  # only the new one


def _crash_file(path: Path, n: int) -> Path:
    events = []
    price = 2000.0
    for i in range(n):
        price = price * (
            1.10 if i % 40 == 39 else (0.999 if i % 2 else 1.001)
        )  # a breach every 40 events
        events.append({"type": "price", "ts": i, "seq": i + 1, "price": f"{price:.6f}"})
    return write_events(path, events)


def test_sigkill_mid_stream_then_restart_neither_loses_nor_repeats_alerts(tmp_path: Path) -> None:
    n = 6_000
    events = _crash_file(tmp_path / "e.jsonl", n)
    size = events.stat().st_size
    base = [
        "monitor",
        SAFE_PERP,
        "--source",
        str(events),
        "--no-prove",
        "--exact-invariants",
        "--distance",
        "none",
        "--checkpoint-every",
        "50",
        "-q",
    ]
    whole = tmp_path / "whole.jsonl"
    assert run([*base, "--alerts", str(whole), "--quarantine", str(tmp_path / "q0")]) == 1
    expected = [a["id"] for a in _alerts(whole)]
    assert len(expected) >= n // 40 - 1

    alerts, ck = tmp_path / "alerts.jsonl", tmp_path / "ck.pickle"
    cmd = [
        sys.executable,
        "-m",
        "solvent",
        *base,
        "--alerts",
        str(alerts),
        "--checkpoint",
        str(ck),
        "--quarantine",
        str(tmp_path / "q1"),
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (alerts.exists() and len(_alerts(alerts)) >= 20):
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    from solvent.monitor import checkpoint

    doc = checkpoint.load(str(ck), spec="perp-isolated", source=f"file:{events.resolve()}")
    assert doc is not None and 0 < doc["position"] < size, "the kill must land mid-stream"
    assert len(_alerts(alerts)) < len(expected)

    restarted = subprocess.run(cmd, env=env, capture_output=True, timeout=120)
    assert restarted.returncode == 1, restarted.stderr.decode()
    got = [a["id"] for a in _alerts(alerts)]
    assert got == expected  # every alert exactly once, in order
    doc = checkpoint.load(str(ck), spec="perp-isolated", source=f"file:{events.resolve()}")
    assert (
        doc["position"] == size and doc["snapshot"]["counters"].events == n
    )  # no event lost or applied twice


def test_live_view_renders_the_state(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = write_events(
        tmp_path / "e.jsonl",
        [
            {"type": "price", "ts": i, "seq": i + 1, "price": p}
            for i, p in enumerate(["2000", "2010", "2200"])
        ],
    )
    code = run(
        [
            "monitor",
            SAFE_PERP,
            "--source",
            str(events),
            "--no-prove",
            "--live",
            "--detector",
            "none",
            "--alerts",
            str(tmp_path / "a.jsonl"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "solvent monitor · perp-isolated" in err and "2200" in err
    assert "CRITICAL" in err and "envelope.move.hi broken" in err and "envelope.move.hi: 1" in err


def test_stdin_source(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    data = b"\n".join(
        line(type="price", ts=i, seq=i + 1, price=p) for i, p in enumerate(["2000", "1800", "1810"])
    )
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data + b"\n")))
    code = run(
        [
            "monitor",
            SAFE_PERP,
            "--source",
            "-",
            "--no-prove",
            "--detector",
            "none",
            "-q",
            "--quarantine",
            str(tmp_path / "q.jsonl"),
        ]
    )
    out = capsys.readouterr().out
    alerts = [json.loads(x) for x in out.splitlines()]
    assert code == 1 and [a["name"] for a in alerts] == ["envelope.move.lo"]  # 2000 -> 1800 is -10%


def test_proves_at_start_without_a_proof_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = write_events(
        tmp_path / "e.jsonl", [{"type": "price", "ts": 1, "seq": 1, "price": "2000"}]
    )
    code = run(
        [
            "monitor",
            SAFE_PERP,
            "--source",
            str(events),
            "--detector",
            "none",
            "--alerts",
            str(tmp_path / "a"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 0 and "proved at k=1" in err
    assert (
        "checking: envelope.move.lo, envelope.move.hi, keeper.liquidate.every_step"
        in err.replace("\n", " ")
    )
    assert "not checked: action.trade.qty" not in err  # unused by the proof: not even listed


def test_checkpoint_of_another_source_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = write_events(tmp_path / "a.jsonl", [{"type": "price", "ts": 1, "seq": 1, "price": "2000"}])
    b = write_events(tmp_path / "b.jsonl", [{"type": "price", "ts": 1, "seq": 1, "price": "2000"}])
    ck = tmp_path / "ck.pickle"
    base = [
        SAFE_PERP,
        "--no-prove",
        "--detector",
        "none",
        "-q",
        "--checkpoint",
        str(ck),
        "--alerts",
        str(tmp_path / "al"),
    ]
    assert run(["monitor", "--source", str(a), *base]) == 0
    assert run(["monitor", "--source", str(b), *base]) == 3
    assert "SV454" in capsys.readouterr().err
    ck.write_bytes(b"not a pickle")
    assert run(["monitor", "--source", str(a), *base]) == 3
