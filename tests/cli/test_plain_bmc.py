"""A plain ``solvent bmc`` call read without Typer (``cli/plain_bmc.py``) ends exactly as
the Typer command line does: the same output and exit code, on good and bad command lines.

Each case runs the console script's path (``python -m solvent``) and Typer's alone
(``cli.core.main``) in fresh processes and compares stdout, stderr and the exit code
(the seconds on a verdict line and in a document set to 0: they are the run's time).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from solvent.cli import plain_bmc

HERE = Path(__file__).resolve().parent
COUNTER = str(HERE / "specs" / "counter.py")
TYPER_ONLY = "from solvent.cli.core import main; main()"
_SECONDS = re.compile(r'(\b\d+(\.\d+)?s\b|"(seconds|elapsed|wall_seconds)": [0-9.e-]+)')


def _ended(cmd: list[str], cwd: Path) -> tuple[int, str, str]:
    env_run = subprocess.run(
        cmd, capture_output=True, text=True, timeout=120, cwd=cwd,
        env={**_env(), "SOURCE_DATE_EPOCH": "1700000000"},
    )  # fmt: skip
    return (
        env_run.returncode,
        _SECONDS.sub("<t>", env_run.stdout),
        _SECONDS.sub("<t>", env_run.stderr),
    )


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "COLUMNS"}


def _both(argv: list[str], cwd: Path) -> tuple[tuple[int, str, str], tuple[int, str, str]]:
    plain = _ended([sys.executable, "-m", "solvent", *argv], cwd)
    typer = _ended([sys.executable, "-c", TYPER_ONLY, *argv], cwd)
    return plain, typer


PLAIN_CASES = {
    "fail": ["bmc", COUNTER, "--depth", "4", "-q", "--jobs", "1"],
    "pass text": ["bmc", COUNTER, "--depth", "2", "--timeout", "30"],
    "json": ["bmc", COUNTER, "--depth", "4", "--format", "json", "-j", "1", "--no-simplify"],
    "options first": ["bmc", "--quiet", "--depth", "1", "--invariant", "below_cap", COUNTER],
    "unknown invariant": ["bmc", COUNTER, "--invariant", "nope", "-q"],
    "unknown invariant, json": ["bmc", COUNTER, "--invariant", "nope", "--format", "json"],
    "no such file": ["bmc", "no_such_spec.py", "-q"],
    "bad format": ["bmc", COUNTER, "--format", "xml"],
    "bad accounts": ["bmc", COUNTER, "--accounts", "0", "-q"],
    "unwritable output": ["bmc", COUNTER, "-o", "/nonexistent/dir/r.json", "-q"],
    "spec name": ["bmc", COUNTER, "--spec", "nope", "-q"],
}
TYPER_CASES = {
    "not a number": ["bmc", COUNTER, "--depth", "x"],
    "equals sign": ["bmc", COUNTER, "--depth=1", "-q"],
    "no target": ["bmc", "-q"],
    "two targets": ["bmc", COUNTER, COUNTER],
    "unknown option": ["bmc", COUNTER, "--bogus"],
    "twice": ["bmc", COUNTER, "--depth", "1", "--depth", "2", "-q"],
    "help": ["bmc", "--help"],
    "exponent": ["bmc", COUNTER, "--timeout", "1e3", "-q"],
    "missing value": ["bmc", COUNTER, "--depth"],
    "negative": ["bmc", COUNTER, "--depth", "-1"],
    "keep going": ["bmc", COUNTER, "--keep-going", "--depth", "4", "-q"],
}


@pytest.mark.parametrize("argv", PLAIN_CASES.values(), ids=PLAIN_CASES.keys())
def test_a_plain_call_ends_as_typers(argv: list[str], tmp_path: Path) -> None:
    assert plain_bmc.parse(argv) is not None  # read here, not by Typer
    plain, typer = _both(argv, tmp_path)
    assert plain == typer


def test_shell_completion_is_typers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_SOLVENT_COMPLETE", "bash_complete")
    assert plain_bmc.parse(["bmc", COUNTER, "-q"]) is None


@pytest.mark.parametrize("argv", TYPER_CASES.values(), ids=TYPER_CASES.keys())
def test_any_other_call_goes_to_typer(argv: list[str], tmp_path: Path) -> None:
    assert plain_bmc.parse(argv) is None
    plain, typer = _both(argv, tmp_path)
    assert plain == typer


@pytest.mark.parametrize(
    ("table", "plain"),
    [
        ("[tool.solvent]\ndepth = 4\n", True),
        ("[tool.solvent.bmc]\ndepth = 4\ntimeout = 20\n", True),
        ("[tool.solvent.bmc]\nbogus = 1\n", False),  # Typer's command names the key
        ("[tool.solvent]\nkeep-going = true\ndepth = 4\n", False),  # bmc's other route
        ("[tool.solvent\n", True),  # not TOML: the same message and exit code
    ],
    ids=["settings", "verb table", "unknown key", "keep going", "bad toml"],
)
def test_the_project_settings_are_read_alike(table: str, plain: bool, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(table)
    argv = ["bmc", COUNTER, "-q", "--jobs", "1"]
    both = _both(argv, tmp_path)
    assert both[0] == both[1]
    assert both[0][0] in ((1,) if "depth = 4" in table else (1, 3))
    # which path ran: the plain one imports no Typer
    probe = (
        "import sys; from solvent.cli import plain_bmc; "
        "code = plain_bmc.run(sys.argv[1:]); "
        "print('typer' in sys.modules, code is None)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, *argv], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.stdout.strip().splitlines()[-1] == f"False {not plain}"
