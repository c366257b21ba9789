"""Lint: compare the float64 vector backend's decisions with the exact judge's.

`solvent stress` runs specs on float64 lanes and sends to the judge every lane whose
decisions were not certain (:mod:`solvent.stress.bounds`). This check shows *where* a
spec's float64 decisions and the judge's part: it runs the tick, the keepers and the
properties (invariants, lemmas) for one step on sampled states, once on
:data:`solvent.backends.vector.VECTOR` (one lane per sample) and once per sample on the
concrete judge with the same inputs (the exact rationals of the doubles, as stress's
re-runs do), records every comparison (``<``, ``<=``, ``==``) and every division's
``b != 0`` in evaluation order on both, and reports the first decision of each sample
where they differ, with the step and the values.

Samples: every field and envelope draw at the corners of its domain (``sv.within`` bounds,
0 when inside), at random points of it, and at the spec's own constants (the literals
its code uses, and their float64 neighbours), which is where float64 and exact
comparisons part. User actions are not run (the keepers, the tick and the properties
are). Fixed-point specs are skipped: their int64 lanes compute what their judge does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from solvent.backends.concrete import ConcreteBackend
from solvent.backends.vector import VectorBackend
from solvent.engine.state import StateDict
from solvent.engine.step import eval_predicate, run_step
from solvent.lang.domains import AnyBool, Within
from solvent.lang.values import BOOL, NUM, Value
from solvent.spec.spec import ActionDecl, Instance, Spec

SAMPLES = 48  # lanes (sampled states) per check
DECIDE = ("lt", "le", "eq")


class _Recording:
    """Wraps a backend's comparison and division rules to log each decision."""

    def __init__(self, backend: Any) -> None:
        self.log: list[tuple[str, Any, Any, Any]] = []
        rules = dict(backend.RULES)
        for op in DECIDE:
            rules[op] = self._wrap(op, rules[op])
        div = rules["div"]

        def logged_div(a: Any, b: Any) -> Any:
            self.log.append(("div", a, b, b != 0))
            return div(a, b)

        rules["div"] = logged_div
        backend.RULES = rules
        backend.recording = self

    def _wrap(self, op: str, rule: Any) -> Any:
        def logged(a: Any, b: Any) -> Any:
            got = rule(a, b)
            self.log.append((op, a, b, got))
            return got

        return logged


class _Vector(VectorBackend):
    name = "vector"


class _Judge(ConcreteBackend):
    name = "concrete"


class _Chooser:
    """Market draws per lane; keepers by their liveness; no user actions."""

    def __init__(self, backend: Any, market: dict[str, Any]) -> None:
        self.backend, self.draws = backend, market

    def market(self, t: int, name: str) -> Value:
        return Value(self.backend, self.draws[name], NUM)

    def adversarial(self, t: int, keeper: str, account: int | None) -> Value:
        return Value(self.backend, self.backend.const_bool(True), BOOL)

    def every_step(self, t: int, keeper: str, account: int | None) -> Value | None:
        return None

    def candidates(self, t: int) -> Sequence[tuple[int, Instance]]:
        return []

    def selected(self, t: int, index: int) -> Value:
        return Value(self.backend, self.backend.const_bool(False), BOOL)

    def args(self, t: int, action: ActionDecl) -> dict[str, Value]:
        return {}


def spec_constants(spec: Spec) -> list[Fraction]:
    """The numbers the spec's code uses (literals and parameters), from one lint step."""
    from solvent.check.sample import sample_state as _sample_state

    seen: list[Fraction] = []

    class Collect(ConcreteBackend):
        name = "concrete"

        def const(self, q: Fraction) -> Any:
            seen.append(Fraction(q))
            return super().const(q)

    backend = Collect()
    params = spec.param_values()
    state = _sample_state(spec)
    state = {k: _rebase(v, backend) for k, v in state.items()}
    draws = {n: Fraction(d.lo) for n, d in spec.bounds.items()}
    for decl in spec.properties():
        eval_predicate(spec, params, backend, state, decl)
    run_step(spec, params, backend, state, 1, _Chooser(backend, draws))
    return sorted(set(seen))


def _rebase(v: Any, backend: Any) -> Any:
    if isinstance(v, list):
        return [_rebase(x, backend) for x in v]
    return Value(backend, v.raw, v.sort)


def _points(lo: Fraction | None, hi: Fraction | None, consts: list[Fraction]) -> list[float]:
    """Candidate float64 values of a domain: corners, 0, the constants and neighbours."""
    out: list[float] = []
    for q in [lo, hi, Fraction(0), *consts, *(-c for c in consts)]:
        if q is None or (lo is not None and q < lo) or (hi is not None and q > hi):
            continue
        x = float(q)
        if not math.isfinite(x):
            continue
        out.append(x)
        if x != 0.0:  # the neighbours of 0 are subnormals no state holds
            out += [math.nextafter(x, math.inf), math.nextafter(x, -math.inf)]
    return [
        x for x in out if (lo is None or Fraction(x) >= lo) and (hi is None or Fraction(x) <= hi)
    ]


def _draw(rng: np.random.Generator, fixed: Any, lo: Any, hi: Any, consts: list[Fraction]) -> float:
    """One sample: the fixed value, or a corner / constant / random point of [lo, hi]."""
    if fixed is not None:
        return float(fixed)
    pts = _points(lo, hi, consts)
    if lo is not None and hi is not None and rng.random() < 0.4:
        return float(rng.uniform(float(lo), float(hi)))
    return float(pts[int(rng.integers(len(pts)))]) if pts else 0.0


def compare(spec: Spec, samples: int = SAMPLES, seed: int = 0, limit: int = 5) -> dict[str, Any]:
    """Run the comparison; ``{"samples", "decisions", "findings": [...]}`` (first ``limit``)."""
    if getattr(spec, "arithmetic", "exact") == "fixed":
        return {"samples": 0, "decisions": 0, "findings": [], "skipped": "fixed point"}
    rng = np.random.default_rng(seed)
    consts = [c for c in spec_constants(spec) if c != 0]
    n = samples
    n_acc = spec.accounts
    init: dict[str, list[Any]] = {}
    for name, fd in spec.fields.items():
        cols = []
        for k in range(n_acc if fd.per_account else 1):
            v = fd.init[k if fd.per_account and len(fd.init) > k else 0]
            if isinstance(v, AnyBool):
                cols.append(rng.random(n) < 0.5)
            elif isinstance(v, bool):
                cols.append(np.full(n, v))
            elif isinstance(v, Within):
                cols.append(np.array([_draw(rng, None, v.lo, v.hi, consts) for _ in range(n)]))
            else:  # a fixed value; every third sample moves it to a constant or a neighbour
                cols.append(
                    np.array(
                        [
                            float(v)
                            if i % 3
                            else _draw(rng, None, None, None, [Fraction(v), *consts])
                            for i in range(n)
                        ]
                    )
                )
        init[name] = cols
    market = {
        name: np.array([_draw(rng, None, d.lo, d.hi, consts) for _ in range(n)])
        for name, d in spec.bounds.items()
    }
    vec = _Vector()
    _Recording(vec)
    vlogs = _run(spec, vec, init, market, slice(None))
    findings: list[dict[str, Any]] = []
    decisions = 0
    for lane in range(n):
        judge = _Judge()
        _Recording(judge)
        jlog = _run(spec, judge, init, market, lane)
        decisions += len(jlog)
        for (step, (op, a, b, got)), (_s, (_op, ea, eb, exact)) in zip(vlogs, jlog, strict=False):
            fa, fb = _at(a, lane), _at(b, lane)
            fgot = bool(_at(got, lane))
            if fgot != bool(exact):
                if len(findings) < limit:
                    findings.append(
                        {
                            "step": step,
                            "op": op,
                            "float64": [fa, fb, fgot],
                            "exact": [_decimal(ea), _decimal(eb), bool(exact)],
                            "state": {k: [_at(c, lane) for c in v] for k, v in init.items()},
                            "market": {k: float(v[lane]) for k, v in market.items()},
                        }
                    )
                else:
                    findings.append({})
                break
    shown = [f for f in findings if f]
    return {"samples": n, "decisions": decisions, "lanes": len(findings), "findings": shown}


def _decimal(q: Any) -> str:
    """An exact rational as a decimal of 30 significant digits (``~`` when rounded)."""
    from decimal import Context

    q = Fraction(q)
    ctx = Context(prec=30)
    d = ctx.divide(ctx.create_decimal(q.numerator), ctx.create_decimal(q.denominator))
    return str(d) if Fraction(d) == q else f"~{d}"


def _at(x: Any, lane: int) -> Any:
    arr = np.asarray(x)
    v = arr if arr.ndim == 0 else arr[lane]
    return bool(v) if arr.dtype == bool else float(v)


def _run(
    spec: Spec, backend: Any, init: dict[str, list[Any]], market: dict[str, Any], lane: Any
) -> list[tuple[int, tuple[str, Any, Any, Any]]]:
    """Properties at step 0, one step, properties at step 1; the decisions with their step."""
    exact = isinstance(backend, ConcreteBackend)

    def val(col: Any, sort: str) -> Value:
        x = col[lane]
        if exact:
            x = bool(x) if sort == BOOL else Fraction(float(x))
        return Value(backend, x, sort)

    state: StateDict = {}
    for name, fd in spec.fields.items():
        sort = BOOL if fd.sort == BOOL else NUM
        vals = [val(c, sort) for c in init[name]]
        state[name] = vals if fd.per_account else vals[0]
    draws = {k: (Fraction(float(v[lane])) if exact else v[lane]) for k, v in market.items()}
    log: list[tuple[str, Any, Any, Any]] = []
    backend.recording.log = log
    params = spec.param_values()
    steps: list[int] = []

    def mark(step: int) -> None:
        steps.extend([step] * (len(log) - len(steps)))

    for decl in spec.properties():
        eval_predicate(spec, params, backend, state, decl)
    mark(0)
    out = run_step(spec, params, backend, state, 1, _Chooser(backend, draws))
    for decl in spec.properties():
        eval_predicate(spec, params, backend, out.state, decl)
    mark(1)
    return list(zip(steps, log, strict=True))
