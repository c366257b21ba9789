"""Issue 16: the kernel's properties reuse a keeper's numbers (``solvent.stress.reuse``).

Reusing must change nothing: the kernel with reuse and the kernel without it give the
same outputs bit for bit, the undecided lanes and their steps included, also when keepers
skip steps (a delay, an outage: the reused numbers are then stale and must not be read)
and when liquidations write the accounts the numbers were computed from. (The judge-based
tests of ``test_stress_certified.py`` run the reusing kernel too.)
"""

from __future__ import annotations

import numpy as np
import pytest

import solvent.stress.kernel as kernel_mod
from solvent.scenarios import get
from solvent.scenarios.population import Population
from solvent.stress.blocks import draw_block, run_kernel
from solvent.stress.reuse import Reuse
from solvent.stress.runner import StressOptions, prepare


def _outputs(spec, vol: float, **kw: object) -> tuple[dict[str, np.ndarray], str]:
    opts = StressOptions(paths=400, steps=20, seed=3, block=400, checkpoint_dir=None, **kw)
    _spec, job, _decls, _notes, engine = prepare(spec, get("gbm", vol=vol), Population(), opts)
    assert engine == "kernel"
    return run_kernel(job, draw_block(job, 0)), job.kernel.source


@pytest.mark.parametrize(
    "frictions",
    [{}, {"keeper_delay": 2}, {"keeper_outage": 4, "outage_start": 3}],
)
def test_reuse_changes_no_output(load, monkeypatch, frictions) -> None:
    spec = load("perp_small")
    seen = {"fail": 0, "liquidated": 0}
    for vol in (2.5, 8.0):
        fast, source = _outputs(spec, vol, **frictions)
        assert "CT0[a] = -1 if" in source  # the keeper stores numbers the properties read
        # healthy's requirement <= equity is not checked again where both are reused
        assert "if CT0[a] != t + 1 and not _dec(" in source
        with monkeypatch.context() as m:
            m.setattr(kernel_mod, "plan", lambda *a, **k: Reuse())
            plain, source2 = _outputs(spec, vol, **frictions)
        assert "CT0" not in source2
        for key in fast:
            assert np.array_equal(fast[key], plain[key]), (vol, key)
        seen["fail"] += int((fast["FAIL_STEP"] >= 0).sum())
        seen["liquidated"] += int((fast["OUT_G"][:, 3] > 0).sum())  # liquidations
    assert seen["fail"] > 0 and seen["liquidated"] > 0  # failing and liquidating lanes


def test_only_decisions_the_keeper_checked_are_not_checked_again(load, monkeypatch) -> None:
    """tie.py: the keeper's guard compares y < x and y < z; the invariant ``covered``
    compares x <= y (the keeper's pair: checked where both are reused, not again) and
    ``tied`` compares z <= x (both reused, but a pair the keeper never compared, undecided
    on every lane: always checked). Outputs equal with and without reuse."""
    opts = StressOptions(
        paths=200, steps=10, seed=3, block=200, accounts=3, checkpoint_dir=None, size_field=None
    )

    def run() -> tuple[dict[str, np.ndarray], str]:
        _s, job, _d, _n, engine = prepare(load("tie"), get("gbm", vol=2.0), None, opts)
        assert engine == "kernel"
        return run_kernel(job, draw_block(job, 0)), job.kernel.source

    fast, source = run()
    skipped = [line for line in source.splitlines() if "!= t + 1 and not _dec(" in line]
    assert len(skipped) == 1 and "_dec(p0_" in skipped[0]  # covered's, not tied's
    assert "if not _dec(p1_" in source  # tied's decision on two reused numbers
    with monkeypatch.context() as m:
        m.setattr(kernel_mod, "plan", lambda *a, **k: Reuse())
        plain, _ = run()
    for key in fast:
        assert np.array_equal(fast[key], plain[key]), key
    assert (fast["UNSURE"] >= 0).all() and (fast["FAIL_STEP"] >= 0).any()
