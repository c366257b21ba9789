"""Issue 25: `solvent lint` compares the float64 vector backend's decisions with the judge's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from solvent import cli
from solvent.check.float_lint import compare, spec_constants
from solvent.spec.load import load_spec

ROOT = Path(__file__).resolve().parents[2]
MISS = ROOT / "tests" / "stress" / "specs" / "miss.py"
PERP = ROOT / "examples" / "correct" / "perp_isolated.py"


def test_a_guard_float64_decides_wrongly_is_reported_with_step_and_values(capsys) -> None:
    """Before: lint passed silently on the issue's reproduction."""
    code = cli.run(["lint", str(MISS), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc["verdict"] == "PASS"  # a warning: stress re-runs such lanes
    floats = doc["details"]["float64"]
    assert floats["samples"] == 48 and floats["lanes"] > 0 and floats["findings"]
    f = floats["findings"][0]
    assert f["step"] == 1 and f["op"] == "lt"
    a, b, got = f["float64"]
    assert a == b and got is False and f["exact"][2] is True  # p < p + p*1e-18 exactly
    assert set(f["state"]) == {"price", "bad_debt", "quote", "size"} and "move" in f["market"]
    code = cli.run(["lint", str(MISS)])
    out = capsys.readouterr().out
    assert code == 0 and "warning: float64 decides differently" in out
    assert "float64 vs exact at step 1: lt(" in out


def test_the_spec_constants_are_among_the_samples() -> None:
    """The literals of the code (not the initial values, which are sampled anyway)."""
    from fractions import Fraction

    assert spec_constants(load_spec(str(MISS))) == [0, Fraction(1, 10**18), 1]


def test_a_spec_whose_float64_decisions_match_has_no_finding(capsys) -> None:
    assert compare(load_spec(str(PERP)))["findings"] == []
    assert cli.run(["lint", str(PERP)]) == 0
    assert "warning" not in capsys.readouterr().out


@pytest.mark.parametrize("seed", [0, 1])
def test_the_comparison_is_deterministic(seed) -> None:
    spec = load_spec(str(MISS))
    assert compare(spec, seed=seed) == compare(spec, seed=seed)
