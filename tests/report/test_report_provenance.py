"""Provenance on every result (issue 16, point 5): one test per verb family.

Each result says what it is about (parameter values with defaults and overrides, the
envelope, the scenario and its data source) and how it was made (command line, UTC time,
versions, the spec file's SHA-256, the git commit), with paths relative to the working
directory, in the JSON and in the HTML report.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from report_runs import GAP_RISK, PERP_ONE, ROOT, Run

from solvent import cli
from solvent.report import documents

UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def _head() -> str | None:
    done = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() if done.returncode == 0 else None


def _assert_facts(doc: dict[str, Any], verb: str, spec_file: Path) -> dict[str, Any]:
    block = doc["provenance"]
    assert block["command"][:2] == ["solvent", verb], block["command"]
    assert UTC.match(block["utc"]), block["utc"]
    assert set(block["versions"]) >= {"solvent", "z3", "numba", "numpy", "python"}
    assert block["versions"]["solvent"] and block["versions"]["python"]
    assert block["spec_sha256"] == hashlib.sha256(spec_file.read_bytes()).hexdigest()
    assert block["target"] == spec_file.relative_to(ROOT).as_posix()
    assert doc["target"] == block["target"]
    head = _head()
    if head is not None:  # a clone: the commit of the repository holding the spec
        assert block["git"]["commit"] == head
    assert str(ROOT) not in json.dumps(doc), "an absolute path of the machine"
    return block


def _core_or_risk(result: Run, verb: str, spec_file: Path) -> None:
    doc = result.json()
    block = _assert_facts(doc, verb, spec_file)
    assert block["params"] and block["defaults"].keys() == block["params"].keys()
    assert block["set"] == {} and block["envelope"]
    html = result.text("report.html")
    assert '<section id="provenance">' in html and block["spec_sha256"] in html
    assert validate(doc) == []


def test_bmc_result_carries_provenance(gap_bmc: Run) -> None:
    _core_or_risk(gap_bmc, "bmc", GAP_RISK)


def test_frontier_result_carries_provenance(move_frontier: Run) -> None:
    _core_or_risk(move_frontier, "frontier", PERP_ONE)


def test_synth_result_carries_provenance(margin_grid: Run) -> None:
    _core_or_risk(margin_grid, "synth", PERP_ONE)


def test_stress_result_names_scenario_and_source(stress_run: Run) -> None:
    doc = stress_run.json()
    block = _assert_facts(doc, "stress", GAP_RISK)
    assert block["scenario"]["name"] == "gbm"
    assert block["scenario"]["source"] == "geometric Brownian motion"
    assert "--paths" in block["command"] and "1500" in block["command"]
    html = stress_run.text("report.html")
    assert "geometric Brownian motion" in html and block["utc"] in html


def test_absolute_target_overrides_and_pinned_time(
    tmp_path: Path, in_root: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An absolute target is written relative to the working directory; --set is an
    override beside its default; SOURCE_DATE_EPOCH pins the time."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1584000000")  # 2020-03-12T08:00:00Z
    out = tmp_path / "r.json"
    argv = ["bmc", str(GAP_RISK), "--depth", "2", "--set", "maintenance_margin=0.06"]
    assert cli.run([*argv, "-o", str(out), "-q"]) in (0, 1)
    doc = json.loads(out.read_text(encoding="utf-8"))
    block = _assert_facts(doc, "bmc", GAP_RISK)
    assert block["utc"] == "2020-03-12T08:00:00Z"
    assert block["set"] == {"maintenance_margin": "0.06"}
    assert block["params"]["maintenance_margin"] == "0.06"
    assert block["defaults"]["maintenance_margin"] == "0.05"
    assert "examples/bugs_detected/perp_gap_risk.py" in block["command"]
    assert validate(doc) == []


def test_check_inspect_and_shrink_carry_provenance(
    tmp_path: Path, in_root: None, stress_run: Run, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = ROOT / "tests" / "cli" / "specs" / "counter.py"
    capsys.readouterr()
    cli.run(["check", "tests/cli/specs/counter.py", "--depth", "2", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["provenance"]["command"][:2] == ["solvent", "check"]
    for sub in doc["results"]:
        _assert_facts(sub, "check", spec)
    assert validate(doc) == []

    cli.run(["inspect", str(GAP_RISK), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["target"] == doc["provenance"]["target"] == "examples/bugs_detected/perp_gap_risk.py"
    assert doc["provenance"]["command"][:2] == ["solvent", "inspect"]
    assert doc["provenance"]["spec_sha256"] == hashlib.sha256(GAP_RISK.read_bytes()).hexdigest()

    shrunk = tmp_path / "shrunk.json"
    argv = ["shrink", "examples/bugs_detected/perp_gap_risk.py", str(stress_run.path("result.json")),
            "--out", str(shrunk), "--max-replays", "5", "--format", "json"]  # fmt: skip
    assert cli.run(argv) == 1
    doc = json.loads(capsys.readouterr().out)
    _assert_facts(doc, "shrink", GAP_RISK)


def test_conform_carries_provenance() -> None:
    """In a subprocess: the conform adapters do not mix with the Vyper test plugin."""
    import sys

    argv = [sys.executable, "-m", "solvent", "conform", "examples/conform/perp_spec.py",
            "--impl", "examples/conform/python_adapter.py:EngineAdapter", "--traces", "2",
            "--no-corners", "--format", "json"]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    _assert_facts(doc, "conform", ROOT / "examples" / "conform" / "perp_spec.py")
    assert doc["impl"] == "examples/conform/python_adapter.py:EngineAdapter"


def validate(doc: dict[str, Any]) -> list[str]:
    validator = documents._validator(doc["schema"])
    if validator is None:
        return []
    return [e.message for e in validator.iter_errors(doc)]


def test_history_file_is_named_relative_and_dated(
    in_root: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """A replay of the user's own CSV names the file relative to the working directory
    (never the machine's absolute path) and the data's dates."""
    data = ROOT / "src" / "solvent" / "scenarios" / "data" / "btc_usd_daily.csv"
    argv = ["stress", str(GAP_RISK), "--history", str(data), "--steps", "10", "--paths", "8",
            "--confirm", "0", "--format", "json", "-q"]  # fmt: skip
    cli.run(argv)
    doc = json.loads(capsys.readouterr().out)
    block = _assert_facts(doc, "stress", GAP_RISK)
    assert block["scenario"]["source"] == "file src/solvent/scenarios/data/btc_usd_daily.csv"
    assert block["scenario"]["params"]["start"] == "2011-08-18T00:00:00Z"
    assert "src/solvent/scenarios/data/btc_usd_daily.csv" in block["command"]
