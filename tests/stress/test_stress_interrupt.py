"""Ctrl-C on a real `solvent stress` process: clean stop, finished blocks kept, --resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ARGS = [
    "--scenario",
    "gbm",
    "--opt",
    "vol=2",
    "--paths",
    "120000",
    "--steps",
    "40",
    "--accounts",
    "2",
    "--seed",
    "9",
    "--chunk",
    "1024",
    "--confirm",
    "3",
    "--format",
    "json",
]


def _cmd(spec: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "solvent", "stress", spec, *ARGS, *extra]


def test_ctrl_c_keeps_blocks_and_resume_gives_the_uninterrupted_numbers(
    spec_path, tmp_path
) -> None:
    spec = spec_path("perp_small")
    env = dict(os.environ, CI="true")
    proc = subprocess.Popen(
        _cmd(spec), cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    ckpt = tmp_path / ".solvent-stress"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        files = list(ckpt.glob("*.jsonl")) if ckpt.exists() else []
        if files and len(files[0].read_text().splitlines()) >= 3:
            break
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2, err.decode()
    doc = json.loads(out)
    assert doc["interrupted"] is True and 0 < doc["blocks"]["done"] < doc["blocks"]["total"]
    assert any("--resume" in n for n in doc["notes"]) and b"Traceback" not in err
    assert list(ckpt.glob("*.jsonl"))  # kept for --resume

    resumed = subprocess.run(
        _cmd(spec, "--resume"), cwd=tmp_path, env=env, capture_output=True, timeout=300
    )
    full = subprocess.run(
        _cmd(spec, "--checkpoint-dir", str(tmp_path / "other")),
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=300,
    )
    a, b = json.loads(resumed.stdout), json.loads(full.stdout)
    assert resumed.returncode == full.returncode == b["exit_code"]
    assert any("resumed:" in n for n in a["notes"])
    drop = lambda d: {k: v for k, v in d.items() if k != "seconds"}  # noqa: E731
    assert a["metrics"] == b["metrics"] and drop(a["confirmation"]) == drop(b["confirmation"])
    assert not Path(ckpt).exists() or not list(ckpt.glob("*.jsonl"))
