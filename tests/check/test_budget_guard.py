"""Budgets that hold for every phase, and the two-market proof (issue 13, branch l13d).

- A phase that does not stop at its own limits (a nonlinear Z3 call that ignores its
  timeout and resource cap; stood in for by ``specs/stuck_solver.py``, whose encoding
  sleeps) no longer runs past ``--timeout``: the check runs in a forked process the
  budget kills (``check/watchdog.py``), and the verdict says where it was stopped.
  Before, a ``prove --timeout 60`` of the two-market spec ran for 91 s.
- The verdict line's time is the whole wall time, and a timeout names the user's budget:
  before, that run said "30.7s" and "solver timeout after 0.001s" (the share the last
  sub-check had), and the explanation after it got the 30 s the wrong time left.
- The two-market safe variant of the corpus (``benchmarks/engine/perp_entry.py``,
  ``MARKETS=2 MM=0.08``) is proved for every number of accounts with three inferred
  lemmas; before, Houdini dropped the keeper's guard at its 2 million unit cap (it needs
  4.6 million) and the step ran for minutes in Z3's incremental core. Checked against
  bmc on one account to depth 3 and on two accounts to depth 2 (bmc finds the 3-step gap
  on the buggy variant, so it would see one here).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import solvent as sv
from solvent.check.bmc import bmc
from solvent.spec.load import load_spec

ROOT = Path(__file__).resolve().parents[2]
ENTRY = ROOT / "benchmarks" / "engine" / "perp_entry.py"
STUCK = ROOT / "tests" / "check" / "specs" / "stuck_solver.py"


def within_budget(seconds: float, timeout: float) -> bool:
    return seconds <= max(1.05 * timeout, timeout + 2.0)


def two_markets(monkeypatch: pytest.MonkeyPatch, mm: str, accounts: int) -> Any:
    for key, value in (("MARKETS", "2"), ("MM", mm), ("ACCOUNTS", str(accounts))):
        monkeypatch.setenv(key, value)
    return load_spec(str(ENTRY), None)


def run(args: list[str], **env: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """``solvent ARGS`` as a process of its own (its budget counts from its start)."""
    env = {**os.environ, **env}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    began = time.perf_counter()
    cmd = [sys.executable, "-m", "solvent", *args, "-q"]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    return done, time.perf_counter() - began


@pytest.mark.serial  # timed against the wall clock: no other test runs meanwhile
@pytest.mark.parametrize(("verb", "jobs"), [("prove", "1"), ("prove", "2"), ("bmc", "2")])
def test_a_phase_that_ignores_its_limits_is_stopped_at_the_budget(verb: str, jobs: str) -> None:
    done, took = run([verb, str(STUCK), "--timeout", "3", "--jobs", jobs])
    assert within_budget(took, 3.0), took  # before: 60 s and more
    assert done.returncode == 2, done.stdout + done.stderr
    assert "solver timeout: the 3s budget (--timeout) ran out during " in done.stdout
    if verb == "bmc":
        # the stuck encoding is the first attempt's (its process, stopped at the budget by
        # the check; since round 22 the opening waits for the attempt, check/opening.py)
        assert "depth 0/3" in done.stdout and "bmc portfolio" in done.stdout, done.stdout
    else:
        assert "so the check was stopped after" in done.stdout
    shown = float(re.search(r"  (\d+\.\d)s  ", done.stdout).group(1))  # type: ignore[union-attr]
    assert 3.0 <= shown <= took + 0.05, (shown, took)


@pytest.mark.serial  # timed against the wall clock: no other test runs meanwhile
def test_a_proof_stopped_while_it_is_explained_keeps_its_verdict(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def stuck(*args: object, **kwargs: object) -> None:
        time.sleep(60)  # the slack search, stuck

    monkeypatch.setattr("solvent.check.attribution.attribute", stuck)
    began = time.perf_counter()
    found = sv.prove(str(ROOT / "tests" / "cli" / "specs" / "safe.py"), timeout=4)
    took = time.perf_counter() - began
    assert within_budget(took, 4.0), took
    assert found.verdict == "PASS", found.message
    stopped = found.doc["details"]["stopped"]
    assert stopped["budget"] == 4.0 and "slack search" in stopped["phase"]


@pytest.mark.serial  # timed against the wall clock: no other test runs meanwhile
def test_the_verdict_time_is_the_whole_run_and_a_timeout_names_the_budget() -> None:
    # the two-market proof in fixed point does not finish in 2 s (UNKNOWN after 15 s in
    # round 21; the exact two-market proof took 4-5 s of CPU from round 14, 11 s before,
    # until round 21 proved it in under 2 s: this test then failed with a PASS); before, the line said "1.2s" after a 6 s run and "solver timeout after
    # 0.001s" (the share left to the last sub-check)
    args = ["prove", str(ENTRY), "--timeout", "2"]
    done, took = run(args, MARKETS="2", FIXED="1", MM="0.08", ACCOUNTS="1")
    assert done.returncode == 2, done.stdout + done.stderr
    assert within_budget(took, 2.0), took
    shown = float(re.search(r"  (\d+\.\d)s  ", done.stdout).group(1))  # type: ignore[union-attr]
    assert took - 0.6 <= shown <= took + 0.05, (shown, took)
    assert "solver timeout: the 2s budget (--timeout) ran out" in done.stdout
    assert not re.search(r"after 0\.0\d*s", done.stdout), done.stdout


def test_two_markets_are_proved_for_any_number_of_accounts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = two_markets(monkeypatch, "0.08", 10)
    found = sv.prove(spec, timeout=120, jobs=1, slack=False)
    doc = found.doc
    assert (doc["verdict"], doc["accounts"]) == ("PASS", "any"), doc["message"]
    names = [x["name"] for x in doc["details"]["inferred_lemmas"]]
    assert names == ["liquidate_not_enabled", "price_at_least_0", "price2_at_least_0"]
    # independent: bmc finds no path on one account to depth 3 nor on two to depth 2 ...
    assert bmc(spec.with_accounts(1), 3, timeout=120).verdict == "PASS"
    assert bmc(spec.with_accounts(2), 2, timeout=120).verdict == "PASS"
    # ... and it would see one: the buggy variant fails at depth 3 on one account
    buggy = two_markets(monkeypatch, "0.05", 1)
    failed = bmc(buggy, 3, timeout=120)
    assert (failed.verdict, failed.depth) == ("FAIL", 3)


@pytest.mark.serial  # timed against the wall clock: no other test runs meanwhile
def test_ctrl_c_stops_a_check_that_does_not_answer_it() -> None:
    # the check runs in a process group of its own: Ctrl-C is passed on to it, and a
    # check that does not answer it within the grace time (a solver call that ignores
    # interrupts; here the stuck encoding) is killed: exit 2, "interrupted"
    import signal

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), ""])}
    cmd = [sys.executable, "-m", "solvent", "prove", str(STUCK), "--timeout", "60", "-q"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(4.0)  # loaded and forked: the check is stuck in its encoding
    sent = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    took = time.perf_counter() - sent
    assert proc.returncode == 2, (out, err)
    assert b"interrupted" in err, (out, err)
    assert took < 2.0 + 2.0, took  # the grace time, and the exit


def _pid_in_guard(_: object) -> tuple[int, int]:
    from solvent.check.watchdog import guarded

    result, _stages, _stop = guarded(os.getpid, [], 5.0)
    return result, os.getpid()


def test_a_pool_worker_runs_the_check_in_process() -> None:
    # a daemonic process (a multiprocessing pool's worker) may not start processes: the
    # guard runs the check in it instead of failing
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(1) as pool:
        ran, worker = pool.map(_pid_in_guard, [0])[0]
    assert ran == worker
    forked, here = _pid_in_guard(0)
    assert forked != here  # elsewhere the check runs in a forked process
