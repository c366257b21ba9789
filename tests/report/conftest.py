"""Shared, expensive inputs of the report tests: each check runs once per session.

Every fixture runs the real command line (in-process) with ``-o`` and the report options,
so the tests read exactly what a user gets.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from report_runs import GAP_RISK, PERP_ONE, ROOT, Run

from solvent import cli


@pytest.fixture(scope="session")
def in_root() -> Iterator[None]:
    old = os.getcwd()
    os.chdir(ROOT)
    try:
        yield
    finally:
        os.chdir(old)


def _run(folder: Path, *argv: Any) -> Run:
    folder.mkdir(parents=True, exist_ok=True)
    outputs = [
        "-o", folder / "result.json",
        "--report", folder / "report.html",
        "--junit", folder / "junit.xml",
        "--sarif", folder / "result.sarif",
    ]  # fmt: skip
    code = cli.run([str(a) for a in [*argv, *outputs, "-q"]])
    return Run(folder, code)


@pytest.fixture(scope="session")
def gap_bmc(tmp_path_factory: pytest.TempPathFactory, in_root: None) -> Run:
    """The gap-risk counterexample (bmc FAIL)."""
    return _run(tmp_path_factory.mktemp("gap"), "bmc", GAP_RISK.relative_to(ROOT), "--depth", "4")


@pytest.fixture(scope="session")
def safe_prove(tmp_path_factory: pytest.TempPathFactory, in_root: None) -> Run:
    """A proof (prove PASS) with its assumptions; slack is tested with the risk verbs."""
    return _run(tmp_path_factory.mktemp("prove"), "prove", PERP_ONE.relative_to(ROOT), "--no-slack")


@pytest.fixture(scope="session")
def move_frontier(tmp_path_factory: pytest.TempPathFactory, in_root: None) -> Run:
    """The frontier of the per-step move, with a counterexample just beyond."""
    return _run(
        tmp_path_factory.mktemp("frontier"), "frontier", PERP_ONE.relative_to(ROOT),
        "--param", "move", "--tol", "0.005", "--checks", "1",
    )  # fmt: skip


@pytest.fixture(scope="session")
def margin_grid(tmp_path_factory: pytest.TempPathFactory, in_root: None) -> Run:
    """A 2 x 2 safe region of maintenance x initial margin."""
    return _run(
        tmp_path_factory.mktemp("grid"), "synth", PERP_ONE.relative_to(ROOT),
        "--param", "maintenance_margin", "--param", "initial_margin", "--grid", "2",
        "--range", "0.04", "0.08", "--range2", "0.1", "0.2",
    )  # fmt: skip


@pytest.fixture(scope="session")
def stress_run(tmp_path_factory: pytest.TempPathFactory, in_root: None) -> Run:
    """A small real stress run (GBM with a high volatility, so some paths fail)."""
    folder = tmp_path_factory.mktemp("stress")
    argv = ["stress", GAP_RISK.relative_to(ROOT), "--scenario", "gbm", "--steps", "30",
            "--opt", "vol=3", "--paths", "1500"]  # fmt: skip
    return _run(folder, *argv)
