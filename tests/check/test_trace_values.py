"""``solving.trace_from_values`` keeps each term's literal value or input name per
unrolling (the simplification asks for one trace per candidate): the traces are those of
a computation without that memory, whatever values came before."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import z3

from solvent.api.verify import load
from solvent.check import solving
from solvent.check.encode import Unrolling
from solvent.check.solving import fresh_context, trace_from_values

ROOT = Path(__file__).resolve().parents[2]


def _values(u: Unrolling, move: Fraction) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for inp in u.inputs:
        if z3.is_bool(inp.var):
            out[inp.name] = move > 0
        elif inp.kind == "action":
            out[inp.name] = Fraction(1) if move > 0 else Fraction(0)
        elif inp.domain is not None:
            out[inp.name] = max(inp.domain.lo, min(inp.domain.hi, move))
        else:
            out[inp.name] = move
    return out


@pytest.mark.parametrize(
    "target", ["benchmarks/engine/perp_entry.py", "examples/bugs_detected/perp_gap_risk.py"]
)
def test_traces_do_not_depend_on_the_traces_before(target: str) -> None:
    spec = load(str(ROOT / target))
    with fresh_context():
        u = Unrolling(spec, z3.Solver())
        for _ in range(2):
            u.add_step()
        runs = [_values(u, Fraction(m, 100)) for m in (1, 0, -3, 1)]
        remembered = [trace_from_values(u, v, 2, {}) for v in runs]
        fresh = []
        for v in runs:
            solving._TERMS.clear()  # no memory of an earlier trace
            fresh.append(trace_from_values(u, v, 2, {}))
        assert remembered == fresh
        assert remembered[0] == remembered[3] and remembered[0] != remembered[1]
