"""The home page's one-screen example is real: its spec is the example file's spec, and
its console output is what `solvent bmc` / `solvent prove` print today (times aside)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOME = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")


def console_block(command: str) -> list[str]:
    """The lines a console block of the home page shows after `$ COMMAND`."""
    start = HOME.index(f"$ {command}\n") + len(f"$ {command}\n")
    return HOME[start : HOME.index("```", start)].rstrip("\n").splitlines()


def run(args: list[str]) -> tuple[int, list[str]]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "solvent", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    return done.returncode, [line.rstrip() for line in done.stdout.splitlines()]


def untimed(line: str) -> str:
    return re.sub(r"\s\d+(\.\d+)?s(\s\(slack search [\d.]+s\))?\s", " <t> ", line)


def test_home_page_counterexample_is_what_bmc_prints() -> None:
    command = "solvent bmc examples/bugs_detected/perp_gap_risk.py --depth 5"
    shown = console_block(command)
    code, printed = run(command.split()[1:])
    assert code == 1
    assert untimed(shown[0]) == untimed(printed[0])
    # the path table, without its rule line (the page leaves it out)
    table = [line for line in printed[1:] if not set(line) <= {"─"}]
    assert shown[1:] == table[: len(shown) - 1]


def test_home_page_proof_is_what_prove_prints() -> None:
    shown = console_block("solvent prove examples/correct/perp_isolated.py -q")
    code, printed = run("prove examples/correct/perp_isolated.py -q".split())
    assert code == 0
    assert [untimed(line) for line in shown] == [untimed(line) for line in printed]


def test_home_page_spec_is_the_example_spec() -> None:
    example = (ROOT / "examples/bugs_detected/perp_gap_risk.py").read_text(encoding="utf-8")
    for setting in (
        "accounts=3",
        'initial_margin="0.10"',
        'maintenance_margin="0.05"',
        'max_move="0.08"',
    ):
        assert setting in example and setting in HOME
