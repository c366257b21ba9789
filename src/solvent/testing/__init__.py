"""Testing tools for a protocol's own test suite, and solvent's own harnesses.

For users: :func:`assert_proved`, :func:`assert_no_counterexample`, :func:`assert_replays`,
:func:`assert_stress` and the Hypothesis strategy :func:`traces` (see
:mod:`solvent.testing.asserts`); the pytest plugin (:mod:`solvent.pytest_plugin`) adds
fixtures and ``--solvent-report``. Also: :mod:`solvent.testing.conformance` checks a
backend against the judge; :func:`solvent.testing.conform.assert_conforms` checks an
implementation against its spec.
"""

from solvent.testing.asserts import (
    assert_no_counterexample,
    assert_proved,
    assert_replays,
    assert_stress,
    record,
    spec_path,
    traces,
)

__all__ = [
    "assert_no_counterexample",
    "assert_proved",
    "assert_replays",
    "assert_stress",
    "record",
    "spec_path",
    "traces",
]
