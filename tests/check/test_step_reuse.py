"""The final proof's step taken from Houdini's last proofs (``check.step_reuse``).

In fixed-point arithmetic the proof with the inferred lemmas no longer asks its inductive
step again when Houdini's named queries already proved exactly its obligations under
exactly its lemmas; it takes their cores and minimizes them over their solvers. Checked
here against the fresh final step (Houdini's proofs withheld, so the final proof asks its
step as before) on the corpus's two fixed-point styles: the same verdict, lemmas,
assumptions used (minimized), attribution and message. Where Houdini's proofs do not fit
(a lemma set they were not made for, another k), the step is asked as before, with the
same report; ``--jobs 1`` and ``--jobs 2`` give the same report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from solvent.check import induction, infer, step_reuse
from solvent.check.decompose import prove_any_accounts
from solvent.check.induction import prove
from solvent.check.results import PASS
from solvent.check.step_reuse import StepProof
from solvent.spec.load import load_spec

ROOT = Path(__file__).resolve().parents[2]


def _corpus(monkeypatch: pytest.MonkeyPatch, style: str, accounts: int = 1) -> Any:
    for key, value in {"FIXED": "1", "ACCOUNTS": str(accounts), "MM": "0.08"}.items():
        monkeypatch.setenv(key, value)
    for key in ("LEMMAS", "FEES", "NEEDLE", "MARKETS", "FLOOR"):
        monkeypatch.delenv(key, raising=False)
    return load_spec(str(ROOT / "benchmarks" / "engine" / f"perp_{style}.py"), None)


def _report(result: Any) -> dict[str, Any]:
    """What a user reads of a proof, times left out."""
    details = {k: v for k, v in result.details.items() if k not in ("members", "timings")}
    return {
        "verdict": result.verdict,
        "accounts": result.accounts,
        "k": result.k,
        "bound": result.bound,
        "message": result.message,
        "details": details,
    }


def _spied(monkeypatch: pytest.MonkeyPatch) -> list[StepProof | None]:
    """Each ``from_houdini`` answer, in order (the route is the same otherwise)."""
    given: list[StepProof | None] = []
    plain = step_reuse.from_houdini

    def spy(*args: Any, **kwargs: Any) -> StepProof | None:
        got = plain(*args, **kwargs)
        given.append(got)
        return got

    monkeypatch.setattr(infer, "from_houdini", spy)
    return given


def _fresh(monkeypatch: pytest.MonkeyPatch, spec: Any, **kwargs: Any) -> dict[str, Any]:
    """The proof with Houdini's proofs withheld: the final step asked as before."""
    monkeypatch.setattr(infer, "from_houdini", lambda *a, **k: None)
    return _report(prove_any_accounts(spec, prove, timeout=120, **kwargs))


@pytest.mark.parametrize("style", ["entry", "quote"])
def test_the_reused_step_reports_what_the_fresh_step_reports(
    monkeypatch: pytest.MonkeyPatch, style: str
) -> None:
    spec = _corpus(monkeypatch, style)
    given = _spied(monkeypatch)
    asked = {"n": 0}
    plain_step = induction.inductive_step

    def counted(*args: Any, **kwargs: Any) -> Any:
        proved = kwargs.get("proved")
        if proved is not None:
            asked["n"] += 1
        return plain_step(*args, **kwargs)

    monkeypatch.setattr(induction, "inductive_step", counted)
    reused = _report(prove_any_accounts(spec, prove, timeout=120))
    assert reused["verdict"] == PASS and reused["accounts"] == "any", reused["message"]
    assert len(given) == 1 and given[0] is not None and asked["n"] == 1
    lemmas = [i["name"] for i in reused["details"]["inferred_lemmas"]]
    assert list(given[0].lemmas) == lemmas == ["liquidate_not_enabled", "price_at_least_0"]
    assert given[0].minimized
    assert sorted(given[0].core) == reused["details"]["assumptions_used"]
    fresh = _fresh(monkeypatch, spec)
    assert reused == fresh
    assert "hyp.liquidate_not_enabled" in fresh["details"]["assumptions_used"]


def test_proofs_made_for_other_lemmas_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Houdini's proofs asked to fit one kept lemma fewer: the final obligations do not
    hold under the others, so no step is given, and the final proof asks its own."""
    spec = _corpus(monkeypatch, "entry")
    plain = step_reuse.from_houdini
    given: list[StepProof | None] = []

    def fewer(obligations: Any, lemmas: Any, *args: Any, **kwargs: Any) -> Any:
        last = list(lemmas)[-1]
        fewer_lemmas = {n: p for n, p in lemmas.items() if n != last}
        rest = {n: p for n, p in obligations.items() if n != last}
        got = plain(rest, fewer_lemmas, *args, **kwargs)
        given.append(got)
        return got

    monkeypatch.setattr(infer, "from_houdini", fewer)
    refused = _report(prove_any_accounts(spec, prove, timeout=120))
    assert given == [None]
    assert refused == _fresh(monkeypatch, spec)


def test_a_step_proof_fits_only_its_own_step() -> None:
    proof = StepProof(("fund_ok",), ("a",), 6, frozenset({"hyp.fund_ok", "hyp.a"}), True)
    literals = ["hyp.fund_ok", "hyp.a", "envelope.move.hi"]
    assert proof.fits(["fund_ok", "a"], 1, 6, literals)
    assert not proof.fits(["fund_ok", "a"], 2, 6, literals)  # k = 2 asks another step
    assert not proof.fits(["fund_ok"], 1, 6, literals)  # other lemmas
    assert not proof.fits(["fund_ok", "a", "b"], 1, 6, literals)
    assert not proof.fits(["fund_ok", "a"], 1, 4, literals)  # other cases
    assert not proof.fits(["fund_ok", "a"], 1, 6, ["hyp.fund_ok"])  # a name it lacks


def test_jobs_one_and_two_give_the_same_report(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _corpus(monkeypatch, "entry", accounts=1)
    given = _spied(monkeypatch)
    one = _report(prove_any_accounts(spec, prove, timeout=120, jobs=1))
    two = _report(prove_any_accounts(spec, prove, timeout=120, jobs=2))
    assert one == two and one["verdict"] == PASS
    assert len(given) == 2 and all(g is not None for g in given)
