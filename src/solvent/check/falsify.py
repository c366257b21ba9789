"""Concrete falsification: random and envelope-corner paths run on the exact judge.

A cheap member of the bmc portfolio (see ``portfolio``). Most gap-risk bugs sit on the
envelope's corners, so a third of the paths draw every market value from its bounds
(bang-bang), a third mix corners, zero and the spec's own constants (its parameters and
the number literals of its functions, aimed at as a fuzzer aims at a dictionary), and a
third draw uniformly on a grid. User actions and adversarial keepers are drawn too. Every
fourth path is built step by step with its actions at the edge of their guards (the
largest position the account's state admits, ``falsify_edge``).

Every path is replayed on the concrete backend, so a path it returns *is* a violation;
it is not necessarily a shortest one (the portfolio shortens it with the solver). The
paths come from one seeded generator, so the same spec gives the same paths in the same
order on every run.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator, Sequence
from fractions import Fraction
from typing import Any

from solvent.backends.modes import concrete_for, scale_of
from solvent.check.falsify_edge import edge_path
from solvent.check.replay import initial_concrete, replay
from solvent.engine.step import eval_predicate
from solvent.engine.trace import ActionChoice, Trace, TraceStep
from solvent.lang.domains import AnyBool, Within
from solvent.spec.spec import Spec

SEED = 20261206
GRID = 1000  # uniform draws are lo + (hi - lo) * i / GRID


def falsify(
    spec: Spec,
    names: Sequence[str],
    depth: int,
    *,
    seconds: float | None = 2.0,
    max_paths: int = 5000,
    seed: int = SEED,
) -> tuple[Trace | None, int]:
    """The first generated path of at most ``depth`` steps that breaks one of ``names``.

    Returns the path cut at its first violation (None when none was found) and the number
    of paths tried. Stops after ``max_paths`` paths or ``seconds`` of wall time.
    """
    if depth < 1:
        return None, 0
    began = time.perf_counter()
    tried = 0
    for found in attempts(spec, names, depth, seed):
        if tried >= max_paths or (seconds is not None and time.perf_counter() - began > seconds):
            break
        tried += 1
        if found is not None:
            return found, tried
    return None, tried


def attempts(
    spec: Spec, names: Sequence[str], depth: int, seed: int = SEED
) -> Iterator[Trace | None]:
    """The falsifier's paths one at a time (endless): each a violation of one of ``names``
    cut at its first violation, or None (the path broke none)."""
    wanted = set(names)
    for trace in Paths(spec, depth, random.Random(seed)):
        if not _initial_ok(spec, trace):
            yield None
            continue
        result = replay(spec, trace)
        first = result.first_failure
        if first is None or first.step == 0:
            yield None
        elif first.name in wanted or any(
            f.step == first.step and f.name in wanted for f in result.failures
        ):
            yield trace.with_steps(trace.steps[: first.step])
        else:
            yield None


def _initial_ok(spec: Spec, trace: Trace) -> bool:
    """Whether the path's initial state meets the spec's ``@initial`` conditions."""
    if not spec.initials:
        return True
    backend = concrete_for(spec)
    state = initial_concrete(spec, trace, backend)
    params = spec.param_values()
    return all(
        bool(v.raw)
        for decl in spec.initials
        for _, v in eval_predicate(spec, params, backend, state, decl)
    )


def constants(spec: Spec) -> list[Fraction]:
    """The spec's parameter values and the number literals of its functions, sorted."""
    found: set[Fraction] = set()
    for v in spec.param_values().as_dict().values():
        if isinstance(v, Fraction | int) and not isinstance(v, bool):
            found.add(Fraction(v))
    fns = [d.fn for d in (*spec.ticks, *spec.actions, *spec.keepers)]
    fns += [d.fn for d in spec.all_predicates()]
    for fn in fns:
        code = getattr(fn, "__code__", None)
        if code is not None:
            found.update(_literals(code))
    return sorted(found)


def _literals(code: Any) -> Iterator[Fraction]:
    for c in code.co_consts:
        if hasattr(c, "co_consts"):
            yield from _literals(c)
        elif isinstance(c, int) and not isinstance(c, bool):
            yield Fraction(c)
        elif isinstance(c, str):
            try:
                yield Fraction(c)
            except (ValueError, ZeroDivisionError):
                continue


class Paths:
    """Endless seeded stream of candidate paths of ``depth`` steps."""

    def __init__(self, spec: Spec, depth: int, rng: random.Random) -> None:
        self.spec = spec
        self.depth = depth
        self.rng = rng
        self.scale = scale_of(spec)
        self.dictionary = constants(spec)
        self.instances = spec.instances()
        self.params = dict(spec.param_values().as_dict())
        self.adversarial = [k for k in spec.keepers if k.liveness == "adversarial"]

    def __iter__(self) -> Iterator[Trace]:
        mode = 0
        while True:
            yield edge_path(self) if mode % 4 == 3 else self._path(mode % 4)
            mode += 1

    def _path(self, mode: int) -> Trace:
        init: dict[str, Any] = {}
        for name, fd in self.spec.fields.items():
            vals = tuple(self._value(x, mode) for x in fd.init)
            init[name] = vals if fd.per_account else vals[0]
        steps = []
        for _ in range(self.depth):
            market = {n: self._number(dom, mode) for n, dom in self.spec.bounds.items()}
            action = None
            if self.instances and self.rng.random() < 0.6:
                inst = self.rng.choice(self.instances)
                args = {
                    a: (
                        self.rng.random() < 0.5
                        if isinstance(dom, AnyBool)
                        else self._number(dom, 1 if mode == 0 else mode)
                    )
                    for a, dom in inst.action.args.items()
                }
                action = ActionChoice(inst.action.name, inst.accounts, args)
            keepers = {}
            for kd in self.adversarial:
                n = self.spec.accounts if kd.n_accounts else 1
                keepers[kd.name] = tuple(self.rng.random() < 0.5 for _ in range(n))
            steps.append(TraceStep(market, action, keepers))
        return Trace(self.spec.name, self.spec.accounts, init, tuple(steps), self.params, {})

    def _value(self, init: Any, mode: int) -> Any:
        if isinstance(init, Within):
            return self._number(init, mode)
        if isinstance(init, AnyBool):
            return self.rng.random() < 0.5
        return init

    def _number(self, dom: Within, mode: int) -> Fraction:
        lo, hi = Fraction(dom.lo), Fraction(dom.hi)
        if mode == 0:
            return self.rng.choice((lo, hi))
        if mode == 1:
            pool = [lo, hi, *(c for c in (Fraction(0), *self.dictionary) if lo <= c <= hi)]
            if self.rng.random() < 0.8:
                return self._grid(self.rng.choice(pool), lo, hi)
        x = lo + (hi - lo) * Fraction(self.rng.randint(0, GRID), GRID)
        return self._grid(x, lo, hi)

    def _grid(self, x: Fraction, lo: Fraction, hi: Fraction) -> Fraction:
        if self.scale == 1 or (x * self.scale).denominator == 1:
            return x
        y = Fraction(round(x * self.scale), self.scale)
        return min(max(y, lo), hi) if (y * self.scale).denominator == 1 else y
