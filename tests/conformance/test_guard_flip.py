"""Issue 25: float64 decisions near a boundary go to the exact judge.

Three checks of stress's error bounds (solvent.stress.bounds):

- the bounds of the bounded float64 lanes contain the judge's exact value, and every
  decision they mark certain is the judge's (random expression trees);
- on random specs whose guard (``requires``, ``sv.when``) or invariant compares nearly
  equal quantities, stress's verdict is the exact verdict of every lane (NumPy lanes on
  Hypothesis cases, the compiled kernel on fixed ones);
- the issue's reproduction gives FAIL with both engines, UNKNOWN under a budget.

CI runs small Hypothesis profiles (well under a minute); ``SOLVENT_LONG_TESTS=1`` runs
long ones (thousands of trees, a hundred specs).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from solvent.testing.certified import (
    GuardFlip,
    bound_trees,
    check_bounds,
    check_guard_flip,
    guard_flips,
)

LONG = os.environ.get("SOLVENT_LONG_TESTS") == "1"
FAST = dict(deadline=None, database=None, derandomize=not LONG)
MISS = str(Path(__file__).parents[1] / "stress" / "specs" / "miss.py")


@settings(max_examples=5000 if LONG else 300, **FAST)
@given(tree=bound_trees())
def test_bounds_contain_the_exact_value_and_certain_decisions_are_the_judges(tree) -> None:
    check_bounds(tree)


def test_a_product_rounded_to_the_smallest_normal_keeps_its_bound() -> None:
    """(1 + 2**-52) * 2**-1022 (1 - 2**-52) rounds to 2**-1022 with an error of 2**-1126:
    ``u |r|`` underflows to 0 there, so the bound took the product for exact (both the
    NumPy form and the kernel's); it is now ``2**-1074``."""
    from fractions import Fraction

    import numpy as np

    from solvent.stress import bounds

    a, b = Fraction(1) + Fraction(2) ** -52, Fraction(2) ** -1022 * (1 - Fraction(2) ** -52)
    check_bounds(("mul", a, b))
    x, y = float(a), float(b)
    r = x * y
    assert r == 2.0**-1022 and Fraction(r) != a * b
    helpers: dict = {"np": np, "njit": lambda **_k: lambda f: f}
    exec(bounds.KERNEL_HELPERS, helpers)  # the kernel's helpers as plain Python
    for e in (helpers["_emul"](x, y, r, 0.0, 0.0), float(bounds.e_mul(x, y, r, 0.0, 0.0))):
        assert Fraction(e) >= abs(Fraction(r) - a * b) > 0


@settings(
    max_examples=100 if LONG else 8,
    suppress_health_check=[HealthCheck.too_slow],
    **FAST,
)
@given(case=guard_flips())
def test_guard_flips_lanes_engine_verdict_is_the_exact_one_on_every_lane(case) -> None:
    check_guard_flip(case, engine="lanes")


@pytest.mark.parametrize(
    "case",
    [
        GuardFlip("tiny", ">", "requires"),
        GuardFlip("distrib", "<=", "when", "0.1", "0.7"),
        GuardFlip("scale", ">=", "invariant", "0.3", "3"),
    ],
    ids=str,
)
def test_guard_flips_kernel_verdict_is_the_exact_one_on_every_lane(case) -> None:
    counts = check_guard_flip(case, engine="kernel")
    assert counts["undecided"] > 0  # the cases do put decisions within rounding error


def test_certain_decisions_certify_lanes_without_a_rerun() -> None:
    """Sides far apart: every decision certain, nothing re-run (the guard is false on
    every lane: PASS), or every lane flagged and confirmed (true: FAIL)."""
    counts = check_guard_flip(GuardFlip("shift", "<", "requires", delta="-1e-12"))
    assert counts["certified"] == 48 and counts["rerun"] == 0
    counts = check_guard_flip(GuardFlip("shift", "<", "requires", delta="1e-12"))
    assert counts["undecided"] == 0 and counts["flagged"] == counts["confirmed"] == 48


def _stress(tmp_path: Path, *extra: str) -> tuple[int, dict]:
    proc = subprocess.run(
        [
            sys.executable, "-m", "solvent", "stress", MISS, "--scenario", "gbm", "--paths",
            "300", "--steps", "5", "--seed", "1", "--population", "none",
            "--insurance-field", "none", "--liquidations-field", "none",
            "--format", "json", *extra,
        ],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    return proc.returncode, json.loads(proc.stdout)


@pytest.mark.parametrize("engine", ["kernel", "lanes"])
def test_the_reproduction_fails_with_every_lane_confirmed(tmp_path, engine) -> None:
    """Before: PASS, P(insolvency) 0, nothing flagged; every path breaks exactly."""
    code, doc = _stress(tmp_path, "--engine", engine, "--confirm", "all")
    c = doc["confirmation"]
    assert (code, doc["verdict"], doc["engine"]) == (1, "FAIL", engine)
    assert c["flagged"] == 0 and c["undecided"] == c["rerun"] == c["confirmed"] == 300
    assert c["certified"] == 0 and c["unchecked"] == 0
    assert doc["metrics"]["p_insolvency"]["paths"] == 300


def test_the_reproduction_under_a_budget_is_unknown_never_pass(tmp_path) -> None:
    code, doc = _stress(tmp_path, "--engine", "lanes", "--confirm", "0")
    c = doc["confirmation"]
    assert (code, doc["verdict"]) == (2, "UNKNOWN")
    assert c["checked"] == 0 and c["unchecked"] == c["rerun"] == 300


@pytest.mark.parametrize("engine", ["kernel", "lanes"])
def test_a_non_double_initial_value_is_judged_exactly_from_the_specs_own_start(
    tmp_path: Path, engine: str
) -> None:
    """The lanes hold float(0.1); the exact re-run starts from 0.1 itself (was: from the
    double 0.1000000000000000055..., which 'confirmed' a violation the spec never has),
    and the bound of that initial value makes the float64 decision undecided."""
    spec = str(Path(__file__).parents[1] / "stress" / "specs" / "tenth.py")
    out = tmp_path / "r.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "solvent",
            "stress",
            spec,
            "--scenario",
            "gbm",
            "--paths",
            "50",
            "--steps",
            "2",
            "--seed",
            "1",
            "--population",
            "none",
            "--insurance-field",
            "none",
            "--liquidations-field",
            "none",
            "--bad-debt-field",
            "none",
            "--engine",
            engine,
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(out.read_text())
    found: list[dict] = []

    def walk(o: object) -> None:
        if isinstance(o, dict):
            if isinstance(o.get("confirmation"), dict):
                found.append(o["confirmation"])
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)

    walk(doc)
    (conf,) = found
    # float64 flags every lane (0.1 * 3 > 0.3 in doubles); each is re-run from the exact
    # start and refuted; none is a certified pass (the initial value's bound is not 0)
    assert (conf["flagged"], conf["rerun"], conf["confirmed"], conf["certified"]) == (50, 50, 0, 0)
    assert proc.stdout.startswith("[PASS]"), proc.stdout
