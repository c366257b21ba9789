"""Bisection over proofs: the robust frontier search (any knob, any induction depth).

First a bracket: a proved value and a not-proved one further out. With ``--range`` these
are its two ends; otherwise the spec's own value, then either outward by doubling the
distance from the most conservative value (when the spec's value is proved) or back to
that conservative value (when it is not). Then bisection at short decimals with exact
rational arithmetic, and a last probe at the roundest number left in the bracket.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from solvent.check.knobs import DOWN, PARAM, UP, Knob, midpoint, simplest
from solvent.check.probes import COUNTEREXAMPLE, NOT_PROVED, SAFE_SIDE, Probe, Prober
from solvent.check.refute_few import falsified_start
from solvent.errors import UsageError
from solvent.lang.values import format_number
from solvent.spec.spec import Spec

UNBOUNDED = "unbounded"
INCONCLUSIVE = "inconclusive"
_GALLOPS = 8
_ANCHOR_REFUTE_CAP = 30.0


@dataclass(slots=True)
class Bracket:
    """Where a search stands: ``status`` None means (safe, bad) is a bracket to close."""

    status: str | None
    safe: Fraction | None = None
    bad: Fraction | None = None
    anchor: Fraction | None = None  # the most conservative value of the search
    far: Fraction | None = None  # the far end, when known
    reason: str = ""


def bisection(
    p: Prober,
    spec: Spec,
    knob: Knob,
    direction: str,
    tol: Fraction,
    rng: tuple[Fraction, Fraction] | None,
) -> Bracket:
    """Close the bracket to ``tol`` by proving midpoints; see the module doc."""
    try:
        answer = _bracket(p, spec, knob, direction, rng)
    except _NoAnchor as exc:
        return Bracket(INCONCLUSIVE, reason=str(exc))
    if answer.status is not None:
        return answer
    safe, bad = answer.safe, answer.bad
    assert safe is not None and bad is not None
    while abs(bad - safe) > tol:
        mid = _between(safe, bad, knob.integer)
        if mid is None:
            break
        # with --jobs: the midpoint and the next one either way, at once
        p.prefetch([mid, *_next_midpoints(safe, bad, mid, knob.integer, tol)])
        if p.prove(mid, "bisection").outcome in SAFE_SIDE:
            safe = mid
        else:
            bad = mid
    snap = simplest(min(safe, bad), max(safe, bad), include_lo=safe < bad, include_hi=safe > bad)
    if _digits(snap) < _digits(safe) and not knob.integer:
        if p.prove(snap, "round number").outcome in SAFE_SIDE:
            safe = snap
        else:
            bad = snap
    answer.safe, answer.bad = safe, bad
    return answer


def _bracket(
    p: Prober, spec: Spec, knob: Knob, direction: str, rng: tuple[Fraction, Fraction] | None
) -> Bracket:
    """A proved value and a not-proved one further out, or a final answer."""
    if rng is not None:
        cons, far = rng
        p.prefetch([cons, far])
        _must_be_safe(
            p, p.prove(cons, "conservative end"), knob, "at the conservative end of --range"
        )
        if p.prove(far, "far end").outcome in SAFE_SIDE:
            return Bracket(UNBOUNDED, safe=far, anchor=cons, far=far)
        return Bracket(None, safe=cons, bad=far, anchor=cons, far=far)
    natural = knob.natural_start(spec, direction)
    gallop = _gallop(spec, knob, direction, natural)
    p.prefetch([knob.current, *gallop])  # with --jobs: the first steps out at once
    current = p.prove(knob.current, "spec value")
    if current.outcome in SAFE_SIDE:
        previous = knob.current
        for i, v in enumerate(gallop):
            p.prefetch(gallop[i:])
            if p.prove(v, "expanding search").outcome not in SAFE_SIDE:
                anchor = natural if natural is not None else knob.current
                return Bracket(None, safe=previous, bad=v, anchor=anchor, far=v)
            previous = v
        return Bracket(
            UNBOUNDED,
            safe=previous,
            anchor=knob.current,
            reason=f"proved at every value tried up to {format_number(previous)}",
        )
    if natural is None or natural == knob.current:
        _must_be_safe(
            p,
            current,
            knob,
            "at its value in the spec (give --range LO HI with a "
            "safe conservative end to search from elsewhere)",
        )
        raise AssertionError("unreachable: the spec value is not proved")
    start = p.prove(natural, "conservative end")
    _must_be_safe(p, start, knob, "at its most conservative value")
    return Bracket(None, safe=natural, bad=knob.current, anchor=natural)


def _must_be_safe(p: Prober, probe: Probe, knob: Knob, where: str) -> None:
    """Return if ``probe`` is a proof; else raise: UsageError when the value is unsafe."""
    if probe.outcome in SAFE_SIDE:
        return
    if probe.outcome == NOT_PROVED:  # unsafe (bad input), or only unprovable (inconclusive)?
        # the falsifier's concrete paths first (seconds), then the solver's search (minutes)
        refuted = falsified_start(p, probe.value) or p.refute(
            probe.value, "is the start unsafe?", cap=_ANCHOR_REFUTE_CAP
        )
        probe = refuted if refuted.outcome == COUNTEREXAMPLE else probe
    if probe.outcome == COUNTEREXAMPLE:
        raise UsageError(
            f"{knob.name} is already unsafe {where}: {knob.describe(probe.value, '=')} gives a "
            f"replay-confirmed counterexample ({probe.bound}), so no value in that direction is "
            "safe; fix the spec first (see `solvent bmc`) or search the other --direction"
        )
    raise _NoAnchor(
        f"not proved {where} ({knob.describe(probe.value, '=')}: {probe.verdict}, "
        f"{probe.message}); there is no proved value to search from"
    )


class _NoAnchor(Exception):
    pass


def _gallop(spec: Spec, knob: Knob, direction: str, natural: Fraction | None) -> list[Fraction]:
    sign = 1 if direction == UP else -1
    if knob.kind == PARAM and direction == DOWN and knob.current > 0:
        return [Fraction(0)]
    base = natural if natural is not None else Fraction(0)
    dist = abs(knob.current - base) or Fraction(1)
    values = [base + sign * dist * 2**i for i in range(1, _GALLOPS + 1)]
    return [v for v in values if knob.admissible(spec, v) is None]


def _next_midpoints(
    safe: Fraction, bad: Fraction, mid: Fraction, integer: bool, tol: Fraction
) -> list[Fraction]:
    """The midpoints bisection asks for after ``mid``: if it is proved, then if not."""
    out = []
    for a, b in ((mid, bad), (safe, mid)):
        nxt = _between(a, b, integer) if abs(b - a) > tol else None
        if nxt is not None:
            out.append(nxt)
    return out


def _between(a: Fraction, b: Fraction, integer: bool) -> Fraction | None:
    lo, hi = min(a, b), max(a, b)
    if not integer:
        return midpoint(lo, hi)
    mid = (lo + hi) // 2
    return Fraction(mid) if lo < mid < hi else None


def _digits(x: Fraction) -> int:
    """Decimal digits after the point (a large number when there is no finite decimal)."""
    den, twos, fives = x.denominator, 0, 0
    while den % 2 == 0:
        den, twos = den // 2, twos + 1
    while den % 5 == 0:
        den, fives = den // 5, fives + 1
    return max(twos, fives) if den == 1 else 10**6
