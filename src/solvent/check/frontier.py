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

import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from solvent.check.bisection import Bracket, bisection
from solvent.check.frontier_symbolic import FAILED, SymbolicAnswer, step_frontier
from solvent.check.frontier_symbolic import UNBOUNDED as SYM_UNBOUNDED
from solvent.check.knobs import (
    DIRECTIONS,
    DOWN,
    PARAM,
    UP,
    Knob,
    envelope_knob,
    midpoint,
    number,
    simplest,
)
from solvent.check.probes import (
    COUNTEREXAMPLE,
    INCONCLUSIVE_PROBE,
    NO_COUNTEREXAMPLE,
    NOT_PROVED,
    PROVED,
    SAFE_SIDE,
    VACUOUS_PROOF,
    Interrupted,
    Probe,
    ProbeOptions,
    Prober,
)
from solvent.check.results import CTI, PASS, UNKNOWN, VACUOUS
from solvent.check.solving import select_properties
from solvent.errors import UsageError
from solvent.lang.values import format_number
from solvent.spec.spec import Spec

FOUND = "found"  # proof at the boundary, replayed counterexample within tol beyond
UNBOUNDED = "unbounded"  # proved across the whole range searched
LOWER_BOUND = "lower bound"  # proved at the boundary; beyond it no counterexample found
NON_MONOTONE = "non-monotone"  # a proof further out than a failure
INCONCLUSIVE = "inconclusive"  # no usable proof (every probe unknown, or none proved)

_REFUTE_CAPS = (20.0, 40.0, 80.0)
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
        status, boundary, beyond, monotone, pairs, message = _finish(
            prober, answer, knob, direction, step, checks, options
        )
    except Interrupted:
        status, boundary, beyond, monotone, pairs = INCONCLUSIVE, None, None, None, ()
        message, used, reason, answer = (
            "interrupted by the user (Ctrl-C)",
            "bisection",
            "",
            Bracket(INCONCLUSIVE),
        )
    if len(runs) == 2 and all(r.ok for r in runs):
        a, b = runs
        agree = a.safe is not None and b.safe is not None and abs(a.safe - b.safe) <= step
        reason += (
            "; both methods agree within the tolerance"
            if agree
            else f"; the methods DISAGREE: symbolic {_fmt(a.safe)}, bisection {_fmt(b.safe)}"
        )
    unsafe = (
        None if beyond is None else beyond.value if beyond.outcome == COUNTEREXAMPLE else answer.bad
    )
    return FrontierResult(
        check,
        spec.name,
        knob,
        direction,
        step,
        status,
        message,
        answer.safe if boundary else None,
        unsafe,
        boundary,
        beyond,
        used,
        reason,
        tuple(prober.order),
        tuple(runs),
        symbolic,
        monotone,
        pairs,
        (rng[0], rng[1]) if rng else (answer.anchor, answer.far),
        time.perf_counter() - t0,
        spec.accounts,
        options,
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
    for v in (lo, hi):
        why = knob.admissible(spec, v)
        if why:
            raise UsageError(
                f"range end {format_number(v)} is not a valid value of {knob.name}: {why}"
            )
    return (lo, hi) if direction == UP else (hi, lo)


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
    sym = step_frontier(spec, knob, direction, start, far, tol, targets, timeout=options.timeout)
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


def _symbolic_unavailable(knob: Knob, direction: str, options: ProbeOptions) -> str | None:
    """Why the direct symbolic method cannot answer for this knob, or None."""
    if knob.kind == PARAM:
        return (
            "the direct symbolic method is not available: protocol parameters are static "
            "values in the spec, not solver variables"
        )
    if direction != knob.widening():
        return "the direct symbolic method needs the widening direction of the envelope"
    if options.k != 1 or (options.max_k or 1) != 1:
        return "the direct symbolic method covers 1-induction; --k/--max-k ask for more"
    return None


def _finish(
    p: Prober,
    answer: Bracket,
    knob: Knob,
    direction: str,
    tol: Fraction,
    checks: int,
    options: ProbeOptions,
) -> tuple[
    str, Probe | None, Probe | None, bool | None, tuple[tuple[Fraction, Fraction], ...], str
]:
    """Both sides of the evidence, the monotonicity probes, and the final status."""
    if answer.status == INCONCLUSIVE:
        if p.order and all(q.outcome == INCONCLUSIVE_PROBE for q in p.order if q.check != "step"):
            listed = ", ".join(format_number(q.value) for q in p.order if q.check != "step")
            return (
                INCONCLUSIVE,
                None,
                None,
                None,
                (),
                (
                    f"every probe was UNKNOWN (the solver gave up or ran out of time) at {listed}: "
                    f"give a longer --timeout; {answer.reason}"
                ),
            )
        return INCONCLUSIVE, None, None, None, (), answer.reason
    sign = 1 if direction == UP else -1
    assert answer.safe is not None
    boundary = p.proofs.get(answer.safe) or p.prove(answer.safe, "boundary")
    beyond = None
    if answer.bad is not None:
        beyond = p.proofs.get(answer.bad)
        if beyond is None or beyond.outcome != COUNTEREXAMPLE:
            beyond = _refute(p, answer.safe, answer.bad)
    if checks:
        # a monotonicity probe may not take much longer than the boundary proof did
        _probe_monotonicity(p, answer, sign, checks, cap=max(10.0, 5 * boundary.seconds))
    pairs = _inconsistent(p.order, sign)
    probed = any(q.purpose == "monotonicity" and q.outcome != INCONCLUSIVE_PROBE for q in p.order)
    monotone = False if pairs else True if probed else None
    safe_txt = knob.describe(answer.safe)
    if pairs:
        shown = "; ".join(f"proved at {_fmt(a)} but not at {_fmt(b)}" for a, b in pairs[:3])
        return (
            NON_MONOTONE,
            boundary,
            beyond,
            False,
            pairs,
            (
                f"non-monotone in {knob.name}: {shown}; the proved set is not an interval, so there "
                "is no single frontier (see the probes)"
            ),
        )
    if boundary.outcome == VACUOUS_PROOF:
        return (
            INCONCLUSIVE,
            boundary,
            beyond,
            monotone,
            pairs,
            (
                f"the largest value without a failure, {safe_txt}, is only proved vacuously "
                f"({boundary.message}); no real proof in the range searched"
            ),
        )
    if answer.status == UNBOUNDED or beyond is None:
        return (
            UNBOUNDED,
            boundary,
            None,
            monotone,
            pairs,
            (
                f"proved at every value searched, up to {safe_txt} ({boundary.bound}, every path "
                "length); no frontier in the range searched"
                + (
                    ""
                    if answer.far is not None and answer.far == answer.safe
                    else ": give --range LO HI to search further"
                )
            ),
        )
    proof = f"{safe_txt} proved ({boundary.bound}, every path length)"
    if beyond.outcome == COUNTEREXAMPLE:
        return (
            FOUND,
            boundary,
            beyond,
            monotone,
            pairs,
            (
                f"{proof}; counterexample at {format_number(beyond.value)} ({beyond.check} "
                f"{beyond.bound}, replay-confirmed)"
            ),
        )
    search_said = (
        f"{beyond.check} found no counterexample within {beyond.bound}"
        if beyond.outcome == NO_COUNTEREXAMPLE
        else f"the counterexample search gave up ({beyond.message})"
    )
    return (
        LOWER_BOUND,
        boundary,
        beyond,
        monotone,
        pairs,
        (
            f"{proof}; beyond it, at {format_number(beyond.value)}, no proof (the induction step "
            f"fails or the solver gave up) and {search_said}: the true frontier may lie further "
            "out; this is a lower bound, not a two-sided answer"
        ),
    )


def _refute(p: Prober, safe: Fraction, bad: Fraction) -> Probe:
    """A replayed counterexample in (safe, bad]: bmc at ``bad``, retried when it times out.

    Z3's time on these nonlinear queries varies by orders of magnitude with the exact
    numbers, so a timed-out search is retried at other values in the bracket under a
    longer cap. Any value in (safe, bad] will do: a counterexample there is within the
    tolerance of the boundary.
    """
    values = [
        bad,
        simplest(safe + (bad - safe) / 2, bad, include_hi=False),
        simplest(safe + (bad - safe) / 4, safe + (bad - safe) / 2, include_hi=False),
    ]
    probe = p.refute(bad, cap=_REFUTE_CAPS[0])
    for value, cap in zip(values[1:], _REFUTE_CAPS[1:], strict=True):
        if (
            probe.outcome != INCONCLUSIVE_PROBE
            or p.options.timeout is not None
            and cap > p.options.timeout
        ):
            break
        probe = p.refute(value, "beyond (retry)", cap=cap)
    return probe


def _probe_monotonicity(p: Prober, answer: Bracket, sign: int, checks: int, cap: float) -> None:
    """Prove ``checks`` values not probed yet on the safe side, and one beyond.

    Safe side: the outer half between the search's start and the boundary, or (when the
    search started at the boundary) a little more conservative than it. Beyond: between
    the first failure and the far end, or as far again.
    """
    safe, anchor, bad = answer.safe, answer.anchor, answer.bad
    assert safe is not None
    if anchor is not None and anchor != safe:
        gap = (safe - anchor) / (2 * (checks + 1))
        points = [safe - gap * i for i in range(1, checks + 1)]
    else:
        gap = -sign * (abs(safe) / 4 or Fraction(1, 100))
        points = [safe + gap * i for i in range(1, checks + 1)]
    for centre in points:
        spread = abs(gap) / 4
        _fresh_probe(p, [simplest(centre - spread, centre + spread), centre], cap)
    if bad is not None:
        base = anchor if anchor is not None else safe
        far = (
            answer.far
            if answer.far is not None and answer.far != bad
            else bad + sign * max(abs(bad - base), abs(bad - safe))
        )
        lo, hi = min(bad, far), max(bad, far)
        _fresh_probe(
            p,
            [
                midpoint(lo, hi),
                simplest(lo + (hi - lo) / 4, lo + (hi - lo) / 3),
                simplest(lo + (hi - lo) * 2 / 3, lo + (hi - lo) * 3 / 4),
            ],
            cap,
        )


def _fresh_probe(p: Prober, candidates: list[Fraction], cap: float) -> None:
    """Prove the first candidate not probed before (and admissible)."""
    for v in candidates:
        if v not in p.proofs and p.knob.admissible(p.spec, v) is None:
            p.prove(v, "monotonicity", cap=cap)
            return


def _inconsistent(
    probes: list[Probe] | tuple[Probe, ...], sign: int
) -> tuple[tuple[Fraction, Fraction], ...]:
    proved = [q.value for q in probes if q.outcome == PROVED]
    failed = [
        q.value for q in probes if q.outcome in (COUNTEREXAMPLE, NOT_PROVED) and q.check != "step"
    ]
    pairs = {(a, b) for a in proved for b in failed if sign * (a - b) > 0}
    return tuple(sorted(pairs, key=lambda ab: (sign * ab[1], sign * ab[0])))


def _fmt(x: Fraction | None) -> str:
    return "-" if x is None else format_number(x)
