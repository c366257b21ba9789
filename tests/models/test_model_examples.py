"""Every model's examples: the correct one proves, the buggy one fails under bmc with a
replayed counterexample; the CLI's text output is compared with the .expected.txt next
to each example (times normalized; ``SOLVENT_REGOLD=1`` rewrites them, as in
tests/golden/test_golden_pair.py).

prove runs with ``--no-slack``: the slack search (a frontier per envelope bound) takes
minutes on these specs and is tested with the risk verbs, not here.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from solvent.testing import golden

ROOT = Path(__file__).resolve().parents[2]

PROVED = [
    ("examples/correct/fee_rounding.py", "vault_covers_lp_claim", 2),
    # accounts that interact only through an insurance fund: proved for any number
    # (the shared-accumulator rule, tests/check/test_decompose_shared.py)
    ("examples/correct/perp_cross.py", "solvent", "any"),
    ("examples/correct/perp_inverse.py", "solvent", "any"),
    (
        "examples/correct/insurance_waterfall.py",
        "conserves_value, bad_debt_assigned, no_negative_equity",
        2,
    ),
    ("examples/correct/perp_pool.py", "vault_solvent", 2),
]

BROKEN = [
    ("examples/bugs_detected/fee_rounding.py", "vault_covers_lp_claim", 2),
    ("examples/bugs_detected/perp_cross_partial.py", "solvent", 3),
    ("examples/bugs_detected/perp_inverse_convexity.py", "solvent", 3),
    ("examples/bugs_detected/insurance_write_off.py", "conserves_value", 3),
    ("examples/bugs_detected/perp_pool_overreserved.py", "vault_solvent", 3),
]


def solvent(*args: str) -> subprocess.CompletedProcess[str]:
    return golden.run(*args, cwd=ROOT, columns=160)


def check_golden(result: subprocess.CompletedProcess[str], example: str) -> None:
    golden.check(result, (ROOT / example).with_suffix(".expected.txt"))


@pytest.mark.parametrize(("example", "names", "accounts"), PROVED)
def test_correct_example_is_proved(example: str, names: str, accounts: int | str) -> None:
    result = solvent("prove", example, "--no-slack")
    assert result.returncode == 0, result.stdout + result.stderr
    plural = "account" if accounts == 1 else "accounts"
    assert f"[PASS] {names}  prove k=1" in result.stdout
    if accounts == "any":
        assert "proved for every path length and every number of accounts" in result.stdout
    else:
        assert f"proved for every path length ({accounts} {plural})" in result.stdout
    check_golden(result, example)


@pytest.mark.parametrize(("example", "invariant", "depth"), BROKEN)
def test_buggy_example_is_broken_by_bmc(example: str, invariant: str, depth: int) -> None:
    result = solvent("bmc", example, "--depth", "4")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"[FAIL] {invariant}  bmc depth {depth}/4" in result.stdout
    assert "counterexample confirmed by concrete replay" in result.stdout
    check_golden(result, example)


def test_fixed_point_counterexample_replays_on_the_grid(tmp_path: Path) -> None:
    """The dust-fee trace is saved as JSON, holds 6-decimal numbers and replays (exit 1);
    the same trace on the rounded-up twin is no violation (exit 0)."""
    out = tmp_path / "fee.json"
    bug, fixed = "examples/bugs_detected/fee_rounding.py", "examples/correct/fee_rounding.py"
    result = solvent("bmc", bug, "--depth", "3", "--format", "json", "-o", str(out))
    assert result.returncode == 1, result.stdout + result.stderr
    trace = json.loads(out.read_text())["counterexample"]
    notionals = [step["action"]["args"]["notional"] for step in trace["steps"]]
    for n in notionals:
        assert len(n.split(".")[1]) <= 6 if "." in n else True, n
    replayed = solvent("replay", bug, str(out))
    assert replayed.returncode == 1, replayed.stdout + replayed.stderr
    assert "vault_covers_lp_claim fails at step 2" in replayed.stdout
    safe = solvent("replay", fixed, str(out))
    assert safe.returncode == 0, safe.stdout + safe.stderr
