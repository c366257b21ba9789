"""Headless Chromium (Debian's package) for the report tests: DOM after scripts + screenshot.

``scripts/test`` installs it. Without it the browser tests skip on a developer machine
and FAIL under ``CI=true`` (a missing browser must never pass CI silently).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1200,2400",
    "--virtual-time-budget=5000",
]


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def chromium() -> str:
    """The browser's path, or skip (fail under CI) when it is not installed."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    message = "chromium is not installed: run `bash scripts/test`, which installs it"
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)


@dataclass(frozen=True)
class Page:
    dom: str
    screenshot: Path


def render(html: Path, out_dir: Path, *extra: str) -> subprocess.Popen[bytes]:
    """Start one headless load of ``html``; ``finish`` collects it (so loads can overlap)."""
    profile = tempfile.mkdtemp(prefix="chromium-profile-", dir=out_dir)
    shot = out_dir / (html.stem + ".png")
    dom = out_dir / (html.stem + ".dom.html")
    args = [chromium(), *FLAGS, *extra, f"--user-data-dir={profile}", f"--screenshot={shot}", "--dump-dom",
            html.resolve().as_uri()]  # fmt: skip
    return subprocess.Popen(args, stdout=dom.open("wb"), stderr=subprocess.DEVNULL, cwd=out_dir)


def finish(proc: subprocess.Popen[bytes], html: Path, out_dir: Path, timeout: float = 90) -> Page:
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError(f"chromium did not finish rendering {html} in {timeout}s") from None
    assert code == 0, f"chromium exited {code} on {html}"
    dom = (out_dir / (html.stem + ".dom.html")).read_text(encoding="utf-8", errors="replace")
    return Page(dom, out_dir / (html.stem + ".png"))
