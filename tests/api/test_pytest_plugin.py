"""The pytest plugin from a separate project: its own pyproject.toml, the plugin found
through the ``pytest11`` entry point of solvent's own built metadata (no ``-p``)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from solvent import cli

ROOT = Path(__file__).resolve().parents[2]
GAP = ROOT / "examples" / "bugs_detected" / "perp_gap_risk.py"
SAFE = ROOT / "tests" / "risk" / "specs" / "perp_one.py"

USER_TESTS = """
from pathlib import Path

import pytest
from hypothesis import given, settings

import solvent as sv
from solvent.testing import (
    assert_no_counterexample, assert_proved, assert_replays, assert_stress, traces,
)

SAFE = sv.load(Path(__file__).resolve().parent.parent / "specs" / "safe.py")


def test_proved(solvent_spec, solvent_results):
    before = len(solvent_results)
    assert assert_proved(solvent_spec("../specs/safe.py")).verdict == "PASS"
    assert len(solvent_results) == before + 1 and solvent_results[-1].check == "prove"


def test_counterexample_is_reported(solvent_spec):
    safe = solvent_spec("../specs/safe.py")
    assert_no_counterexample(safe, depth=2)
    with pytest.raises(AssertionError, match="did not pass: FAIL"):
        assert_no_counterexample(safe, depth=2, params={"max_move": "0.5"})


def test_stress_bound(solvent_spec):
    gap = solvent_spec("../specs/gap.py")
    opts = dict(paths=300, steps=20, scenario_options={"vol": "3"})
    assert_stress(gap, "gbm", max_p=1.0, **opts)
    with pytest.raises(AssertionError, match="P\\\\(insolvency\\\\)"):
        assert_stress(gap, "gbm", max_p=0.0, **opts)


@settings(max_examples=5, deadline=None, database=None, derandomize=True)
@given(traces(SAFE, max_steps=3))
def test_drawn_traces_respect_the_envelope(trace):
    for step in trace.steps:
        for name, bound in SAFE.bounds.items():
            assert bound.lo <= step.market[name] <= bound.hi
    result = assert_replays(SAFE, trace)
    notes = result.to_dict()["replay"]["notes"]
    assert not [n for n in notes if "outside the envelope" in n], notes
"""


@pytest.fixture(scope="module")
def metadata(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """solvent's dist-info as setuptools builds it from pyproject.toml (entry points too)."""
    work = tmp_path_factory.mktemp("meta")
    shutil.copy(ROOT / "pyproject.toml", work)
    shutil.copy(ROOT / "README.md", work)
    (work / "src" / "solvent").mkdir(parents=True)
    (work / "src" / "solvent" / "__init__.py").write_text("", encoding="utf-8")
    out = work / "site"
    out.mkdir()
    code = (
        "from setuptools import build_meta as b; print(b.prepare_metadata_for_build_wheel('site'))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=work, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    info = out / done.stdout.strip().splitlines()[-1]
    entry_points = (info / "entry_points.txt").read_text(encoding="utf-8")
    assert "[pytest11]\nsolvent = solvent.pytest_plugin" in entry_points
    return out


def run_pytest(project: Path, metadata: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(metadata)])}
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=project, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def test_plugin_in_a_separate_project(tmp_path: Path, metadata: Path) -> None:
    project = tmp_path / "myproto"
    (project / "specs").mkdir(parents=True)
    (project / "tests").mkdir()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "myproto"\nversion = "0.0.1"\n\n'
        '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
        encoding="utf-8",
    )
    shutil.copy(GAP, project / "specs" / "gap.py")
    shutil.copy(SAFE, project / "specs" / "safe.py")
    (project / "tests" / "test_proto.py").write_text(USER_TESTS, encoding="utf-8")
    # a regression test exported by `solvent replay --export-pytest`, next to the others
    result = tmp_path / "bmc.json"
    wide = ["--set", "max_move=0.5"]  # a wider envelope than the spec's: a counterexample
    assert cli.run(["bmc", str(SAFE), "--depth", "2", *wide, "-q", "-o", str(result)]) == 1
    exported = project / "tests" / "test_regression.py"
    assert cli.run(["replay", str(project / "specs" / "safe.py"), str(result), *wide, "-q",
                    "--export-pytest", str(exported)]) == 1  # fmt: skip
    assert "HERE / '../specs/safe.py'" in exported.read_text(encoding="utf-8")
    report = tmp_path / "session.html"
    done = run_pytest(project, metadata, "--solvent-report", str(report), "--durations=0", "-vv")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 passed" in done.stdout, done.stdout
    # the exported test replays in-process: well under a second per trace
    took = re.search(r"([\d.]+)s call\s+tests/test_regression.py::", done.stdout)
    assert took and float(took.group(1)) < 1.0, done.stdout
    page = report.read_text(encoding="utf-8")
    # prove, two bmc, two stress runs, 5 drawn traces, the exported replay: all in one report
    results = int(re.search(r"<h2>(\d+) results</h2>", page).group(1))
    assert results == 1 + 2 + 2 + 5 + 1
    assert page.count("<article") == results and "<script" not in page
    assert "perp-gap-risk" in page and "perp-one" in page
