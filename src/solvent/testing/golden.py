"""Golden-output checks of the command line, for solvent's own tests and for users' CI.

``run(*args)`` runs ``python -m solvent`` in a subprocess with a fixed terminal width and
``CI=true`` (no spinners); ``check(result, expected_path)`` compares its stdout, with
wall-clock times replaced by ``<time>``, against an expected file. With the environment
variable ``SOLVENT_REGOLD=1`` the expected file is rewritten instead (review the diff).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

_TIME = re.compile(r"(?<=\s)\d+(\.\d+)?s(?=\s)")


def run(
    *args: str, cwd: str | os.PathLike[str] | None = None, columns: int = 120, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """``python -m solvent ARGS`` with a fixed terminal width; stdout and stderr captured."""
    env = {**os.environ, "CI": "true", "COLUMNS": str(columns)}
    return subprocess.run(
        [sys.executable, "-m", "solvent", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def normalize(text: str) -> str:
    """Replace wall-clock times (the only run-to-run difference) and trailing spaces."""
    text = _TIME.sub("<time>", text)
    return "\n".join(line.rstrip() for line in text.splitlines()).strip() + "\n"


def check(result: subprocess.CompletedProcess[str], expected: str | os.PathLike[str]) -> None:
    """Assert the normalized stdout equals the expected file (``SOLVENT_REGOLD=1`` rewrites it)."""
    path = Path(expected)
    got = normalize(result.stdout)
    if os.environ.get("SOLVENT_REGOLD"):
        path.write_text(got, encoding="utf-8")
    assert got == path.read_text(encoding="utf-8"), f"output differs from {path.name}:\n{got}"
