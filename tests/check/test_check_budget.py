"""`solvent check` keeps to one budget (issue 13, item 3).

Each check of `solvent check` had the whole ``--timeout`` from its own start, and lint had
none: on the stuck-solver spec (its invariant, evaluated symbolically, sleeps a minute)
``check --timeout 5`` took 72.6 s (lint 60 s, then bmc and prove 6 s each). The checks now
share one budget, counted from the process's start from the console script
(``startup.ends_at``, as frontier and synth count theirs), lint under the watchdog too,
and a check the budget left no time for is not started and says so.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from check_helpers import Ticking, check_on_a_fake_clock

from solvent import cli, config
from solvent.api import verify
from solvent.check import progress, watchdog
from solvent.check.results import PASS, UNKNOWN, CheckResult
from solvent.check.watchdog import hard_end
from solvent.spec.load import load_spec

ROOT = Path(__file__).resolve().parents[2]
STUCK = ROOT / "tests" / "check" / "specs" / "stuck_solver.py"
SAFE = ROOT / "tests" / "cli" / "specs" / "safe.py"


def test_a_stuck_lint_is_stopped_and_the_later_checks_are_not_started(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # the watchdog's clock moves half a second at each reading (``Ticking``): it stops
    # lint at the budget's hard end at any load; without the watchdog lint sleeps 60 s
    progress.clear()  # the clock ticks once the forked check's first note has come
    monkeypatch.setattr(watchdog, "time", Ticking(0.5, once=lambda: bool(progress.phase())))
    code = cli.run(["check", str(STUCK), "--timeout", "3", "-q"])
    out = capsys.readouterr().out
    assert code == 2, out
    lint = next(line for line in out.splitlines() if "  lint " in line)
    assert lint.startswith("[UNKNOWN]") and "during lint: one step traced" in lint, out
    found = re.search(r"so the check was stopped after (\d+\.\d)s", lint)
    assert found is not None and hard_end(3.0) <= float(found.group(1)) <= hard_end(3.0) + 1.0
    assert "  bmc " not in out and "  prove " not in out  # lint did not pass: skipped


def test_the_checks_share_one_budget_and_one_it_left_no_time_for_is_not_started(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # bmc stands in for a check that uses 7 s of a 10 s budget on a fake clock: prove is
    # then given the 3 s left, not 10; one that uses all of it leaves prove unstarted
    now = check_on_a_fake_clock(monkeypatch, 100.0)
    given: dict[str, float] = {}

    def stand_in(name: str, used: float) -> Any:
        def check(spec: Any, *args: Any, timeout: float, **kwargs: Any) -> CheckResult:
            given[name] = timeout
            now[0] += used
            return CheckResult(name, spec.name, PASS, "k=1", used, spec.accounts)

        return check

    spec = load_spec(str(SAFE), None)
    settings = config.Settings(timeout=10.0, slack=False)

    def run(bmc_uses: float) -> list[CheckResult]:
        given.clear()
        bmc, prove = stand_in("bmc", bmc_uses), stand_in("prove", 1.0)
        monkeypatch.setattr("solvent.check.decompose_bmc.bmc_any_accounts", bmc)
        monkeypatch.setattr(
            "solvent.check.decompose.prove_any_accounts", lambda s, _p, **kw: prove(s, **kw)
        )
        return [r.raw for r in verify.check_prepared(spec, None, settings, ends=now[0] + 10.0)]

    results = run(7.0)
    assert [r.check for r in results] == ["lint", "bmc", "prove"]
    # bmc is given half of what is left (``verify.CHECK_BMC_SHARE``): prove the rest
    assert given == {"bmc": pytest.approx(5.0), "prove": pytest.approx(3.0)}
    assert [r.seconds for r in results[1:]] == [pytest.approx(7.0), pytest.approx(1.0)]
    results = run(10.5)
    assert given == {"bmc": pytest.approx(5.0)}  # prove was not called
    prove = results[-1]
    assert (prove.check, prove.verdict, prove.bound) == ("prove", UNKNOWN, "k=1")
    assert prove.message.startswith(
        "not started: the 10s budget (--timeout) ran out before it (lint, bmc took it"
    ), prove.message
    assert prove.details["stopped"] == {"budget": 10.0, "not_started": True}
