"""Golden examples of the option, pool-perpetual and multi-collateral models (issue 6,
items 4-6): each correct example is proved (exit 0), each bug is found by ``bmc`` with a
replay-confirmed counterexample (exit 1). The CLI's text output is compared with the
``.expected.txt`` file next to the example (times normalized; ``SOLVENT_REGOLD=1``
rewrites the files).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from solvent.testing import golden

ROOT = Path(__file__).resolve().parents[2]
CORRECT = ROOT / "examples" / "correct"
BUGS = ROOT / "examples" / "bugs_detected"

# (example, extra arguments, expected exit code, text the verdict line must contain)
CASES = [
    (
        CORRECT / "options_vault.py",
        ["prove", "--no-slack"],
        0,
        "[PASS] vault_pays_every_claim, covered_for_every_price  prove k=1",
    ),
    (
        BUGS / "options_vault_naked_calls.py",
        ["bmc", "--depth", "4", "--invariant", "vault_pays_every_claim"],
        1,
        "[FAIL] vault_pays_every_claim  bmc depth 2/4",
    ),
    (
        BUGS / "options_vault_spot_margin.py",
        ["bmc", "--depth", "4", "--invariant", "vault_pays_every_claim"],
        1,
        "[FAIL] vault_pays_every_claim  bmc depth 2/4",
    ),
    (CORRECT / "span_margin.py", ["prove", "--no-slack"], 0, "[PASS] covered_at_expiry  prove k=1"),
    (BUGS / "span_off_grid_strikes.py", ["bmc", "--depth", "2"], 1, "bmc depth 1/2"),
    (CORRECT / "multi_collateral.py", ["prove", "--no-slack"], 0, "[PASS] no_bad_debt  prove k=1"),
    (
        BUGS / "multi_collateral_depeg.py",
        ["bmc", "--depth", "4"],
        1,
        "[FAIL] no_bad_debt  bmc depth",
    ),
    (
        BUGS / "multi_collateral_oracle_lag.py",
        ["bmc", "--depth", "4"],
        1,
        "[FAIL] no_bad_debt  bmc depth 2/4",
    ),
]


def solvent(*args: str) -> subprocess.CompletedProcess[str]:
    # wide enough for the multi-asset tables (two prices, two oracles, four draws)
    return golden.run(*args, cwd=ROOT, columns=200)


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
    golden.check(result, example.with_suffix(".expected.txt"))
