"""``--set`` on a user's own spec (issue 24): a parameter that shaped the spec when it was
built is refused unless a builder can build the spec again with the new value."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from solvent import cli

SPECS = Path(__file__).resolve().parent / "specs"


def run(capsys: pytest.CaptureFixture[str], *argv: Any) -> tuple[int, str, str]:
    code = cli.run([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_set_on_a_parameter_read_at_build_time_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(
        capsys, "bmc", SPECS / "static_param_read.py", "--depth", "1", "--set", "max_move=0.1"
    )
    assert code == 3, out + err
    assert "static_param_read.py:26: parameter max_move of spec static-read is read as a " in err
    assert "(Params.max_move) while the spec is built" in err and "[SV804]" in err
    assert "@sv.builder" in err and "Traceback" not in out + err


def test_set_on_a_parameter_read_only_in_the_rules_is_taken(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(
        capsys, "inspect", SPECS / "static_param_read.py", "--set", "cap=50", "--format", "json"
    )
    assert code == 0, err
    assert json.loads(out)["params"]["cap"]["value"] == "50"


def test_a_user_builder_rebuilds_the_spec(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "inspect", SPECS / "user_builder.py", "--set", "max_move=0.1", "--format", "json"
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["envelope"]["move"]["lo"] == "-0.1" and doc["envelope"]["move"]["hi"] == "0.1"
    assert doc["params"]["max_move"]["value"] == "0.1"
    assert doc["built_by"]["builder"].startswith("build() in ")
    assert doc["built_by"]["set"] == {"max_move": "0.1"}


def test_a_model_extended_after_its_builder_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(
        capsys, "lint", SPECS / "extended_model.py", "--set", "maintenance_margin=0.06"
    )
    assert code == 3, out + err
    assert "extended_model.py:9: spec perp-isolated was built by " in err
    assert "and then extended (actions deposit)" in err and "[SV804]" in err


def test_unknown_name_lists_parameters_and_builder_keywords(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "inspect", SPECS / "user_builder.py", "--set", "max_mvoe=0.1")
    assert code == 3
    assert "unknown parameter 'max_mvoe' for spec built; known: max_move, cap" in err


ROOT = SPECS.parents[2]


@pytest.mark.parametrize(
    ("params", "code", "needle"),
    [
        ('{ scan_range = "0.3" }', 0, '"hi": "0.3"'),
        ('{ maintenance_margin = "-0.05" }', 3, "must be greater than 0"),
    ],
)
def test_tool_solvent_params_rebuild_too(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    params: str,
    code: int,
    needle: str,
) -> None:
    """`params` in [tool.solvent] go through the same rebuild as --set."""
    example = "span_margin.py" if "scan_range" in params else "perp_isolated.py"
    (tmp_path / "pyproject.toml").write_text(
        f"[project]\nname = 'x'\n\n[tool.solvent]\nparams = {params}\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    got, out, err = run(
        capsys, "inspect", ROOT / "examples" / "correct" / example, "--format", "json"
    )
    assert got == code, out + err
    assert needle in (out if code == 0 else err)


@pytest.mark.parametrize(
    ("setting", "needle"),
    [
        ("max_move=0.1", None),  # a builder keyword that is not a spec parameter: rebuilt
        ("collateral=5", "keyword collateral of solvent.models.perp_isolated.build() is"),
        ("tier2=5", "keyword tier2 of solvent.models.perp_isolated.build() is None"),
    ],
)
def test_set_on_builder_keywords(
    capsys: pytest.CaptureFixture[str], setting: str, needle: str | None
) -> None:
    example = ROOT / "examples" / "correct" / "perp_isolated.py"
    code, out, err = run(capsys, "inspect", example, "--set", setting, "--format", "json")
    if needle is None:
        assert code == 0, err
        doc = json.loads(out)
        assert doc["envelope"]["move"]["hi"] == "0.1"
        assert doc["built_by"]["set"] == {"max_move": "0.1"}
    else:
        assert code == 3 and needle in err and "change it in the spec file" in err, err
