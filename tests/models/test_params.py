"""Parameters outside their domain are refused: SV801 naming the parameter and the rule,
at the user's own line, exit 3 from the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from solvent.errors import ModelParameterError
from solvent.models import fee_accrual, insurance_waterfall, perp_cross, perp_inverse, perp_isolated

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("build", "kwargs", "message"),
    [
        (
            perp_isolated.build,
            {"maintenance_margin": "-0.05"},
            r"parameter maintenance_margin = -0.05: must be greater than 0",
        ),
        (
            perp_isolated.build,
            {"maintenance_margin": "0.2", "initial_margin": "0.1"},
            r"maintenance_margin = 0.2 exceeds initial_margin = 0.1: a position opened at the "
            r"initial margin would be liquidatable at once",
        ),
        (
            perp_cross.build,
            {"maintenance_margin_b": "0.5", "initial_margin_b": "0.12"},
            r"maintenance_margin_b = 0.5 exceeds initial_margin_b",
        ),
        (
            perp_cross.build,
            {"liquidation_fee": "0.2"},
            r"liquidation_fee .* exceeds backstop_fraction x maintenance_margin_a",
        ),
        (perp_cross.build, {"funding_cap": "-0.01"}, r"funding_cap = -0.01: must not be negative"),
        (
            perp_inverse.build,
            {"max_leverage": "0"},
            r"max_leverage = 0: leverage must be greater than 0",
        ),
        (perp_inverse.build, {"max_leverage": "0.5"}, r"max_leverage = 0.5: leverage below 1"),
        (
            perp_inverse.build,
            {"max_leverage": "20", "maintenance_margin": "0.09"},
            r"maintenance_margin = 0.09 exceeds initial margin 1/max_leverage = 0.05",
        ),
        (
            perp_inverse.build,
            {"max_move": "1"},
            r"max_move = 1: a fraction of notional must be below 1",
        ),
        (insurance_waterfall.build, {"accounts": 1}, r"accounts = 1: must be at least 2"),
        (
            insurance_waterfall.build,
            {"last_layer": "ignore"},
            r"last_layer = 'ignore': must be one of",
        ),
        (
            fee_accrual.build,
            {"fee_rounding": "nearest"},
            r"fee_rounding='nearest': must be one of up, down",
        ),
        (fee_accrual.build, {"fee_rate": 0.0005}, r"parameter fee_rate: float"),
    ],
)
def test_out_of_domain_parameter_is_refused(build, kwargs, message) -> None:  # noqa: ANN001
    with pytest.raises(ModelParameterError, match=message) as failure:
        build(**kwargs)
    assert failure.value.code == "SV801"
    assert failure.value.exit_code == 3
    assert failure.value.where is not None and "test_params.py" in failure.value.where


def test_cli_names_the_spec_line_and_exits_3(tmp_path: Path) -> None:
    spec = tmp_path / "bad.py"
    spec.write_text(
        "from solvent.models import perp_inverse\n\nperp = perp_inverse.build(max_leverage='0')\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "solvent", "lint", str(spec)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "CI": "true"},
        timeout=120,
    )
    assert result.returncode == 3, result.stdout + result.stderr
    assert "bad.py:3: parameter max_leverage = 0: leverage must be greater than 0" in result.stderr
    assert "[SV801]" in result.stderr and "Traceback" not in result.stderr
