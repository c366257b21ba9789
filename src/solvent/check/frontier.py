"""Frontiers: the largest (or smallest) value of a bound for which the invariants are proved.

``frontier(spec, "move")`` answers "how big a per-step move can we survive?" with both
sides of the evidence: a k-induction proof (every path length) at the boundary value, and
a replay-confirmed counterexample within ``tol`` beyond it. When beyond the boundary there
is only a CTI or an UNKNOWN, the answer says so (status ``lower bound``, exit 2) and never
presents it as a counterexample.

Two methods, the one used recorded with its reason:

- **symbolic** (envelope bounds, 1-induction): the bound is a solver variable in the
  inductive-step query (:mod:`solvent.check.frontier_symbolic`); the answer is confirmed
  by a full ``prove`` at the safe value.
- **bisection** over proofs (the robust fallback, and the only method for protocol
  parameters, which are static in a spec): exact rational probes at short decimals.

Monotonicity is probed, not assumed: after the search, a few more values are proved on
the safe side and one beyond; a proof at a value further out than a failure is reported
as non-monotone (exit 2).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from solvent.check.bisection import Bracket, bisection
from solvent.check.evidence import (
    FOUND,
    INCONCLUSIVE,
    LOWER_BOUND,
    NON_MONOTONE,
    UNBOUNDED,
    Evidence,
    finish,
)
from solvent.check.frontier_symbolic import FAILED, SymbolicAnswer, step_frontier
from solvent.check.frontier_symbolic import UNBOUNDED as SYM_UNBOUNDED
from solvent.check.knobs import (
    DIRECTIONS,
    DOWN,
    KEEPER,
    PARAM,
    UP,
    Knob,
    envelope_knob,
    number,
)
from solvent.check.probes import (
    COUNTEREXAMPLE,
    NOT_PROVED,
    SAFE_SIDE,
    VACUOUS_PROOF,
    Interrupted,
    Probe,
    ProbeOptions,
    Prober,
    ran_out_words,
)
from solvent.check.results import CTI, PASS, UNKNOWN, VACUOUS
from solvent.check.solving import select_properties
from solvent.errors import UsageError
from solvent.lang.values import format_number
from solvent.spec.spec import Spec

EXIT_OF = {FOUND: 0, UNBOUNDED: 0, LOWER_BOUND: 2, NON_MONOTONE: 2, INCONCLUSIVE: 2}
METHODS = ("auto", "bisection", "both")


@dataclass(frozen=True, slots=True)
class MethodRun:
    """How one method searched: its answer, checks and time (for comparing methods)."""

    method: str  # "symbolic" | "bisection"
    ok: bool
    safe: Fraction | None
    unsafe: Fraction | None
    checks: int  # prove/bmc runs
    solver_calls: int  # Z3 queries of the symbolic step (0 for bisection: see checks)
    seconds: float
    note: str
    probes: tuple[Probe, ...] = ()


@dataclass(frozen=True, slots=True)
class FrontierResult:
    """The answer of ``frontier`` / ``synth``: a boundary with its evidence on both sides."""

    check: str  # "frontier" | "synth"
    spec: str
    knob: Knob
    direction: str
    tol: Fraction
    status: str
    message: str
    safe: Fraction | None  # the boundary value: proved here
    unsafe: Fraction | None  # just beyond it (within tol when found)
    boundary: Probe | None
    beyond: Probe | None
    method: str
    method_reason: str
    probes: tuple[Probe, ...]
    runs: tuple[MethodRun, ...]
    symbolic: SymbolicAnswer | None
    monotone: bool | None  # None: not probed
    non_monotone: tuple[tuple[Fraction, Fraction], ...]  # (proved, failed nearer the start)
    search_range: tuple[Fraction | None, Fraction | None]  # (conservative end, far end)
    seconds: float
    accounts: int
    options: ProbeOptions = field(default_factory=ProbeOptions)

    @property
    def exit_code(self) -> int:
        return EXIT_OF[self.status]

    @property
    def verdict(self) -> str:
        if self.status in (FOUND, UNBOUNDED):
            return PASS
        if self.boundary is not None and self.boundary.outcome == VACUOUS_PROOF:
            return VACUOUS
        if self.status == LOWER_BOUND and any(p.outcome == NOT_PROVED for p in self.probes):
            return CTI
        return UNKNOWN


def frontier(
    spec: Spec,
    param: str,
    *,
    direction: str | None = None,
    tol: Any = None,
    search_range: tuple[Any, Any] | None = None,
    method: str = "auto",
    checks: int = 2,
    options: ProbeOptions | None = None,
) -> FrontierResult:
    """Find the largest (``direction="up"``) or smallest value of an envelope bound proved safe.

    Parameters
    ----------
    param : str
        ``NAME`` (the magnitude of a symmetric ``within(-x, x)`` bound), ``NAME.lo`` or
        ``NAME.hi``.
    direction : {"up", "down"}, optional
        Default: the direction that widens the envelope (``down`` for ``NAME.lo``).
    tol : number, optional
        Absolute precision of the answer (default: 1% of the spec's value, or 0.001).
    search_range : (lo, hi), optional
        Search only here; the end opposite to ``direction`` must be safe.
    method : {"auto", "bisection", "both"}
        ``auto``: the direct symbolic method where it applies and answers, else bisection;
        ``both``: run both and compare them (the answer comes from the symbolic one).
    checks : int
        Extra probes for non-monotonicity (0: monotonicity is assumed and said so).
    """
    return search(
        spec,
        envelope_knob(spec, param),
        "frontier",
        direction=direction,
        tol=tol,
        search_range=search_range,
        method=method,
        checks=checks,
        options=options,
    )


def search(
    spec: Spec,
    knob: Knob,
    check: str,
    *,
    direction: str | None,
    tol: Any,
    search_range: tuple[Any, Any] | None,
    method: str,
    checks: int,
    options: ProbeOptions | None,
) -> FrontierResult:
    """The frontier search shared by ``frontier`` and ``synth`` (see the module doc)."""
    t0 = time.perf_counter()
    options = options or ProbeOptions()
    direction = direction or knob.widening() or DOWN
    if direction not in DIRECTIONS:
        raise UsageError(f"direction must be up or down, got {direction!r}")
    if method not in METHODS:
        raise UsageError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if isinstance(checks, bool) or not isinstance(checks, int) or checks < 0:
        raise UsageError(f"checks must be a non-negative integer, got {checks!r}")
    step = _tolerance(tol, knob)
    rng = _range(spec, knob, direction, search_range)
    select_properties(spec, list(options.invariants))  # unknown names: UsageError
    targets = (
        list(options.invariants)
        or [d.name for d in spec.invariants]
        or [d.name for d in spec.properties()]
    )
    runs: list[MethodRun] = []
    symbolic: SymbolicAnswer | None = None
    prober = Prober(spec, knob, options, targets)
    try:
        answer, used, reason = None, "bisection", ""
        if method in ("auto", "both"):
            t = time.perf_counter()
            answer, symbolic, reason = _symbolic(
                prober, spec, knob, direction, step, rng, options, targets
            )
            runs.append(
                MethodRun(
                    "symbolic",
                    answer is not None,
                    answer.safe if answer else None,
                    answer.bad if answer else None,
                    prober.checks,
                    symbolic.solver_calls if symbolic else 0,
                    time.perf_counter() - t,
                    reason,
                    tuple(prober.order),
                )
            )
            used = "symbolic" if answer is not None else "bisection"
        if method == "bisection":
            why_not = _symbolic_unavailable(knob, direction, options)
            reason = f"bisection over proofs ({why_not or 'asked for with --method bisection'})"
        if answer is None or method == "both":
            other = Prober(spec, knob, options, targets) if answer is not None else prober
            t = time.perf_counter()
            bisected = bisection(other, spec, knob, direction, step, rng)
            runs.append(
                MethodRun(
                    "bisection",
                    bisected.status is None or bisected.status == UNBOUNDED,
                    bisected.safe,
                    bisected.bad,
                    other.checks,
                    0,
                    time.perf_counter() - t,
                    bisected.reason or "bisection over proofs",
                    tuple(other.order),
                )
            )
            if answer is None:
                answer = bisected
                if method != "bisection":
                    reason = (reason + "; " if reason else "") + "bisection over proofs"
        evidence = finish(prober, answer, knob, direction, checks, step)
    except Interrupted:
        evidence = Evidence(INCONCLUSIVE, "interrupted by the user (Ctrl-C)")
        answer = Bracket(INCONCLUSIVE)
    if len(runs) == 2 and all(r.ok for r in runs):
        a, b = runs
        agree = a.safe is not None and b.safe is not None and abs(a.safe - b.safe) <= step
        reason += (
            "; both methods agree within the tolerance"
            if agree
            else f"; the methods DISAGREE: symbolic {_fmt(a.safe)}, bisection {_fmt(b.safe)}"
        )
    beyond = evidence.beyond
    unsafe = (
        None if beyond is None else beyond.value if beyond.outcome == COUNTEREXAMPLE else answer.bad
    )
    return FrontierResult(
        check=check,
        spec=spec.name,
        knob=knob,
        direction=direction,
        tol=step,
        status=evidence.status,
        message=evidence.message,
        safe=answer.safe if evidence.boundary else None,
        unsafe=unsafe,
        boundary=evidence.boundary,
        beyond=beyond,
        method=used,
        method_reason=reason,
        probes=tuple(prober.order),
        runs=tuple(runs),
        symbolic=symbolic,
        monotone=evidence.monotone,
        non_monotone=evidence.non_monotone,
        search_range=(rng[0], rng[1]) if rng else (answer.anchor, answer.far),
        seconds=time.perf_counter() - t0,
        accounts=spec.accounts,
        options=options,
    )


def _tolerance(tol: Any, knob: Knob) -> Fraction:
    if tol is None:
        step = abs(knob.current) / 100 or Fraction(1, 1000)
    else:
        step = number(tol, "tolerance")
        if step <= 0:
            raise UsageError(
                f"tolerance must be positive, got {format_number(step)}; e.g. --tol 0.001"
            )
    return max(step, Fraction(1)) if knob.integer else step


def _range(
    spec: Spec, knob: Knob, direction: str, given: tuple[Any, Any] | None
) -> tuple[Fraction, Fraction] | None:
    """(conservative end, far end) of a given range, validated."""
    if given is None:
        return None
    lo, hi = number(given[0], "range lower end"), number(given[1], "range upper end")
    if lo > hi:
        raise UsageError(
            f"range lower end {format_number(lo)} exceeds its upper end "
            f"{format_number(hi)}; give --range LO HI with LO <= HI"
        )
    if knob.integer:  # an int parameter is probed at integers only: the ones in the range
        lo, hi = integer_range(knob, lo, hi)
    for v in (lo, hi):
        why = knob.admissible(spec, v)
        if why:
            raise UsageError(
                f"range end {format_number(v)} is not a valid value of {knob.name}: {why}"
            )
    return (lo, hi) if direction == UP else (hi, lo)


def integer_range(knob: Knob, lo: Fraction, hi: Fraction) -> tuple[Fraction, Fraction]:
    """The smallest and largest integer in ``[lo, hi]`` (an int parameter's range);
    a UsageError when there is none."""
    first, last = Fraction(math.ceil(lo)), Fraction(math.floor(hi))
    if first > last:
        raise UsageError(
            f"{knob.name} is an int parameter and the range [{format_number(lo)}, "
            f"{format_number(hi)}] holds no integer; give a range with integer values"
        )
    return first, last


def _symbolic(
    prober: Prober,
    spec: Spec,
    knob: Knob,
    direction: str,
    tol: Fraction,
    rng: tuple[Fraction, Fraction] | None,
    options: ProbeOptions,
    targets: list[str],
) -> tuple[Bracket | None, SymbolicAnswer | None, str]:
    why_not = _symbolic_unavailable(knob, direction, options)
    if why_not:
        return None, None, why_not
    start = rng[0] if rng else knob.natural_start(spec, direction)
    assert start is not None
    far = rng[1] if rng else None
    stepped = _step_spec(spec, targets, options.lemmas)
    sym = options.stopped(
        lambda: step_frontier(
            stepped,
            knob,
            direction,
            start,
            far,
            tol,
            targets,
            timeout=options.budget(),
            cleared=_cleared(stepped, knob, start, options),
            rlimit=options.rlimit,
            cpu_net=options.cpu_net,
        ),
        lambda phase: SymbolicAnswer(FAILED, ran_out_words(phase), 0, 0.0),
    )
    if sym.status == FAILED:
        if sym.reason.startswith("interrupted"):
            raise Interrupted()
        return None, sym, f"direct symbolic method gave no answer ({sym.reason})"
    assert sym.safe is not None
    confirm = prober.prove(sym.safe, "confirm symbolic answer")
    engine = "Z3 Optimize, exact" if sym.exact else "incremental search on the step query"
    if confirm.outcome not in SAFE_SIDE:
        return (
            None,
            sym,
            (
                f"the symbolic k=1 answer {format_number(sym.safe)} was not confirmed by "
                f"a full proof ({confirm.verdict}: {confirm.message})"
            ),
        )
    why = (
        f"direct symbolic method: the bound as a solver variable in the k=1 inductive step "
        f"({engine}, {sym.solver_calls} solver calls, {sym.seconds:.1f}s), confirmed by prove"
    )
    if sym.status == SYM_UNBOUNDED:
        return Bracket(UNBOUNDED, safe=sym.safe, anchor=start, far=far), sym, why
    assert sym.unsafe is not None
    if prober.quick_refute(sym.unsafe) is None:
        # no path found past it: is the step's CTI one of prove's? prove infers lemmas
        # after a CTI (and decomposes): zero_sum_funding's safe spec is proved at every
        # funding with the net-position lemma, while the step query alone fails past 0
        again = prober.prove(sym.unsafe, "is the step's CTI prove's?")
        if again.outcome in SAFE_SIDE:
            return (
                None,
                sym,
                (
                    f"the symbolic k=1 step fails at {format_number(sym.unsafe)}, where "
                    f"prove proves it ({again.message})"
                ),
            )
    prober.order.append(
        Probe(
            sym.unsafe,
            NOT_PROVED,
            "step",
            CTI,
            "k=1",
            sym.seconds,
            "symbolic step query",
            f"CTI of the k=1 step ({sym.obligation})",
        )
    )
    return Bracket(None, safe=sym.safe, bad=sym.unsafe, anchor=start, far=far), sym, why


def _step_spec(spec: Spec, targets: list[str], lemmas: tuple[Any, ...] = ()) -> Spec:
    """The spec whose k=1 step the symbolic method asks: the one-account spec of prove's
    decomposition when it applies (``decompose.plan``: the accounts never interact, or
    only through accumulators its rule covers), the proof a probe runs; else ``spec``,
    with ``lemmas`` (those the proof being explained inferred on its accounts, assumed
    and proved in the step like the spec's own: without them the put vault's step failed
    already at the spec's value, round 23). The close-factor perp at 30 accounts: 369
    step queries, 27.6 s of the 60 s budget, on its 30 accounts (round 22). Only the
    search for a candidate: the answer is still confirmed by a full proof, and the value
    past it refuted by a replayed path."""
    from solvent.check.lemma_reuse import with_proved

    if spec.accounts == 1:
        return (with_proved(spec, lemmas) if lemmas else None) or spec
    from solvent.check.decompose import plan

    try:
        p = plan(spec, targets)
        if p.why is None:
            return p.spec(spec)
    except UsageError:
        pass
    return (with_proved(spec, lemmas) if lemmas else None) or spec


def _cleared(spec: Spec, knob: Knob, start: Fraction, options: ProbeOptions) -> Fraction | None:
    """The widening of the knob's spec value when the proof being explained
    (``options.spec_proved``) is the symbolic step's own query there: a 1-induction PASS
    on the spec's own accounts with no lemma inferred (not the one-account proof of the
    decomposition, whose lemmas and accounts differ); else None."""
    proof = options.spec_proved
    if (
        proof is None
        or proof.k != 1
        or proof.accounts != spec.accounts
        or "inferred_lemmas" in proof.details
        or str(proof.details.get("decomposition", "not applied")).startswith("applied")
    ):
        return None
    return abs(knob.current - start)


def _symbolic_unavailable(knob: Knob, direction: str, options: ProbeOptions) -> str | None:
    """Why the direct symbolic method cannot answer for this knob, or None."""
    if knob.kind == PARAM:
        return (
            "the direct symbolic method is not available: protocol parameters are static "
            "values in the spec, not solver variables"
        )
    if knob.kind == KEEPER:
        return (
            "the direct symbolic method is not available: a delay bound (within=K) shapes "
            "the spec's counter and lemmas, it is not a solver variable"
        )
    if direction != knob.widening():
        return "the direct symbolic method needs the widening direction of the envelope"
    if options.k != 1 or (options.max_k or 1) != 1:
        return "the direct symbolic method covers 1-induction; --k/--max-k ask for more"
    return None


def _fmt(x: Fraction | None) -> str:
    return "-" if x is None else format_number(x)
