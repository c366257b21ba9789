"""Where a 1-account bmc of the corpus's needle and two-market bugs spends its search
(issue 13, round 21): the first attempt's incremental member answers at depth 3 with the
canonical path, no member process starts, and the cost is the depth-3 check itself.

Counted in Z3's resource units (``Answer.units``, one per depth's check: a count, the
same on a busy and an idle machine). benchmarks/results/engine.md, "Round 21 (branch
q13f)": the depths 0-2 take 0.02-0.09 million units, the satisfiable depth-3 check
0.26 million (needle) and 0.75 million (two markets) under Z3's default seed, 0.08-0.65
million under seeds 1-3. So the order of the queries is not what costs: the naive hand
encoding's one query is a smaller problem (no keeper choice, no action guard), and
solvent's own depth-3 question asked one-shot is larger still (up to 150 million units).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from solvent.check import first_attempt, portfolio
from solvent.check.results import FAIL
from solvent.check.solving import Deadline, searched_properties
from solvent.spec.load import load_spec

ROOT = Path(__file__).resolve().parents[2]
ENTRY = ROOT / "benchmarks" / "engine" / "perp_entry.py"
CELLS = {
    # feature: (its knobs, at most this many units at depth 3, measured 0.26 / 0.75 million)
    "needle": ({"NEEDLE": "1", "MM": "0.08"}, 400_000),
    "two markets": ({"MARKETS": "2", "MM": "0.05"}, 1_200_000),
}


def _spec(monkeypatch: pytest.MonkeyPatch, knobs: dict[str, str]) -> Any:
    monkeypatch.setenv("ACCOUNTS", "1")
    for name, value in knobs.items():
        monkeypatch.setenv(name, value)
    return load_spec(str(ENTRY), None)


@pytest.mark.parametrize(("knobs", "most"), CELLS.values(), ids=CELLS.keys())
def test_the_attempt_answers_at_depth_three_where_it_pays(
    monkeypatch: pytest.MonkeyPatch, knobs: dict[str, str], most: int
) -> None:
    spec = _spec(monkeypatch, knobs)
    decls = searched_properties(spec, None)
    attempt = first_attempt._attempt(spec, decls, 3, Deadline(120), True, True)
    answer = attempt()
    assert (answer.member, answer.verdict, answer.depth) == ("incremental", FAIL, 3)
    assert answer.shortest and answer.extra["canonical"] is True
    assert len(answer.units) == 4  # depths 0, 1, 2 unsatisfiable, then 3: in this order
    assert sum(answer.units[:3]) <= 150_000  # ruling out the shorter paths is cheap
    assert answer.units[3] <= most < first_attempt.FIRST_RLIMIT
    assert answer.units[3] > 2 * sum(answer.units[:3])  # the cost is the last check's


@pytest.mark.parametrize("knobs", [k for k, _ in CELLS.values()], ids=CELLS.keys())
def test_no_member_process_starts(monkeypatch: pytest.MonkeyPatch, knobs: dict[str, str]) -> None:
    spec = _spec(monkeypatch, knobs)
    monkeypatch.setattr(first_attempt, "FIRST_SECONDS", 120.0)  # a loaded machine's net
    races: list[object] = []
    monkeypatch.setattr(portfolio, "race", lambda *a, **k: races.append(a) or (None, []))
    found = portfolio.portfolio_bmc(spec, 3, jobs=2, timeout=120)
    assert (found.verdict, found.depth) == (FAIL, 3)
    assert races == []
    info = found.details["portfolio"]
    assert info["winner"] == "incremental"
    assert [m["member"] for m in info["members"]] == ["incremental"]
    assert info["members"][0]["first"] is True
