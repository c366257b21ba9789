"""Conformance of stress's certified float64 lanes: error bounds and guard flips.

The stress engines carry beside every float64 number a rigorous bound of its distance to
the judge's exact value (:mod:`solvent.stress.bounds`) and send every lane with a decision
inside that bound to the judge. Two checks: the bounds contain the exact value and the
certain decisions are the judge's (:func:`check_bounds`, on random expression trees), and
on random specs whose guards compare nearly equal quantities stress's verdict is the exact
verdict of every lane (:func:`check_guard_flip`).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hypothesis import strategies as st

from solvent.backends.concrete import CONCRETE
from solvent.testing.conformance import numbers
from solvent.testing.harness import ConformanceError

BOUND_LEAVES = tuple(
    Fraction(x)
    for x in ("0", "1", "-1", "0.1", "0.7", "3", "1e-18", "-1e-9", "100", "1234.5678", "1/3")
)


def bound_trees(depth: int = 4) -> st.SearchStrategy[Any]:
    """Expression trees: a Fraction leaf, or ``(op, child, ...)`` over the numeric ops and
    the comparisons (a comparison only at the root)."""
    leaf = st.one_of(st.sampled_from(BOUND_LEAVES), numbers())
    num = st.recursive(
        leaf,
        lambda kids: st.one_of(
            st.tuples(st.sampled_from(("add", "sub", "mul", "div", "max", "min")), kids, kids),
            st.tuples(st.just("neg"), kids),
        ),
        max_leaves=2**depth,
    )
    cmp = st.tuples(st.sampled_from(("lt", "le", "eq")), num, num)
    return st.one_of(num, cmp)


def check_bounds(tree: Any) -> None:
    """Evaluate ``tree`` on the judge and on the bounded float64 lanes: every number's
    bound contains the exact value, every certain decision is the judge's, and the
    float64 values are the vector backend's bit for bit. Raises ConformanceError."""
    import math

    import numpy as np

    from solvent.backends.vector import VECTOR, Bounded, BoundedVectorBackend

    backend = BoundedVectorBackend()

    def walk(t: Any) -> tuple[Any, Any, Any]:
        """(exact, bounded, plain float64) of ``t``; raises on a broken bound."""
        if isinstance(t, Fraction):
            return t, backend.const(t), VECTOR.const(t)
        op, *kids = t
        got = [walk(k) for k in kids]
        backend.reset(1)
        exact = CONCRETE.rule(op)(*(g[0] for g in got))
        bounded = backend.rule(op)(*(g[1] for g in got))
        plain = VECTOR.rule(op)(*(g[2] for g in got))
        unsure = bool(np.asarray(backend.unsure).any())
        if isinstance(bounded, Bounded):
            v, e = float(np.asarray(bounded.v)), float(np.asarray(bounded.e))
            if not (v == float(np.asarray(plain)) or (math.isnan(v) and np.isnan(plain))):
                raise ConformanceError(f"bounded lanes changed the value of {t}: {v} != {plain}")
            if not unsure and math.isfinite(v) and math.isfinite(e):
                if abs(Fraction(v) - exact) > Fraction(e):
                    raise ConformanceError(
                        f"error bound broken on {t}: float64 {v!r}, bound {e!r}, exact {exact}"
                    )
        elif not unsure and bool(np.asarray(bounded)) != exact:
            raise ConformanceError(
                f"a decision marked certain differs from the judge on {t}: "
                f"float64 {bool(np.asarray(bounded))}, exact {exact}"
            )
        if unsure:  # what follows depends on an undecided decision: the lane goes to the judge
            raise _Undecided
        return exact, bounded, plain

    try:
        walk(tree)
    except _Undecided:
        pass


class _Undecided(Exception):
    pass


GUARD_FAMILIES = ("assoc", "distrib", "shift", "scale", "tiny")
GUARD_PLACES = ("requires", "when", "invariant")
GUARD_CMPS = ("<", "<=", ">", ">=", "==")
GUARD_CONSTS = ("0.1", "0.7", "3", "1e-9", "1234.5678", "0.3")


@dataclass(frozen=True)
class GuardFlip:
    """A spec whose guard compares two nearly equal quantities of the price ``p``.

    ``family``: ``assoc`` ``(p*a)*b`` vs ``p*(a*b)``; ``distrib`` ``p*a + p*b`` vs
    ``p*(a+b)``; ``shift`` ``(p+a)-a`` vs ``p``; ``scale`` ``(p*a)/a`` vs ``p``; ``tiny``
    ``p + p*1e-18`` vs ``p``. ``delta``: the right side moves by ``delta * p`` (exactly
    equal sides when 0). ``place``: the comparison is a keeper's ``requires`` (the keeper
    counts in ``hits``, the invariant is ``hits <= 0``), an ``sv.when`` of an unguarded
    keeper (the same count), or the invariant itself.
    """

    family: str
    cmp: str
    place: str
    a: str = "0.1"
    b: str = "0.7"
    delta: str = "0"

    def build(self) -> Any:
        import operator

        import solvent as sv
        from solvent import Num, requires

        spec = sv.Spec(f"guard-flip-{self.family}-{self.place}", accounts=1)
        a, b, delta = Num(self.a), Num(self.b), Num(self.delta)
        test = {
            "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
            "==": operator.eq,
        }[self.cmp]  # fmt: skip
        family = self.family

        def sides(p: Any) -> tuple[Any, Any]:
            if family == "assoc":
                left, right = (p * a) * b, p * (a * b)
            elif family == "distrib":
                left, right = p * a + p * b, p * (a + b)
            elif family == "shift":
                left, right = (p + a) - a, p
            elif family == "scale":
                left, right = (p * a) / a, p
            else:
                left, right = p + p * Num("1e-18"), p
            return left, right + p * delta

        def cond(s: Any) -> Any:
            left, right = sides(s.price)
            return test(left, right)

        @spec.state
        class State:
            price: Num = Num("100")
            hits: Num = Num("0")

        @spec.envelope
        class Market:
            move: Num = sv.within("-0.1", "0.1")

        @spec.tick
        def mark(s: Any, m: Any) -> None:
            s.price = s.price * (1 + m.move)

        if self.place == "requires":

            @spec.keeper(every_step=True)
            def count(s: Any, p: Any) -> None:
                requires(cond(s))
                s.hits = s.hits + 1

        elif self.place == "when":

            @spec.keeper(every_step=True)
            def count(s: Any, p: Any) -> None:
                s.hits = sv.when(cond(s), s.hits + 1, s.hits)

        if self.place == "invariant":

            @spec.invariant
            def holds(s: Any) -> Any:
                return cond(s)

        else:

            @spec.invariant
            def never(s: Any) -> Any:
                return s.hits <= 0

        del State, Market, mark
        return spec


def guard_flips() -> st.SearchStrategy[GuardFlip]:
    return st.builds(
        GuardFlip,
        family=st.sampled_from(GUARD_FAMILIES),
        cmp=st.sampled_from(GUARD_CMPS),
        place=st.sampled_from(GUARD_PLACES),
        a=st.sampled_from(GUARD_CONSTS),
        b=st.sampled_from(GUARD_CONSTS),
        delta=st.sampled_from(("0", "0", "1e-17", "-1e-17", "1e-12")),
    )


def check_guard_flip(
    case: GuardFlip, engine: str = "lanes", paths: int = 48, steps: int = 3, seed: int = 0
) -> dict[str, Any]:
    """Run ``solvent stress`` on ``case`` and re-run *every* lane on the judge: stress's
    confirmed violations must be exactly the lanes that break a property exactly, its
    verdict FAIL iff there is one (PASS otherwise), and every lane it certified (not
    re-run) must pass exactly. Returns the stress confirmation counts."""
    from solvent.scenarios import get
    from solvent.stress.confirm import _Lanes, exact_first_failure
    from solvent.stress.runner import StressOptions, prepare, stress

    spec = case.build()
    opts = StressOptions(
        paths=paths, steps=steps, seed=seed, block=paths, checkpoint_dir=None,
        bad_debt_field="none", insurance_field="none", liquidations_field="none",
        confirm=None, confirm_seconds=0, engine=engine,
    )  # fmt: skip
    result = stress(spec, get("gbm", vol=2.5), None, opts)
    spec_n, job, decls, _notes, _engine = prepare(spec, get("gbm", vol=2.5), None, opts)
    lanes = _Lanes(spec_n, job, {"found_by": "conformance"})
    exact = [
        exact_first_failure(spec_n, lanes.trace(i, steps), None, decls) is not None
        for i in range(paths)
    ]
    c = result.confirmation
    if c["confirmed"] != sum(exact) or result.verdict != ("FAIL" if any(exact) else "PASS"):
        raise ConformanceError(
            f"guard flip {case} ({engine}): stress says {result.verdict} with "
            f"{c['confirmed']} confirmed of {c['rerun']} re-run ({c['certified']} certified), "
            f"the judge finds {sum(exact)} of {paths} lanes breaking a property"
        )
    return dict(c)
