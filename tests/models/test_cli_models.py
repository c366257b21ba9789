"""`solvent models` lists the library; `solvent new` writes a working, editable spec file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from solvent.models import registry

ROOT = Path(__file__).resolve().parents[2]


def solvent(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CI": "true", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "solvent", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_models_lists_every_model_with_description_and_parameters() -> None:
    result = solvent("models")
    assert result.returncode == 0, result.stderr
    for info in registry.all_models():
        assert info.description
        line = next(x for x in result.stdout.splitlines() if x.startswith(info.name + " "))
        assert info.description in line
    assert "max_leverage=10" in result.stdout and "funding_cap=0.01" in result.stdout
    assert "fee_rounding=up" in result.stdout


def test_new_writes_a_standalone_spec_that_runs(tmp_path: Path) -> None:
    result = solvent("new", "fee-accrual", "mine.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "mine.py").read_text()
    # the rules themselves are in the file (not just an import of the model) ...
    assert "def trade(" in text and "def vault_covers_lp_claim(" in text
    assert "import fee_accrual" not in text
    # ... with every parameter spelled out, ready to edit
    assert "    fee_rounding='up',\n" in text and "    decimals=6,\n" in text
    edited = text.replace("    fee_rounding='up',\n", "    fee_rounding='down',\n")
    (tmp_path / "mine.py").write_text(edited)
    lint = solvent("lint", "mine.py", cwd=tmp_path)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    found = solvent("bmc", "mine.py", "--depth", "3", cwd=tmp_path)
    assert found.returncode == 1, found.stdout + found.stderr  # the edit took effect


def test_new_refuses_to_overwrite_unless_forced(tmp_path: Path) -> None:
    (tmp_path / "perp_inverse.py").write_text("# mine\n")
    refused = solvent("new", "perp-inverse", cwd=tmp_path)
    assert refused.returncode == 3
    assert "perp_inverse.py already exists" in refused.stderr and "[SV803]" in refused.stderr
    assert (tmp_path / "perp_inverse.py").read_text() == "# mine\n"
    forced = solvent("new", "perp-inverse", "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert "def liquidate(" in (tmp_path / "perp_inverse.py").read_text()


def test_new_unknown_model_exits_3(tmp_path: Path) -> None:
    result = solvent("new", "perp-magic", cwd=tmp_path)
    assert result.returncode == 3
    assert "unknown model 'perp-magic'" in result.stderr and "[SV802]" in result.stderr
    assert not list(tmp_path.iterdir())


def test_every_model_module_with_a_build_is_registered() -> None:
    """A module of solvent/models/ with a build() is a model: `solvent models`, `solvent new`
    and the docs tables list it only if registry.MODULES names it."""
    import importlib
    import pkgutil

    import solvent.models

    modules = {m.name for m in pkgutil.iter_modules(solvent.models.__path__)}
    with_build = {
        m
        for m in modules
        if callable(getattr(importlib.import_module(f"solvent.models.{m}"), "build", None))
    }
    assert with_build - set(registry.MODULES.values()) == set()
    assert set(registry.available()) == set(registry.MODULES)
    for name in ("oracle-margin", "vault-counterparty", "crowded-liquidation", "perp-keeper-late"):
        assert name in registry.MODULES
        assert (ROOT / "docs" / "models" / f"{name}.md").is_file()


def test_new_writes_the_newer_models(tmp_path: Path) -> None:
    listed = solvent("models")
    assert listed.returncode == 0, listed.stderr
    for name in ("oracle-margin", "vault-counterparty", "crowded-liquidation", "perp-keeper-late"):
        assert any(x.startswith(name + " ") for x in listed.stdout.splitlines()), name
    result = solvent("new", "vault-counterparty", "mine.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "mine.py").read_text()
    assert "def deleverage(" in text and "    oi_cap=None,\n" in text
    edited = text.replace("    oi_cap=None,\n", "    oi_cap='5',\n")
    (tmp_path / "mine.py").write_text(edited)
    proved = solvent("prove", "mine.py", cwd=tmp_path)
    assert proved.returncode == 0, proved.stdout + proved.stderr
