"""Proofs for every number of accounts (issue 13): the decomposition and its refusals.

tests/check/specs/isolated_accounts.py has accounts that never interact (each keeps its
own bad debt); with SHARED=1 every liquidation pays into one fund, which couples them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from check_helpers import two_account_spec

import solvent as sv
from solvent import cli
from solvent.check.decompose import coupling, prove_any_accounts
from solvent.check.induction import prove
from solvent.spec.load import load_spec

SPEC = Path(__file__).resolve().parent / "specs" / "isolated_accounts.py"


def isolated(monkeypatch: pytest.MonkeyPatch, accounts: int, shared: bool = False) -> sv.Spec:
    monkeypatch.setenv("ACCOUNTS", str(accounts))
    monkeypatch.setenv("SHARED", "1" if shared else "0")
    return load_spec(str(SPEC), None)


def test_isolated_accounts_are_proved_for_any_number(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    spec = isolated(monkeypatch, 100)
    assert coupling(spec) is None
    out = tmp_path / "r.json"
    code = cli.run(["prove", str(SPEC), "--no-slack", "-q", "-o", str(out)])
    doc = json.loads(out.read_text())
    # on one account ("any"), not the 100-account proof, which took minutes
    assert code == 0 and doc["verdict"] == "PASS" and doc["accounts"] == "any"
    assert "proved for every path length and every number of accounts" in doc["message"]
    assert doc["details"]["decomposition"] == "applied: proved on one account"


def test_a_shared_fund_couples_the_accounts_and_the_accumulator_rule_proves_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the fund every liquidation pays into is a shared accumulator no property constrains
    # and no account reads: the shared-accumulator rule (test_decompose_shared.py) proves
    # the spec for every number of accounts; before it, prove fell back to 2 accounts
    spec = isolated(monkeypatch, 2, shared=True)
    why = coupling(spec)
    assert why is not None and "shared field fund" in why and "keeper liquidate" in why
    result = prove_any_accounts(spec, prove, max_k=1, timeout=120)
    assert result.accounts == "any" and result.verdict == "PASS"
    assert result.details["decomposition"] == (
        "applied: proved on one account; shared accumulators: fund constrained by no property"
    )


def test_a_failing_one_account_proof_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = isolated(monkeypatch, 2).with_params(mm="0.05")
    result = prove_any_accounts(spec, prove, max_k=1, timeout=120)
    assert result.verdict == "FAIL" and result.accounts == 2  # the real 2-account path
    assert result.details["decomposition"].startswith(
        "not applied: the proof on one account gave FAIL"
    )


def test_refusals_name_the_coupling() -> None:
    assert coupling(two_account_spec(False, False)) is None
    assert coupling(two_account_spec(True, False)) == "action give takes 2 accounts"
    why = coupling(two_account_spec(False, True))
    assert why is not None and why.startswith("invariant total reads several accounts")


def test_with_accounts_copies_the_first_accounts_start() -> None:
    spec = two_account_spec(False, False)
    one = spec.with_accounts(1)
    assert one.accounts == 1 and one.fields["bal"].init == (1,)
    assert spec.accounts == 2  # the original is unchanged


def test_monitor_accepts_a_proof_for_any_number_of_accounts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from solvent.monitor.runner import assumptions_from_file

    doc = {
        "schema": "solvent-result/1",
        "check": "prove",
        "verdict": "PASS",
        "spec": "isolated-accounts",
        "accounts": "any",
        "details": {"assumptions_used": ["hyp.healthy"]},
    }
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(doc))
    assert assumptions_from_file(str(path), isolated(monkeypatch, 7)) == ["hyp.healthy"]
