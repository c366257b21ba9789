"""Fuzz tests: see fuzz_support.py for the profiles and the property."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fuzz_support import PROFILE, TRIED  # noqa: E402


@pytest.fixture(autouse=True)
def _in_scratch_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Run where stray files (a stress checkpoint of a refused run) cannot land in the repo."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CI", raising=False)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """With SOLVENT_FUZZ_SUMMARY=PATH, write the inputs tried per target (for the records)."""
    path = os.environ.get("SOLVENT_FUZZ_SUMMARY")
    if path and TRIED:
        Path(path).write_text(json.dumps({"profile": PROFILE, "tried": TRIED}, indent=1))
