from __future__ import annotations

from pathlib import Path

import pytest

from solvent.spec.load import load_spec

SPECS = Path(__file__).parent / "specs"


@pytest.fixture
def spec_path() -> object:
    return lambda name: str(SPECS / f"{name}.py")


@pytest.fixture
def load() -> object:
    return lambda name: load_spec(str(SPECS / f"{name}.py"))
