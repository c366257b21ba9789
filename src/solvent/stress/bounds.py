"""Rigorous error bounds of float64 lanes: which float64 decisions are certain.

Float64 lanes approximate the exact judge. Beside every float64 number ``x`` the engines
carry ``e >= |x - X|``, a rigorous bound on its distance to the value ``X`` the exact
judge computes on the same lane (an a-posteriori running error bound, in float64):

- inputs the judge receives exactly (the lane's draws and drawn initial values, recorded
  in the trace as the exact rationals of their doubles, see
  :func:`solvent.stress.exact.lane_trace`) start at ``e = 0``; a spec literal ``q``, and
  an initial value the spec declares as ``q`` (the judge starts from ``q`` itself, never
  from its double: :func:`initial_exact`), start at ``|float(q) - q|``
  (:func:`literal_error`, rounded up);
- ``a + b``, ``a - b``: of exact operands, ``|err|`` with ``err`` the exact rounding
  error of the float64 sum (Knuth's TwoSum, error free: the bound is the distance itself,
  no rounding to cover), so exact sums stay exact (``e = 0``); otherwise
  ``ea + eb + u |r|`` (``u = 2**-53``);
- ``a * b``: ``|a| eb + |b| ea + ea eb`` plus the rounding ``u |r|`` (``2**-1074`` at
  or below ``2**-1022``, where ``u |r|`` would underflow; none when an operand is 0); 0 when a factor is an exact 0 (``a = 0``
  with ``ea = 0``) and ``r = 0``: the exact product is 0 whatever the other factor's bound;
- ``x - y`` where ``y`` certainly equals ``x``, or one term ``b`` of ``x = a + b`` (``y``
  is ``b``, or a ``min``/``max`` whose choice was certain and took ``b``, recursively):
  the exact result is ``A`` (0 when ``y`` is ``x``), so ``|r - a| + ea`` bounds it
  however large ``b``'s own bound is (kernel only: ``_ecancel``; the smaller of the two
  rigorous bounds is kept). This keeps waterfalls exact: ``bad_debt + deficit -
  min(deficit, insurance)`` is exactly ``bad_debt`` when the fund covers the deficit;
- ``a / b``: ``(|a| eb + |b| ea) / (|b| (|b| - eb))`` plus the rounding; when ``eb >= |b|``
  the exact denominator may be 0 (the judge's ``x / 0 = 0``): the decision ``b != 0``
  is *undecided* and the bound infinite;
- ``min``/``max`` are 1-Lipschitz: ``max(ea, eb)`` bounds them whichever operand the
  float64 choice took (the chosen operand's bound when the choice is certain), so they
  are not decisions; ``select(c, a, b)``: the chosen operand's bound (``c`` comes from a
  comparison, itself checked); ``-a``: ``ea``.

Every bound is then scaled by ``K = 1 + 2**-48`` and, when not zero, raised by a few
``2**-1074``: that covers the rounding of the bound's own few float64 operations
(relative ``(1 + u)**k`` for ``k`` well under 32) and their underflow. An overflow gives
``inf`` or ``nan`` bounds, and a ``nan`` bound decides nothing.

A **decision** ``a < b``, ``a <= b``, ``a == b`` (guards, ``sv.when``, invariants,
lemmas, ``@initial`` conditions) and the ``b != 0`` of a division is **certain** when
``ea + eb == 0`` (both values are the judge's, the float64 comparison is exact) or
``|a - b| > (ea + eb) K`` (the exact values lie on the same side); otherwise the lane is
**undecided** from that step on and goes to the exact judge. A lane all of whose
decisions were certain takes, on the judge, exactly the branches it took in float64,
so its verdict (violation at step t, or none) is the judge's.

The same formulas run in the generated numba kernel (:data:`KERNEL_HELPERS`, the
``_e*`` helpers) and in the NumPy lanes (:class:`solvent.backends.vector.BoundedVectorBackend`),
so both engines make the same decisions; the tests check the bounds against the
``Fraction`` judge. The kernel also knows, from the spec's shape, values whose bound is 0
on every lane (:meth:`solvent.stress.emit.Emitter.exact`: a draw, a literal that is a
double, a field whose initial values are exact and every write exact, such as the perp's
position size, drawn and set to the literal 0 by a liquidation; ``-``, ``min``, ``max``,
``select`` of exact values): their bound is the literal ``0.0`` and a product with one of
them is ``_emul1``, the formula of ``_emul`` with that operand's bound 0.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

U = 2.0**-53  # unit roundoff of float64 round-to-nearest
K = 1.0 + 2.0**-48  # safety factor for the rounding of the bound's own operations
ETA = 5e-324  # 2**-1074, the smallest subnormal
TINY = 2.2250738585072014e-308  # 2**-1022, the smallest normal

KERNEL_HELPERS = """
U = 2.0 ** -53
K = 1.0 + 2.0 ** -48
ETA = 5e-324
TINY = 2.2250738585072014e-308


@njit(cache=True, inline="always")
def _dec(a, b, ea, eb):
    s = ea + eb
    return s == 0.0 or abs(a - b) > s * K


@njit(cache=True, inline="always")
def _eadd(a, b, r, ea, eb):
    if ea == 0.0 and eb == 0.0:  # exact operands: the exact rounding error (TwoSum)
        bp = r - a
        return abs((a - (r - bp)) + (b - bp))
    return (ea + eb + U * abs(r)) * K + ETA


@njit(cache=True, inline="always")
def _emul(a, b, r, ea, eb):
    if r == 0.0 and ((a == 0.0 and ea == 0.0) or (b == 0.0 and eb == 0.0)):
        return 0.0  # an exact zero factor: the exact product is 0
    e = abs(a) * eb + abs(b) * ea + ea * eb
    ar = abs(r)
    if ar > TINY:  # at 2**-1022 itself u |r| underflows to 0: the subnormal rule
        e = e + U * ar
    elif a != 0.0 and b != 0.0:
        e = e + ETA
    if e == 0.0 and ea == 0.0 and eb == 0.0:
        return 0.0
    return e * K + 4.0 * ETA


@njit(cache=True, inline="always")
def _emul1(a, b, r, eb):  # _emul(a, b, r, 0.0, eb): ``a`` exact by the kernel's shape
    if r == 0.0 and (a == 0.0 or (b == 0.0 and eb == 0.0)):
        return 0.0  # an exact zero factor: the exact product is 0
    e = abs(a) * eb
    ar = abs(r)
    if ar > TINY:  # at 2**-1022 itself u |r| underflows to 0: the subnormal rule
        e = e + U * ar
    elif a != 0.0 and b != 0.0:
        e = e + ETA
    if e == 0.0 and eb == 0.0:
        return 0.0
    return e * K + 4.0 * ETA


@njit(cache=True, inline="always")
def _ediv(a, b, r, ea, eb):
    ab = abs(b)
    if ab == 0.0 and eb == 0.0:
        return 0.0
    if not ab > eb * K:
        return np.inf
    e = (abs(a) * eb + ab * ea) / (ab * ((ab - eb) / K)) * K
    ar = abs(r)
    if ar > TINY:  # at 2**-1022 itself u |r| underflows to 0: the subnormal rule
        e = e + U * ar
    elif a != 0.0:
        e = e + ETA
    if e == 0.0 and ea == 0.0 and eb == 0.0:
        return 0.0
    return e * K + 4.0 * ETA


@njit(cache=True, inline="always")
def _ecancel(r, a, er, ea):
    d = abs(r - a)
    if d == 0.0 and ea == 0.0:
        return 0.0
    alt = (d + ea) * K + ETA
    return alt if alt < er else er


@njit(cache=True, inline="always")
def _emax(a, b, ea, eb):
    if ea == eb:  # either operand's bound: no need to know which one was taken
        return ea
    if _dec(a, b, ea, eb):
        return ea if a >= b else eb
    return ea if ea >= eb else eb


@njit(cache=True, inline="always")
def _emin(a, b, ea, eb):
    if ea == eb:  # either operand's bound: no need to know which one was taken
        return ea
    if _dec(a, b, ea, eb):
        return ea if a <= b else eb
    return ea if ea >= eb else eb
"""
"""The kernel's bound helpers (numba source; the same formulas as the NumPy ones below)."""


def literal_error(q: Any) -> float:
    """``|float(q) - q|`` rounded up to a float64: the bound of a spec literal."""
    q = Fraction(q)
    x = float(q)
    gap = abs(Fraction(x) - q)
    if gap == 0:
        return 0.0
    g = float(gap)
    if Fraction(g) < gap:
        g = float(np.nextafter(g, np.inf))
    return g


def initial_exact(spec: Any) -> dict[str, tuple[Fraction | None, ...]]:
    """Per numeric state field, per account entry: the spec's exact initial value, or None
    where the lanes draw it (a ``Within`` domain) and the judge gets the drawn double.

    A lane whose initial value equals ``float(q)`` of the spec's own ``q`` starts from
    ``q`` on the judge (:func:`solvent.stress.exact.lane_trace`), so its bound is
    :func:`literal_error` of ``q``; any other value (drawn) is the judge's exactly.
    """
    from solvent.engine.start import is_fixed, start

    out: dict[str, tuple[Fraction | None, ...]] = {}
    for name, entries in start(spec).items():
        if spec.fields[name].sort == "bool":
            continue
        out[name] = tuple(
            Fraction(e) if is_fixed(e) and not isinstance(e, bool) else None  # type: ignore[arg-type]
            for e in entries
        )
    return out


def exact_initial(x: float, q: Fraction | None) -> Fraction:
    """The judge's initial value of a lane number ``x`` (see :func:`initial_exact`)."""
    if q is not None and float(q) == x:
        return q
    return Fraction(x)


def initial_error(col: Any, q: Fraction | None) -> Any:
    """The bound of the lanes' initial column ``col`` (see :func:`initial_exact`)."""
    if q is None:
        return 0.0
    e = literal_error(q)
    if e == 0.0:
        return 0.0
    return np.where(col == float(q), e, 0.0)


def kernel_initial_error(
    var: str, entries: tuple[Fraction | None, ...], account: str | None
) -> str:
    """Kernel source for the bound of an initial value ``var`` (see :func:`initial_exact`);
    ``account``: the loop variable of a per-account field, None for a scalar field."""
    pairs = [(float(q), literal_error(q)) if q is not None else (0.0, 0.0) for q in entries]
    if all(e == 0.0 for _, e in pairs):
        return "0.0"
    if account is None or len(set(pairs)) == 1:
        x, e = pairs[0]
        return f"({e!r} if {var} == {x!r} else 0.0)"
    xs = ", ".join(repr(x) for x, _ in pairs)
    es = ", ".join(repr(e) for _, e in pairs)
    n = len(pairs)
    return (
        f"((({es},)[{account}] if {var} == ({xs},)[{account}] else 0.0) "
        f"if {account} < {n} else 0.0)"
    )


# -- NumPy forms (lanes engine) -------------------------------------------------------------


def decided(a: Any, b: Any, ea: Any, eb: Any) -> Any:
    s = np.add(ea, eb)
    with np.errstate(invalid="ignore", over="ignore"):
        return (s == 0.0) | (np.abs(np.subtract(a, b)) > s * K)


def _finish(e: Any, zero: Any) -> Any:
    with np.errstate(invalid="ignore", over="ignore"):
        return np.where(zero, 0.0, e * K + 4.0 * ETA)


def e_add(a: Any, b: Any, r: Any, ea: Any, eb: Any) -> Any:
    with np.errstate(invalid="ignore", over="ignore"):
        bp = np.subtract(r, a)
        err = np.abs((a - (r - bp)) + (b - bp))
        exact = (np.asarray(ea) == 0.0) & (np.asarray(eb) == 0.0)
        inexact = (ea + eb + U * np.abs(r)) * K + ETA
        return np.where(exact, err, inexact)


def e_mul(a: Any, b: Any, r: Any, ea: Any, eb: Any) -> Any:
    with np.errstate(invalid="ignore", over="ignore"):
        e = np.abs(a) * eb + np.abs(b) * ea + ea * eb
        ar = np.abs(r)
        e = e + np.where(ar > TINY, U * ar, np.where((a != 0.0) & (b != 0.0), ETA, 0.0))
        zero = (np.asarray(r) == 0.0) & (((a == 0.0) & (ea == 0.0)) | ((b == 0.0) & (eb == 0.0)))
        return np.where(zero, 0.0, _finish(e, (e == 0.0) & (ea == 0.0) & (eb == 0.0)))


def e_div(a: Any, b: Any, r: Any, ea: Any, eb: Any) -> tuple[Any, Any]:
    """The bound of ``a / b`` and whether ``b != 0`` was decided."""
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        ab = np.abs(b)
        exact_zero = (ab == 0.0) & (eb == 0.0)
        ok = ab > eb * K
        den = np.where(ok, ab * ((ab - eb) / K), 1.0)
        e = (np.abs(a) * eb + ab * ea) / den * K
        ar = np.abs(r)
        e = e + np.where(ar > TINY, U * ar, np.where(a != 0.0, ETA, 0.0))
        e = _finish(e, (e == 0.0) & (ea == 0.0) & (eb == 0.0))
        e = np.where(exact_zero, 0.0, np.where(ok, e, np.inf))
        return e, exact_zero | ok


def e_max(a: Any, b: Any, ea: Any, eb: Any, upper: bool) -> Any:
    d = decided(a, b, ea, eb)
    first = (np.asarray(a) >= b) if upper else (np.asarray(a) <= b)
    return np.where(d, np.where(first, ea, eb), np.maximum(ea, eb))
