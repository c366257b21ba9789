"""`solvent frontier` and `solvent synth` on the command line: output, files, exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from solvent import cli
from solvent.cli.risk import register
from solvent.engine.trace import from_json

HERE = Path(__file__).resolve().parent
PERP = HERE / "specs" / "perp_one.py"

register(cli.app)


def run(capsys: pytest.CaptureFixture[str], *argv: Any) -> tuple[int, str, str]:
    code = cli.run([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_register_is_idempotent() -> None:
    register(cli.app)
    names = [c.name for c in cli.app.registered_commands]
    assert names.count("frontier") == 1 and names.count("synth") == 1


def test_frontier_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "frontier", PERP, "--param", "move", "--tol", "0.002", "--checks", "0"
    )
    assert code == 0, (out, err)
    first = out.splitlines()[0]
    assert first.startswith("[PASS] move  frontier up")
    assert "proved (k=1, every path length); counterexample at" in first
    assert "at the boundary: proved because |move| ≤" in out
    assert "counterexample at |move| ≤" in out and "solvent fails at step" in out


def test_frontier_json_csv_and_output_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    result, table = tmp_path / "frontier.json", tmp_path / "probes.csv"
    code, out, _ = run(
        capsys,
        "frontier",
        PERP,
        "--param",
        "move",
        "--tol",
        "0.002",
        "--checks",
        "0",
        "--format",
        "json",
        "-o",
        result,
        "--csv",
        table,
    )
    assert code == 0
    doc = json.loads(out)
    assert doc == json.loads(result.read_text())
    assert (doc["schema"], doc["status"], doc["verdict"], doc["exit_code"]) == (
        "solvent-frontier/1",
        "found",
        "PASS",
        0,
    )
    assert (
        doc["boundary"]["outcome"] == "proved"
        and "envelope.move.hi" in doc["boundary"]["assumptions_used"]
    )
    assert doc["because"].startswith("proved because")
    trace = from_json(doc["beyond"]["counterexample"])
    assert max(abs(s.market["move"]) for s in trace.steps) <= json_fraction(doc["unsafe"])
    assert table.read_text().splitlines()[0] == "move,outcome,check,verdict,bound,seconds,purpose"


def json_fraction(text: str) -> Any:
    from fractions import Fraction

    return Fraction(text)


def test_inconclusive_lists_the_probes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "frontier", PERP, "--param", "move", "--timeout", "0.001")
    assert code == 2
    assert out.startswith("[UNKNOWN] move  frontier up")
    assert "every probe was UNKNOWN" in out and "spec value" in out and "conservative end" in out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["frontier", PERP, "--param", "nope"], "unknown envelope bound 'nope'"),
        (["frontier", PERP, "--param", "move", "--tol", "0"], "tolerance must be positive"),
        (["frontier", PERP, "--param", "move", "--range", "0.2", "0.1"], "exceeds its upper end"),
        (["synth", PERP, "--param", "move"], "use `solvent frontier"),
        (
            ["synth", PERP, "--param", "maintenance_margin", "--param", "initial_margin"],
            "add --grid N",
        ),
        (["synth", PERP, "--param", "maintenance_margin", "--grid", "3"], "need two parameters"),
    ],
)
def test_bad_input_exits_3(
    capsys: pytest.CaptureFixture[str], argv: list[Any], needle: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 3, (out, err)
    assert err.startswith("error: ") and needle in err and "Traceback" not in err


def test_bad_input_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "frontier", PERP, "--param", "nope", "--format", "json")
    assert code == 3
    doc = json.loads(out)
    assert doc["exit_code"] == 3 and "unknown envelope bound" in doc["error"]["message"]


def test_synth_grid_csv(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    table = tmp_path / "grid.csv"
    code, out, _ = run(
        capsys,
        "synth",
        PERP,
        "--param",
        "maintenance_margin",
        "--param",
        "initial_margin",
        "--grid",
        "2",
        "--range",
        "0.06",
        "0.08",
        "--range2",
        "0.08",
        "0.1",
        "--csv",
        table,
    )
    assert code == 0, out
    assert "maintenance_margin x initial_margin  synth grid" in out
    assert "smallest proved initial_margin = 0.08" in out
    rows = table.read_text().splitlines()
    assert rows[0] == "maintenance_margin,initial_margin,outcome,mark,safe" and len(rows) == 5
