"""The corpus's safe fixed-point variant is proved, for every number of accounts (issue 13).

Before, ``solvent prove`` of ``FIXED=1 MM=0.08`` was UNKNOWN after 60 s on 1 and 100
accounts: the one-account step was not decided. Its hard case was a trade whose guard
(the initial margin) Z3 had to decide inside the query: a failed guard leaves the state
as it was, so every product of the post-state sat under an ``If(guard, new, old)``, and
Z3's integer solver settled that case on some random seeds and not on others. In fixed
point the step's cases now also split each action by whether its guard held
(``cases.step_cases``).

Each PASS is checked against independent computations: the unrolled search alone (no
induction, no proof for any N) on 1 and 2 accounts to depth 2, the exact search over a
grid of paths to depth 3 (``test_fixed_point_safe.py``), and the buggy variant still
fails at depth 3 (there and in ``test_fixed_point_bug.py``). The quote style's proof
runs with ``SOLVENT_LONG_TESTS=1`` (about 11 s of CPU; the entry style's 15 s runs always).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from check_helpers import assert_partition

from solvent.check.bmc import bmc
from solvent.check.cases import step_cases
from solvent.check.decompose import prove_any_accounts
from solvent.check.encode import Unrolling
from solvent.check.induction import prove
from solvent.check.inductive_step import inductive_step
from solvent.check.results import PASS
from solvent.check.solving import Deadline, fresh_context
from solvent.spec.load import load_spec
from solvent.spec.spec import Spec

ROOT = Path(__file__).resolve().parents[2]
LONG = os.environ.get("SOLVENT_LONG_TESTS") == "1"
STYLES = ["entry", "quote"] if LONG else ["entry"]


def fixed(monkeypatch: pytest.MonkeyPatch, style: str, accounts: int, **env: str) -> Spec:
    for key, value in {"FIXED": "1", "ACCOUNTS": str(accounts), "MM": "0.08", **env}.items():
        monkeypatch.setenv(key, value)
    for key in ("LEMMAS", "FEES", "NEEDLE", "MARKETS", "FLOOR"):
        if key not in env:
            monkeypatch.delenv(key, raising=False)
    return load_spec(str(ROOT / "benchmarks" / "engine" / f"perp_{style}.py"), None)


def test_the_cases_split_each_action_by_its_guard_and_partition_the_step(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with fresh_context():
        u = Unrolling(fixed(monkeypatch, "entry", 1), free_init=True)
        u.add_step()
        cases = step_cases(u)
        # (no action, trade allowed, trade refused) x the keeper fired or not
        assert cases is not None and len(cases) == 6
        constraints = u.everything()
        assert_partition(constraints, cases)


def test_the_one_account_step_with_the_users_lemmas_is_decided(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the step of the spec with its lemmas (LEMMAS=1: healthy, collateral and prices),
    # capped as the one-account proof caps it: it was UNKNOWN (healthy) under the cap
    spec = fixed(monkeypatch, "entry", 1, LEMMAS="1")
    decls = [*spec.invariants, *spec.lemmas]
    step = inductive_step(
        spec, decls, 1, Deadline(60), rlimit=20_000_000, nonincremental=True, minimize=False
    )
    assert step["status"] == "proved", step


@pytest.mark.parametrize("style", STYLES)
def test_the_safe_fixed_point_variant_is_proved_for_every_number_of_accounts(
    monkeypatch: pytest.MonkeyPatch, style: str
) -> None:
    spec = fixed(monkeypatch, style, 100)
    result = prove_any_accounts(spec, prove, timeout=120, max_k=3)
    assert (result.verdict, result.accounts) == (PASS, "any"), result.message
    assert "liquidate_not_enabled" in result.message


@pytest.mark.parametrize("accounts", [1, 2])
def test_the_unrolled_search_agrees_on_small_depths(
    monkeypatch: pytest.MonkeyPatch, accounts: int
) -> None:
    spec = fixed(monkeypatch, "entry", accounts)
    result = bmc(spec, 2, timeout=60, induction=False, simplify=False)
    assert (result.verdict, result.bound) == (PASS, "depth 2/2"), result.message
