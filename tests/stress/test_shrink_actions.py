"""`solvent shrink` on stress traces with user actions: simpler arguments, never a broken start."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from solvent.check.replay import replay
from solvent.lang.values import format_number
from solvent.scenarios import get
from solvent.scenarios.population import Population
from solvent.spec.load import load_spec
from solvent.stress.runner import StressOptions, stress
from solvent.stress.shrink import shrink

WEAK = str(Path(__file__).parent / "specs" / "perp_weak_withdraw.py")


def test_shrink_simplifies_action_arguments_and_keeps_a_step(tmp_path) -> None:
    spec = load_spec(WEAK)
    opts = StressOptions(
        paths=1500, steps=10, seed=1, checkpoint_dir=None, action_rate=0.2, traces=3
    )
    r = stress(spec, get("gbm"), Population(), opts)
    assert r.verdict == "FAIL" and len(r.traces) == 3
    domains = {a.name: a.args for a in spec.actions}
    for trace, _label in r.traces:
        assert any(st.action is not None for st in trace.steps)
        out = shrink(spec, trace)
        final = replay(spec, out.trace).first_failure
        first = replay(spec, trace).first_failure
        assert final is not None and first is not None and final.name == first.name
        # the original failed after some steps; the shrunk trace must not start broken
        assert first.step >= 1 and final.step >= 1 and len(out.trace.steps) >= 1
        raw = [
            len(format_number(Fraction(v)))
            for st in trace.steps
            if st.action is not None
            for v in st.action.args.values()
            if not isinstance(v, bool)
        ]
        for st in out.trace.steps:
            if st.action is None:
                continue
            for name, v in st.action.args.items():
                if isinstance(v, bool):
                    continue
                # shorter than every raw float64 draw of the lane, and inside its domain
                assert len(format_number(Fraction(v))) < min(raw)
                assert domains[st.action.name][name].contains(Fraction(v))
