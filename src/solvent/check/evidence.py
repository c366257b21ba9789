"""Both sides of a frontier's evidence, the monotonicity probes, and the final status.

Given a closed bracket (a proved value and a not-proved one within the tolerance), this
module fetches the proof at the boundary, looks for a replay-confirmed counterexample just
beyond it (retrying under longer caps, since Z3's time on these queries varies by orders
of magnitude with the exact numbers), proves a few more values to test monotonicity, and
names the outcome: ``found``, ``unbounded``, ``lower bound``, ``non-monotone`` or
``inconclusive``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from solvent.check.bisection import Bracket
from solvent.check.knobs import UP, Knob, midpoint, simplest
from solvent.check.probes import (
    COUNTEREXAMPLE,
    INCONCLUSIVE_PROBE,
    NO_COUNTEREXAMPLE,
    NOT_PROVED,
    PROVED,
    REFUSED,
    VACUOUS_PROOF,
    Probe,
    Prober,
)
from solvent.lang.values import format_number

FOUND = "found"  # proof at the boundary, replayed counterexample within tol beyond
UNBOUNDED = "unbounded"  # proved across the whole range searched
LOWER_BOUND = "lower bound"  # proved at the boundary; beyond it no counterexample found
NON_MONOTONE = "non-monotone"  # a proof further out than a failure
INCONCLUSIVE = "inconclusive"  # no usable proof (every probe unknown, or none proved)

_REFUTE_CAPS = (20.0, 40.0, 80.0)


@dataclass(frozen=True, slots=True)
class Evidence:
    """What ``finish`` established about a bracket."""

    status: str
    message: str
    boundary: Probe | None = None
    beyond: Probe | None = None
    monotone: bool | None = None  # None: not probed (or every check was UNKNOWN)
    non_monotone: tuple[tuple[Fraction, Fraction], ...] = ()


def finish(
    p: Prober,
    answer: Bracket,
    knob: Knob,
    direction: str,
    checks: int,
    tol: Fraction | None = None,
) -> Evidence:
    """Both sides of the evidence for ``answer``, the monotonicity probes, the status
    (``tol``: the search's tolerance, how far beyond the boundary a counterexample may be
    looked for)."""
    if answer.status == INCONCLUSIVE:
        probed = [q for q in p.order if q.check != "step"]
        if probed and all(q.outcome == INCONCLUSIVE_PROBE for q in probed):
            listed = ", ".join(format_number(q.value) for q in probed)
            return Evidence(
                INCONCLUSIVE,
                f"every probe was UNKNOWN (the solver gave up or ran out of time) at {listed}: "
                f"give a longer --timeout; {answer.reason}",
            )
        return Evidence(INCONCLUSIVE, answer.reason)
    sign = 1 if direction == UP else -1
    assert answer.safe is not None
    boundary = p.proofs.get(answer.safe) or p.prove(answer.safe, "boundary")
    beyond = None
    if answer.bad is not None:
        beyond = p.proofs.get(answer.bad)
        if beyond is None or beyond.outcome != COUNTEREXAMPLE:
            beyond = _refute(p, answer.safe, answer.bad, tol)
    if checks:
        # a monotonicity probe may not take much longer than the boundary proof did
        _probe_monotonicity(p, answer, sign, checks, cap=max(10.0, 5 * boundary.seconds))
    pairs = _inconsistent(p.order, sign)
    probed_any = any(
        q.purpose == "monotonicity" and q.outcome != INCONCLUSIVE_PROBE for q in p.order
    )
    monotone = False if pairs else True if probed_any else None

    def evidence(status: str, message: str, beyond: Probe | None = beyond) -> Evidence:
        return Evidence(status, message, boundary, beyond, monotone, pairs)

    safe_txt = knob.describe(answer.safe)
    if pairs:
        shown = "; ".join(f"proved at {_fmt(a)} but not at {_fmt(b)}" for a, b in pairs[:3])
        return evidence(
            NON_MONOTONE,
            f"non-monotone in {knob.name}: {shown}; the proved set is not an interval, so "
            "there is no single frontier (see the probes)",
        )
    if boundary.outcome == VACUOUS_PROOF:
        return evidence(
            INCONCLUSIVE,
            f"the largest value without a failure, {safe_txt}, is only proved vacuously "
            f"({boundary.message}); no real proof in the range searched",
        )
    if answer.status == UNBOUNDED or beyond is None:
        ranged = answer.far is not None and answer.far == answer.safe
        return evidence(
            UNBOUNDED,
            f"proved at every value searched, up to {safe_txt} ({boundary.bound}, every path "
            "length); no frontier in the range searched"
            + ("" if ranged else ": give --range LO HI to search further"),
            beyond=None,
        )
    proof = f"{safe_txt} proved ({boundary.bound}, every path length)"
    if beyond.outcome == COUNTEREXAMPLE:
        # proved only where the bound is closed (no move, no funding): the "found"
        # frontier of a bug (zero_sum_funding's, round 22) read as a margin
        only = (
            f" (proved only at the most conservative value, {safe_txt}: the spec breaks "
            "as soon as the bound opens, a bug rather than a margin)"
            if answer.anchor is not None and answer.safe == answer.anchor
            else ""
        )
        return evidence(
            FOUND,
            f"{proof}; counterexample at {format_number(beyond.value)} ({beyond.check} "
            f"{beyond.bound}, replay-confirmed){only}",
        )
    if beyond.outcome == REFUSED:
        return evidence(
            FOUND,
            f"{proof}; beyond it, at {format_number(beyond.value)}, the spec's builder refuses "
            f"the value: {beyond.message}",
        )
    search_said = (
        f"{beyond.check} found no counterexample within {beyond.bound}"
        if beyond.outcome == NO_COUNTEREXAMPLE
        else f"the counterexample search gave up ({beyond.message})"
    )
    return evidence(
        LOWER_BOUND,
        f"{proof}; beyond it, at {format_number(beyond.value)}, no proof (the induction step "
        f"fails or the solver gave up) and {search_said}: the true frontier may lie further "
        "out; this is a lower bound, not a two-sided answer",
    )


def _refute(p: Prober, safe: Fraction, bad: Fraction, tol: Fraction | None = None) -> Probe:
    """A replayed counterexample within ``tol`` beyond ``safe``: bmc at ``bad``, retried.

    When ``bad`` (the first value not proved) has no counterexample within the depth, or
    its search gave up, one further out but still within the tolerance is asked next (the
    symbolic frontier's first unproved value can lie just short of the first value with a
    counterexample: perp_frontier.py's 0.0804, against 0.0805). Z3's time on these
    nonlinear queries varies by orders of magnitude with the exact numbers, so a search
    that gave up is retried at other values in the bracket under a longer cap. Any value
    in (safe, safe + tol] will do: a counterexample there is within the tolerance.
    """
    values = [
        bad,
        simplest(safe + (bad - safe) / 2, bad, include_hi=False),
        simplest(safe + (bad - safe) / 4, safe + (bad - safe) / 2, include_hi=False),
    ]
    if p.knob.integer:  # integers strictly beyond safe, up to bad (else bad again)
        values = [v if min(safe, bad) < v < max(safe, bad) else bad for v in map(_nearest, values)]
    probe = p.refute(bad, cap=_REFUTE_CAPS[0])
    outer = _further(safe, bad, tol, p.knob.integer)
    if probe.outcome in (NO_COUNTEREXAMPLE, INCONCLUSIVE_PROBE) and outer is not None:
        further = p.refute(outer, "beyond (further, within the tolerance)", cap=_REFUTE_CAPS[0])
        if further.outcome == COUNTEREXAMPLE:
            return further
    for value, cap in zip(values[1:], _REFUTE_CAPS[1:], strict=True):
        if (
            probe.outcome != INCONCLUSIVE_PROBE
            or p.options.timeout is not None
            and cap > p.options.timeout
        ):
            break
        probe = p.refute(value, "beyond (retry)", cap=cap)
    return probe


def _further(safe: Fraction, bad: Fraction, tol: Fraction | None, integer: bool) -> Fraction | None:
    """The shortest decimal beyond ``bad`` and within ``tol`` of ``safe`` (None: none)."""
    if tol is None or integer or abs(bad - safe) >= tol:
        return None
    edge = safe + tol if bad > safe else safe - tol
    lo, hi = min(bad, edge), max(bad, edge)
    return simplest(lo, hi, include_lo=bad != lo, include_hi=bad != hi)


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
    """Prove the first candidate not probed before (and admissible); an int parameter's
    candidates are rounded to the nearest integer first (it is probed at integers only)."""
    if p.knob.integer:
        candidates = [_nearest(v) for v in candidates]
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


def _nearest(x: Fraction) -> Fraction:
    """The integer nearest ``x``, halves rounded up (``floor(x + 1/2)``)."""
    return Fraction(math.floor(x + Fraction(1, 2)))
