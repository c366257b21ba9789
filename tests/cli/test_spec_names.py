"""Spec aliases (`buggy = spec` names the same spec, listed once) and the documented way to
add invariants to a library model's spec (docs/models/index.md)."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from solvent import cli
from solvent.spec.load import load_spec

ALIASES = """\
from solvent.models import vault_counterparty
spec = vault_counterparty.build(name="v")
buggy = spec
other = vault_counterparty.build(name="w", oi_cap="5")
"""

EXTENDED = """\
import solvent as sv
from solvent.models import perp_isolated


@sv.builder
def build(maintenance_margin="0.05", max_move="0.04"):
    spec = perp_isolated.build(maintenance_margin=maintenance_margin, max_move=max_move)

    @spec.invariant
    def fund_never_empty(s):
        return s.insurance > 0

    return spec


spec = build()
"""


def run(capsys: pytest.CaptureFixture[str], *argv: Any) -> tuple[int, str, str]:
    code = cli.run([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_an_alias_names_the_same_spec(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "aliases.py"
    path.write_text(ALIASES)
    assert load_spec(f"{path}:buggy").name == load_spec(f"{path}:spec").name == "v"
    assert load_spec(str(path), "buggy").name == "v"
    code, _, err = run(capsys, "inspect", path)
    assert code == 3 and "several specs (spec = buggy (v), other (w))" in err
    code, _, err = run(capsys, "inspect", f"{path}:nope")
    assert code == 3 and "it has: spec = buggy (v), other (w)" in err
    alone = tmp_path / "alone.py"
    alone.write_text(ALIASES.rsplit("other", 1)[0])
    assert load_spec(str(alone)).name == "v"  # one spec under two names: no choice needed


def test_invariants_added_to_a_model_survive_set(tmp_path: Path) -> None:
    path = tmp_path / "extended.py"
    path.write_text(EXTENDED)
    spec = load_spec(str(path)).with_params(maintenance_margin="0.06")
    assert [d.name for d in spec.invariants] == ["solvent", "fund_never_empty"]
    assert spec.param_values().maintenance_margin == Fraction(6, 100)


def test_inspect_shortens_library_paths_outside_the_working_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "extended.py"
    path.write_text(EXTENDED)
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "inspect", "extended.py")
    assert code == 0
    line = next(x for x in out.splitlines() if x.strip().startswith("solvent "))
    # perp-isolated's invariant is written in the perp models' shared blocks
    assert re.search(r" solvent/models/blocks_perp\.py:\d+$", line.rstrip()), line
    assert "site-packages" not in out and str(Path(cli.__file__).parents[1]) not in out


def test_a_table_too_wide_for_the_terminal_is_transposed_with_every_name(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = Path(__file__).resolve().parents[2]
    example = root / "examples" / "incidents" / "black_thursday_keeper.py"
    monkeypatch.setenv("COLUMNS", "70")
    code, out, _ = run(capsys, "bmc", example, "--depth", "3")
    assert code == 1
    assert "…" not in out  # nothing cut
    lines = out.splitlines()
    assert max(len(line) for line in lines if not line.startswith("[")) <= 70
    for name in ("insurance", "liquidations", "keepers fired", "violated", "liquidate_late"):
        assert any(line.startswith(name + " ") for line in lines), name
    assert any(line.split()[:2] == ["step", "init"] for line in lines)


def test_table_cells_round_long_values_only() -> None:
    from solvent.report.text import cell

    assert cell(Fraction("2026.944")) == "2026.944"  # short: exact
    assert cell(Fraction("2.948484699392256")) == "≈2.948484699"
    assert cell(Fraction(-6432133992896, 10**8)) == "-64321.33992896"  # 14 digits: exact
    assert cell(Fraction("14.415797650303872")) == "≈14.41579765"
    assert cell(Fraction(1, 3)) == "1/3 (~0.333333)"  # short: exact, with its decimal
    assert cell(Fraction(6168718457, 308435922)) == "≈20.00000006"
    assert cell(True) == "true" and cell(None) == ""
