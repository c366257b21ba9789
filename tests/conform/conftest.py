"""Fixtures of the conform tests: the example spec, adapters, and the contract toolchains.

The contract toolchains (vyper + titanoboa from the `contracts` extra, Node.js + the solc
npm package that `bash scripts/test` installs into .npm-tools/) are required in CI
(``CI=true``): a missing one fails the test there; elsewhere it skips with the reason.
"""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest
from conform_paths import EXAMPLES, SPEC


def need(ok: bool, what: str) -> None:
    if ok:
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{what} is missing; CI must have it (bash scripts/test installs it)")
    pytest.skip(f"{what} is missing (pip install '.[test]'; bash scripts/test)")


@pytest.fixture(scope="session")
def spec():
    from solvent.spec.load import load_spec

    return load_spec(str(SPEC))


def _adapter(name: str):
    from solvent.conform.adapter import load_adapter

    return load_adapter(f"{EXAMPLES / name}")


@pytest.fixture(scope="session")
def vyper_ok() -> None:
    need(importlib.util.find_spec("boa") is not None, "titanoboa (the contracts extra)")
    need(importlib.util.find_spec("vyper") is not None, "vyper (the contracts extra)")


@pytest.fixture(scope="session")
def vyper_adapters(vyper_ok):
    """(correct, fee bug) adapters; each contract is compiled once per session."""
    sys.path.insert(0, str(EXAMPLES))
    try:
        return _adapter("vyper_adapter.py:PerpVyperAdapter"), _adapter(
            "vyper_adapter.py:FeeBugAdapter"
        )
    finally:
        sys.path.remove(str(EXAMPLES))


@pytest.fixture(scope="session")
def solidity_adapter(vyper_ok):
    import shutil

    from solvent.conform.adapter import AdapterError
    from solvent.conform.contracts import find_solcjs

    need(shutil.which("node") is not None, "Node.js")
    try:
        find_solcjs()
    except AdapterError:
        need(False, "the solc npm package (.npm-tools/node_modules/solc)")
    return _adapter("solidity_adapter.py:PerpSolidityAdapter")


@pytest.fixture(scope="session")
def revm_ok(vyper_ok) -> None:
    need(importlib.util.find_spec("pyrevm") is not None, "pyrevm (the contracts extra)")


@pytest.fixture(scope="session")
def solc_ok(vyper_ok) -> None:
    import shutil

    from solvent.conform.adapter import AdapterError
    from solvent.conform.contracts import find_solcjs

    need(shutil.which("node") is not None, "Node.js")
    try:
        find_solcjs()
    except AdapterError:
        need(False, "the solc npm package (.npm-tools/node_modules/solc)")
