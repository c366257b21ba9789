"""Regression export: the generated pytest file passes while the bug is there and fails once
the spec is fixed; the CSV holds the price path and the per-step state exactly."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from report_runs import GAP_RISK, ROOT, SAFE_PERP, Run

from solvent import cli


def run_pytest(test_file: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
        cwd=test_file.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def exported(gap_bmc: Run, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the buggy spec with a regression test exported next to it."""
    folder = tmp_path_factory.mktemp("regression")
    spec = folder / "my_perp.py"
    shutil.copy(GAP_RISK, spec)
    test_file = folder / "test_gap_regression.py"
    code = cli.run(["replay", str(spec), str(gap_bmc.path("result.json")), "-q",
                    "--export-pytest", str(test_file), "--export-csv", str(folder / "path.csv")])  # fmt: skip
    assert code == 1
    return test_file


def test_exported_test_passes_while_the_bug_is_there(exported: Path) -> None:
    source = exported.read_text()
    assert "EXPECT_VIOLATION = True" in source and "INVARIANT = 'solvent'" in source
    assert "def test_perp_gap_risk_solvent_still_breaks" in source
    done = run_pytest(exported)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_exported_test_fails_once_the_spec_is_fixed(exported: Path, tmp_path: Path) -> None:
    folder = tmp_path / "fixed"
    shutil.copytree(exported.parent, folder)
    shutil.copy(SAFE_PERP, folder / "my_perp.py")  # the fix: maintenance margin 8%
    done = run_pytest(folder / exported.name)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "no longer breaks solvent" in done.stdout and "the bug looks fixed" in done.stdout
    # flipping the switch turns it into a passing regression guard of the fix
    test_file = folder / exported.name
    test_file.write_text(
        test_file.read_text().replace("EXPECT_VIOLATION = True", "EXPECT_VIOLATION = False")
    )
    done = run_pytest(test_file)
    assert done.returncode == 0, done.stdout + done.stderr


def test_export_of_a_safe_trace_is_a_guard(gap_bmc: Run, tmp_path: Path, in_root: None) -> None:
    test_file = tmp_path / "test_guard.py"
    code = cli.run(["replay", str(SAFE_PERP.relative_to(ROOT)), str(gap_bmc.path("result.json")),
                    "-q", "--export-pytest", str(test_file)])  # fmt: skip
    assert code == 0
    assert "EXPECT_VIOLATION = False" in test_file.read_text()
    done = run_pytest(test_file)
    assert done.returncode == 0, done.stdout + done.stderr


def test_csv_of_the_path(exported: Path) -> None:
    rows = list(csv.DictReader(io.StringIO((exported.parent / "path.csv").read_text())))
    assert [r["step"] for r in rows] == ["0", "1", "2", "3"]
    assert [r["price"] for r in rows] == ["2000", "2000", "2060", "2224.8"]
    assert [r["move"] for r in rows] == ["", "0", "0.03", "0.08"]
    assert rows[1]["action"] == "trade(2, qty=-50)" and rows[1]["action_enabled"] == "true"
    assert rows[3]["keepers"] == "liquidate(2)" and rows[3]["failures"] == "solvent"
    assert rows[2]["account_equity[2]"] == "7000" and rows[2]["maintenance[2]"] == "5150"
    assert rows[3]["bad_debt"] == "1140"
