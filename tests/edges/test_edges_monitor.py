"""Issue 15: the monitor quarantines what it cannot use and never stops on a line; its
options are range-checked; alert ids name the account; Ctrl-C and SIGTERM stop it cleanly.

Defects 2 and 3 (monitor part), 9, 12, 13 and the summary after a restart.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from monitor_streams import REPO, SAFE_PERP, alerts_of, keeper_episodes, write_lines

from solvent import cli


def run(capsys: pytest.CaptureFixture[str], *argv: Any) -> tuple[int, str, str]:
    code = cli.run([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _price(seq: int, price: Any) -> dict[str, Any]:
    return {"type": "price", "seq": seq, "ts": float(seq), "price": price}


BAD_LINES = [
    ("1e312", "beyond the monitor's range of magnitudes"),
    ("1e-400", "beyond the monitor's range of magnitudes"),
    ("1e999999", "SOLVENT_MAX_DIGITS"),
    ("9" * 5000, "SOLVENT_MAX_DIGITS"),
    ("9" * 1_100_000, "SOLVENT_MAX_LINE"),
]


def test_bad_numbers_deep_and_long_lines_are_quarantined_and_the_stream_goes_on(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    lines: list[dict[str, Any] | str] = [_price(1, "2000"), _price(2, "2001")]
    seq = 2
    for price, _ in BAD_LINES:
        seq += 1
        lines.append(_price(seq, price))
    seq += 1
    deep = "[" * 100_000 + "]" * 100_000
    lines.append(f'{{"type": "price", "seq": {seq}, "ts": 1, "x": {deep}}}')
    lines += [_price(seq + 1, "2002"), _price(seq + 2, "1e300"), _price(seq + 3, "1e-300")]
    events = write_lines(tmp_path / "e.jsonl", lines)
    quarantine = tmp_path / "q.jsonl"
    started = time.perf_counter()
    code, out, err = run(
        capsys, "monitor", SAFE_PERP, "--source", events, "--no-prove",
        "--alerts", tmp_path / "a.jsonl", "--quarantine", quarantine,
    )  # fmt: skip
    assert time.perf_counter() - started < 30
    assert code in (0, 1), err
    assert "Traceback" not in out + err
    reasons = [json.loads(x)["reason"] for x in quarantine.read_text().splitlines()]
    assert len(reasons) == len(BAD_LINES) + 1, reasons
    for (_, needle), reason in zip(BAD_LINES, reasons, strict=False):
        assert needle in reason, (needle, reason)
    assert "SOLVENT_MAX_DEPTH" in reasons[-1]
    # the good lines after the bad ones were applied (1e300 and 1e-300 are within range)
    assert "5 events applied" in err.replace("\n", " "), err


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--step-seconds", "nan"),
        ("--step-seconds", "inf"),
        ("--metrics-port", "99999"),
        ("--metrics-port", "-1"),
        ("--anomaly-threshold", "nan"),
        ("--max-events", "-1"),
        ("--max-events", "0"),
        ("--reorder-window", "-2"),
        ("--idle-exit", "nan"),
        ("--keeper-grace", "nan"),
        ("--checkpoint-every", "0"),
        ("--critical-distance", "1e99999"),
    ],
)
def test_monitor_options_out_of_range_are_refused_by_name(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, option: str, value: str
) -> None:
    events = write_lines(tmp_path / "e.jsonl", [_price(1, "2000")])
    code, out, err = run(
        capsys, "monitor", SAFE_PERP, "--source", events, "--no-prove", option, value
    )
    assert code == 3, (code, out, err)
    assert err.startswith(f"error: {option}"), err  # names the bad option, and only it
    others = {"--reorder-window", "--anomaly-warmup", "--keeper-grace", "--checkpoint-every"}
    assert not any(o in err for o in others - {option}), err


def test_one_event_breaking_the_keeper_for_several_accounts_gives_distinct_ids(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    events = write_lines(tmp_path / "e.jsonl", keeper_episodes(2))  # type: ignore[arg-type]
    alerts = tmp_path / "a.jsonl"
    code, _, err = run(
        capsys, "monitor", SAFE_PERP, "--source", events, "--no-prove", "--detector", "none",
        "--alerts", alerts, "--quarantine", tmp_path / "q",
    )  # fmt: skip
    assert code == 1, err
    keeper = [a for a in alerts_of(alerts) if a["kind"] == "keeper"]
    assert len(keeper) == 6
    assert [a["id"] for a in keeper[:3]] == [
        f"{keeper[0]['seq']}:keeper:keeper.liquidate.every_step:{account}" for account in range(3)
    ]
    ids = [a["id"] for a in alerts_of(alerts)]
    assert len(ids) == len(set(ids))


def test_restart_summary_separates_this_run_from_the_stream_totals(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    events = write_lines(tmp_path / "e.jsonl", keeper_episodes(4))  # type: ignore[arg-type]
    base = [
        "monitor", SAFE_PERP, "--source", events, "--no-prove", "--detector", "none",
        "--alerts", tmp_path / "a.jsonl", "--quarantine", tmp_path / "q",
        "--checkpoint", tmp_path / "ck", "--checkpoint-every", "1",
    ]  # fmt: skip
    code, _, err = run(capsys, *base, "--max-events", "20")
    assert code == 1
    assert "20 lines, 20 events applied" in err
    code, _, err = run(capsys, *base)
    flat = " ".join(err.split())
    assert code == 1, err
    assert "this run: 22 lines" in flat, flat
    assert "since the stream's start: 42 events applied" in flat, flat


def test_a_critical_breach_before_a_restart_still_fails_the_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    events = keeper_episodes(1)
    events += [_price(len(events) + i + 1, "2000") for i in range(5)]
    path = write_lines(tmp_path / "e.jsonl", events)  # type: ignore[arg-type]
    base = [
        "monitor", SAFE_PERP, "--source", path, "--no-prove", "--detector", "none",
        "--alerts", tmp_path / "a.jsonl", "--quarantine", tmp_path / "q",
        "--checkpoint", tmp_path / "ck", "--checkpoint-every", "1",
    ]  # fmt: skip
    assert run(capsys, *base, "--max-events", "12")[0] == 1  # the breaches are at line 10
    code, _, err = run(capsys, *base)  # only calm prices are left
    assert code == 1, err


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_and_sigterm_on_follow_stop_with_the_summary(tmp_path: Path, sig: int) -> None:
    events = write_lines(tmp_path / "e.jsonl", keeper_episodes(3))  # type: ignore[arg-type]
    alerts = tmp_path / "a.jsonl"
    cmd = [
        sys.executable, "-m", "solvent", "monitor", SAFE_PERP, "--source", str(events),
        "--follow", "--no-prove", "--detector", "none", "--alerts", str(alerts),
        "--quarantine", str(tmp_path / "q"),
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(alerts_of(alerts) if alerts.exists() else []) < 9:
        time.sleep(0.02)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=30)
    flat = " ".join(err.split())
    assert proc.returncode == 1, (proc.returncode, err)  # critical keeper breaches: exit 1
    how = "Ctrl-C" if sig == signal.SIGINT else "SIGTERM"
    assert f"stopped by {how}" in flat, err
    assert "events applied" in flat and "Traceback" not in err
    assert "no verdict" not in err
