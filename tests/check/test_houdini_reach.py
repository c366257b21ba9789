"""Houdini's fixed-point candidates that a short path from an initial state breaks are
dropped before its rounds (``check.houdini_reach``, round 24).

Houdini's surviving set is unique, so dropping a candidate outside it first must leave the
survivors, the lemmas the proof names and its report as they were. Checked on the corpus's
quote-style fixed-point spec: the candidates the paths break are each outside the set
Houdini keeps when nothing is dropped first (an independent run with the pass switched
off), the survivors and the report's lemmas are the same with and without it, and with it
Houdini's rounds ask fewer case queries (counts, not time: 13 without, 8 with). On a
small spec the dropped candidate is checked by a concrete path on the engine's own step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from solvent.check import cases as cases_mod
from solvent.check import infer
from solvent.check.decompose import prove_any_accounts
from solvent.check.houdini_reach import broken_on_paths
from solvent.check.induction import prove
from solvent.check.results import PASS
from solvent.check.solving import Deadline
from solvent.spec.load import load_spec

ROOT = Path(__file__).resolve().parents[2]


def _quote_fixed(monkeypatch: pytest.MonkeyPatch) -> Any:
    for key, value in {"FIXED": "1", "ACCOUNTS": "2", "MM": "0.08"}.items():
        monkeypatch.setenv(key, value)
    for key in ("LEMMAS", "FEES", "NEEDLE", "MARKETS", "FLOOR"):
        monkeypatch.delenv(key, raising=False)
    return load_spec(str(ROOT / "benchmarks" / "engine" / "perp_quote.py"), None)


def _run(monkeypatch: pytest.MonkeyPatch, reach: bool) -> dict[str, Any]:
    """The proof of the corpus spec, with what Houdini was given, dropped and kept."""
    spec = _quote_fixed(monkeypatch)
    seen: dict[str, Any] = {"rounds": 0, "broken": set()}
    plain_houdini, plain_falsify, plain_reach = infer.houdini, cases_mod._falsify, broken_on_paths

    def houdini(one: Any, cands: Any, assumed: Any, *args: Any, **kwargs: Any) -> Any:
        kept, step = plain_houdini(one, cands, assumed, *args, **kwargs)
        seen.setdefault("first", (one, list(cands), list(assumed), [c.decl.name for c in kept]))
        return kept, step

    def reached(*args: Any, **kwargs: Any) -> set[str]:
        got = plain_reach(*args, **kwargs) if reach else set()
        seen["broken"] |= got
        return got

    def falsify(*args: Any, **kwargs: Any) -> Any:
        seen["rounds"] += 1
        return plain_falsify(*args, **kwargs)

    monkeypatch.setattr(infer, "houdini", houdini)
    monkeypatch.setattr(infer, "broken_on_paths", reached)
    monkeypatch.setattr(cases_mod, "_falsify", falsify)
    result = prove_any_accounts(spec, prove, timeout=120, max_k=3)
    monkeypatch.undo()
    assert (result.verdict, result.accounts) == (PASS, "any"), result.message
    seen["lemmas"] = [i["name"] for i in result.details["inferred_lemmas"]]
    seen["used"] = sorted(result.details.get("assumptions_used") or [])
    return seen


def test_the_candidates_paths_break_are_outside_houdinis_set_and_nothing_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    without = _run(monkeypatch, reach=False)
    with_it = _run(monkeypatch, reach=True)
    assert without["broken"] == set()
    # the pass drops the three the rounds' slow models dropped (quote and size can fall
    # below 0 in one trade; a trade's margin is broken by a move after a full-margin trade)
    assert with_it["broken"] == {"quote_at_least_0", "size_at_least_0", "trade_allowed"}
    kept_without = set(without["first"][3])
    assert not with_it["broken"] & kept_without
    assert with_it["first"][3] == without["first"][3]
    assert with_it["lemmas"] == without["lemmas"] == ["liquidate_not_enabled", "price_at_least_0"]
    assert with_it["used"] == without["used"]
    assert with_it["rounds"] < without["rounds"]
    # each candidate the pass drops is false on some state its paths reach: asked again
    # alone, it is still broken (the pass's answer is the candidate's, not the others')
    one, cands, assumed, _kept = with_it["first"]
    for cand in cands:
        if cand.decl.name in with_it["broken"]:
            alone = broken_on_paths(one, [cand.decl], assumed, Deadline(60))
            assert alone == {cand.decl.name}
