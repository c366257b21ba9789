"""Differential checks across verbs (issue 23), on the random specs of ``specgen``.

- **One start**: stress (the lanes' draws and the exact traces confirmation replays), bmc
  and prove (the solver's step 0), replay (``check_against``, ``initial_concrete``) and
  the monitor (its observed state before any event) start from what
  :func:`solvent.engine.start.start` builds, and that is what the spec's source declares.
- **Confirmed stress lanes**: every lane stress reports as confirmed replays, on the
  concrete judge, to the same violation from the spec's own initial state plus the lane's
  recorded draws.
- **synth / frontier answers**: every value reported (the answer, the value beyond it,
  the probes) is a value a ``prove``/``bmc`` run checked, an ``int`` parameter only at
  integers, and ``prove --set`` at the reported value gives the reported verdict.
- **Monitor distance**: the isolated perp's closed form equals ``--distance solver``
  after every event of random streams, including streams that start with account or
  state events (before any price).

CI runs a small Hypothesis profile (fixed examples, no database, derandomized);
``SOLVENT_SOUNDNESS_LONG=1`` runs many more examples (minutes).
"""

from __future__ import annotations

import json
import math
import os
from fractions import Fraction
from typing import Any

import pytest
import z3
from cross_specs import param_specs
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from specgen import GeneratedSpec, specs

from solvent.backends.modes import scale_of
from solvent.check.encode import Unrolling
from solvent.check.frontier import frontier
from solvent.check.induction import prove
from solvent.check.lint import _sample_state
from solvent.check.probes import COUNTEREXAMPLE, PROVED, SAFE_SIDE
from solvent.check.replay import initial_concrete, plain, replay
from solvent.check.synth import synth
from solvent.engine.start import concrete_start, is_fixed, start
from solvent.engine.trace import Trace, check_against
from solvent.errors import SolventError
from solvent.lang.domains import Within
from solvent.models import perp_isolated
from solvent.monitor.core import Monitor, Options
from solvent.scenarios import get
from solvent.stress.blocks import draw_block
from solvent.stress.runner import StressOptions, lane_trace, prepare, stress

LONG = os.environ.get("SOLVENT_SOUNDNESS_LONG", "").strip() not in ("", "0")


def profile(ci: int, long: int) -> Any:
    return settings(
        max_examples=long if LONG else ci,
        deadline=None,
        database=None,
        derandomize=not LONG,
        suppress_health_check=list(HealthCheck),
    )


def _stress_opts(g: GeneratedSpec, **kw: Any) -> StressOptions:
    base: dict[str, Any] = dict(
        paths=32, steps=3, seed=1, block=32, checkpoint_dir=None, engine="lanes",
        confirm=None, confirm_seconds=None, bad_debt_field=None, insurance_field=None,
        liquidations_field=None, fields=(g.bounds[0],), action_rate=0.5,
    )  # fmt: skip
    base.update(kw)
    return StressOptions(**base)


def _declared(g: GeneratedSpec) -> dict[str, tuple[Any, ...]]:
    """The start as the generated source declares it (independently of the Spec)."""
    out = {}
    for f in g.fields_:
        n = g.accounts if f.per_account else 1
        entries = f.init if f.listed else f.init * n
        out[f.name] = tuple(Within(x[1], x[2]) if isinstance(x, tuple) else x for x in entries)
    return out


def _same_entry(a: Any, b: Any) -> bool:
    if isinstance(a, Within) or isinstance(b, Within):
        return isinstance(a, Within) and isinstance(b, Within) and (a.lo, a.hi) == (b.lo, b.hi)
    return type(a) is type(b) or not isinstance(a, bool) and not isinstance(b, bool) and a == b


def _z3_value(spec: Any, term: Any, sort: str) -> Any:
    e = z3.simplify(term)
    if sort == "bool":
        assert z3.is_true(e) or z3.is_false(e), e
        return z3.is_true(e)
    assert z3.is_rational_value(e) or z3.is_int_value(e), e
    q = Fraction(e.as_fraction()) if z3.is_rational_value(e) else Fraction(e.as_long())
    return q / scale_of(spec)


def _in_start(spec: Any, name: str, account: int, value: Any) -> bool:
    """``value`` is a value the spec may start ``name`` of ``account`` from."""
    entry = start(spec)[name][account]
    if isinstance(entry, Within):
        return not isinstance(value, bool) and entry.lo <= value <= entry.hi
    if not is_fixed(entry):  # AnyBool
        return isinstance(value, bool)
    return value == entry and isinstance(value, bool) == isinstance(entry, bool)


def _values(spec: Any, init: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    return {n: tuple(init[n]) if spec.fields[n].per_account else (init[n],) for n in spec.fields}


def _load_or_refused(g: GeneratedSpec) -> Any:
    try:
        return g.load()
    except SolventError:
        assume(False)


# ---------------------------------------------------------------------- one start
@profile(25, 300)
@given(specs())
def test_every_verb_starts_from_the_one_start(g: GeneratedSpec) -> None:
    spec = _load_or_refused(g)
    begin = start(spec)
    declared = _declared(g)
    assert list(begin) == list(declared)
    for name, entries in begin.items():
        assert len(entries) == len(declared[name])
        assert all(_same_entry(a, b) for a, b in zip(entries, declared[name], strict=True))
    # bmc / prove: the solver's step 0 (a fixed entry is that constant, a domain a variable)
    state0 = Unrolling(spec).states[0]
    for name, entries in begin.items():
        vals = state0[name] if spec.fields[name].per_account else [state0[name]]
        for entry, val in zip(entries, vals, strict=True):
            if is_fixed(entry):
                got = _z3_value(spec, val.raw, spec.fields[name].sort)
                assert got == entry and isinstance(got, bool) == isinstance(entry, bool)
            else:
                assert not z3.is_true(z3.simplify(val.raw)) or spec.fields[name].sort == "bool"
    # replay: a trace from the concrete start matches the spec and replays from it
    init = concrete_start(spec)
    trace = Trace(spec.name, spec.accounts, init, (), dict(spec.param_values().as_dict()))
    assert not [n for n in check_against(trace, spec) if n.startswith("init.")]
    try:
        replayed = plain(initial_concrete(spec, trace))
    except SolventError:  # a start off the fixed-point grid: refused alike by every verb
        assume(False)
    assert _values(spec, replayed) == _values(spec, init)
    # lint traces one step from the same start (domains at their lower end)
    assert _values(spec, plain(_sample_state(spec))) == _values(spec, init)
    # stress: every lane of the first block starts from it (domains: inside them)
    try:
        spec_n, job, _decls, _notes, _engine = prepare(spec, get("gbm"), None, _stress_opts(g))
        inputs = draw_block(job, 0)
    except SolventError:
        assume(False)
    for lane in range(min(4, job.block_size(0))):
        t = lane_trace(spec_n, job, inputs, lane, lane, 0, {})
        for name, vals in _values(spec, t.init).items():
            assert all(_in_start(spec, name, a, v) for a, v in enumerate(vals)), (name, vals)
    # monitor: its observed state before any event (domains: 0 / False, its convention)
    scalars = [n for n, fd in spec.fields.items() if not fd.per_account and fd.sort == "num"]
    if scalars:
        m = Monitor(spec, [], Options(price_field=scalars[0], distance="none", detector="none"))
        chosen = concrete_start(
            spec, lambda _f, _a, e: Fraction(0) if isinstance(e, Within) else False
        )
        assert _values(spec, m.values) == _values(spec, chosen)


# ---------------------------------------------------------------------- stress lanes
@profile(12, 150)
@given(specs(), st.integers(0, 3))
def test_confirmed_stress_lanes_replay_from_the_spec_start(g: GeneratedSpec, seed: int) -> None:
    spec = _load_or_refused(g)
    try:
        r = stress(spec, get("gbm"), None, _stress_opts(g, seed=seed, traces=8))
    except SolventError:
        assume(False)
    conf = r.confirmation
    event(f"confirmed lanes: {'some' if conf['confirmed'] else 'none'}")
    event(f"listed per-account start: {any(f.listed for f in g.fields_)}")
    assert conf["confirmed"] + conf["unconfirmed"] == conf["checked"]
    assert len(r.traces) == min(8, conf["confirmed"])
    for trace, label in r.traces:
        # the trace starts from the spec's own start (domains: a value inside them)
        for name, vals in _values(spec, trace.init).items():
            assert all(_in_start(spec, name, a, v) for a, v in enumerate(vals)), (name, vals)
        assert not [n for n in check_against(trace, spec) if n.startswith("init.")]
        # rebuilt from the spec's start (its chosen values for the domains) + the draws
        picked = concrete_start(spec, lambda f, a, _e, t=trace: _pick(spec, t, f, a))
        again = Trace(spec.name, spec.accounts, picked, trace.steps, trace.params, {})
        first = replay(spec, again).first_failure
        assert first is not None and first.label() == label
        assert first.step == trace.meta["violation"]["step"]


def _pick(spec: Any, trace: Trace, name: str, account: int) -> Any:
    v = trace.init[name]
    return v[account] if spec.fields[name].per_account else v


# ---------------------------------------------------------------------- synth / frontier
def _outcome(probe: Any) -> str | None:
    return None if probe is None else probe.outcome


def _checked(result: Any) -> dict[Fraction, Any]:
    return {p.value: p for p in result.probes}


@profile(6, 60)
@given(param_specs())
def test_synth_reports_only_values_it_checked(ps: Any) -> None:
    spec = ps.load()
    try:
        r = synth(spec, ps.param, direction=ps.direction, search_range=ps.range, checks=1)
    except SolventError:
        assume(False)
    probes = _checked(r)
    event(f"int: {ps.integer}, safe: {r.safe is not None}, beyond: {_outcome(r.beyond)}")
    if ps.integer:
        assert all(v.denominator == 1 for v in probes), sorted(probes)
    lo, hi = (Fraction(x) for x in ps.range)
    if ps.integer:
        lo, hi = Fraction(math.ceil(lo)), Fraction(math.floor(hi))
    assert r.search_range is not None and set(r.search_range) == {lo, hi}
    if r.safe is not None:
        assert r.safe in probes and probes[r.safe].outcome in SAFE_SIDE
        assert lo <= r.safe <= hi
        # the family's closed form: safe exactly when coef * n <= room
        assert r.safe * ps.coef <= ps.limit * ps.coef
        if ps.integer:
            assert r.safe == (math.floor(ps.limit) if ps.coef > 0 else math.ceil(ps.limit))
        else:
            assert abs(r.safe - ps.limit) <= r.tol
        if probes[r.safe].outcome == PROVED:
            again = prove(spec.with_params(**{ps.param: ps.value(r.safe)}))
            assert again.verdict == "PASS"
    if r.unsafe is not None:
        assert r.unsafe in probes and lo <= r.unsafe <= hi
        if r.beyond is not None and r.beyond.outcome == COUNTEREXAMPLE:
            assert r.beyond.value == r.unsafe
            cex = r.beyond.result.counterexample
            assert Fraction(cex.params[ps.param]) == r.unsafe  # the counterexample is there
            again = prove(spec.with_params(**{ps.param: ps.value(r.unsafe)}), max_k=1)
            assert again.verdict == "FAIL"
    # the JSON says the same values
    from solvent.report.risk import frontier_json

    doc = json.loads(json.dumps(frontier_json(spec, r)))
    assert {Fraction(p["value"]) for p in doc["probes"]} == set(probes)
    for key in ("safe", "unsafe"):
        assert (doc[key] is None) == (getattr(r, key) is None)
        if doc[key] is not None:
            assert Fraction(doc[key]) == getattr(r, key)


@profile(4, 40)
@given(param_specs(envelope=True))
def test_frontier_reports_only_values_it_checked(ps: Any) -> None:
    spec = ps.load()
    try:
        r = frontier(spec, "move", method="bisection", checks=1)
    except SolventError:
        assume(False)
    probes = _checked(r)
    event(f"safe: {r.safe is not None}, beyond: {_outcome(r.beyond)}")
    if r.safe is not None:
        assert r.safe in probes and probes[r.safe].outcome in SAFE_SIDE
        if probes[r.safe].outcome == PROVED:
            assert prove(r.knob.apply(spec, r.safe)).verdict == "PASS"
    if r.unsafe is not None:
        assert r.unsafe in probes
        if r.beyond is not None and r.beyond.outcome == COUNTEREXAMPLE:
            assert r.beyond.value == r.unsafe
            assert prove(r.knob.apply(spec, r.unsafe), max_k=1).verdict == "FAIL"


# ---------------------------------------------------------------------- monitor distance
_PERP = perp_isolated.build(
    accounts=2, maintenance_margin="0.08", max_move="0.08", liquidation_fee="0"
)
_AMOUNT = st.integers(-300, 300).map(lambda c: Fraction(c * 10))


@st.composite
def _event(draw: Any, seq: int) -> dict[str, Any]:
    kind = draw(st.sampled_from(["price", "account", "account", "state", "insurance"]))
    e: dict[str, Any] = {"type": kind, "ts": seq, "seq": seq}
    if kind == "price":
        e["price"] = str(draw(st.integers(1500, 2500)))
    elif kind == "account":
        size = draw(st.sampled_from([-2, -1, 0, 1, 2]))
        quote = -size * 2000 + draw(_AMOUNT)
        e |= {"account": draw(st.integers(0, 1)), "set": {"quote": str(quote), "size": str(size)}}
    elif kind == "state":
        e["set"] = {"bad_debt": str(draw(st.sampled_from([0, 0, 5, 40])))}
    else:
        e["balance"] = str(draw(st.sampled_from([0, 50, 100, 1000])))
    return e


@st.composite
def _stream(draw: Any) -> list[dict[str, Any]]:
    n = draw(st.integers(1, 6))
    return [draw(_event(seq)) for seq in range(1, n + 1)]


@profile(30, 300)
@given(_stream())
def test_closed_form_distance_equals_the_solver_distance(stream: list[dict[str, Any]]) -> None:
    closed = Monitor(_PERP, [], Options(detector="none", distance="closed"))
    solver = Monitor(_PERP, [], Options(detector="none", distance="solver"))
    event(f"starts with a {stream[0]['type']} event")
    for e in stream:
        line = json.dumps(e).encode()
        for m in (closed, solver):
            _alerts, bad = m.feed(line)
            assert not bad, bad
        value_f, _side, exact = closed._closed_distance()
        assert exact() == solver.distance, (e, exact(), solver.distance)
        assert (value_f is None) == (solver.distance is None)
        if value_f is not None:
            assert value_f == pytest.approx(float(solver.distance), abs=1e-9)
        assert closed.distance_level == solver.distance_level
        event(f"distance seen: {'0' if exact() == 0 else 'none' if exact() is None else '>0'}")
