"""Differential soundness: random small specs, bmc/prove against exhaustive exploration.

Each property draws specs from ``specgen.specs()`` (names from a pool with the trace
format's words, so kinds share names: the bugs of issue 22) and compares a verb with the
exhaustive concrete exploration of every path on a grid (``specgen.explore``, the
``Fraction``/fixed-point judge). A disagreement fails with the spec's source.

Profiles (``SOLVENT_SOUNDNESS_PROFILE``):

- ``ci`` (default): few examples, depth 2; well under a minute on one core.
- ``long``: many examples at depth 3, e.g.
  ``SOLVENT_SOUNDNESS_PROFILE=long python -m pytest tests/soundness -q``; the figures of
  a long run come from ``python benchmarks/soundness.py`` (benchmarks/results/soundness.md).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from specgen import check_arithmetic, check_bmc, check_prove, specs

LONG = os.environ.get("SOLVENT_SOUNDNESS_PROFILE", "ci") == "long"
DEPTH = 3 if LONG else 2
STATS: dict[str, int] = {}


def profile(ci_examples: int, long_examples: int = 400) -> settings:
    return settings(
        max_examples=long_examples if LONG else ci_examples,
        deadline=None,
        database=None,
        derandomize=not LONG,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@profile(ci_examples=40)
@given(specs(max_branching=24 if LONG else 60))
def test_bmc_agrees_with_exhaustive_exploration(g) -> None:  # type: ignore[no-untyped-def]
    check_bmc(g, DEPTH, STATS)


@profile(ci_examples=15)
@given(specs(max_branching=24 if LONG else 40))
def test_prove_pass_has_no_explored_violation(g) -> None:  # type: ignore[no-untyped-def]
    check_prove(g, DEPTH, STATS)


@profile(ci_examples=12)
@given(specs(arithmetic=("exact",), rounding=False, max_branching=24 if LONG else 40))
def test_exact_and_fixed_point_agree(g) -> None:  # type: ignore[no-untyped-def]
    check_arithmetic(g, DEPTH, STATS)
