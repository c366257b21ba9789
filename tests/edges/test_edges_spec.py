"""Issue 15: what a spec or a setting does must never end solvent with exit 0 or 4 by accident.

Defect 1 (``--timeout inf``), 6 (``sys.exit`` in a spec) and 7 (a spec recursing forever).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from solvent import cli

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SPECS = HERE / "specs"
GAP_RISK = ROOT / "examples" / "bugs_detected" / "perp_gap_risk.py"
COUNTER = ROOT / "tests" / "cli" / "specs" / "counter.py"


def run(capsys: pytest.CaptureFixture[str], *argv: Any) -> tuple[int, str, str]:
    code = cli.run([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _in_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("verb", ["bmc", "prove"])
def test_timeout_inf_means_no_limit(capsys: pytest.CaptureFixture[str], verb: str) -> None:
    bound = ["--depth", "2"] if verb == "bmc" else ["--k", "1"]
    code, out, err = run(capsys, verb, COUNTER, *bound, "--timeout", "inf")
    assert "Traceback" not in out + err
    assert code in (0, 1), (code, out, err)  # counter: bmc depth 2 passes, prove finds a path
    assert "OverflowError" not in err


def test_timeout_inf_in_pyproject(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.solvent]\ntimeout = inf\n")
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "bmc", COUNTER, "--depth", "2")
    assert code == 0, (code, out, err)


@pytest.mark.parametrize("value", ["nan", "-inf", "0", "-1"])
def test_timeout_refuses_what_is_not_a_budget(
    capsys: pytest.CaptureFixture[str], value: str
) -> None:
    code, out, err = run(capsys, "bmc", COUNTER, "--depth", "1", "--timeout", value)
    assert code == 3, (code, out, err)
    assert "--timeout" in err and "inf: no limit" in err


@pytest.mark.parametrize(
    ("spec", "needles"),
    [
        ("exit_at_import.py", ["exit_at_import.py:5:", "sys.exit(0)", "SV200"]),
        ("exit_in_tick.py", ["exit_in_tick.py:17:", "sys.exit(7)", "tick drift", "SV100"]),
        ("recurses.py", ["recurses.py:13:", "RecursionError", "recurses without end", "SV100"]),
        # ``def default(s, a)``: ``a`` receives the parameters; the message says so
        ("action_without_p.py", ["action_without_p.py:16:", "did it leave out p?", "SV100"]),
    ],
)
@pytest.mark.parametrize("verb", ["bmc", "prove"])
def test_a_spec_that_exits_or_recurses_is_a_spec_error(
    capsys: pytest.CaptureFixture[str], spec: str, needles: list[str], verb: str
) -> None:
    bound = ["--depth", "2"] if verb == "bmc" else ["--k", "1"]
    code, out, err = run(capsys, verb, SPECS / spec, *bound)
    assert code == 3, (code, out, err)
    assert err.startswith("error: "), err
    for needle in needles:
        assert needle in err, (needle, err)
    assert "Traceback" not in out + err and "solvent bug" not in err


def test_a_spec_exit_in_the_real_process_is_exit_3() -> None:
    import os
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "solvent", "bmc", str(SPECS / "exit_in_tick.py"), "--depth", "1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ},
        timeout=120,
    )
    assert proc.returncode == 3, (proc.returncode, proc.stdout, proc.stderr)
    assert "sys.exit(7)" in proc.stderr


def test_a_binary_spec_file_names_no_line_it_does_not_know(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    binary = tmp_path / "binary.py"
    binary.write_bytes(b"x = 1\n\x00\x01\x02")
    code, out, err = run(capsys, "bmc", binary)
    assert code == 3, err
    assert "binary.py: spec file has a syntax error" in err and ":None" not in err, err


def test_a_bad_population_distribution_is_shown_as_written(
    capsys: pytest.CaptureFixture[str],
) -> None:
    safe = ROOT / "examples" / "correct" / "perp_isolated.py"
    base = ["stress", safe, "--scenario", "gbm", "--steps", "2", "--paths", "10"]
    code, _, err = run(capsys, *base, "--leverage", "-3")
    assert code == 3 and "the value must be > 0, got -3 " in err, err
    assert "Fixed(" not in err
    code, _, err = run(capsys, *base, "--notional", "lognormal(-1, 2)")
    assert code == 3 and "got lognormal(-1, 2)" in err and "Lognormal(" not in err, err


def test_main_restores_ctrl_c_when_started_with_sigint_ignored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A script's background job (`solvent stress ... &`) inherits SIGINT ignored."""
    import signal

    seen = []
    monkeypatch.setattr(
        cli.core, "run", lambda argv: seen.append(signal.getsignal(signal.SIGINT)) or 0
    )
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with pytest.raises(SystemExit) as stop:
            cli.main([])
    finally:
        signal.signal(signal.SIGINT, old)
    assert stop.value.code == 0
    assert seen == [signal.default_int_handler]
