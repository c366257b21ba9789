"""The spec's side as int64 lanes (solvent.conform.batch) answers exactly like the judge.

* every lane's state, keeper firings and acceptances equal the exact judge's, step by step,
  on random and corner traces (an independent computation: the concrete fixed-point judge);
* a whole `conform` run gives the same result document with and without batching, on a
  correct and on a buggy implementation;
* a lane that overflows int64 is compared on the judge; a lane that disagrees with the
  judge is a solvent bug (exit 4), never a verdict.
"""

from __future__ import annotations

import os
import sys
from fractions import Fraction

import pytest
from conform_paths import EXAMPLES, SPEC
from draws_spec import fixed_spec
from hypothesis import given, settings
from hypothesis import strategies as st

from solvent.check.replay import TraceChooser, initial_concrete, plain
from solvent.conform import batch as batch_module
from solvent.conform.batch import Lanes, lanes_for
from solvent.conform.draws import Drawn, Draws
from solvent.conform.run import Options, conform
from solvent.conform.sources import corner_traces, random_traces
from solvent.engine.step import run_step
from solvent.engine.trace import Trace
from solvent.errors import InternalError
from solvent.spec.load import load_spec

_SPECS = {"perp": load_spec(str(SPEC)), "small": fixed_spec()}


@pytest.fixture(scope="module")
def engines():
    from solvent.conform.adapter import load_adapter

    sys.path.insert(0, str(EXAMPLES))
    try:
        return (
            load_adapter(f"{EXAMPLES / 'python_adapter.py'}:EngineAdapter"),
            load_adapter(f"{EXAMPLES / 'python_adapter.py'}:BuggyEngineAdapter"),
        )
    finally:
        sys.path.remove(str(EXAMPLES))


def _judge_run(spec, trace):
    """Per step: (plain state, fired, accepted) on the exact judge."""
    from solvent.backends.modes import concrete_for

    backend = concrete_for(spec)
    params = spec.param_values()
    state = initial_concrete(spec, trace, backend)
    chooser = TraceChooser(spec, trace, backend)
    out = [(plain(state), {}, False)]
    for t in range(1, len(trace.steps) + 1):
        step = run_step(spec, params, backend, state, t, chooser)
        state = step.state
        fired = {k: bool(v.raw) for k, v in step.fired.items()}
        accepted = bool(next(iter(step.enabled.values())).raw) if step.enabled else False
        out.append((plain(state), fired, accepted))
    return out


def _as_plain(value, scale):
    if isinstance(value, list):
        return [_as_plain(v, scale) for v in value]
    return value if isinstance(value, bool) else Fraction(value, scale)


def _lane_equals_judge(spec, side, trace, i):
    """Step lane ``i`` beside the exact judge's run of ``trace``: every field, keeper firing
    and acceptance equal after every step; the number of steps compared."""
    scale = 10**spec.decimals
    judged = _judge_run(spec, trace)
    for t, (state, fired, accepted) in enumerate(judged):
        side.step(t)
        got = {k: _as_plain(v, scale) for k, v in side.fields().items()}
        assert got == state, (i, t)
        for (name, acc), f in fired.items():
            assert side.fired(name, acc) == f, (i, t, name, acc)
        if t and trace.steps[t - 1].action is not None:
            assert side.accepted() == accepted, (i, t)
    return len(judged)


def test_every_lane_equals_the_judge_step_by_step(spec):
    traces = list(random_traces(spec, 40, 10, 3)) + list(corner_traces(spec, 10, 3))
    lanes = Lanes(spec, spec.param_values(), traces)
    compared = 0
    for i, trace in enumerate(traces):
        side = lanes.side(i)
        assert side is not None, "no number of these traces leaves int64"
        compared += _lane_equals_judge(spec, side, trace, i)
    assert compared == 40 * 11 + len(list(corner_traces(spec, 10, 3))) * 11


SMALL = settings(max_examples=12, deadline=None, database=None, derandomize=True)
if os.environ.get("SOLVENT_LONG_TESTS"):
    SMALL = settings(max_examples=300, deadline=None, database=None)


def _wider(trace, factor):
    """``trace`` with its start's numbers and draws scaled by ``factor`` (toward int64's
    edge: some lanes overflow, and must then be flagged, never wrong)."""
    init = {
        k: (tuple(x * factor for x in v) if isinstance(v, tuple) else v * factor)
        if not isinstance(v, bool)
        else v
        for k, v in trace.init.items()
    }
    return Trace(trace.spec, trace.accounts, init, trace.steps, trace.params, trace.meta)


@SMALL
@given(
    seed=st.integers(0, 10**6),
    steps=st.integers(1, 9),
    which=st.sampled_from(["perp", "small"]),
    factor=st.sampled_from([1, 1, 10**3, 10**5, 10**6]),
)
def test_hypothesis_lanes_equal_the_judge_after_every_step(seed, steps, which, factor):
    """Random traces (drawn as arrays, and the same traces given as objects, some scaled
    toward int64's edge): every field, firing and acceptance of every lane the int64
    lanes vouch for equals the exact judge after every step; overflowing lanes are
    flagged."""
    spec = _SPECS[which]
    drawn = Draws(spec, steps, seed)
    rows = drawn.rows(0, 24)
    traces = [drawn.trace(i) for i in range(24)]
    if factor != 1:
        traces = [_wider(t, factor) if i % 2 else t for i, t in enumerate(traces)]
        lanes = Lanes(spec, spec.param_values(), traces)
    else:
        lanes = lanes_for(spec, spec.param_values(), [Drawn(drawn, i) for i in range(24)])
        assert lanes.chooser.act.tolist() == rows.act.tolist()
    vouched = 0
    for i, trace in enumerate(traces):
        side = lanes.side(i)
        if side is None:
            continue
        vouched += 1
        _lane_equals_judge(spec, side, trace, i)
    assert vouched >= (12 if factor != 1 else 24)


def _doc(result):
    doc = result.to_json()
    doc.pop("seconds")
    return doc


@pytest.mark.parametrize("which", [0, 1], ids=["correct", "buggy"])
def test_batching_does_not_change_the_result(spec, engines, which):
    adapter = engines[which]
    opts = dict(traces=60, steps=10, seed=4)
    with_lanes = conform(spec, adapter, Options(**opts, batch=16))
    judge_only = conform(spec, adapter, Options(**opts, batch=0))
    assert _doc(with_lanes) == _doc(judge_only)
    assert (with_lanes.divergence is None) == (which == 0)


def test_a_lane_outside_int64_is_compared_on_the_judge(spec, engines):
    [trace] = list(random_traces(spec, 1, 3, 0))
    big = dict(trace.init)
    big["price"] = Fraction(10**13)  # price * size overflows int64 units at 6 decimals
    wide = Trace(trace.spec, trace.accounts, big, trace.steps, trace.params, trace.meta)
    lanes = Lanes(spec, spec.param_values(), [trace, wide])
    assert lanes.side(0) is not None and lanes.side(1) is None


def test_a_lane_the_judge_contradicts_is_an_internal_error(spec, engines, monkeypatch):
    """Were the int64 backend wrong, solvent stops (exit 4) instead of reporting it."""
    original = batch_module._Lane.fields

    def wrong(self):
        out = original(self)
        out["insurance"] = out["insurance"] + 1  # one unit off: the judge disagrees
        return out

    monkeypatch.setattr(batch_module._Lane, "fields", wrong)
    with pytest.raises(InternalError, match="disagree"):
        # the per-step path (the lane-wise one is tested in test_conform_lanewise.py)
        conform(spec, engines[0], Options(traces=3, steps=4, corners=False, lanewise=False))


@pytest.fixture
def always_workers(monkeypatch):
    """Workers after the first chunk, however small the run (the decision is the main
    process's: see test_workers_only_when_the_work_outweighs_their_start)."""
    from solvent.conform import parallel

    monkeypatch.setattr(parallel, "worth_workers", lambda *a: True)


@pytest.mark.parametrize("name", ["EngineAdapter", "BuggyEngineAdapter"])
def test_jobs_2_gives_the_result_of_jobs_1(spec, engines, name, always_workers):
    """Worker processes compare chunks; the answers are read back in the traces' order."""
    adapter = engines[0] if name == "EngineAdapter" else engines[1]
    refs = (str(SPEC), f"{EXAMPLES / 'python_adapter.py'}:{name}")
    opts = dict(traces=120, steps=8, seed=9)
    one = conform(spec, adapter, Options(**opts, jobs=1), refs=refs)
    two = conform(spec, adapter, Options(**opts, jobs=2), refs=refs)
    assert _doc(one) == _doc(two)
    assert (one.divergence is None) == (name == "EngineAdapter")
    assert one.traces == 132 or one.divergence is not None


def test_workers_only_when_the_work_outweighs_their_start(spec, engines, monkeypatch):
    """--jobs 2 on a cheap run stays in this process (no pool is started); the rule."""
    from solvent.conform import parallel
    from solvent.conform.parallel import WORKER_START, worth_workers

    def no_pool(*args, **kwargs):
        raise AssertionError("a worker pool was started for a run it cannot speed up")

    monkeypatch.setattr(parallel, "parallel_outcomes", no_pool)
    refs = (str(SPEC), f"{EXAMPLES / 'python_adapter.py'}:EngineAdapter")
    got = conform(spec, engines[0], Options(traces=600, steps=8, seed=9, jobs=2), refs=refs)
    assert got.divergence is None and got.traces == 612
    # small chunks cost mostly their fixed part: keep measuring, unless already costly
    assert not worth_workers(0.05, 8, False, 10**6, 2)
    assert worth_workers(WORKER_START, 8, False, 10**3, 2)  # e.g. a contract: 8 traces = 1 s
    # at the full chunk size: the work left against the workers' start
    assert not worth_workers(0.1, 2048, True, 14_000, 2)  # about 0.7 s left
    assert worth_workers(0.1, 2048, True, 1_000_000, 2)  # about 50 s left
    assert not worth_workers(5.0, 8, True, 0, 2)  # nothing left


def test_chunks_grow_4x_from_the_first_size(spec, engines, monkeypatch):
    """Chunks of 8, 32, ... up to --batch; an adapter with the batch methods starts at 256
    (a chunk of lanes costs about the same at 8 and 256 traces), a per-step one at 8."""
    from solvent.conform import batch as batch_mod
    from solvent.conform import run as run_mod

    items = [("random", str(i), t) for i, t in enumerate(random_traces(spec, 700, 2, 0))]
    sizes = [len(c) for c, _ in batch_mod.chunks_of(spec, items, 512, 8)]
    assert sizes == [8, 32, 128, 512, 20]
    sizes = [len(c) for c, _ in batch_mod.chunks_of(spec, items, 2048, 256)]
    assert sizes == [256, 444]
    seen: list[int] = []
    original = run_mod.chunks_of

    def spy(spec, source, batch, first):
        seen.append(first)
        return original(spec, source, batch, first)

    monkeypatch.setattr(run_mod, "chunks_of", spy)
    conform(spec, engines[0], Options(traces=5, steps=3, corners=False))
    conform(spec, engines[0], Options(traces=5, steps=3, corners=False, lanewise=False))
    assert seen == [run_mod.FIRST_LANEWISE, run_mod.FIRST_CHUNK] == [256, 8]
