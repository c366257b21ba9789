"""The pytest plugin (registered through the ``pytest11`` entry point ``solvent``).

Fixtures:

* ``solvent_spec``: ``solvent_spec("specs/perp.py", name=None)`` loads a spec by a path
  relative to the test file (or absolute), through :func:`solvent.load`.
* ``solvent_results``: the results the :mod:`solvent.testing` assertions recorded so far.

Option ``--solvent-report PATH``: after the session, every result the assertions
(:func:`solvent.testing.assert_proved` and the others) and exported regression tests
recorded is written to one self-contained HTML report at ``PATH``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("solvent", "solvent (derivatives protocol solvency checks)")
    group.addoption(
        "--solvent-report",
        metavar="PATH",
        default=None,
        help="Write every solvent result of the session into one HTML report at PATH.",
    )


@pytest.fixture
def solvent_spec(request: pytest.FixtureRequest) -> Callable[..., Any]:
    """Load a spec by a path relative to the test file: ``solvent_spec("specs/perp.py")``."""
    from solvent.api import load

    base = Path(str(request.path)).resolve().parent

    def load_relative(path: str | Path, name: str | None = None) -> Any:
        target = Path(path)
        return load(str(target if target.is_absolute() else base / target), name)

    return load_relative


@pytest.fixture
def solvent_results() -> list[Any]:
    """The results recorded by :mod:`solvent.testing` in this session so far."""
    from solvent.testing.asserts import COLLECTED

    return COLLECTED


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    path = session.config.getoption("solvent_report", default=None)
    if not path:
        return
    from solvent.report.html import render_many
    from solvent.report.outputs import write_atomic
    from solvent.testing.asserts import COLLECTED

    docs = [r.doc for r in COLLECTED]
    write_atomic(str(path), render_many(docs, f"pytest session: {len(docs)} solvent results"))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    path = terminalreporter.config.getoption("solvent_report", default=None)
    if path:
        from solvent.testing.asserts import COLLECTED

        terminalreporter.write_line(f"solvent report ({len(COLLECTED)} results): {path}")
