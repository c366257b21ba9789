"""``check/z3terms.constant_ids`` against a walk through z3's Python objects."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import z3

from solvent.api.verify import load
from solvent.check.encode import Unrolling
from solvent.check.solving import fresh_context
from solvent.check.z3terms import constant_ids

ROOT = Path(__file__).resolve().parents[2]


def reference(expr: Any) -> frozenset[int]:
    """The ids of the uninterpreted constants, by z3's own wrappers (recursively)."""
    if z3.is_const(expr) and expr.decl().kind() == z3.Z3_OP_UNINTERPRETED:
        return frozenset((expr.get_id(),))
    return frozenset().union(*(reference(c) for c in expr.children()))


@pytest.mark.parametrize(
    "target",
    [
        "benchmarks/engine/perp_entry.py",
        "benchmarks/engine/perp_quote.py",
        "examples/bugs_detected/perp_gap_risk.py",
        "examples/correct/perp_isolated.py",
    ],
)
def test_constant_ids_of_a_step(target: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARKETS", "2")  # the corpus's two-market variant (ignored elsewhere)
    spec = load(str(ROOT / target)).with_accounts(2)
    with fresh_context():
        u = Unrolling(spec, free_init=True)
        u.add_step()
        terms = [
            v.raw
            for state in u.states
            for value in state.values()
            for v in (value if isinstance(value, list) else [value])
        ]
        terms += list(u.definitions.values())
        q = z3.Real("q")
        terms += [z3.ForAll([q], q * t > 0) for t in terms[:4] if z3.is_arith(t)]
        terms += [z3.RealVal(2) * z3.RealVal(3), z3.BoolVal(True)]  # no variable at all
        memo: dict[int, frozenset[int]] = {}
        got = [constant_ids(t, memo) for t in terms]
        assert got == [reference(t) for t in terms]
        assert all(got[:-2]) and not any(got[-2:])
