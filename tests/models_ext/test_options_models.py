"""Known-answer and unit tests of the option models (issue 6, item 5).

Sources: reference/derivatives.md C (CME SPAN: 16 scenarios, price moves of 0, ±1/3,
±2/3, ±3/3 of the price scan range with volatility up and down, two extreme moves of 2x
the range counted at 35%; McMillan's S&P example: range $10,000, extreme rows ±$7,000;
the S&P 500 price scan range $30,000 = 120 points x $250).
"""

from __future__ import annotations

import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from solvent.errors import ModelParameterError
from solvent.models import options_vault, span

ROOT = Path(__file__).resolve().parents[2]


def losses_of_one_future(price: str, scan_range: str, size: int) -> list[Fraction]:
    points = span.scan_points(price, scan_range)
    pos = {i: 0 for i in span.INSTRUMENTS} | {"future": size}
    return span.scenario_losses(pos, Fraction(price), points, 1, 1)


def test_mcmillan_extreme_rows_are_35_percent_of_twice_the_range() -> None:
    # C, McMillan's S&P example: range $10,000, extreme rows +-$7,000 = 35% x $20,000.
    # One short future of 100,000 with a 10% range: the range is 10,000.
    losses = losses_of_one_future("100000", "0.10", -1)
    grid, extremes = losses[:7], losses[7:]
    assert max(grid) == 10_000 and min(grid) == -10_000
    assert sorted(extremes) == [-7_000, 7_000]
    assert (
        span.scanning_risk(
            {i: 0 for i in span.INSTRUMENTS} | {"future": -1},
            100000,
            span.scan_points("100000", "0.10"),
            1,
            1,
        )
        == 10_000
    )


def test_sp500_price_scan_range_30000() -> None:
    # C: S&P 500 PSR $30,000 = 120 points x $250. A long future of 250 units at 4,000
    # points with a range of 120/4000 = 3%: the -3/3 scenario loses exactly $30,000 and
    # the extreme down move counts 35% x $60,000 = $21,000.
    losses = losses_of_one_future("4000", "0.03", 250)
    assert losses[0] == 30_000
    assert [float(x) for x in losses[:7]] == [
        30000.0,
        20000.0,
        10000.0,
        0.0,
        -10000.0,
        -20000.0,
        -30000.0,
    ]
    assert losses[7] == 21_000


def test_grid_is_sixteen_scenarios_collapsed_to_nine_at_expiry() -> None:
    points = span.scan_points("2000", "0.15")
    assert len(points) == 9  # 7 price points (x2 volatility = 14 in SPAN) + 2 extremes
    assert [q for q, _ in points[:7]] == [1700, 1800, 1900, 2000, 2100, 2200, 2300]
    assert [(q, w) for q, w in points[7:]] == [(1400, Fraction(35, 100)), (2600, Fraction(35, 100))]
    with_strikes = span.scan_points("2000", "0.15", strikes=("1950", "2050", "2500"))
    assert [q for q, _ in with_strikes[9:]] == [1950, 2050]  # 2500 is outside the range


@pytest.mark.parametrize("strikes", [("1900", "2100"), ("1950", "2050"), ("1733", "2299")])
def test_segment_form_equals_max_payoff_on_the_range(strikes: tuple[str, str]) -> None:
    """value_in_range (the solver-friendly form) is the max-based payoff, exactly."""
    low, high = (Fraction(k) for k in strikes)
    segments = span.breakpoints("2000", "0.15", (low, high))
    rng = np.random.default_rng(6)
    for _ in range(40):
        pos = {i: Fraction(int(rng.integers(-10, 11))) for i in span.INSTRUMENTS}
        for s in [
            *segments,
            *(Fraction(int(rng.integers(170000, 230001)), 100) for _ in range(10)),
        ]:
            assert span.value_in_range(pos, s, segments, low, high) == span.portfolio_value(
                pos, s, low, high
            )


def test_long_straddle_off_grid_loses_more_than_its_scanning_risk() -> None:
    # the bug example's portfolio: long 10 calls + 10 puts at 1950, grid step 100
    pos = {i: 0 for i in span.INSTRUMENTS} | {"call_low": 10, "put_low": 10}
    low, high = Fraction(1950), Fraction(2050)
    now = span.portfolio_value(pos, 2000, low, high)
    worst = now - span.portfolio_value(pos, 1950, low, high)
    assert worst == 500
    off_grid = span.scanning_risk(pos, 2000, span.scan_points("2000", "0.15"), low, high)
    on_grid = span.scanning_risk(
        pos, 2000, span.scan_points("2000", "0.15", strikes=(low, high)), low, high
    )
    assert off_grid == 0 and on_grid == 500


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"scan_range": "-0.1"}, "scan_range"),
        ({"scan_range": "0.4", "extreme_multiple": "3"}, "extreme_multiple * scan_range"),
        ({"extreme_cover": "1.5"}, "extreme_cover"),
        ({"extreme_multiple": "0.5"}, "extreme_multiple"),
        ({"strike_low": "0"}, "strike_low"),
        ({"max_size": "0"}, "max_size"),
        ({"collateral": ("-1", "10")}, "collateral"),
        ({"scan_strikes": "yes"}, "scan_strikes"),
    ],
)
def test_span_parameters_are_validated(kwargs: dict, parameter: str) -> None:
    with pytest.raises(ModelParameterError, match=parameter.replace("*", r"\*")) as info:
        span.build(**kwargs)
    assert info.value.code == "SV801"


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"call_coverage": "0"}, "call_coverage"),
        ({"put_margin_basis": "mark"}, "put_margin_basis"),
        ({"strike": "-2000"}, "strike"),
        ({"max_move": "1"}, "max_move"),
        ({"underlying": ("5", "1")}, "underlying"),
        ({"accounts": 0}, "accounts"),
    ],
)
def test_vault_parameters_are_validated(kwargs: dict, parameter: str) -> None:
    with pytest.raises(ModelParameterError, match=parameter):
        options_vault.build(**kwargs)


def test_bad_parameter_in_a_spec_file_exits_3(tmp_path: Path) -> None:
    spec = tmp_path / "bad_vault.py"
    spec.write_text(
        "from solvent.models import options_vault\nvault = options_vault.build(call_coverage='0')\n"
    )
    env = {**os.environ, "CI": "true"}
    result = subprocess.run(
        [sys.executable, "-m", "solvent", "prove", str(spec)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 3, result.stdout + result.stderr
    assert "call_coverage" in result.stdout + result.stderr
    assert "SV801" in result.stdout + result.stderr
