"""What the one-account step of the any-N decomposition gives beyond a PASS (issue 13).

- Inferred lemmas (``solvent.check.infer``): tests/check/specs/isolated_accounts.py with
  ``LEMMAS=0`` has no lemma; the proof infers them from the keeper's guard and the
  initial condition, proves them with the invariant, and proves the spec for every number
  of accounts. Checked against the exhaustive exploration of every grid path on 1 and 2
  accounts (``tests/soundness/specgen.explore``) and against bmc; on the buggy variant
  (``mm=0.05``) no inferred lemma makes the proof pass: it fails, like bmc.
- Lifting (``decompose_one.lifted``, ``decompose_bmc``): ``prove`` and ``bmc`` with
  ``--accounts 1000`` on the buggy variant find the path on one account, lift it to 1,000
  accounts and replay it there, in seconds (bmc alone took 46 s at 1,000 accounts, prove
  ran to its budget); the report is the same for ``--jobs 1`` and ``--jobs 2``, and gives
  no lemma advice for the property the spec violates.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from solvent import cli
from solvent.check.bmc import bmc
from solvent.check.decompose import prove_any_accounts
from solvent.check.induction import prove
from solvent.spec.load import load_spec

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "tests" / "check" / "specs" / "isolated_accounts.py"
sys.path.insert(0, str(ROOT / "tests" / "soundness"))
from specgen import explore  # noqa: E402


def plain(monkeypatch: pytest.MonkeyPatch, accounts: int, shared: bool = True) -> object:
    monkeypatch.setenv("ACCOUNTS", str(accounts))
    monkeypatch.setenv("SHARED", "1" if shared else "0")
    monkeypatch.setenv("LEMMAS", "0")
    return load_spec(str(SPEC), None)


def test_a_spec_without_lemmas_is_proved_for_any_n_with_inferred_lemmas(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = plain(monkeypatch, 3)
    assert not spec.lemmas
    result = prove_any_accounts(spec, prove, max_k=3, timeout=120, jobs=1)
    assert result.verdict == "PASS" and result.accounts == "any", result.message
    inferred = result.details["inferred_lemmas"]
    assert [x["name"] for x in inferred] == ["liquidate_not_enabled", "price_at_least_0"]
    assert [x["source"] for x in inferred] == ["keeper guard", "initial sign"]
    assert all(x["checked"].startswith("proved inductive") for x in inferred)
    assert "2 lemmas inferred from the spec" in result.message
    assert "liquidate_not_enabled" in result.message
    # independent: no grid path of up to 3 steps breaks it on 1 or 2 accounts
    assert explore(spec.with_accounts(1), 3) == []
    assert explore(spec.with_accounts(2), 3) == []


def test_no_inferred_lemma_makes_the_buggy_variant_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = plain(monkeypatch, 2).with_params(mm="0.05")
    result = prove_any_accounts(spec, prove, max_k=3, timeout=120, jobs=1)
    assert result.verdict == "FAIL" and result.accounts == 2
    assert "inferred_lemmas" not in result.details
    # independent: bmc on the same two accounts finds the 3-step gap
    assert (bmc(spec, 3, timeout=120).verdict, result.depth) == ("FAIL", 3)


def _cli(args: list[str], out: Path) -> tuple[int, dict]:
    code = cli.run([*args, "-q", "-o", str(out)])
    return code, json.loads(out.read_text())


@pytest.mark.parametrize("verb", ["prove", "bmc"])
def test_a_buggy_spec_at_1000_accounts_fails_fast_on_a_lifted_replayed_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, verb: str
) -> None:
    monkeypatch.setenv("LEMMAS", "0")
    monkeypatch.setenv("SHARED", "1")
    args = [verb, str(SPEC), "--accounts", "1000", "--set", "mm=0.05", "--timeout", "60"]
    args += ["--depth", "3"] if verb == "bmc" else ["--no-slack"]
    docs = []
    for jobs in ("1", "2"):
        code, doc = _cli([*args, "--jobs", jobs], tmp_path / f"{jobs}.json")
        assert code == 1 and doc["verdict"] == "FAIL" and doc["accounts"] == 1000
        # on the lifted path (before: bmc took 46 s, prove ran to its budget: UNKNOWN)
        trace = doc["counterexample"]
        assert trace["#meta"]["accounts"] == 1000 and len(trace["init"]["quote"]) == 1000
        assert trace["#meta"]["lifted_from_accounts"] == 1
        assert "replayed there" in doc["details"]["decomposition"]
        assert "lemmas" not in doc["details"] and "why" not in doc["details"]  # no advice
        assert "lemma" not in doc["message"]
        docs.append(json.dumps({k: doc[k] for k in ("counterexample", "invariant", "depth")}))
    assert docs[0] == docs[1]


def test_bmc_on_many_accounts_passes_on_one_when_they_decouple(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SHARED", "1")
    code, doc = _cli(
        ["bmc", str(SPEC), "--accounts", "1000", "--depth", "2", "--timeout", "60"],
        tmp_path / "r.json",
    )
    assert code == 0 and doc["accounts"] == 1000
    assert doc["details"]["decomposition"] == "applied: checked on one account"
    assert "(1000 accounts, the accounts interact only through fund" in doc["message"]
    # independent: the full bmc on two accounts agrees
    assert bmc(load_spec(str(SPEC), None).with_accounts(2), 2, timeout=120).verdict == "PASS"


def test_the_library_perp_below_its_move_fails_instead_of_lemma_advice(tmp_path: Path) -> None:
    # the accumulator rule refuses it (its keeper reads the fund in a way that matters
    # once accounts go below zero); before, prove ran the fixed-N proof to its budget and
    # answered UNKNOWN with lemma advice for the property the spec violates
    example = ROOT / "examples" / "correct" / "perp_isolated.py"
    args = ["prove", str(example), "--set", "maintenance_margin=0.05", "--accounts", "100"]
    code, doc = _cli([*args, "--no-slack", "--timeout", "60"], tmp_path / "r.json")
    assert code == 1 and doc["verdict"] == "FAIL" and doc["accounts"] == 100, doc["message"]
    assert doc["details"]["decomposition"].startswith("not applied: shared field insurance")
    assert "lemmas" not in doc["details"] and "why" not in doc["details"]
    assert "lemma" not in doc["message"]
