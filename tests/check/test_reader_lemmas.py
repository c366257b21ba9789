"""The shared-accumulator rule with lemmas inferred for its reader (issue 13, user specs).

A user's Drift-style spec (tests/check/specs/drift_user.py) states only ``bad_debt ==
0``; its keeper reads the fund (it pays what it can of a deficit). Without a lemma making
the deficit 0 the rule's reader check refused it before any proof ran, so the lemmas
inference finds after a CTI never reached the rule: prove fell back to the fixed-N proof
and ran out of time. Now the rule is asked again with the inferred lemmas
(``check/decompose_reader.py``) and the spec is proved for every number of accounts.

Each "proved" is checked against an independent computation: bmc on one account finds no
violation within 3 steps, and the buggy variants (maintenance 4%
under 5% moves) are never proved: a real path is found where the fund cannot pay.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import solvent as sv
from solvent.check.bmc import bmc
from solvent.check.decompose import prove_any_accounts
from solvent.check.induction import prove
from solvent.spec.load import load_spec

SPEC = Path(__file__).resolve().parent / "specs" / "drift_user.py"


def drift(monkeypatch: pytest.MonkeyPatch, **env: str) -> sv.Spec:
    for name, value in {"ACCOUNTS": "3", **env}.items():
        monkeypatch.setenv(name, value)
    return load_spec(str(SPEC), None)


def test_a_reader_made_irrelevant_by_inferred_lemmas_is_proved_for_any_n(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = drift(monkeypatch)
    assert not spec.lemmas  # the user wrote none
    result = prove_any_accounts(spec, prove, max_k=1, timeout=60)
    assert result.verdict == "PASS", result.message
    assert result.accounts == "any"
    assert "keeper liquidate reads them, in a way proved not to matter" in str(
        result.details["decomposition"]
    )
    inferred = [d["name"] for d in result.details["inferred_lemmas"]]
    assert "liquidate_not_enabled" in inferred
    assert "inferred from the spec" in result.message
    # independent: bmc finds no violation within 3 steps on one account (deeper, and on
    # 3 accounts, bmc gives UNKNOWN: benchmarks/results/engine.md, round 16)
    one = bmc(spec.with_accounts(1), depth=3, timeout=60)
    assert one.verdict == "PASS"


@pytest.mark.parametrize("accounts", ["1", "3"])
def test_the_buggy_variant_is_never_proved(monkeypatch: pytest.MonkeyPatch, accounts: str) -> None:
    spec = drift(monkeypatch, MMR="0.04", FUND="0", ACCOUNTS=accounts)
    result = prove_any_accounts(spec, prove, max_k=1, timeout=60)
    assert result.verdict == "FAIL", result.message
    assert result.counterexample is not None and result.depth == 3
    assert result.details["replay"].failures  # replayed on the concrete backend


def test_bmc_at_depth_10_answers_every_depth_through_the_inferred_lemmas(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # bmc on 3 accounts of this spec gave UNKNOWN after 120 s at depth 5 (the unrollings
    # stall); the deep question now goes to the proof for every number of accounts
    from solvent.check.decompose_bmc import bmc_any_accounts
    from solvent.check.portfolio import INDUCTION_FIRST_DEPTH

    spec = drift(monkeypatch)
    result = bmc_any_accounts(spec, bmc, INDUCTION_FIRST_DEPTH, timeout=60)
    assert result.verdict == "PASS", result.message
    assert result.details["method"] == "proof for every number of accounts"
    assert "liquidate_not_enabled" in result.details["inferred_lemmas"]
