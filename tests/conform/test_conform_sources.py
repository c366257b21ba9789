"""Trace sources of `solvent conform`: bmc counterexamples, and self-conformance of a spec."""

from __future__ import annotations

from conform_paths import REPO
from spec_adapter import SpecAdapter

from solvent.conform.run import Options, conform
from solvent.spec.load import load_spec

GAP = str(REPO / "examples" / "bugs_detected" / "perp_gap_risk.py")


def test_a_spec_conforms_to_itself_on_its_bmc_counterexamples():
    spec = load_spec(GAP)
    result = conform(spec, SpecAdapter(spec), Options(traces=3, steps=4, depth=3))
    assert result.divergence is None, result.message()
    assert result.sources.get("bmc", 0) >= 1  # the gap-risk counterexample was run
    assert result.sources["random"] == 3 and result.sources["corner"] == 12


def test_other_parameters_diverge_on_the_bmc_counterexample():
    spec = load_spec(GAP)
    from solvent.models import perp_isolated

    # the "implementation" liquidates at 8% where the spec says 5%
    safer = perp_isolated.build(
        name="perp-gap-risk",
        accounts=3,
        initial_margin="0.10",
        maintenance_margin="0.08",
        max_move="0.08",
    )
    result = conform(spec, SpecAdapter(safer), Options(traces=0, corners=False, depth=3))
    d = result.divergence
    assert d is not None and result.source.startswith("bmc counterexample of ")
    assert len(d.trace.steps) <= 4
