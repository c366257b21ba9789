"""The monitor's proof at start on a large venue (issue 21, round 20): the proof for every
number of accounts when the accounts decouple, else a budget that stops it.

Each verdict is compared with another run: ``solvent prove`` on the same spec file, or
plain k-induction (no decomposition) on two accounts. The one-account proof itself is
checked against proofs on several accounts in tests/check/test_decompose*.py."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import solvent as sv
from solvent import cli
from solvent.check.induction import prove
from solvent.models import perp_isolated
from solvent.monitor.runner import assumptions_by_proving, declared_assumptions

VENUE = """from solvent.models import perp_isolated

venue = perp_isolated.build(
    name="venue", accounts={n}, initial_margin="0.10", maintenance_margin="0.08",
    max_move="0.08",
)
"""


def venue(n: int) -> sv.Spec:
    return perp_isolated.build(
        name="venue", accounts=n, initial_margin="0.10", maintenance_margin="0.08",
        max_move="0.08",
    )  # fmt: skip


def test_the_start_up_proof_at_100000_accounts_is_prove_s_proof(tmp_path: Path) -> None:
    notes: list[str] = []
    used, how = assumptions_by_proving(venue(100_000), 120, notes.append)
    assert how.startswith("proved at k=1 for every number of accounts")
    assert "within 120s" in notes[0] and "--no-prove" in notes[0]
    # `solvent prove` on the same spec, from its file, as a user runs it
    path = tmp_path / "venue.py"
    path.write_text(VENUE.format(n=100_000))
    out = tmp_path / "proof.json"
    code = cli.run(["prove", str(path), "--no-slack", "-q", "--jobs", "1", "-o", str(out)])
    doc = json.loads(out.read_text())
    assert code == 0 and doc["verdict"] == "PASS" and doc["accounts"] == "any"
    assert sorted(used) == sorted(doc["details"]["assumptions_used"])


def pair(n: int) -> sv.Spec:
    """Accounts that give each other their balance (tests/check/check_helpers.py): coupled,
    no per-account proof."""
    helpers = runpy.run_path(str(Path(__file__).parents[1] / "check" / "check_helpers.py"))
    return helpers["two_account_spec"](True, False).with_accounts(n)


def test_a_coupled_venue_s_proof_is_bounded_and_never_passes_unproved() -> None:
    # 2,000 coupled accounts within 1 s: stopped by the budget (it says why the proof
    # could not run on one account) or, on a fast machine, the real FAIL; never a PASS
    spec = pair(2000)
    used, how = assumptions_by_proving(spec, 1.0)
    assert used == declared_assumptions(spec)
    stopped = how.startswith("prove was stopped by the 1s budget")
    assert stopped or how.startswith("prove answered")
    if stopped:
        assert "action give takes 2 accounts" in how and "--proof FILE" in how
    assert prove(pair(2), timeout=60).verdict == "FAIL"  # the small venue, exactly
