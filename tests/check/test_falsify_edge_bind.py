"""The falsifier's fixed-point edge paths bind the account's initial values (round 21).

The 18-decimal perp's bug (tests/check/specs/wei_perp.py, ``BUG=1``) needs a long as large
as its domain allows, on a collateral at the margin requirement to the unit, then the
largest fall right after: the oracle's rounding is then more than the account's slack.
Bisecting only the argument left up to 40 units of slack (one unit of size moves the
requirement by 2% of the price), and the collateral was drawn: 0.1-0.75% of the edge
paths broke the property, so the FAIL came from the race's wall-clock turns, at a low
load only. Now an account's first action in a fixed-point edge path that rounds takes its
arguments at their ends and its initial values bisected to the guard's edge, and the
step after a trade takes a market corner under which the tick and keepers break a
property when one does. The paths of exact-arithmetic specs are unchanged (the same
random draws in the same order).
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
from fractions import Fraction

import pytest

from solvent.check.falsify import Paths, falsify
from solvent.check.falsify_edge import edge_path
from solvent.check.first_attempt import share_paths
from solvent.check.replay import replay
from tests.check.test_user_specs_r19 import load

NAMES = ["insurance_fund_never_negative"]


@pytest.mark.parametrize(("accounts", "paths"), [(1, 60), (3, 4)])
def test_the_wei_bug_is_found_in_few_paths_whatever_the_load(
    monkeypatch: pytest.MonkeyPatch, accounts: int, paths: int
) -> None:
    spec = load(monkeypatch, "wei_perp", True, accounts)
    # counted, not timed: the paths the first attempt runs before the race (500 paths on
    # one account, 166 on three) hold it; before, none of the first 400 on three accounts
    found, tried = falsify(spec, NAMES, 5, seconds=None, max_paths=share_paths(spec, 5))
    assert found is not None and tried == paths
    assert replay(spec, found).first_failure.name == NAMES[0]
    assert falsify(spec, NAMES, 5, seconds=None, max_paths=paths)[1] == paths  # the same


def test_most_edge_paths_that_round_bind_and_many_break_the_wei_bug(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = load(monkeypatch, "wei_perp", True, 3)
    gen = Paths(spec, 5, random.Random(11))
    broken = sum(replay(spec, edge_path(gen)).first_failure is not None for _ in range(80))
    assert broken >= 8  # 10% of the edge paths at least (0.1-0.75% before)
    safe = load(monkeypatch, "wei_perp", False, 3)  # and none on the safe variant
    gen = Paths(safe, 5, random.Random(11))
    assert all(replay(safe, edge_path(gen)).first_failure is None for _ in range(80))


# the first 40 paths of 4 steps from Random(5), on 2 accounts: the same digests as
# main's sources before this change (exact arithmetic: no path changed)
DIGESTS = {
    ("accumulated_fund", False): "e8574760e68783d3",
    ("bybit_tiers", True): "3db4d5b733f5ef8e",
    ("cross_margin", True): "fe7827429195cff8",
    ("gmx_pool", True): "86abe1b14430e270",
    ("shared_fund", False): "7cb1ad5bcdf94971",
    ("tiered_hl", True): "ff867106b79b1ad0",
}


@pytest.mark.parametrize(("name", "bug"), sorted(DIGESTS))
def test_exact_arithmetic_paths_are_unchanged(
    monkeypatch: pytest.MonkeyPatch, name: str, bug: bool
) -> None:
    spec = load(monkeypatch, name, bug, 2)
    paths = iter(Paths(spec, 4, random.Random(5)))
    digest = hashlib.sha256()
    for _ in range(40):
        digest.update(repr(next(paths)).encode())
    assert digest.hexdigest()[:16] == DIGESTS[name, bug]


def test_the_bound_collateral_is_at_the_edge_to_the_unit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = load(monkeypatch, "wei_perp", True, 1)
    unit = Fraction(1, 10**18)
    gen = Paths(spec, 3, random.Random(2))
    checked = 0
    for _ in range(40):
        trace = edge_path(gen)
        first = next((t for t, st in enumerate(trace.steps, 1) if st.action), None)
        if first is None or abs(trace.steps[first - 1].action.args["baseAmount"]) != 50:
            continue
        records = replay(spec, trace.with_steps(trace.steps[:first])).records
        if not records[first].action_enabled:
            continue
        collateral = trace.init["collateral"][0]
        poorer = dataclasses.replace(
            trace,
            init={**trace.init, "collateral": (collateral - unit,)},
            steps=trace.steps[:first],
        )
        if collateral > 0 and not replay(spec, poorer).records[first].action_enabled:
            checked += 1  # one unit less of collateral, and the trade is refused
    assert checked >= 3
