"""Solver plumbing shared by checks: deadlines, Ctrl-C, model reading, traces from a
model's values, and replay confirmation of every counterexample (the values made readable:
``round_values``)."""

from __future__ import annotations

import functools
import json
import os
import signal
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, TypeVar

import z3

from solvent.backends.symbolic import literal_value
from solvent.check.encode import Unrolling
from solvent.check.replay import ReplayResult, replay
from solvent.check.results import CheckResult
from solvent.engine.trace import ActionChoice, Trace, TraceStep
from solvent.errors import InternalError, UsageError
from solvent.spec.spec import PredicateDecl, Spec

_Z3_MAX_MS = 4294967295  # Z3's timeout is an unsigned 32-bit count of ms; the largest is "none"


class Interrupted(Exception):
    """Ctrl-C arrived while the solver was running."""


class IrrationalModel(Exception):
    """The solver's violation needs irrational values, which an exact trace cannot hold."""


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
        left = (self.seconds - (time.perf_counter() - self.start)) * 1000
        return max(1, int(min(left, _Z3_MAX_MS)))

    def left(self) -> float | None:
        """Seconds left (at least 1 ms), None when unlimited: a budget for a sub-check."""
        ms = self.remaining_ms()
        return None if ms is None else max(ms / 1000, 0.001)

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

    def handler(signum: int, frame: Any) -> None:
        global _interrupted
        _interrupted = True
        z3.main_ctx().interrupt()

    with on_ctrl_c(handler):
        yield


@contextmanager
def on_ctrl_c(handler: Callable[[int, Any], None]) -> Iterator[None]:
    """``handler`` for Ctrl-C (SIGINT) while the block runs, then the previous one again
    (outside the main thread, where Python cannot set it, nothing changes)."""
    try:
        previous = signal.getsignal(signal.SIGINT)
        signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def check(
    solver: z3.Solver,
    deadline: Deadline,
    assumptions: Sequence[Any] = (),
    cap_ms: int | None = None,
    rlimit: int | None = None,
    cpu_cap: float | None = None,
) -> Any:
    """One solver call under the deadline; raises Interrupted on Ctrl-C.

    ``rlimit`` caps the call by Z3's resource counter, which (unlike time) gives the same
    answer on a busy and an idle machine; ``cap_ms`` is then only a safety net.
    ``cpu_cap`` is a safety net in seconds of this process's CPU time (not the wall clock,
    which other processes' load stretches): some of Z3's nonlinear steps advance the
    resource counter so slowly that a check capped at 2 million units ran for minutes.
    """
    ms = deadline.remaining_ms()
    if cap_ms is not None:
        ms = cap_ms if ms is None else min(ms, cap_ms)
    solver.set("timeout", ms if ms is not None else _Z3_MAX_MS)
    solver.set("rlimit", rlimit or 0)
    began = time.perf_counter()
    if cpu_cap is None:
        result = solver.check(*assumptions)
    else:
        with _cpu_net(solver, cpu_cap):
            result = solver.check(*assumptions)
    if rlimit:
        solver.set("rlimit", 0)
    if _interrupted:
        raise Interrupted()
    if result == z3.unknown and solver.reason_unknown() in (
        "canceled",
        "interrupted from keyboard",
    ):
        # Z3 handles SIGINT itself and reports "canceled", as it does for a timeout or an
        # exhausted resource limit; a cancel well before the time limit of a call without
        # a resource limit was Ctrl-C (with one, reading Z3's counter to tell them apart
        # cost more than the call: a Ctrl-C there just ends that one candidate)
        took_ms = (time.perf_counter() - began) * 1000
        if not rlimit and cpu_cap is None and (ms is None or took_ms < ms * 0.9 - 50):
            raise Interrupted()
    return result


def rlimit_count(solver: z3.Solver) -> int:
    """Z3's resource counter so far (the context's, cumulative over its checks)."""
    stats = solver.statistics()
    return int(stats.get_key_value("rlimit count")) if "rlimit count" in stats.keys() else 0


@contextmanager
def _cpu_net(solver: z3.Solver, seconds: float) -> Iterator[None]:
    """Interrupt ``solver`` once this process has used ``seconds`` more of CPU time (Z3
    releases the GIL while it solves, so a watching thread can stop it)."""
    start = time.process_time()
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.02):
            if time.process_time() - start >= seconds:
                solver.interrupt()
                return

    (watcher := threading.Thread(target=watch, daemon=True)).start()
    try:
        yield
    finally:
        done.set()  # the watcher ends within its next 20 ms wait
    watcher.join()  # (on an exception it is left to end by itself)


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


def result_maker(
    check: str, spec: Spec, deadline: Deadline, details: dict[str, Any] | None = None
) -> Callable[..., CheckResult]:
    """``result(verdict, bound, message, **fields)``: a CheckResult of ``check`` on ``spec``
    timed by ``deadline``; ``details`` (shared, not copied) join every result's details."""

    def result(verdict: str, bound: str, message: str, **kw: Any) -> CheckResult:
        if details is not None:
            kw["details"] = {**(kw.get("details") or {}), **details}
        elapsed = deadline.elapsed()
        return CheckResult(
            check, spec.name, verdict, bound, elapsed, spec.accounts, **kw, message=message
        )

    return result


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


def searched_properties(spec: Spec, names: Sequence[str] | None) -> list[PredicateDecl]:
    """The selected properties, then every lemma not among them: a lemma that fails is a real
    violation, and lemmas are facts between depths (`--invariant X` ran far slower without)."""
    decls = select_properties(spec, names)
    return decls + [d for d in spec.lemmas if d not in decls]


# ----------------------------------------------------------------------- models
def model_value(model: z3.ModelRef, var: Any, scale: int = 1) -> Fraction | bool | None:
    """Exact value of ``var`` in ``model``; None when it is irrational (algebraic).

    ``scale``: raw units per 1 of an Int (fixed-point) variable (``10**decimals``).
    """
    return literal_value(model.eval(var, model_completion=True), scale)


_TERMS: weakref.WeakKeyDictionary[Unrolling, dict[int, tuple[Any, bool, Any]]] = (
    weakref.WeakKeyDictionary()
)


def trace_from_values(
    u: Unrolling, values: dict[str, Any], depth: int, meta: dict[str, Any]
) -> Trace:
    """The path's choices (input name -> exact value) as a Trace."""
    spec = u.spec
    # each term's literal value or input name, kept per unrolling: the simplification
    # asks for a trace per candidate value, of the same terms (15-40 ms of a 1-3 account bmc)
    seen = _TERMS.setdefault(u, {})

    def num(term: Any) -> Any:
        hit: tuple[Any, bool, Any] | None = seen.get(id(term))
        if hit is None or hit[0] is not term:  # the term itself is kept: ids stay unique
            value = literal_value(term, u.scale)
            name: Any = str(term) if value is None else value
            hit = seen[id(term)] = (term, value is None, name)
        return values[hit[2]] if hit[1] else hit[2]

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
            idx = int(num(sv.action_var))
            if idx:
                inst = u.instances[idx - 1]
                args = {k: num(v) for k, v in sv.args.get(id(inst.action), {}).items()}
                action = ActionChoice(inst.action.name, inst.accounts, args)
        keepers: dict[str, tuple[bool, ...]] = {}
        for kd in spec.keepers:
            if kd.liveness not in ("adversarial", "within"):
                continue
            accs: list[int | None] = list(range(spec.accounts)) if kd.n_accounts else [None]
            keepers[kd.name] = tuple(bool(num(sv.keepers[(kd.name, a)])) for a in accs)
        steps.append(TraceStep(market, action, keepers))
    params = dict(spec.param_values().as_dict())
    return Trace(spec.name, spec.accounts, init, tuple(steps), params, meta)


def without_disabled_actions(spec: Spec, trace: Trace) -> Trace:
    """Drop user actions whose guard failed (they changed nothing) from a trace."""
    records = replay(spec, trace).records
    steps = tuple(
        TraceStep(st.market, st.action if records[t].action_enabled else None, st.keepers)
        for t, st in enumerate(trace.steps, start=1)
    )
    return trace.with_steps(steps)


def confirm(spec: Spec, trace: Trace, step: int, names: Sequence[str]) -> ReplayResult:
    """Replay a solver counterexample concretely; a mismatch is a solvent bug (exit 4)."""
    result = replay(spec, trace)
    hit = [f for f in result.failures if f.step == step and f.name in names]
    if not hit:
        path = _dump(spec, trace, result)
        raise InternalError(
            f"backend disagreement: the solver reported a violation of {', '.join(names)} at "
            f"step {step}, but concrete replay "
            + (
                f"finds {result.first_failure.label()} at step {result.first_failure.step}"
                if result.first_failure
                else "finds no violation"
            )
            + f". This is a solvent bug; the solver's trace and the replay are in {path}"
        )
    return result


def _dump(spec: Spec, trace: Trace, result: ReplayResult) -> str:
    fd, path = tempfile.mkstemp(prefix=f"solvent-disagreement-{spec.name}-", suffix=".json")
    with os.fdopen(fd, "w") as fh:
        json.dump(
            {
                "solver_trace": trace.to_json(),
                "replay_failures": [f.label() + f" @ step {f.step}" for f in result.failures],
            },
            fh,
            indent=2,
        )
    return path


F = TypeVar("F", bound=Callable[..., Any])


def in_fresh_context(fn: F) -> F:
    """Decorator: run a top-level check in its own Z3 context (see ``fresh_context``)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with fresh_context():
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
