"""Paths and the result of one command run, shared by the report tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
GAP_RISK = ROOT / "examples" / "bugs_detected" / "perp_gap_risk.py"
SAFE_PERP = ROOT / "examples" / "correct" / "perp_isolated.py"
PERP_ONE = ROOT / "tests" / "risk" / "specs" / "perp_one.py"


class Run:
    """One command's output files."""

    def __init__(self, folder: Path, code: int) -> None:
        self.folder = folder
        self.code = code

    def path(self, name: str) -> Path:
        return self.folder / name

    def json(self, name: str = "result.json") -> dict[str, Any]:
        return json.loads(self.path(name).read_text(encoding="utf-8"))

    def text(self, name: str) -> str:
        return self.path(name).read_text(encoding="utf-8")
