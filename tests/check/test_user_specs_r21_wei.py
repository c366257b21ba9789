"""Round 21: the 18-decimal perp (``wei_perp``): its safe variant proved, its bug's path shown.

- The safe variant's proof needs the oracle's floor (``indexPrice >= oracleFloor``: from a
  price below it the next report jumps up to it, more than the 2% a short's margin
  covers). Houdini had only the sign fact ``indexPrice >= 0``, and the step from an
  arbitrary state is nonlinear integer arithmetic that Z3 does not settle, so the proof
  ran out of time. ``infer_floor`` now offers ``f >= FLOOR`` for a field an update writes
  as ``maximum(x, FLOOR)``; with it and the keeper's guard the proof is quick.
- The shrinker halved a market draw or an argument of a fixed-point path to half a unit
  of the grid, which the spec cannot hold: the FAIL the falsifier found ended in an SV810
  error (an odd number of units halved). Candidates off the grid are not tried now.
"""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from solvent.check.bmc import bmc
from solvent.check.decompose import prove_any_accounts
from solvent.check.falsify import Paths
from solvent.check.induction import prove
from solvent.check.infer_floor import floor_candidates
from solvent.check.replay import replay
from solvent.check.shrink import shrink
from solvent.check.suggest import Candidate
from tests.check.test_user_specs_r19 import load, wei_bug_path

UNIT = Fraction(1, 10**18)


def test_a_field_written_as_a_maximum_with_a_parameter_gets_its_floor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wei = load(monkeypatch, "wei_perp", False, 1)
    assert Candidate("indexPrice", ">=", Fraction(100), False) in floor_candidates(wei)
    # a floor at 0 (the keeper's `maximum(value, 0)`) is only the sign fact again
    assert Candidate("collateral", ">=", Fraction(0), True) in floor_candidates(wei)
    # no floor above a field's initial value (its base case would fail)
    bybit = load(monkeypatch, "bybit_tiers", False, 1)
    assert all(c.rhs == 0 for c in floor_candidates(bybit))


def test_the_safe_wei_perp_is_proved_and_bmc_and_random_paths_agree(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = load(monkeypatch, "wei_perp", False, 3)
    result = prove_any_accounts(spec, prove, max_k=1, timeout=120)
    assert result.verdict == "PASS", result.message
    assert result.accounts == "any"
    inferred = {d["name"] for d in result.details["inferred_lemmas"]}
    assert "indexPrice_at_least_100" in inferred
    # independent: bmc on one account to depth 2 (unsat without any lemma)...
    one = spec.with_accounts(1)
    assert bmc(one, depth=2, timeout=60).verdict == "PASS"
    # ... and 300 of the falsifier's paths of 4 steps (a quarter at the guard's edge, to
    # the unit) replayed on the concrete judge: none breaks the property
    paths = iter(Paths(one, 4, random.Random(3)))
    for _ in range(300):
        assert replay(one, next(paths)).first_failure is None


def test_the_bug_variant_is_not_proved_with_the_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = load(monkeypatch, "wei_perp", True, 1)
    assert prove_any_accounts(spec, prove, max_k=1, timeout=20).verdict != "PASS"


def test_a_fixed_point_path_shrinks_on_the_grid(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = load(monkeypatch, "wei_perp", True, 1)
    trace = wei_bug_path(spec)  # tests/check/test_user_specs_r19.py's worked-out path
    assert replay(spec, trace).first_failure is not None
    out = shrink(spec, trace).trace  # before: SV810, half of an odd number of units
    assert replay(spec, out).first_failure.name == "insurance_fund_never_negative"
    numbers = [v for st in out.steps for v in st.market.values()]
    numbers += [v for st in out.steps if st.action for v in st.action.args.values()]
    numbers += [v for vs in out.init.values() for v in (vs if isinstance(vs, tuple) else (vs,))]
    assert all((Fraction(v) / UNIT).denominator == 1 for v in numbers)
