"""bmc on 2-3 accounts through one account when the accounts decouple (issue 13, round 13).

The corpus's entry-style perpetual with fees, and with two markets, on 3 accounts took 30 s
and 8 s (the full spec's unrolling at depth 3 ran past its resource cap: with ``--jobs 1``
UNKNOWN after 30-60 s, with ``--jobs 2`` the ``few`` member's own path, "not shown
shortest"). Their accounts interact only through the insurance fund, under the
shared-accumulator rule, so ``decompose_bmc`` now searches one account from 2 accounts on,
as it did from 4: the path is lifted to the 3 accounts and replayed there, the same report
for ``--jobs 1`` and ``--jobs 2``. Its depth is a shortest one for 3 accounts: checked here
by the full spec's own bmc, which finds nothing at depth 2. Specs whose accounts couple,
or whose one-account search cannot show a shortest depth for N, keep the full search.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from solvent import cli
from solvent.check.bmc import bmc
from solvent.check.decompose_bmc import bmc_any_accounts
from solvent.check.replay import replay
from solvent.check.results import FAIL, PASS
from solvent.engine.trace import from_json
from solvent.spec.load import load_spec
from solvent.testing import golden

ROOT = Path(__file__).resolve().parents[2]
ENTRY = ROOT / "benchmarks" / "engine" / "perp_entry.py"
FEE_ROUNDING = ROOT / "examples" / "bugs_detected" / "fee_rounding.py"


@pytest.mark.parametrize("feature", ["FEES", "MARKETS"])
def test_three_decoupled_accounts_are_searched_on_one_and_lifted(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    feature: str,
) -> None:
    monkeypatch.setenv("ACCOUNTS", "3")
    monkeypatch.setenv("MM", "0.05")
    monkeypatch.setenv(feature, "2" if feature == "MARKETS" else "1")
    monkeypatch.setenv("COLUMNS", "160")
    texts = []
    for jobs in ("1", "2"):
        out = tmp_path / "result.json"  # one name: the report mentions it
        args = ["bmc", str(ENTRY), "--depth", "3", "--timeout", "60", "--jobs", jobs]
        code = cli.run([*args, "-o", str(out)])
        shown = capsys.readouterr().out
        assert code == 1, shown
        assert "[FAIL] fund_ok  bmc depth 3/3" in shown
        assert "found on one account and lifted to 3" in shown
        assert "not ruled out" not in shown  # a shortest one, for 3 accounts
        assert "not canonicalised" not in shown
        doc = json.loads(out.read_text())
        assert doc["counterexample"]["#meta"]["lifted_from_accounts"] == 1
        assert "replayed there" in doc["details"]["decomposition"]
        texts.append(golden.normalize(shown))
        # the path breaks the spec on its 3 accounts at step 3, replayed on the judge
        spec = load_spec(str(ENTRY), None)
        trace = from_json(doc["counterexample"])
        assert trace.accounts == 3
        first = replay(spec, trace).first_failure
        assert first is not None and (first.step, first.name) == (3, "fund_ok")
    assert texts[0] == texts[1]  # the same report for --jobs 1 and --jobs 2
    # independent: the full spec's own search finds nothing within 2 steps on 3 accounts
    assert bmc(spec, 2, timeout=120).verdict == PASS


def test_a_one_account_search_that_cannot_show_a_shortest_depth_keeps_the_full_one() -> None:
    """fee_rounding (2 accounts, the accumulator rule): on one account the step lemma
    breaks at step 1 and the property only at step 2, so one account does not rule out a
    shorter path on 2; the report is the full search's, as before."""
    spec = load_spec(str(FEE_ROUNDING), None)
    got = bmc_any_accounts(spec, bmc, 4, timeout=120, jobs=1)
    full = bmc(spec, 4, timeout=120, jobs=1)
    assert (got.verdict, got.bound, got.invariant) == (FAIL, "depth 2/4", full.invariant)
    assert got.message == full.message and "lifted" not in got.message
    assert "decomposition" not in got.details
    assert got.counterexample is not None and full.counterexample is not None
    assert (got.counterexample.init, got.counterexample.steps) == (
        full.counterexample.init,
        full.counterexample.steps,
    )


def test_coupled_accounts_keep_the_full_search() -> None:
    """Accounts an action couples (a transfer between two of them): the same result as
    the full spec's bmc, not a lifted one."""
    from check_helpers import two_account_spec

    spec = two_account_spec(transfer=True, global_invariant=False)
    for jobs in (1, 2):
        got = bmc_any_accounts(spec, bmc, 3, timeout=120, jobs=jobs)
        full = bmc(spec, 3, timeout=120, jobs=jobs)
        assert (got.verdict, got.bound, got.message) == (full.verdict, full.bound, full.message)
        assert "decomposition" not in got.details


def test_two_decoupled_accounts_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCOUNTS", "2")
    monkeypatch.setenv("MM", "0.05")
    monkeypatch.setenv("FEES", "1")
    spec = load_spec(str(ENTRY), None)
    got = bmc_any_accounts(spec, bmc, 3, timeout=60, jobs=1)
    assert (got.verdict, got.bound, got.accounts) == (FAIL, "depth 3/3", 2), got.message
    assert "lifted to 2 (the other account starts at a state" in got.message
    assert "not ruled out" not in got.message
    assert got.counterexample is not None and got.counterexample.accounts == 2
    first = replay(spec, got.counterexample).first_failure
    assert first is not None and (first.step, first.name) == (3, "fund_ok")
