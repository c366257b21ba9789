"""What a frontier varies: one envelope bound (or one side of it) or one protocol parameter.

``move`` on a symmetric ``within(-x, x)`` bound is its magnitude ``x``; ``move.lo`` and
``move.hi`` are the two ends on their own. A bound ``within(0, h)`` given by bare name is
its upper end. Protocol parameters are the spec's static ``@params``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from solvent.errors import SpecError, UsageError
from solvent.lang.values import format_number, to_fraction
from solvent.spec.spec import Spec

UP, DOWN = "up", "down"
DIRECTIONS = (UP, DOWN)

ENVELOPE, PARAM, KEEPER = "envelope", "param", "keeper"
MAGNITUDE, LO, HI = "magnitude", "lo", "hi"


@dataclass(frozen=True, slots=True)
class Knob:
    """One number a frontier varies, with its value in the spec as given."""

    name: str  # as the user wrote it: "move", "move.hi", "maintenance_margin"
    kind: str  # ENVELOPE | PARAM | KEEPER (a keeper's within=k: keeper.NAME.within)
    target: str  # the bound or parameter name
    side: str | None  # MAGNITUDE | LO | HI for envelope bounds
    current: Fraction
    integer: bool = False
    # other parameters set together with this one (the row of a synth grid): one rebuild
    with_others: tuple[tuple[str, Any], ...] = ()

    def apply(self, spec: Spec, value: Fraction) -> Spec:
        """A copy of ``spec`` with this knob set to ``value`` (a parameter of a spec with a
        builder rebuilds it; a value the builder refuses raises ModelParameterError)."""
        if self.kind == KEEPER:
            return spec.with_within(self.target, int(value))
        if self.kind == PARAM:
            if self.integer and Fraction(value).denominator != 1:
                # never probe one value and report another
                raise AssertionError(f"int parameter {self.target} probed at {value}")
            own = {self.target: int(value) if self.integer else value}
            return spec.with_params(**dict(self.with_others), **own)
        dom = spec.bounds[self.target]
        if self.side == MAGNITUDE:
            return spec.with_envelope(self.target, -value, value)
        if self.side == HI:
            return spec.with_envelope(self.target, dom.lo, value)
        return spec.with_envelope(self.target, value, dom.hi)

    def widening(self) -> str | None:
        """The direction in which the envelope admits more paths (None for parameters)."""
        if self.kind == KEEPER:
            return UP  # a later keeper admits every path of an earlier one
        if self.kind == PARAM:
            return None
        return DOWN if self.side == LO else UP

    def natural_start(self, spec: Spec, direction: str) -> Fraction | None:
        """The most conservative value when searching outward: the degenerate envelope.

        Only envelope bounds searched in their widening direction have one; a wider
        envelope only adds paths, so nothing is safer than the degenerate interval.
        """
        if self.kind == PARAM or direction != self.widening():
            return None
        if self.kind == KEEPER:
            return Fraction(0)  # a keeper never late
        dom = spec.bounds[self.target]
        return {MAGNITUDE: Fraction(0), HI: dom.lo, LO: dom.hi}[self.side or MAGNITUDE]

    def admissible(self, spec: Spec, value: Fraction) -> str | None:
        """Why ``value`` cannot be probed (an empty envelope), or None."""
        if self.kind == PARAM:
            return None
        if self.kind == KEEPER:
            return f"a delay cannot be negative ({format_number(value)})" if value < 0 else None
        dom = spec.bounds[self.target]
        if self.side == MAGNITUDE and value < 0:
            return f"a magnitude cannot be negative ({format_number(value)})"
        if self.side == HI and value < dom.lo:
            return (
                f"{self.name} = {format_number(value)} is below {self.target}.lo = "
                f"{format_number(dom.lo)}"
            )
        if self.side == LO and value > dom.hi:
            return (
                f"{self.name} = {format_number(value)} is above {self.target}.hi = "
                f"{format_number(dom.hi)}"
            )
        return None

    def describe(self, value: Fraction, relation: str = "≤") -> str:
        """``|move| ≤ 0.08``, ``move.hi = 0.1``, ``maintenance_margin = 0.05``."""
        v = format_number(value)
        if self.kind == KEEPER:
            return f"{self.name} {relation} {v}"
        if self.kind == PARAM:
            return f"{self.target} = {v}"
        if self.side == MAGNITUDE:
            return f"|{self.target}| {relation} {v}"
        if self.side == HI:
            return f"{self.target} {relation} {v}"
        return f"{self.target} {'≥' if relation == '≤' else relation} {v}"


def envelope_knob(spec: Spec, name: str) -> Knob:
    """Resolve ``NAME``, ``NAME.lo`` or ``NAME.hi`` against the spec's envelope (or
    ``keeper.NAME.within``, how many steps a keeper may be late: :func:`keeper_knob`)."""
    if not isinstance(name, str) or not name.strip():
        raise UsageError("give the envelope bound to vary with --param NAME, e.g. --param move")
    name = name.strip()
    if name.startswith(("keeper.", "oracle.")) and name not in spec.bounds:
        return keeper_knob(spec, name)
    base, _, side = name.partition(".")
    if base not in spec.bounds:
        hint = ""
        if name in spec.param_decls:
            hint = (
                f"; {name} is a protocol parameter, not an envelope bound: use "
                f"`solvent synth TARGET --param {name}`"
            )
        raise UsageError(
            f"unknown envelope bound {name!r} for spec {spec.name}; known: "
            f"{_names(spec.bounds) or '(none)'} (each also as NAME.lo / NAME.hi){hint}"
        )
    dom = spec.bounds[base]
    if side == "lo":
        return Knob(name, ENVELOPE, base, LO, dom.lo)
    if side == "hi":
        return Knob(name, ENVELOPE, base, HI, dom.hi)
    if side:
        raise UsageError(f"{name!r}: the part after the dot must be lo or hi, e.g. {base}.hi")
    if dom.lo == -dom.hi:
        return Knob(name, ENVELOPE, base, MAGNITUDE, dom.hi)
    if dom.lo == 0:
        return Knob(f"{base}.hi", ENVELOPE, base, HI, dom.hi)
    raise UsageError(
        f"envelope bound {base} is within({format_number(dom.lo)}, {format_number(dom.hi)}), "
        f"not symmetric about 0, so it has no single magnitude; give {base}.lo or {base}.hi"
    )


def keeper_knob(spec: Spec, name: str) -> Knob:
    """``keeper.NAME.within``: the most consecutive steps keeper NAME may be late (the
    ``within=k`` of its declaration; an every-step keeper counts as ``within=0``), or
    ``oracle.NAME.within``, the most steps oracle update NAME may be stale."""
    role, keeper, rest = name.split(".", 2) if name.count(".") >= 2 else (name, "", "")
    role = "oracle" if role == "oracle" else "keeper"
    decl = next((d for d in spec.keepers if d.name == keeper and d.role == role), None)
    if decl is None or rest != "within":
        names = ", ".join(d.name for d in spec.keepers if d.role == role) or "(none)"
        raise UsageError(
            f"{name!r}: give {role}.NAME.within with NAME one of the {role}s of spec "
            f"{spec.name}: {names}"
        )
    if decl.liveness == "adversarial":
        raise UsageError(
            f"keeper {keeper} is declared adversarial=True (it may never run): no delay bound "
            "to vary; declare it with within=K"
        )
    return Knob(name, KEEPER, keeper, None, Fraction(decl.within or 0), integer=True)


def param_knob(spec: Spec, name: str) -> Knob:
    """Resolve a numeric protocol parameter."""
    if not isinstance(name, str) or not name.strip():
        raise UsageError(
            "give the parameter to vary with --param NAME, e.g. --param maintenance_margin"
        )
    name = name.strip()
    if name not in spec.param_decls:
        hint = ""
        if name.partition(".")[0] in spec.bounds:
            hint = (
                f"; {name} is an envelope bound, not a protocol parameter: use "
                f"`solvent frontier TARGET --param {name}`"
            )
        raise UsageError(
            f"unknown parameter {name!r} for spec {spec.name}; known: "
            f"{_names(spec.param_decls) or '(none)'}{hint}"
        )
    value = spec.param_values().as_dict()[name]
    if isinstance(value, bool):
        raise UsageError(
            f"parameter {name} is a bool ({str(value).lower()}); synth varies numeric "
            "parameters only: compare the two values with `solvent prove --set`"
        )
    if isinstance(value, int) and not isinstance(value, Fraction):
        return Knob(name, PARAM, name, None, Fraction(value), integer=True)
    if not isinstance(value, Fraction):
        raise UsageError(f"parameter {name} = {value!r} is not a number; synth varies numbers only")
    return Knob(name, PARAM, name, None, Fraction(value))


def number(value: Any, what: str) -> Fraction:
    """Parse a command-line number exactly ('0.05', '1/3'); a bad one is a UsageError."""
    try:
        return to_fraction(value, what=what)
    except SpecError as exc:
        raise UsageError(exc.message) from None


def _names(d: dict[str, Any]) -> str:
    return ", ".join(d)


def simplest(
    lo: Fraction, hi: Fraction, *, include_lo: bool = True, include_hi: bool = True
) -> Fraction:
    """The number with the fewest decimal digits in ``[lo, hi]``, nearest its middle.

    Probes at short decimals (0.05, not 0.0498046875) read well and land exactly on
    closed-form answers when those are round numbers.
    """
    mid = (lo + hi) / 2
    for digits in range(40):
        scale = 10**digits
        first, last = -((-lo * scale) // 1), (hi * scale) // 1
        if last - first >= 50:
            cands = [Fraction(round(mid * scale), scale)]
        else:
            cands = [Fraction(n, scale) for n in range(int(first), int(last) + 1)]
        cands = [
            c
            for c in cands
            if lo <= c <= hi and (include_lo or c != lo) and (include_hi or c != hi)
        ]
        if cands:
            return min(cands, key=lambda c: (abs(c - mid), c))
    return mid


def midpoint(lo: Fraction, hi: Fraction) -> Fraction:
    """A short decimal in the middle quarter of ``[lo, hi]`` (a bisection step)."""
    w = hi - lo
    return simplest(lo + w * 3 / 8, lo + w * 5 / 8)
