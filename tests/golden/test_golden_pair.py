"""The first golden pair (issue: foundation): the isolated perpetual, 3 accounts.

Margin 5% under an 8% per-step envelope: bmc finds the gap-risk counterexample (exit 1);
margin 8%: prove proves it for every path length (exit 0). The CLI's text output is
compared with the expected files next to the examples (times normalized).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUG = ROOT / "examples" / "bugs_detected" / "perp_gap_risk.py"
SAFE = ROOT / "examples" / "correct" / "perp_isolated.py"


def solvent(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CI": "true", "COLUMNS": "120"}
    return subprocess.run(
        [sys.executable, "-m", "solvent", *args], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=600,
    )


def normalize(text: str) -> str:
    """Replace wall-clock times (the only run-to-run difference) and trailing spaces."""
    text = re.sub(r"(?<=\s)\d+(\.\d+)?s(?=\s)", "<time>", text)
    return "\n".join(line.rstrip() for line in text.splitlines()).strip() + "\n"


def check_golden(result: subprocess.CompletedProcess[str], expected: Path) -> None:
    got = normalize(result.stdout)
    if os.environ.get("SOLVENT_REGOLD"):
        expected.write_text(got)
    assert got == expected.read_text(), f"output differs from {expected.name}:\n{got}"


def test_bmc_finds_gap_risk_counterexample() -> None:
    result = solvent("bmc", str(BUG.relative_to(ROOT)), "--depth", "5")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "[FAIL] solvent  bmc depth 3/5" in result.stdout
    assert "counterexample confirmed by concrete replay" in result.stdout
    check_golden(result, BUG.with_suffix(".expected.txt"))


def test_prove_proves_safe_perp() -> None:
    result = solvent("prove", str(SAFE.relative_to(ROOT)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[PASS] solvent  prove k=1" in result.stdout
    assert "proved for every path length (3 accounts)" in result.stdout
    check_golden(result, SAFE.with_suffix(".expected.txt"))


def test_counterexample_json_replays(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    result = solvent("bmc", str(BUG), "--depth", "5", "--format", "json", "-o", str(out))
    assert result.returncode == 1, result.stdout + result.stderr
    data = json.loads(out.read_text())
    assert data["verdict"] == "FAIL" and data["depth"] == 3
    steps = data["counterexample"]["steps"]
    assert len(steps) == 3
    # the envelope is respected by every draw
    assert all(abs(float(s["market"]["move"])) <= 0.08 for s in steps)
    replayed = solvent("replay", str(BUG), str(out))
    assert replayed.returncode == 1, replayed.stdout + replayed.stderr
    assert "solvent fails at step 3" in replayed.stdout
    # the same path on the safe spec (margin 8%) is not a violation
    trace = tmp_path / "trace.json"
    trace.write_text(json.dumps({**data["counterexample"], "#meta": {
        **data["counterexample"]["#meta"], "spec": "perp-isolated"}}))
    safe = solvent("replay", str(SAFE), str(trace))
    assert safe.returncode == 0, safe.stdout + safe.stderr


@pytest.mark.parametrize("verb", ["lint", "inspect"])
def test_other_verbs_accept_the_examples(verb: str) -> None:
    for path in (BUG, SAFE):
        result = solvent(verb, str(path))
        assert result.returncode == 0, result.stdout + result.stderr
