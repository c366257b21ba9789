"""Golden examples of the option, pool-perpetual and multi-collateral models (issue 6,
items 4-6): each correct example is proved (exit 0), each bug is found by ``bmc`` with a
replay-confirmed counterexample (exit 1). The CLI's text output is compared with the
``.expected.txt`` file next to the example (times normalized; ``SOLVENT_REGOLD=1``
rewrites the files).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORRECT = ROOT / "examples" / "correct"
BUGS = ROOT / "examples" / "bugs_detected"

# (example, extra arguments, expected exit code, text the verdict line must contain)
CASES = [
    (CORRECT / "options_vault.py", ["prove", "--no-slack"], 0,
     "[PASS] vault_pays_every_claim, covered_for_every_price  prove k=1"),
    (BUGS / "options_vault_naked_calls.py",
     ["bmc", "--depth", "4", "--invariant", "vault_pays_every_claim"], 1,
     "[FAIL] vault_pays_every_claim  bmc depth 2/4"),
    (BUGS / "options_vault_spot_margin.py",
     ["bmc", "--depth", "4", "--invariant", "vault_pays_every_claim"], 1,
     "[FAIL] vault_pays_every_claim  bmc depth 2/4"),
    (CORRECT / "span_margin.py", ["prove", "--no-slack"], 0,
     "[PASS] covered_at_expiry  prove k=1"),
    (BUGS / "span_off_grid_strikes.py", ["bmc", "--depth", "2"], 1,
     "bmc depth 1/2"),
]


def solvent(*args: str) -> subprocess.CompletedProcess[str]:
    # wide enough for the multi-asset tables (two prices, two oracles, four draws)
    env = {**os.environ, "CI": "true", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "solvent", *args], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=600,
    )


def normalize(text: str) -> str:
    """Replace wall-clock times (the only run-to-run difference) and trailing spaces."""
    text = re.sub(r"(?<=\s)\d+(\.\d+)?s(?=\s)", "<time>", text)
    return "\n".join(line.rstrip() for line in text.splitlines()).strip() + "\n"


@pytest.mark.parametrize(
    ("example", "args", "code", "verdict"), CASES, ids=[c[0].stem for c in CASES]
)
def test_example_output(example: Path, args: list[str], code: int, verdict: str) -> None:
    verb, *rest = args
    result = solvent(verb, str(example.relative_to(ROOT)), *rest)
    assert result.returncode == code, result.stdout + result.stderr
    assert verdict in result.stdout
    if code == 1:
        assert "counterexample confirmed by concrete replay" in result.stdout
    expected = example.with_suffix(".expected.txt")
    got = normalize(result.stdout)
    if os.environ.get("SOLVENT_REGOLD"):
        expected.write_text(got)
    assert got == expected.read_text(), f"output differs from {expected.name}:\n{got}"
