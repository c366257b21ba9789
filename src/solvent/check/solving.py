"""Solver plumbing shared by checks: deadlines, Ctrl-C, model reading, readable models,
and replay confirmation of every counterexample."""

from __future__ import annotations

import functools
import json
import os
import signal
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, TypeVar

import z3

from solvent.backends.symbolic import rational_of, z3_num
from solvent.check.encode import InputVar, Unrolling
from solvent.check.replay import ReplayResult, replay
from solvent.engine.trace import ActionChoice, Trace, TraceStep
from solvent.errors import InternalError, UsageError
from solvent.lang.domains import Within
from solvent.spec.spec import PredicateDecl, Spec


class Interrupted(Exception):
    """Ctrl-C arrived while the solver was running."""


@dataclass(slots=True)
class Deadline:
    """Wall-clock budget for one check (None = unlimited)."""

    seconds: float | None
    start: float = 0.0

    def __post_init__(self) -> None:
        self.start = time.perf_counter()

    def remaining_ms(self) -> int | None:
        if self.seconds is None:
            return None
        return max(1, int((self.seconds - (time.perf_counter() - self.start)) * 1000))

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def expired(self) -> bool:
        return self.seconds is not None and self.elapsed() >= self.seconds


_interrupted = False


@contextmanager
def interruptible() -> Iterator[None]:
    """Make Ctrl-C cancel the running Z3 call (Z3 runs in C and would not see it)."""
    global _interrupted
    _interrupted = False
    try:
        previous = signal.getsignal(signal.SIGINT)
    except ValueError:  # not the main thread
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        global _interrupted
        _interrupted = True
        z3.main_ctx().interrupt()

    try:
        signal.signal(signal.SIGINT, handler)
    except ValueError:
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def check(solver: z3.Solver, deadline: Deadline, assumptions: Sequence[Any] = (), cap_ms: int | None = None) -> Any:
    """One solver call under the deadline; raises Interrupted on Ctrl-C."""
    ms = deadline.remaining_ms()
    if cap_ms is not None:
        ms = cap_ms if ms is None else min(ms, cap_ms)
    solver.set("timeout", ms if ms is not None else 4294967295)
    began = time.perf_counter()
    result = solver.check(*assumptions)
    if _interrupted:
        raise Interrupted()
    if result == z3.unknown and solver.reason_unknown() in ("canceled", "interrupted from keyboard"):
        # Z3 handles SIGINT itself and reports "canceled", as it does for a timeout;
        # a cancel well before the time limit was Ctrl-C
        took_ms = (time.perf_counter() - began) * 1000
        if ms is None or took_ms < ms * 0.9 - 50:
            raise Interrupted()
    return result


@contextmanager
def fresh_context() -> Iterator[None]:
    """Run a check in its own Z3 context, restoring the caller's afterwards.

    The nonlinear solver's speed depends on term ids, which a shared context lets other
    checks in the same process change (measured: the same bmc query took 3 s alone and
    timed out after 60 s once another query had run first). A fresh context keeps a
    check's time and models the same however it is called. Checks return plain Python
    values, never Z3 terms, so nothing outlives its context.
    """
    saved = z3.z3._main_ctx
    z3.z3._main_ctx = None
    try:
        yield
    finally:
        z3.z3._main_ctx = saved


def select_properties(spec: Spec, names: Sequence[str] | None) -> list[PredicateDecl]:
    props = spec.properties()
    if not names:
        return props
    known = {d.name: d for d in props}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UsageError(
            f"unknown invariant {', '.join(map(repr, unknown))} for spec {spec.name}; "
            f"known: {', '.join(known)}"
        )
    return [known[n] for n in names]


# ----------------------------------------------------------------------- models
def model_value(model: z3.ModelRef, var: Any) -> Fraction | bool | None:
    """Exact value of ``var`` in ``model``; None when it is irrational (algebraic)."""
    val = model.eval(var, model_completion=True)
    if z3.is_true(val):
        return True
    if z3.is_false(val):
        return False
    if z3.is_int_value(val) or z3.is_rational_value(val):
        return rational_of(val)
    return None


def _approx(model: z3.ModelRef, var: Any) -> Fraction:
    val = model.eval(var, model_completion=True)
    if z3.is_algebraic_value(val):
        return Fraction(val.approx(20).as_decimal(20).rstrip("?"))
    return Fraction(0)


_KIND_ORDER = {"action": 0, "keeper": 1, "init": 2, "arg": 3, "market": 4}


def simplify_model(
    solver: z3.Solver,
    inputs: Sequence[InputVar],
    deadline: Deadline,
    *,
    prefer_simple: bool = True,
    cap_ms: int = 500,
    budget: float = 10.0,
) -> z3.ModelRef:
    """Pin every input to a rational, preferring 0, domain corners and round numbers.

    Runs inside the caller's push scope (the violation is asserted there); each candidate
    is kept only if the query stays satisfiable, so the result is still a counterexample.
    Each candidate gets ``cap_ms``; after ``budget`` seconds the remaining inputs keep the
    values of the last model. The returned model satisfies every pin, since a pin either
    came with a new model or equals the current model's value.
    """
    model = solver.model()
    start = deadline.elapsed()
    unpinned = []
    for inp in sorted(inputs, key=lambda i: (_KIND_ORDER[i.kind], i.step, i.name)):
        current = model_value(model, inp.var)
        cands: list[Any] = []
        out_of_time = deadline.elapsed() - start > budget or deadline.expired()
        if out_of_time:
            cands = [current] if current is not None else []
        elif isinstance(current, bool) or z3.is_bool(inp.var):
            cands = ([False, True] if prefer_simple else []) + ([current] if current is not None else [])
        else:
            approx = _approx(model, inp.var) if current is None else current
            cands = _numeric_candidates(current, approx, inp.domain, prefer_simple)
        pinned = False
        seen: list[Any] = []
        for c in cands:
            if c in seen:
                continue
            seen.append(c)
            if c == current:
                solver.add(inp.var == _z3_of(inp.var, c))
                pinned = True
                break
            solver.push()
            solver.add(inp.var == _z3_of(inp.var, c))
            if check(solver, deadline, cap_ms=cap_ms) == z3.sat:
                model = solver.model()
                pinned = True
                solver.pop()  # keep the pin below the push scope
                solver.add(inp.var == _z3_of(inp.var, c))
                break
            solver.pop()
        if not pinned:
            unpinned.append(inp.name)
    if unpinned:
        final = check(solver, deadline)
        if final != z3.sat:
            raise InternalError(
                f"could not find rational values for {', '.join(unpinned)} in the solver's "
                f"counterexample (solver: {final}, {solver.reason_unknown()})"
            )
        model = solver.model()
    return model


def _numeric_candidates(current: Fraction | None, approx: Fraction, dom: Within | None, simple: bool) -> list[Fraction]:
    out: list[Fraction] = []
    if simple:
        out.append(Fraction(0))
        if dom is not None:
            out += [dom.lo, dom.hi]
        for digits in (0, 1, 2, 3, 4, 6):
            out.append(Fraction(round(approx, digits)))
    if current is not None:
        out.append(current)
    else:
        for digits in (8, 10, 12, 16, 20):
            out.append(Fraction(round(approx, digits)))
    if dom is not None:
        out = [c for c in out if dom.lo <= c <= dom.hi]
    return out


def _z3_of(var: Any, c: Any) -> Any:
    if isinstance(c, bool):
        return z3.BoolVal(c)
    if z3.is_int(var):
        return z3.IntVal(int(c))
    return z3_num(Fraction(c))


def trace_from_model(u: Unrolling, model: z3.ModelRef, depth: int, meta: dict[str, Any]) -> Trace:
    """Read the path's choices from a model into a Trace."""
    spec = u.spec

    def num(var: Any) -> Any:
        v = model_value(model, var)
        if v is None:
            raise InternalError(f"solver model gives an irrational value to {var}; cannot build an exact trace")
        return v

    init: dict[str, Any] = {}
    for name, value in u.states[0].items():
        if isinstance(value, list):
            init[name] = tuple(num(v.raw) for v in value)
        else:
            init[name] = num(value.raw)
    steps = []
    for sv in u.steps[:depth]:
        market = {k: num(v) for k, v in sv.market.items()}
        action = None
        if sv.action_var is not None:
            idx = num(sv.action_var)
            if idx:
                inst = u.instances[int(idx) - 1]
                enabled = model.eval(sv.outcome.enabled[int(idx)].raw, model_completion=True)
                if z3.is_true(enabled):
                    args = {k: num(v) for k, v in sv.args.get(inst.action.name, {}).items()}
                    action = ActionChoice(inst.action.name, inst.accounts, args)
        keepers: dict[str, tuple[bool, ...]] = {}
        for kd in spec.keepers:
            if kd.liveness != "adversarial":
                continue
            accs: list[int | None] = list(range(spec.accounts)) if kd.n_accounts else [None]
            keepers[kd.name] = tuple(bool(num(sv.keepers[(kd.name, a)])) for a in accs)
        steps.append(TraceStep(market, action, keepers))
    params = {k: v for k, v in spec.param_values().as_dict().items()}
    return Trace(spec.name, spec.accounts, init, tuple(steps), params, meta)


def confirm(spec: Spec, trace: Trace, step: int, names: Sequence[str]) -> ReplayResult:
    """Replay a solver counterexample concretely; a mismatch is a solvent bug (exit 4)."""
    result = replay(spec, trace)
    hit = [f for f in result.failures if f.step == step and f.name in names]
    if not hit:
        path = _dump(spec, trace, result)
        raise InternalError(
            f"backend disagreement: the solver reported a violation of {', '.join(names)} at "
            f"step {step}, but concrete replay "
            + (f"finds {result.first_failure.label()} at step {result.first_failure.step}"
               if result.first_failure else "finds no violation")
            + f". This is a solvent bug; the solver's trace and the replay are in {path}"
        )
    return result


def _dump(spec: Spec, trace: Trace, result: ReplayResult) -> str:
    fd, path = tempfile.mkstemp(prefix=f"solvent-disagreement-{spec.name}-", suffix=".json")
    with os.fdopen(fd, "w") as fh:
        json.dump({"solver_trace": trace.to_json(),
                   "replay_failures": [f.label() + f" @ step {f.step}" for f in result.failures]}, fh, indent=2)
    return path


F = TypeVar("F", bound=Callable[..., Any])


def in_fresh_context(fn: F) -> F:
    """Decorator: run a top-level check in its own Z3 context (see ``fresh_context``)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with fresh_context():
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
