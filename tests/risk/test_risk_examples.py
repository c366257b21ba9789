"""The worked examples in examples/frontier: committed expected output, checked.

The committed tables must agree with the closed form (largest safe move = maintenance
margin) and with each other; a fresh computation must reproduce a committed row.
"""

from __future__ import annotations

import csv
import importlib.util
from fractions import Fraction
from pathlib import Path
from types import ModuleType

import pytest

from solvent.check.frontier import FOUND, frontier
from solvent.check.probes import ProbeOptions

FOLDER = Path(__file__).resolve().parents[2] / "examples" / "frontier"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "frontier_examples_generate", FOLDER / "generate.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rows(name: str) -> list[dict[str, str]]:
    with open(FOLDER / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_committed_move_frontier_matches_the_closed_form() -> None:
    gen = _generator()
    rows = _rows("move_frontier.csv")
    assert [Fraction(r["maintenance_margin"]) for r in rows] == [Fraction(m) for m in gen.MARGINS]
    tol = Fraction(gen.TOL)
    for r in rows:
        margin = Fraction(r["maintenance_margin"])
        assert Fraction(r["closed_form"]) == margin
        assert r["status"] == FOUND
        proved, broken = Fraction(r["proved_up_to"]), Fraction(r["counterexample_at"])
        assert proved <= margin < broken, r
        assert broken - proved <= tol and margin - proved <= tol
    assert (FOLDER / "move_frontier.md").read_text(encoding="utf-8") == gen.rows_markdown(rows)


def test_committed_safe_region() -> None:
    """Maintenance margin x max leverage at an 8% move (the opening rule: E * L >= N)."""
    rows = _rows("safe_region.csv")
    assert len(rows) == 36
    for r in rows:
        mm, lev = Fraction(r["maintenance_margin"]), Fraction(r["max_leverage"])
        # provable with the model's lemmas: margin covers the 8% move, and trades open
        # above maintenance (else the `healthy` lemma fails): 1 / L >= mm
        assert (r["outcome"] == "proved") == (mm >= Fraction(8, 100) and mm * lev <= 1), r
        # maintenance above the opening margin 1 / L: the model's build() refuses it (SV801),
        # and synth builds every point through build() (issue 24)
        assert (r["outcome"] == "refused") == (mm * lev > 1), r
        # opened at 1 / L below the move: a real gap loss
        if 1 / lev < Fraction(8, 100) and mm * lev <= 1:
            assert r["outcome"] == "counterexample", r
        assert r["safe"] == ("1" if r["outcome"] == "proved" else "0")
    table = (FOLDER / "safe_region.md").read_text(encoding="utf-8").splitlines()
    marks = [cell.strip() for line in table[2:] for cell in line.strip("|").split("|")[1:]]
    assert marks == [r["mark"] for r in rows]


@pytest.mark.slow
def test_a_fresh_run_reproduces_a_committed_row() -> None:
    gen = _generator()
    row = next(r for r in _rows("move_frontier.csv") if r["maintenance_margin"] == "0.05")
    result = frontier(
        gen.move_spec("0.05"), "move", tol=gen.TOL, checks=0, options=ProbeOptions(depth=3)
    )
    assert result.status == FOUND
    assert abs(result.safe - Fraction(row["proved_up_to"])) <= Fraction(gen.TOL)
    assert result.safe <= Fraction(5, 100) < result.unsafe


def test_largest_safe_leverage_is_one_over_maintenance() -> None:
    """Issue 4 item 2 ("largest leverage"): with maintenance 0.08 under an 8% move, the
    largest leverage cap proved safe is 1 / 0.08 = 12.5; just beyond it a position would
    open below maintenance, which the model refuses."""
    from solvent.check.synth import synth
    from solvent.spec.load import load_spec

    spec = load_spec(str(FOLDER / "perp_leverage.py"))
    result = synth(spec, "max_leverage", direction="up", tol="0.25", checks=0)
    assert result.status == FOUND, result.message
    assert result.safe <= Fraction(25, 2) < result.unsafe <= result.safe + Fraction(1, 4)
    # beyond 12.5 a position would open below maintenance: the model's builder refuses
    # such a leverage cap (SV801), as `build(max_leverage=...)` and `--set` do (issue 24)
    assert result.beyond is not None and result.beyond.outcome == "refused"
    assert "exceeds 1 / max_leverage" in result.beyond.message
