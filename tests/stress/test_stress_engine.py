"""The compiled kernel agrees bit for bit with the NumPy-lanes engine (the spec's own code)."""

from __future__ import annotations

import numpy as np
import pytest

from solvent.scenarios import get
from solvent.scenarios.population import Population
from solvent.stress.blocks import draw_block, heartbeat, run_kernel
from solvent.stress.ir import NotCompilable, StepTracer
from solvent.stress.lanes import run_lanes
from solvent.stress.runner import StressOptions, prepare


def _both(spec, scenario, population, **kw):
    opts = StressOptions(paths=300, steps=25, seed=11, block=128, checkpoint_dir=None, **kw)
    spec2, job, decls, _notes, engine = prepare(spec, scenario, population, opts)
    assert engine == "kernel"
    seen = {"FAIL_STEP": [], "COVER2": []}
    for b in range(job.n_blocks):
        inputs = draw_block(job, b)
        fast = run_kernel(job, inputs)
        ref = run_lanes(
            spec2,
            spec2.param_values(),
            decls,
            job.layout,
            inputs.G0,
            inputs.A0,
            inputs.M,
            job.keeper_period,
            job.outage_start,
            job.outage_len,
            inputs.C2,
            "account_equity" if job.cover2 else None,
            list(spec2.initials),
        )
        for key in fast:
            if key in ("UNSURE", "INV"):  # the lanes decide more: keeper bodies where not enabled
                uk, ul = fast[key], ref[key]
                if key == "INV":  # the first invariant failure, then its unsure step
                    assert np.array_equal(uk[:, :2], ul[:, :2]), key
                    uk, ul = uk[:, 2], ul[:, 2]
                assert ((uk < 0) | ((ul >= 0) & (ul <= uk))).all(), key
                continue
            assert np.array_equal(fast[key], ref[key]), key
        for key in seen:
            seen[key].append(fast[key])
    return {key: np.concatenate(v) for key, v in seen.items()}


@pytest.mark.parametrize(
    "frictions",
    [{}, {"keeper_outage": 5, "outage_start": 3}, {"keeper_delay": 2}, {"oracle_delay": 3}],
)
def test_kernel_matches_lanes_on_the_perp(load, frictions) -> None:
    out = _both(load("perp_small"), get("gbm", vol=2.5), Population(), **frictions)
    assert (out["FAIL_STEP"] >= 0).any()  # the comparison covers failing lanes too
    assert (out["COVER2"] > 0).any()


def test_kernel_matches_lanes_with_a_fold_in_the_invariant(load) -> None:
    spec = load("perp_small").with_accounts(5)
    _both(spec, get("student-t", df=3, vol=3.0), Population(long_share=0.8))


def test_a_keeper_writing_another_account_is_not_compiled(load) -> None:
    spec = load("adl")
    with pytest.raises(NotCompilable, match="another account"):
        StepTracer(spec, spec.param_values()).keeper(spec.keepers[0])


def test_fold_template_is_found_for_sum_and_all_of(load) -> None:
    spec = load("adl")
    traced = StepTracer(spec, spec.param_values()).predicate(spec.invariants[0])
    kinds = str(traced.outputs["value"])
    assert kinds.count("'fold'") == 2  # all_of (and-fold) and sum (add-fold with init 0)


def test_heartbeat_oracle_publishes_every_k_plus_one_steps() -> None:
    r = np.array([[0.1, -0.2, 0.05, 0.1, 0.0]])
    out = heartbeat(r, 1)
    assert out[0, 0] == 0.0 and out[0, 2] == 0.0 and out[0, 4] == 0.0
    assert np.isclose(out[0, 1], 1.1 * 0.8 - 1) and np.isclose(out[0, 3], 1.05 * 1.1 - 1)
    assert np.isclose(np.prod(1 + out[0, :4]), np.prod(1 + r[0, :4]))


def test_kernel_matches_lanes_with_a_global_keeper_and_bool_fields(load) -> None:
    out = _both(load("misc"), get("gbm", vol=3.0), None, keeper_delay=1)
    assert (out["FAIL_STEP"] >= 0).any()
    assert (out["FAIL_STEP"] == -2).any()  # the @initial condition skipped some lanes


def test_recorded_series_match_the_lanes_engine(load) -> None:
    from solvent.stress.blocks import BlockInputs
    from solvent.stress.lanes import lane_series

    spec = load("perp_small")
    opts = StressOptions(paths=64, steps=12, seed=2, block=64, checkpoint_dir=None)
    spec2, job, _decls, _notes, _engine = prepare(spec, get("gbm", vol=2.5), Population(), opts)
    x = draw_block(job, 0)
    pick = [3, 40]
    ser = np.zeros((2, 13, len(job.layout.globals)))
    sub = BlockInputs(
        x.G0[pick], x.A0[pick], np.ascontiguousarray(x.M[pick]), x.C2[pick], x.beyond[pick]
    )
    rec = run_kernel(job, sub, record=np.arange(2, dtype=np.int64), series=ser)
    ref = lane_series(
        spec2,
        spec2.param_values(),
        job.layout,
        x.G0[pick],
        x.A0[pick],
        x.M[pick],
        1,
        0,
        0,
        ["price", "insurance"],
    )
    assert np.array_equal(ser[:, :, 0], ref["price"]) and np.array_equal(
        ser[:, :, 1], ref["insurance"]
    )
    assert np.array_equal(rec["OUT_G"][:, 1], ref["insurance"][:, -1])


def test_liquidation_price_impact_costs_notional_times_impact() -> None:
    """perp_isolated.build(liquidation_depth=D): closing notional n loses n * min(n / D, 1)."""
    from fractions import Fraction

    from solvent.check.replay import replay
    from solvent.engine.trace import Trace, TraceStep
    from solvent.models import perp_isolated

    init = {
        "price": Fraction(2000),
        "insurance": Fraction(100),
        "bad_debt": Fraction(0),
        "liquidations": Fraction(0),
        "quote": (Fraction(-1900),),
        "size": (Fraction(1),),
    }
    steps = (TraceStep({"move": Fraction(-5, 100)}),)  # price 1900, equity 0 < 5% of 1900
    plain = replay(perp_isolated.build(accounts=1), Trace("p", 1, init, steps))
    deep = replay(
        perp_isolated.build(accounts=1, liquidation_depth="19000"), Trace("p", 1, init, steps)
    )
    # no impact: equity 0, no fee, no deficit; impact 1900/19000 = 10%: deficit 190, fund pays 100
    assert plain.records[-1].state["bad_debt"] == 0
    assert deep.records[-1].state["insurance"] == 0 and deep.records[-1].state["bad_debt"] == 90


def test_kernels_are_never_imported_from_a_folder_others_can_write(tmp_path, monkeypatch):
    """A world-writable cache folder is not used (someone could swap the generated file
    before it is imported): the kernel goes to a private temporary folder instead."""
    import os

    from solvent.stress import kernel as K
    from solvent.stress import loader as L

    folder = tmp_path / "shared" / "kernels"
    folder.mkdir(parents=True)
    os.chmod(folder, 0o777)
    monkeypatch.setenv("SOLVENT_CACHE_DIR", str(tmp_path / "shared"))
    monkeypatch.setattr(L, "_warm", lambda kernel, layout: None)
    src = K.KernelSource("def kernel():\n    return 7\n", None, "test_private_0001")
    assert L.load(src)() == 7
    assert list(folder.iterdir()) == []  # nothing written to (or imported from) it
    os.chmod(folder, 0o700)
    L._LOADED.pop(src.digest, None)
    assert L.load(src)() == 7
    assert [p.name for p in folder.iterdir()] == ["k_test_private_0001.py"]
