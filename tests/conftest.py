"""Suite-wide instrumentation and scheduling (no fixtures here; each test package has its own
conftest).

A CI run once failed to start a Dask LocalCluster because ``sys.modules["prometheus_client"]``
had lost its ``__spec__`` somewhere earlier in the same process (solvent's clusters no longer
load the route that imports it: ``solvent.stress.execute.dask_config``). The cause was not
found again in later runs, so the suite watches for it: after each test, any module in
``sys.modules`` without a ``__spec__`` that had one before is named, with the test after which
it was first seen, in the terminal summary.

Under pytest-xdist a test marked ``serial`` runs while no other test runs (``turns.py``).
"""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Generator, Iterator
from contextlib import contextmanager

import pytest
from turns import turn

_seen: dict[str, str] = {}  # module name -> the test after which it had lost __spec__
_had: set[str] = set()  # modules seen with a __spec__ (C extensions may make some without)


def _with_spec() -> set[str]:
    return {
        name
        for name, mod in list(sys.modules.items())
        if isinstance(mod, types.ModuleType) and "__spec__" in vars(mod)
    }


@contextmanager
def _turn(item: pytest.Item) -> Iterator[None]:
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if run is None or os.environ.get("PYTEST_XDIST_WORKER") is None:  # one process: no turns
        yield
        return
    with turn(run, serial=item.get_closest_marker("serial") is not None):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator:
    with _turn(item):
        _had.update(_with_spec())
        yield
        now = _with_spec()
    for name in _had - now - _seen.keys():
        mod = sys.modules.get(name)
        if isinstance(mod, types.ModuleType):  # still there, but without its __spec__
            _seen[name] = item.nodeid
    _had.update(now)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for name, nodeid in sorted(_seen.items()):
        terminalreporter.write_line(
            f"module {name!r} lost its __spec__ (first seen after {nodeid})"
        )
