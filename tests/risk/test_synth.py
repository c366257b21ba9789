"""`synth`: the cheapest protocol parameter proved safe, and two-parameter safe regions."""

from __future__ import annotations

from fractions import Fraction

import pytest
from risk_specs import perp, window

from solvent.check.frontier import FOUND, NON_MONOTONE
from solvent.check.probes import COUNTEREXAMPLE, NOT_PROVED, PROVED, REFUSED
from solvent.check.synth import synth, synth_grid
from solvent.errors import UsageError
from solvent.report.risk import grid_csv, grid_json, grid_markdown


def test_smallest_maintenance_margin_is_the_move() -> None:
    result = synth(
        perp(maintenance_margin="0.10", max_move="0.08"),
        "maintenance_margin",
        tol="0.002",
        checks=0,
    )
    assert result.status == FOUND and result.exit_code == 0, result.message
    assert result.unsafe < Fraction(8, 100) <= result.safe
    assert result.safe - result.unsafe <= Fraction(2, 1000)
    assert result.beyond.outcome == COUNTEREXAMPLE
    assert result.method == "bisection"
    assert "static values in the spec" in result.method_reason


def test_unsafe_spec_value_without_a_range_is_bad_input() -> None:
    with pytest.raises(UsageError, match="already unsafe at its value in the spec"):
        synth(perp(maintenance_margin="0.05", max_move="0.08"), "maintenance_margin", checks=0)


def test_non_monotone_parameter_is_reported() -> None:
    result = synth(window(), "c", tol="0.1")
    assert result.status == NON_MONOTONE and result.exit_code == 2
    assert result.monotone is False
    proved, failed = result.non_monotone[0]
    assert 1 < failed < 3 and proved <= 1


def test_bad_parameters() -> None:
    with pytest.raises(UsageError, match="is a bool"):
        synth(window(), "strict")
    with pytest.raises(UsageError, match="unknown parameter"):
        synth(perp(), "nope")


def test_grid_safe_region() -> None:
    result = synth_grid(
        perp(max_move="0.08"),
        ("maintenance_margin", "initial_margin"),
        2,
        ranges=(("0.06", "0.08"), ("0.08", "0.10")),
    )
    outcomes = {c.values: c.outcome for c in result.cells}
    assert outcomes[(Fraction(6, 100), Fraction(8, 100))] == COUNTEREXAMPLE
    assert outcomes[(Fraction(6, 100), Fraction(1, 10))] == COUNTEREXAMPLE
    assert outcomes[(Fraction(8, 100), Fraction(8, 100))] == PROVED
    assert outcomes[(Fraction(8, 100), Fraction(1, 10))] == PROVED
    assert result.exit_code == 0 and not result.non_monotone
    assert result.cheapest() == [(Fraction(6, 100), None), (Fraction(8, 100), Fraction(8, 100))]
    assert grid_csv(result).splitlines()[0] == "maintenance_margin,initial_margin,outcome,mark,safe"
    assert "| 0.08 | safe | safe |" in grid_markdown(result)
    doc = grid_json(result)
    assert doc["schema"] == "solvent-synth-grid/1" and len(doc["cells"]) == 4


def test_grid_marks_the_points_the_model_refuses() -> None:
    # maintenance above initial margin is outside perp-isolated's domain: its builder
    # refuses it (SV801, as `build(...)` and `--set` do), so that point is "refused", not a
    # failure, and no proved point is flagged non-monotone against it (issue 24, issue 15
    # defect 8; non-monotone flagging itself is checked by test_grid_directions_per_parameter)
    result = synth_grid(
        perp(max_move="0.08"),
        ("maintenance_margin", "initial_margin"),
        2,
        ranges=(("0.08", "0.12"), ("0.1", "0.11")),
        refute=False,
    )
    outcomes = {c.values: c.outcome for c in result.cells}
    assert outcomes[(Fraction(8, 100), Fraction(1, 10))] == PROVED
    assert outcomes[(Fraction(12, 100), Fraction(1, 10))] == REFUSED
    refused = next(c for c in result.cells if c.outcome == REFUSED)
    assert "exceeds initial_margin" in refused.proof.message
    assert not result.non_monotone
    assert "| 0.12 | refused |" in grid_markdown(result)
    assert {c["outcome"] for c in grid_json(result)["cells"]} == {PROVED, REFUSED}


@pytest.mark.parametrize(
    ("params", "grid", "ranges", "needle"),
    [
        (("maintenance_margin",), 2, (), "exactly two parameters"),
        (("maintenance_margin", "maintenance_margin"), 2, (), "two different parameters"),
        (("maintenance_margin", "initial_margin"), 1, (), "grid must be an integer >= 2"),
        (("maintenance_margin", "initial_margin"), 2, (("0.2", "0.1"), None), "exceeds upper end"),
        (("maintenance_margin", "strict"), 2, (), "unknown parameter"),
    ],
)
def test_grid_bad_input(params: tuple, grid: int, ranges: tuple, needle: str) -> None:
    with pytest.raises(UsageError, match=needle):
        synth_grid(perp(), params, grid, ranges=ranges)


def test_grid_directions_per_parameter() -> None:
    """Maintenance margin is cheap downwards, leverage upwards: a proof at (0.08, 10x) next to
    a failure at the more conservative (0.10, 5x) is non-monotone; a failure at the cheaper
    (0.06, 20x) is not."""
    from solvent.check.synth import GridCell, _directions, _dominated

    q = Fraction
    cells = [
        GridCell((q(8, 100), q(10)), PROVED, None, None),
        GridCell((q(6, 100), q(20)), COUNTEREXAMPLE, None, None),
    ]
    assert _dominated(cells, _directions("down,up")) == ()
    assert _dominated(cells, _directions("down")) == ()  # neither dominates with one direction
    cells.append(GridCell((q(10, 100), q(5)), NOT_PROVED, None, None))
    assert _dominated(cells, _directions(("down", "up"))) == (
        ((q(8, 100), q(10)), (q(10, 100), q(5))),
    )
    with pytest.raises(UsageError, match="one per parameter like down,up"):
        _directions("down,sideways")
