"""The batch adapter protocol (solvent.conform.lanewise) gives the per-step path's result.

* the example engine's numpy lanes (``PerpEngineLanes``) equal the scalar engine
  (``PerpEngine``) step by step on random traces: an independent check of the batch
  implementation the lane-wise path trusts;
* a whole `conform` run gives the same result document (verdict, counts, compared fields,
  divergence and shrunk trace) with and without the batch methods, on the correct and the
  buggy engine, in one process and with ``--jobs 2``;
* a lane the batch path calls different but the per-step path finds equal is an adapter
  error (exit 3); lanes ``rerun_batch()`` flags go to the per-step path; floats are
  refused; a spec lane the judge contradicts is still a solvent bug (exit 4).
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
from conform_paths import EXAMPLES, SPEC

from solvent.conform import batch as batch_module
from solvent.conform.adapter import AdapterError
from solvent.conform.run import Options, conform
from solvent.conform.sources import random_traces
from solvent.errors import InternalError


@pytest.fixture(scope="module")
def module():
    """The example adapter module (python_adapter.py) with its engine importable."""
    from solvent.conform.adapter import load_adapter

    sys.path.insert(0, str(EXAMPLES))
    try:
        adapter = load_adapter(f"{EXAMPLES / 'python_adapter.py'}:EngineAdapter")
        import perp_engine

        return sys.modules[type(adapter).__module__], perp_engine
    finally:
        sys.path.remove(str(EXAMPLES))


def _doc(result):
    doc = result.to_json()
    doc.pop("seconds")
    return doc


def _scalar(cls):
    """The same adapter without its batch methods: the per-step path only."""

    class PerStep:
        decimals = cls.decimals

        def __init__(self):
            self.inner = cls()

        def __getattr__(self, name):
            if name.endswith("_batch"):
                raise AttributeError(name)
            return getattr(self.inner, name)

    return PerStep()


def test_the_numpy_engine_equals_the_scalar_engine(spec, module):
    """PerpEngineLanes against PerpEngine, every field after every call, 64 traces."""
    _, engine = module
    traces = list(random_traces(spec, 64, 10, 11))
    n, one = len(traces), engine.ONE

    def u(x):
        return int(x * one)

    seen = {"fired": 0, "accepted": 0, "refused": 0}
    for buggy in (False, True):
        books = [
            engine.PerpEngine(
                u(t.init["price"]),
                u(t.init["insurance"]),
                [u(q) for q in t.init["quote"]],
                liquidate_at_equal=buggy,
            )
            for t in traces
        ]
        lanes = engine.PerpEngineLanes(
            np.array([b.price for b in books]),
            np.array([b.insurance for b in books]),
            np.array([b.quote for b in books]),
            liquidate_at_equal=buggy,
        )
        for step in range(10):
            moves = [u(t.steps[step].market["move"]) for t in traces]
            for b, m in zip(books, moves, strict=True):
                b.set_price(b.price * (one + m) // one)
            lanes.set_price(lanes.mul_down(lanes.price, one + np.array(moves)))
            for a in range(3):
                fired = lanes.liquidate(np.ones(n, dtype=bool), a)
                assert fired.tolist() == [b.liquidate(a) for b in books]
                seen["fired"] += int(fired.sum())
            for name in ("trade", "withdraw"):
                mask = np.array(
                    [
                        t.steps[step].action is not None and t.steps[step].action.name == name
                        for t in traces
                    ]
                )
                acct = np.array(
                    [
                        t.steps[step].action.accounts[0] if m else 0
                        for t, m in zip(traces, mask, strict=True)
                    ]
                )
                arg = "qty" if name == "trade" else "amount"
                vals = np.array(
                    [
                        u(t.steps[step].action.args[arg]) if m else 0
                        for t, m in zip(traces, mask, strict=True)
                    ]
                )
                got = getattr(lanes, name)(mask, acct, vals)
                for i, b in enumerate(books):
                    if not mask[i]:
                        continue
                    try:
                        getattr(b, name)(int(acct[i]), int(vals[i]))
                        ok = True
                    except engine.Rejected:
                        ok = False
                    assert bool(got[i]) == ok, (buggy, step, i)
                    seen["accepted" if ok else "refused"] += 1
            for f in ("price", "insurance", "bad_debt", "liquidations", "quote", "size"):
                assert getattr(lanes, f).tolist() == [getattr(b, f) for b in books], f
        assert not lanes.unsure.any()
    assert min(seen.values()) > 0, seen  # liquidations, accepted and refused actions all ran


@pytest.mark.parametrize("name", ["EngineAdapter", "BuggyEngineAdapter"])
def test_lanewise_gives_the_per_step_result(spec, module, name):
    mod, _ = module
    cls = getattr(mod, name)
    opts = dict(traces=150, steps=10, seed=5)
    adapter = cls()
    lanewise = conform(spec, adapter, Options(**opts))
    assert hasattr(adapter, "lanes"), "the batch methods were not used"
    per_step = conform(spec, _scalar(cls), Options(**opts))
    assert _doc(lanewise) == _doc(per_step)
    assert (per_step.divergence is None) == (name == "EngineAdapter")
    if per_step.divergence is not None:
        assert len(per_step.divergence.trace.steps) <= 4


def test_lanewise_with_jobs_2(spec, module, monkeypatch):
    from solvent.conform import parallel

    monkeypatch.setattr(parallel, "worth_workers", lambda *a: True)  # workers, however small
    mod, _ = module
    refs = (str(SPEC), f"{EXAMPLES / 'python_adapter.py'}:BuggyEngineAdapter")
    opts = dict(traces=100, steps=8, seed=9)
    two = conform(spec, mod.BuggyEngineAdapter(), Options(**opts, jobs=2), refs=refs)
    one = conform(spec, _scalar(mod.BuggyEngineAdapter), Options(**opts))
    assert _doc(one) == _doc(two)


def test_batch_and_per_step_paths_that_disagree_are_an_adapter_error(spec, module):
    mod, _ = module

    class Lying(mod.EngineAdapter):
        def observe_batch(self):
            out = dict(super().observe_batch())
            out["insurance"] = out["insurance"] + (np.arange(len(out["insurance"])) == 2)
            return out

    with pytest.raises(AdapterError, match="batch methods and its per-step methods disagree"):
        conform(spec, Lying(), Options(traces=20, steps=5, corners=False))


def test_lanes_flagged_by_rerun_batch_go_the_per_step_way(spec, module):
    mod, _ = module

    class Unsure(mod.EngineAdapter):
        def observe_batch(self):
            out = dict(super().observe_batch())
            out["insurance"] = out["insurance"] + 1  # wrong, but flagged below
            return out

        def rerun_batch(self):
            return np.ones(len(self.lanes.price), dtype=bool)

    opts = dict(traces=30, steps=6, seed=2)
    got = conform(spec, Unsure(), Options(**opts))
    assert _doc(got) == _doc(conform(spec, _scalar(mod.EngineAdapter), Options(**opts)))
    assert got.divergence is None


def test_floats_from_observe_batch_are_refused(spec, module):
    mod, _ = module

    class Floats(mod.EngineAdapter):
        def observe_batch(self):
            out = dict(super().observe_batch())
            out["price"] = out["price"] / 1.0
            return out

    with pytest.raises(AdapterError, match="floats cannot be compared exactly"):
        conform(spec, Floats(), Options(traces=5, steps=3, corners=False))


def test_a_lane_the_judge_contradicts_is_still_an_internal_error(spec, module, monkeypatch):
    mod, _ = module
    original = batch_module.Lanes.__init__

    def wrong(self, *args, **kwargs):
        original(self, *args, **kwargs)
        v = self.states[1]["insurance"]
        v.raw = np.asarray(v.raw) + 1  # one unit off after step 1: the judge disagrees

    monkeypatch.setattr(batch_module.Lanes, "__init__", wrong)
    with pytest.raises(InternalError, match="disagree"):
        conform(spec, mod.EngineAdapter(), Options(traces=3, steps=4, corners=False))
