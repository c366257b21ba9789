"""The bmc portfolio's first attempt (issue 13, round 6).

A small question is answered by one capped search before the race's member processes
start (``check/first_attempt.py``: in this process with --jobs 1, alone in one forked
process with more); the report is the one the race gives, and when the attempt hits its
resource cap (or its safety net) the race runs as before.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from solvent.check import first_attempt, portfolio
from solvent.check.replay import replay
from solvent.check.results import FAIL, PASS
from solvent.check.solving import Deadline
from solvent.spec.load import load_spec
from solvent.spec.spec import Spec

ROOT = Path(__file__).resolve().parents[2]
ENTRY = ROOT / "benchmarks" / "engine" / "perp_entry.py"
COUNTER = ROOT / "tests" / "cli" / "specs" / "counter.py"


def entry(monkeypatch: pytest.MonkeyPatch, accounts: int, mm: str = "0.05") -> Spec:
    monkeypatch.setenv("ACCOUNTS", str(accounts))
    monkeypatch.setenv("MM", mm)
    return load_spec(str(ENTRY), None)


def counting_races(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the races (the only place member processes start). The attempt's wall-clock
    safety net is widened: on a loaded machine it may send the attempt to the race (the
    same report, tested below), which is not what these tests count."""
    monkeypatch.setattr(first_attempt, "FIRST_SECONDS", 120.0)
    calls: list[int] = []
    plain = portfolio.race

    def race(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[3])  # jobs
        return plain(*args, **kwargs)

    monkeypatch.setattr(portfolio, "race", race)
    return calls


def _doc(result: Any) -> str:
    return json.dumps(result.counterexample.to_json(), sort_keys=True)


@pytest.mark.parametrize("accounts", [1, 3])
def test_a_small_bug_is_found_without_member_processes(
    monkeypatch: pytest.MonkeyPatch, accounts: int
) -> None:
    spec = entry(monkeypatch, accounts)
    races = counting_races(monkeypatch)
    first = portfolio.portfolio_bmc(spec, 3, jobs=2, timeout=120)
    assert (first.verdict, first.depth) == (FAIL, 3)
    assert races == []  # no member process was started
    info = first.details["portfolio"]
    assert info["winner"] == "incremental"
    assert info["members"][0]["first"] is True
    assert info["members"][0]["in_process"] is False  # --jobs 2: one forked process
    # the same report as the race's (the attempt switched off), with one and two processes
    monkeypatch.setattr(portfolio, "first_attempt", lambda *a, **k: None)
    raced = [portfolio.portfolio_bmc(spec, 3, jobs=jobs, timeout=120) for jobs in (2, 1)]
    assert races == [2, 1]
    assert {_doc(r) for r in raced} == {_doc(first)}
    assert {(r.verdict, r.bound, r.message) for r in raced} == {
        (first.verdict, first.bound, first.message)
    }
    replayed = replay(spec, first.counterexample)  # type: ignore[arg-type]
    assert replayed.first_failure is not None and replayed.first_failure.step == 3


def test_the_race_runs_when_the_attempt_hits_its_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = entry(monkeypatch, 1)
    plain = portfolio.portfolio_bmc(spec, 3, jobs=1, timeout=120)
    races = counting_races(monkeypatch)
    monkeypatch.setattr(first_attempt, "FIRST_RLIMIT", 1)  # every capped check gives up
    capped = portfolio.portfolio_bmc(spec, 3, jobs=2, timeout=120)
    assert races == [2]
    tried = capped.details["portfolio"]["members"]
    assert tried[0]["first"] is True and tried[0]["verdict"] == "UNKNOWN"
    assert "first attempt, capped" in tried[0]["note"]
    assert (capped.verdict, capped.bound) == (FAIL, "depth 3/3")
    assert _doc(capped) == _doc(plain)


def test_jobs_one_runs_the_attempt_in_one_forked_process(monkeypatch: pytest.MonkeyPatch) -> None:
    # with its CPU safety net, as --jobs 2 (the parent waits: one process works at a time)
    spec = entry(monkeypatch, 1)
    races = counting_races(monkeypatch)
    result = portfolio.portfolio_bmc(spec, 3, jobs=1, timeout=120)
    assert races == [] and result.verdict == FAIL
    assert result.details["portfolio"]["members"][0]["in_process"] is False


@pytest.mark.serial  # timed against the wall clock: no other test runs meanwhile
def test_a_check_that_ignores_its_cap_does_not_hold_up_the_race(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Z3 once ran a nonlinear check 26 s past a 20 s budget and its resource cap, in
    # process: with --jobs >= 2 the attempt's process is stopped after FIRST_SECONDS
    spec = entry(monkeypatch, 1)
    plain = portfolio.portfolio_bmc(spec, 3, jobs=1, timeout=120)

    def stuck(*args: Any, **kwargs: Any) -> Any:
        time.sleep(60)
        raise AssertionError("not stopped")

    monkeypatch.setattr(first_attempt, "unroll", stuck)
    races = counting_races(monkeypatch)
    monkeypatch.setattr(first_attempt, "FIRST_SECONDS", 0.5)
    began = time.perf_counter()
    result = portfolio.portfolio_bmc(spec, 3, jobs=2, timeout=120)
    assert time.perf_counter() - began < 30
    assert races == [2]
    assert "stopped by the budget" in result.details["portfolio"]["members"][0]["note"]
    assert _doc(result) == _doc(plain)


def test_a_safe_spec_passes_in_the_attempt_worded_as_after_a_race(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = load_spec(str(COUNTER), None).with_params(cap="100")  # safe within 3 steps
    races = counting_races(monkeypatch)
    result = portfolio.portfolio_bmc(spec, 3, jobs=2, timeout=120)
    assert races == []
    assert (result.verdict, result.depth) == (PASS, 3)
    assert result.message == "no violation in any path of up to 3 steps (2 accounts)"
    # whatever answered first, a PASS is worded by the 1-induction member, as after a race
    monkeypatch.setattr(portfolio, "first_attempt", lambda *a, **k: None)
    raced = portfolio.portfolio_bmc(spec, 3, jobs=2, timeout=120)
    assert races == [2]
    assert (raced.verdict, raced.message) == (result.verdict, result.message)


def _sleeps() -> str:
    time.sleep(2.0)  # twice the net below, in wall time, without CPU
    return "answered"


def _spins() -> str:  # pragma: no cover - stopped by its CPU cap
    while True:
        pass


def test_the_safety_net_counts_the_attempts_cpu_not_the_clock() -> None:
    # the net was 5 s of wall time: on a loaded machine (round 15 of
    # benchmarks/results/engine.md, load 7-15) the attempt got a fifth of that in CPU and the
    # fixed-point bug at depth 5 on 10 accounts was UNKNOWN after 120 s with --jobs 2
    # (--jobs 1: FAIL in 3.5 s of CPU). An attempt that waits longer than the net without
    # using the CPU answers; one that spins is stopped after the net's CPU seconds.
    got = first_attempt.in_child(_sleeps, Deadline(60), 1.0)
    assert got == "answered"
    began = time.process_time()
    assert first_attempt.in_child(_spins, Deadline(60), 1.0) is None
    assert time.process_time() - began < 1.0  # the child spun, not this process


def _burns_then_waits(conn: Any) -> None:  # pragma: no cover - runs in a forked child
    end = time.process_time() + 0.3
    while time.process_time() < end:
        pass
    conn.send("burnt")
    conn.recv()  # waits without using the CPU until the test has read its times


def test_the_childs_cpu_is_psutils_reading_without_importing_psutil() -> None:
    """``_cpu`` reads /proc (importing psutil was 15-25 ms of each bmc's start): the
    same seconds psutil gives, 0 for a process that is gone."""
    import multiprocessing

    import psutil

    ctx = multiprocessing.get_context("fork")
    mine, theirs = ctx.Pipe()
    proc = ctx.Process(target=_burns_then_waits, args=(theirs,))
    proc.start()
    try:
        assert mine.recv() == "burnt"
        times = psutil.Process(proc.pid).cpu_times()
        got = first_attempt._cpu(proc.pid)
        assert got == pytest.approx(times.user + times.system, abs=1e-9)
        assert got >= 0.25
    finally:
        mine.send("done")
        proc.join(timeout=10)
    assert first_attempt._cpu(proc.pid) == 0.0  # reaped: gone
