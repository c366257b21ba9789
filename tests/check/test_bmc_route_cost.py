"""Issue 13, round 16: what a 1-account depth-3 bmc of the corpus asks Z3, counted.

The idle rerun after round 15 showed some depth-3 corpus cells 0.3-0.4 s slower than
after round 11; the suspects were the step query split by cases (``check/cases.py``,
round 14) and the proof for every number of accounts asked before the race
(``portfolio_bmc(before_race=)``, round 15). Paired against ``8ae3acd`` the cells ask
Z3 the same queries with the same resource counts (``benchmarks/results/engine.md``,
round 16): neither route is taken when the first attempt finds the path. These tests
pin that: the number of solver checks and Z3's resource units of the whole run (the
forked first attempt's included) stay at most what they are now, and neither the case
split nor the proof before the race is asked. Counters, not clocks: the same on a busy
and an idle machine.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import z3

from solvent.check import bmc as bmc_mod
from solvent.check import (
    cases,
    decompose_bmc,
    first_attempt,
    houdini_round,
    inductive_step,
    infer,
)
from solvent.check.replay import replay
from solvent.check.results import FAIL
from solvent.spec.load import load_spec

ROOT = Path(__file__).resolve().parents[2]
SPECS = {"entry": "perp_entry.py", "quote": "perp_quote.py"}
FEATURES: dict[str, dict[str, str]] = {
    "plain": {"MM": "0.05"},
    "needle": {"MM": "0.08", "NEEDLE": "1"},
    "two": {"MM": "0.05", "MARKETS": "2"},
}
# (style, feature): (solver checks, thousands of Z3's resource units) of the whole run on
# one account at depth 3, measured on this commit; the unrolling's 5 checks to depth 3
# and 2 of vacuity and depth 0 before it, the rest the counterexample's round values
BUDGET = {
    ("entry", "plain"): (17, 170),
    ("quote", "needle"): (20, 320),
    ("entry", "two"): (17, 990),
}


def _logged(monkeypatch: pytest.MonkeyPatch, log: Path) -> None:
    """Every solver check (in this process and the forked first attempt) appends a line
    to ``log``: its process, and the process's resource count after it."""
    plain_check = z3.Solver.check

    def check(self: z3.Solver, *args: Any, **kwargs: Any) -> Any:
        status = plain_check(self, *args, **kwargs)
        stats = self.statistics()
        units = stats.get_key_value("rlimit count") if "rlimit count" in stats.keys() else 0
        with log.open("a") as fh:
            fh.write(f"check {os.getpid()} {units}\n")
        return status

    def tagged(name: str, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with log.open("a") as fh:
                fh.write(f"{name} {os.getpid()} 0\n")
            return fn(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(z3.Solver, "check", check)
    for module in (cases, inductive_step, infer, houdini_round):  # where the split is called
        for name in ("split_check", "step_cases"):
            if hasattr(module, name):
                monkeypatch.setattr(module, name, tagged("cases", getattr(cases, name)))
    monkeypatch.setattr(decompose_bmc, "_deep_pass", tagged("proof", decompose_bmc._deep_pass))
    # the attempt's CPU safety net only decides who answers (tested in test_first_attempt);
    # widened so a loaded machine cannot send the attempt to the race
    monkeypatch.setattr(first_attempt, "FIRST_SECONDS", 120.0)


@pytest.mark.parametrize(("style", "feature"), sorted(BUDGET))
def test_a_one_account_depth_3_bug_asks_only_the_unrolling(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, style: str, feature: str
) -> None:
    for name in ("NEEDLE", "MARKETS", "FEES", "FIXED", "LEMMAS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {**FEATURES[feature], "ACCOUNTS": "1"}.items():
        monkeypatch.setenv(name, value)
    spec = load_spec(str(ROOT / "benchmarks" / "engine" / SPECS[style]), None)
    log = tmp_path / "checks.log"
    _logged(monkeypatch, log)
    result = decompose_bmc.bmc_any_accounts(spec, bmc_mod.bmc, 3, jobs=2, timeout=120)
    assert (result.verdict, result.depth) == (FAIL, 3)
    assert replay(spec, result.counterexample).first_failure is not None
    rows = [line.split() for line in log.read_text().splitlines()]
    kinds = [kind for kind, _, _ in rows]
    assert "cases" not in kinds  # the step's case split is prove's, not bmc's
    assert "proof" not in kinds  # the first attempt answered: no proof before the race
    units: dict[str, int] = {}
    for _, pid, count in rows:
        units[pid] = max(units.get(pid, 0), int(count))
    checks, thousands = BUDGET[(style, feature)]
    assert kinds.count("check") <= checks
    assert sum(units.values()) <= thousands * 1000
