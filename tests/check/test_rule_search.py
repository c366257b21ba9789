"""A CTI of the accumulator rule's one-account proof is searched on the spec itself.

tests/check/specs/tiered_hl.py BUG=1 (a stale deduction table): the accumulator rule
applies (``hlp_loss`` is written only by the liquidation keeper), so the proof runs on
the rule's one-account spec, which adds a copy of ``hlp_loss`` taken each step and a
lemma that a step never changes it. After the step's CTI the search for a real path ran
on that spec, where bmc gave up (13 s at depth 1, UNKNOWN at depth 3 on a 60 s budget:
``prove`` said UNKNOWN where ``bmc`` finds the bug in 3 steps). It now runs on the spec
on one account: the real path is found, lifted to the spec's 3 accounts and replayed.
The independent check: the replay on 3 accounts breaks ``hlp_never_loses`` at step 3,
and the closed form of the bug (test_user_styles.py) puts the buggy maintenance below
one move just above the tier bound.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from solvent.check.decompose import ONE_STEP_RLIMIT, plan
from solvent.check.decompose_one import lifted
from solvent.check.induction import prove
from solvent.spec.load import load_spec

SPECS = Path(__file__).resolve().parent / "specs"


def test_a_cti_of_the_rule_is_searched_on_the_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUG", "1")
    monkeypatch.setenv("ACCOUNTS", "3")
    spec = load_spec(str(SPECS / "tiered_hl.py"), None)
    p = plan(spec)
    assert p.rule is not None and p.why is None  # the proof runs on the rule's spec
    one = prove(
        p.spec(spec),
        max_k=1,
        search_depth=3,
        step_rlimit=ONE_STEP_RLIMIT,
        timeout=60,
        search_spec=spec.with_accounts(1),
    )
    assert one.verdict == "FAIL", one.message
    assert one.depth == 3 and "bmc found a real path" in one.message
    found = lifted(spec, one, ["hlp_never_loses"])
    assert found is not None and found.verdict == "FAIL"
    assert found.accounts == 3
    replayed = found.details["replay"]
    assert any(f.name == "hlp_never_loses" and f.step == 3 for f in replayed.failures)


def test_the_rule_proof_is_given_the_spec_to_search(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from solvent.check.decompose import prove_any_accounts

    monkeypatch.setenv("BUG", "1")
    monkeypatch.setenv("ACCOUNTS", "3")
    spec = load_spec(str(SPECS / "tiered_hl.py"), None)
    asked: list[dict[str, object]] = []

    def passes(one_spec: object, **kwargs: object) -> SimpleNamespace:
        asked.append(kwargs)
        return SimpleNamespace(
            verdict="PASS", message="", details={}, counterexample=None, depth=None
        )

    assert prove_any_accounts(spec, passes, max_k=1).accounts == "any"
    searched = asked[0]["search_spec"]
    assert isinstance(searched, type(spec)) and searched.accounts == 1
    assert "hlp_loss" in searched.fields and len(searched.fields) == len(spec.fields)
