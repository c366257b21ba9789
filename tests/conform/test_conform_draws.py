"""Random traces drawn as arrays (solvent.conform.draws) and the int64 lanes' products.

* trace ``i`` is a pure function of the spec, the seed, the steps and ``i`` (not of how
  many traces are drawn, in which order, or how they are cut into chunks and workers);
* its Python objects and its arrays are the same trace: the arrays made back from the
  objects (``from_traces``, the path every other trace takes) equal the drawn ones;
* the draws stay in their domains and on the grid, hit the corners, zero, round numbers
  and every action instance, and a ``within=K`` keeper is never skipped more than ``K``
  steps in a row;
* a passing lane-wise run makes no random trace into Python objects; a diverging one
  only the traces it must re-run;
* ``ConformLanes`` (the float64 pre-test on products) gives the exact results and the
  exact overflow mask of ``FixedVectorBackend`` on every input, and passes the backend
  conformance suite.
"""

from __future__ import annotations

import sys
from fractions import Fraction

import numpy as np
import pytest
from conform_paths import EXAMPLES
from draws_spec import fixed_spec as _fixed_spec
from hypothesis import given, settings
from hypothesis import strategies as st

import solvent as sv
from solvent.backends.modes import concrete_for
from solvent.backends.vector_fixed import FixedVectorBackend
from solvent.conform import draws as draws_module
from solvent.conform.arrays import from_traces
from solvent.conform.draws import BLOCK, Draws, drawable
from solvent.conform.int64 import ConformLanes
from solvent.conform.parallel import _encode
from solvent.conform.run import Options, conform
from solvent.conform.sources import random_items, random_traces
from solvent.lang.domains import Within

SMALL = settings(max_examples=40, deadline=None, database=None, derandomize=True)


@pytest.fixture(scope="module")
def small() -> sv.Spec:
    return _fixed_spec()


def _same(a, b) -> None:
    assert a.act.tolist() == b.act.tolist()
    assert a.wide.tolist() == b.wide.tolist()
    for k in a.init:
        assert a.init[k].tolist() == b.init[k].tolist(), k
    for k in a.moves:
        assert a.moves[k].tolist() == b.moves[k].tolist(), k
    for name, per in a.argv.items():
        for k, v in per.items():
            assert v.tolist() == b.argv[name][k].tolist(), (name, k)
    assert a.keepers.keys() == b.keepers.keys()
    for k, (rec, live) in a.keepers.items():
        assert rec.tolist() == b.keepers[k][0].tolist()
        assert live.tolist() == b.keepers[k][1].tolist()


def test_trace_i_depends_on_the_seed_and_i_only(spec, small):
    for s in (spec, small):
        assert drawable(s)
        many = list(random_traces(s, BLOCK + 20, 9, 7))
        few = list(random_traces(s, 5, 9, 7))
        assert many[:5] == few
        # out of order, through a fresh generator, and across a block boundary
        d = Draws(s, 9, 7)
        for i in (BLOCK + 19, 3, BLOCK - 1, BLOCK, 0):
            assert d.trace(i) == many[i]
        assert list(random_traces(s, 5, 9, 8)) != few  # the seed matters
        assert [t.meta["source"] for t in few] == [f"random #{i} (seed 7)" for i in (1, 2, 3, 4, 5)]


@pytest.mark.parametrize("which", ["perp", "small"])
def test_the_objects_and_the_arrays_are_the_same_trace(spec, small, which):
    s = spec if which == "perp" else small
    d = Draws(s, 8, 3)
    rows = d.rows(BLOCK - 30, BLOCK + 30)
    traces = [d.trace(i) for i in range(BLOCK - 30, BLOCK + 30)]
    _same(rows, from_traces(s, traces, concrete_for(s)))
    assert not rows.wide.any()


def test_the_draws_cover_the_domains(small):
    traces = list(random_traces(small, 400, 6, 1))
    moves = [st.market["move"] for t in traces for st in t.steps]
    dom = small.bounds["move"]
    assert all(dom.lo <= m <= dom.hi and (m * 10**4).denominator == 1 for m in moves)
    for corner in (dom.lo, dom.hi, Fraction(0)):
        assert 0.03 < moves.count(corner) / len(moves) < 0.2, corner
    assert any((m * 100).denominator == 1 and m not in (dom.lo, dom.hi, 0) for m in moves)
    acts = [st.action for t in traces for st in t.steps]
    assert 0.55 < sum(a is not None for a in acts) / len(acts) < 0.65
    assert {(a.accounts, a.args["up"]) for a in acts if a} == {
        (acc, up) for acc in ((0,), (1,)) for up in (False, True)
    }
    level = [t.init["level"] for t in traces]
    assert min(level) == Fraction(-3) and max(level) == Fraction(15, 2)
    assert {t.init["flag"] for t in traces} == {False, True}
    for t in traces:
        for a in range(2):
            run = longest = 0
            for step in t.steps:
                run = 0 if step.keepers["sweep"][a] else run + 1
                longest = max(longest, run)
            assert longest <= 2


def test_drawable_only_for_fixed_point_specs_on_their_grid():
    from conform_paths import REPO

    from solvent.spec.load import load_spec

    assert not drawable(load_spec(str(REPO / "examples" / "frontier" / "stale_oracle.py")))
    spec = _fixed_spec()
    spec.bounds["move"] = Within(Fraction(-1, 3), Fraction(1, 3))  # off the 10^-4 grid
    assert not drawable(spec)


def test_a_passing_lanewise_run_makes_no_trace_objects(spec, monkeypatch):
    from solvent.conform.adapter import load_adapter

    sys.path.insert(0, str(EXAMPLES))
    try:
        good = load_adapter(f"{EXAMPLES / 'python_adapter.py'}:EngineAdapter")
        buggy = load_adapter(f"{EXAMPLES / 'python_adapter.py'}:BuggyEngineAdapter")
    finally:
        sys.path.remove(str(EXAMPLES))
    made: list[int] = []
    original = draws_module.Draws.trace

    def counted(self, i):
        made.append(i)
        return original(self, i)

    monkeypatch.setattr(draws_module.Draws, "trace", counted)
    result = conform(spec, good, Options(traces=300, corners=False, batch=256))
    assert result.divergence is None and result.traces == 300 and made == []
    result = conform(spec, buggy, Options(traces=300, corners=False, batch=256))
    assert result.divergence is not None and set(made) <= {
        int(result.source.split("#")[1].split()[0]) - 1
    }


def test_workers_get_seed_ranges_not_traces(spec):
    items = [item for _, item in random_items(spec, 40, 12, 5)]
    corner = next(iter(random_traces(spec, 1, 12, 9)))
    segments = _encode([*items[:30], corner, *items[30:]])
    assert segments == [
        ("drawn", 12, 5, 0.6, 0, 30),
        ("traces", [corner]),
        ("drawn", 12, 5, 0.6, 30, 40),
    ]


# -- ConformLanes: the float64 pre-test on products ---------------------------------------
INT64 = st.integers(-(2**63), 2**63 - 1)
MODEST = st.integers(-(2**31), 2**31)
LANES = st.lists(st.one_of(MODEST, INT64), min_size=1, max_size=12)


@SMALL
@given(a=LANES, b=LANES, decimals=st.sampled_from([0, 6, 18]), modest=st.booleans())
def test_conform_lanes_products_are_the_parents(a, b, decimals, modest):
    n = min(len(a), len(b))
    if modest:  # every lane far from the edge: the fast path runs
        a, b = [x % 2**31 for x in a], [x % 2**31 for x in b]
    x, y = np.array(a[:n], dtype=np.int64), np.array(b[:n], dtype=np.int64)
    scale = 10**decimals
    for op in ("mul", "mul_down", "mul_up"):
        mine, ref = ConformLanes(decimals), FixedVectorBackend(decimals)
        got, want = mine.RULES[op](x, y), ref.RULES[op](x, y)
        over = np.broadcast_to(ref.overflow, (n,))
        assert np.broadcast_to(mine.overflow, (n,)).tolist() == over.tolist()
        assert np.asarray(got).tolist() == np.asarray(want).tolist()
        for u, v, g, o in zip(a[:n], b[:n], np.asarray(got).tolist(), over.tolist(), strict=True):
            if not o:  # the exact value: Python ints
                q = u * v
                assert g == (-(-q // scale) if op == "mul_up" else q // scale)


def test_conform_lanes_pass_the_backend_conformance_suite():
    from solvent.testing import conformance

    for decimals in (0, 6, 18):
        conformance.run(ConformLanes(decimals), examples=8, hypothesis_settings=SMALL)
