"""Paths the conform tests share: the repository, the conform examples and their spec.

A module of its own (not ``conftest``): ``from conftest import ...`` picks whichever
``conftest`` module was imported first when other test folders are collected in the
same run (tests/fuzz has one too).
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "conform"
SPEC = EXAMPLES / "perp_spec.py"


def revm_adapter(name: str):
    """An adapter of examples/conform/revm_adapter.py (the contracts on revm)."""
    from solvent.conform.adapter import load_adapter

    return load_adapter(f"{EXAMPLES / 'revm_adapter.py'}:{name}")
