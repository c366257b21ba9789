"""When the one-account search gives up, prove searches the spec's own accounts.

examples/bugs_detected/perp_needle.py (the stale tier bracket): the decomposition does not
apply (the liquidation keeper reads the shared fund), so prove searched a real path on one
account, where bmc is UNKNOWN after 100 s at depth 3, and that search took prove's whole
budget (600 s by default) while bmc on the spec's 3 accounts finds the 3-step path. The
one-account search is now the bmc portfolio's capped first attempt alone (a resource
budget, not seconds: tests/check/test_search_one_share.py); when it gives up, bmc runs on
the spec's own accounts. That stall takes minutes to show on the needle itself, so here
the one-account bmc of perp_gap_risk.py (the same perpetual, the same coupling) is made
to give up, and the real bmc runs on its 3 accounts. The independent check: the path is
replayed again on the concrete backend, where the property breaks at the reported step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from solvent.check.bmc import bmc as real_bmc
from solvent.check.decompose import _lifted, plan
from solvent.check.decompose_one import OWN_SEARCH_SHARE, search_one
from solvent.check.replay import replay
from solvent.check.results import UNKNOWN, CheckResult
from solvent.spec.load import load_spec

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "bugs_detected" / "perp_gap_risk.py"


def test_prove_searches_the_spec_when_one_account_gives_up() -> None:
    spec = load_spec(str(EXAMPLE), None)
    assert spec.accounts == 3 and plan(spec).why is not None  # not decomposed
    asked: list[tuple[int, float | None]] = []

    def stalls_on_one(s: Any, depth: int, **kwargs: Any) -> CheckResult:
        asked.append((s.accounts, kwargs.get("timeout")))
        if s.accounts == 1:  # the needle's stall, without its minutes
            return CheckResult("bmc", s.name, UNKNOWN, f"depth 2/{depth}", 1.0, 1)
        return real_bmc(s, depth, **kwargs)

    found = search_one(spec, stalls_on_one, 3, ["solvent"], 120, 1, proved_first=False)
    assert found is not None and found.verdict == "FAIL", found
    assert "found a real path on 3 accounts" in found.message
    # no proof ran on one account (the decomposition is refused): the message does not
    # say one did
    assert found.message.startswith("the capped search on one account gave up")
    one = [t for n, t in asked if n == 1]
    assert one == [120]  # no share of the wall clock: the attempt's resource cap ends it
    assert found.accounts == 3 and found.counterexample is not None
    again = replay(spec, found.counterexample)
    assert any(f.step == found.depth and f.name == "solvent" for f in again.failures)
    out = _lifted(found, spec, 0.0, plan(spec).why)  # what prove_any_accounts reports
    assert "was found by bmc on 3 account(s)" in out.details["decomposition"]


def test_the_search_on_the_spec_leaves_the_proof_half_of_the_budget() -> None:
    """On a safe spec the search only costs time: tests/check/specs/call_vault.py with its
    lemmas (1-inductive) took 76 s of `prove --timeout 120` on 3 accounts in that search,
    and the proof after it ran out of time (UNKNOWN; PASS with the share capped)."""
    spec = load_spec(str(EXAMPLE), None)
    asked: list[tuple[int, float | None]] = []

    def gives_up(s: Any, depth: int, **kwargs: Any) -> CheckResult:
        asked.append((s.accounts, kwargs.get("timeout")))
        return CheckResult("bmc", s.name, UNKNOWN, f"depth 2/{depth}", 1.0, 1)

    assert search_one(spec, gives_up, 3, ["solvent"], 120, 1) is None
    own = [t for n, t in asked if n == 3]
    assert len(own) == 1 and own[0] is not None
    assert 120 * OWN_SEARCH_SHARE - 5 <= own[0] <= 120 * OWN_SEARCH_SHARE


def test_a_spec_already_1_inductive_is_not_searched() -> None:
    """tests/cli/specs/safe.py is 1-inductive on its 2 accounts (docs/spec-language.md):
    prove goes straight to the proof. Before, the search ran first: the covered-call vault
    of tests/check/specs/call_vault.py with its lemmas (1-inductive on 3 accounts) spent
    76 s of `prove --timeout 120` there and its proof then ran out of time. A spec that
    is not 1-inductive is still searched (the test above)."""
    safe = EXAMPLE.parents[2] / "tests" / "cli" / "specs" / "safe.py"
    spec = load_spec(str(safe), None)
    assert spec.accounts == 2
    asked: list[int] = []

    def gives_up(s: Any, depth: int, **kwargs: Any) -> CheckResult:
        asked.append(s.accounts)
        return CheckResult("bmc", s.name, UNKNOWN, f"depth 2/{depth}", 1.0, 1)

    assert search_one(spec, gives_up, 3, ["nonnegative"], 60, 1) is None
    assert asked == []
