"""Issue 13 (part B): what makes bmc fast, and that it stays sound.

- a deep bmc of a spec whose properties are 1-inductive is answered by the 1-induction
  member first (a PASS for every depth), and a buggy variant still fails;
- a PASS is worded "1-inductive" when the induction member proved it in any round;
- a bmc run loads neither numpy nor the vector backend (lint's float64 comparison);
- the counterexample of the corpus's entry-style spec on 3 accounts is simplified without
  a check that ends at its wall-clock safety net (it took 17 s, and the machine's load
  chose the values) and is the same with --jobs 1 and 2.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from solvent.check import members, portfolio, round_values
from solvent.check.induction import prove
from solvent.check.members import Answer
from solvent.check.replay import replay
from solvent.check.results import FAIL, PASS, UNKNOWN
from solvent.check.solving import Deadline, result_maker
from solvent.spec.load import load_spec
from solvent.spec.spec import Spec

ROOT = Path(__file__).resolve().parents[2]
ISOLATED = ROOT / "tests" / "check" / "specs" / "isolated_accounts.py"
COUNTER = ROOT / "tests" / "cli" / "specs" / "counter.py"


def isolated(mm: str, monkeypatch: pytest.MonkeyPatch) -> Spec:
    monkeypatch.setenv("ACCOUNTS", "2")
    return load_spec(str(ISOLATED), None).with_params(mm=mm)


def decls(spec: Spec) -> list[Any]:
    return spec.properties() + [d for d in spec.lemmas if d not in spec.properties()]


def test_deep_bmc_asks_induction_first(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = isolated("0.08", monkeypatch)
    depth = portfolio.INDUCTION_FIRST_DEPTH
    result = portfolio.portfolio_bmc(spec, depth, jobs=1, timeout=60)
    assert (result.verdict, result.depth) == (PASS, depth)
    assert "1-inductive, so none at any depth" in result.message
    first = result.details["portfolio"]["members"][0]
    assert (first["member"], first["verdict"]) == ("induction", PASS)
    # independently: k-induction (the prove verb) and a bounded unrolling agree
    assert prove(spec, timeout=60).verdict == PASS
    bounded = members.run_member("incremental", spec, decls(spec), 3, 60.0)
    assert bounded.verdict == PASS


def test_deep_bmc_still_finds_the_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = isolated("0.05", monkeypatch)
    result = portfolio.portfolio_bmc(spec, portfolio.INDUCTION_FIRST_DEPTH, jobs=1, timeout=60)
    assert (result.verdict, result.depth) == (FAIL, 3)
    tried = [(a["member"], a["verdict"]) for a in result.details["portfolio"]["members"]]
    assert tried[0] == ("induction", UNKNOWN)  # asked first, not shown inductive


def test_a_later_induction_pass_words_the_verdict() -> None:
    spec = load_spec(str(COUNTER), None)
    deadline = Deadline(None)
    answers = [Answer("induction", UNKNOWN, 2.5), Answer("induction", PASS, 4.0, depth=20)]
    result = portfolio._passed(
        spec, [], 20, deadline, answers, ["induction"], result_maker("bmc", spec, deadline)
    )
    assert result.verdict == PASS and "1-inductive" in result.message


def test_bmc_does_not_load_numpy() -> None:
    code = (
        "import sys, runpy\n"
        f"sys.argv = ['solvent', 'bmc', {str(COUNTER)!r}, '--depth', '4', '-q', '--jobs', '1']\n"
        "try:\n"
        "    runpy.run_module('solvent', run_name='__main__')\n"
        "except SystemExit as exc:\n"
        "    print('exit', exc.code)\n"
        "print('loaded', sorted(m for m in ('numpy', 'numba', 'matplotlib', 'dask')"
        " if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=os.environ, cwd=ROOT
    )
    assert "exit 1" in done.stdout, done.stdout + done.stderr
    assert "loaded []" in done.stdout, done.stdout


ENTRY = ROOT / "benchmarks" / "engine" / "perp_entry.py"


def entry_spec(monkeypatch: pytest.MonkeyPatch, accounts: int) -> Spec:
    """The benchmark corpus's collateral + entry-price perp, gap-risk bug (5% under 8%)."""
    monkeypatch.setenv("ACCOUNTS", str(accounts))
    monkeypatch.setenv("MM", "0.05")
    return load_spec(str(ENTRY), None)


def test_the_counterexample_is_simplified_cheaply(monkeypatch: pytest.MonkeyPatch) -> None:
    # the canonical derivation on 3 accounts: the simplification's candidate checks on the
    # search's incremental solver took 17 s of a 21 s bmc, most of them ending at their 3 s
    # safety net (unknown, so the machine's speed chose the values); on a fresh one-shot
    # solver each is decided in 0.01-0.2 s
    spec = entry_spec(monkeypatch, 3)
    statuses: list[str] = []
    plain_check = round_values.check

    def check(*args: Any, **kwargs: Any) -> Any:
        status = plain_check(*args, **kwargs)
        if kwargs.get("cap_ms") is not None:  # a candidate value's check
            statuses.append(str(status))
        return status

    monkeypatch.setattr(round_values, "check", check)  # the candidates ask through it
    answer = members.unroll(spec, decls(spec), 3, Deadline(None), True, known=3)
    assert (answer.verdict, answer.depth) == (FAIL, 3)
    assert statuses and "unknown" not in statuses, statuses
    assert answer.trace is not None
    first = replay(spec, answer.trace).first_failure
    assert first is not None and first.step == 3


def test_jobs_do_not_change_the_corpus_counterexample(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = entry_spec(monkeypatch, 3)
    runs = [portfolio.portfolio_bmc(spec, 3, jobs=jobs, timeout=120) for jobs in (1, 2, 1)]
    assert {r.verdict for r in runs} == {FAIL}
    traces = {json.dumps(r.counterexample.to_json(), sort_keys=True) for r in runs}  # type: ignore[union-attr]
    assert len(traces) == 1


def test_no_step_is_encoded_after_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    # a step of a 1,000-account spec took 18 s to encode, past --timeout: the queries stop
    # encoding when the budget is spent instead of building the whole unrolling first
    spec = load_spec(str(COUNTER), None)
    steps: list[int] = []
    plain_add_step = members.Unrolling.add_step

    def add_step(self: Any) -> None:
        steps.append(1)
        plain_add_step(self)

    monkeypatch.setattr(members.Unrolling, "add_step", add_step)
    spent = Deadline(0.0)
    assert members.within(spec, decls(spec), 5, spent) == ("unknown", 5)
    assert members._at_depth(spec, decls(spec), 5, spent) == "unknown"
    answer = members.unroll(spec, decls(spec), 5, spent, True)
    assert answer.verdict == UNKNOWN
    assert steps == []
    assert members.within(spec, decls(spec), 5, Deadline(60.0)) == ("sat", 4)
    assert len(steps) == 5
