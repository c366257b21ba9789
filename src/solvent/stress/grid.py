"""Fixed-point stress: the decimal grid the int64 lanes run on.

A spec with ``arithmetic="fixed", decimals=d`` runs under ``solvent stress`` on the
NumPy-lanes engine with :class:`solvent.backends.vector_fixed.FixedVectorBackend`: every
number is an ``int64`` count of ``10**-d`` units. The scenario and the account population
still draw float64 numbers (returns, sizes, quotes, uniform initial values); before use,
each draw ``x`` is put on the grid as

    units = round_half_even(fl(x * 10**d))

(``np.rint`` of the float64 product; a deterministic function of the draw), and stored
as ``int64``. The lanes and the exact re-run of a lane (:func:`solvent.stress.exact.lane_trace`)
read the same integers, so they see exactly the same numbers. Constants of the spec
(fixed initial values, the bounds of ``sv.within``, held envelope fields) are converted
exactly from their rationals, and uniform draws are clipped to their exact bounds. A
draw whose units do not fit ``int64`` (or is not finite) marks its lane as overflowed:
that lane is flagged and re-run on the concrete judge, never used as is.

:data:`OVERFLOW` is the pseudo-property the lanes engine reports overflowed lanes under
(``flagged_by_property["int64_overflow"]``): it always holds on the judge (Python ints
never overflow), so an overflowed lane is a violation only when its exact re-run breaks
one of the spec's real properties.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from solvent.spec.spec import PredicateDecl

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
_LIMIT = 2.0**63  # |units| >= this does not fit int64 (exact as a float64)


def _holds(s: Any) -> bool:
    return True


OVERFLOW = PredicateDecl(
    name="int64_overflow",
    fn=_holds,
    kind="lemma",
    per_account=False,
    takes_params=False,
    doc="the lane's numbers fit int64 (fixed-point stress; always true on the judge)",
)
"""Pseudo-property of overflowed lanes (see the module docstring)."""


def exact_units(q: Any, scale: int) -> int:
    """``q * scale`` for a value of the spec (on the grid: the spec checks it); may exceed int64."""
    return int(Fraction(q) * scale)


@dataclass(frozen=True, slots=True)
class Grid:
    """Plain data (pickles with the job): the grid and the spec's constants in units."""

    decimals: int
    # per global: ("const", u, u) | ("uniform", lo, hi) | ("bool", 0, 1)
    g_init: tuple[tuple[str, int, int], ...]
    a_init: tuple[tuple[tuple[str, int, int], ...], ...]  # per per-account field, per account
    # per market field: units of a held (const) field, None if driven by the scenario
    market: tuple[int | None, ...]
    bounds: tuple[tuple[int, int], ...]  # per market field: envelope bounds in units

    @property
    def scale(self) -> int:
        return 10**self.decimals

    def rounded(self, x: np.ndarray) -> np.ndarray:
        """Float64 draws on the grid: ``rint(x * 10**d)`` as float64 (integer values)."""
        with np.errstate(over="ignore", invalid="ignore"):
            return np.rint(np.asarray(x, dtype=np.float64) * float(self.scale))

    def units(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Float64 draws on the grid: (int64 units, overflow mask of the same shape)."""
        y = self.rounded(x)
        over = _outside(y)
        return _int64(y, over), over

    def to_float(self, units: np.ndarray) -> np.ndarray:
        """Units back to float64 numbers (for the metrics)."""
        return np.asarray(units, dtype=np.float64) / float(self.scale)

    def value(self, units: Any) -> Fraction:
        """One lane's units as the exact number the judge replays."""
        return Fraction(int(units), self.scale)


def _outside(y: np.ndarray) -> np.ndarray:
    """Rounded grid values (float64) that are no int64: not finite, or |y| >= 2**63."""
    return ~np.isfinite(y) | (np.abs(y) >= _LIMIT)


def _int64(y: np.ndarray, over: np.ndarray) -> np.ndarray:
    """Rounded grid values as int64 units; entries in ``over`` hold the sentinel."""
    units = np.where(over, 0.0, y).astype(np.int64)
    units[over] = INT64_MIN  # the sentinel of an entry outside int64
    return units


def _fits(u: int) -> bool:
    return INT64_MIN <= u <= INT64_MAX


def _init_units(v: Any, scale: int, is_bool: bool) -> tuple[str, int, int]:
    """One initial entry (see :func:`solvent.engine.start.start`) in units."""
    from solvent.lang.domains import AnyBool, Within

    if is_bool:
        return ("bool", 0, 1) if isinstance(v, AnyBool) else ("const", int(bool(v)), int(bool(v)))
    if isinstance(v, Within):
        lo, hi = exact_units(v.lo, scale), exact_units(v.hi, scale)
        return ("const", lo, lo) if lo == hi else ("uniform", lo, hi)
    u = exact_units(v, scale)
    return ("const", u, u)


def make_grid(
    spec: Any, globs: tuple[str, ...], accs: tuple[str, ...], market_map: tuple[Any, ...]
) -> Grid:
    """The grid of fixed spec ``spec`` (the field order of the job's layout)."""
    from solvent.engine.start import start

    scale = 10**spec.decimals
    begin = start(spec)  # the spec's own initial state, per account
    bools = {n for n, fd in spec.fields.items() if fd.sort == "bool"}
    names = list(spec.bounds)
    market: list[int | None] = []
    for name, (kind, _asset, _value) in zip(names, market_map, strict=True):
        if kind == "asset":
            market.append(None)
        else:
            dom = spec.bounds[name]
            market.append(0 if dom.lo <= 0 <= dom.hi else exact_units(dom.lo, scale))
    return Grid(
        decimals=spec.decimals,
        g_init=tuple(_init_units(begin[f][0], scale, f in bools) for f in globs),
        a_init=tuple(tuple(_init_units(e, scale, f in bools) for e in begin[f]) for f in accs),
        market=tuple(market),
        bounds=tuple(
            (exact_units(spec.bounds[n].lo, scale), exact_units(spec.bounds[n].hi, scale))
            for n in names
        ),
    )


def _column(
    grid: Grid, how: tuple[str, int, int], drawn: np.ndarray, is_bool: bool
) -> tuple[np.ndarray, np.ndarray, Any]:
    """One field's draws (float64, any shape) in units, its overflow mask, and the exact
    units of its entries (a function of an index: Python ints, also outside int64)."""
    kind, lo, hi = how
    if is_bool:
        flags = (np.asarray(drawn) != 0.0).astype(np.int64)
        return flags, np.zeros(drawn.shape, dtype=bool), lambda ix: int(flags[ix])
    if kind == "const":
        fits = _fits(lo) and lo != INT64_MIN
        units = np.full(drawn.shape, lo if fits else INT64_MIN, dtype=np.int64)
        return units, np.full(drawn.shape, not fits), lambda ix: lo
    y = grid.rounded(drawn)
    if kind == "uniform":  # rounding never leaves the (on-grid) bounds
        y = np.clip(y, float(lo), float(hi))

        def exact(ix: Any) -> int:
            return min(max(int(y[ix]), lo), hi)
    else:

        def exact(ix: Any) -> int:
            if not np.isfinite(y[ix]):
                raise OverflowError("a draw that is not a finite number")
            return int(y[ix])

    over = _outside(y)
    if kind == "uniform" and not (_fits(lo) and _fits(hi)):
        over = np.ones(drawn.shape, dtype=bool)
    return _int64(y, over), over, exact


@dataclass(slots=True)
class GridInputs:
    """A block's inputs on the grid (see :func:`on_grid`)."""

    G0: np.ndarray
    A0: np.ndarray
    M: np.ndarray
    C2: np.ndarray
    beyond: np.ndarray
    overflow: np.ndarray
    wide: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]


def on_grid(job: Any, M: np.ndarray, A0: np.ndarray, G0: np.ndarray, drawn: set[str]) -> GridInputs:
    """A block's float64 draws on the job's grid.

    ``G0``/``A0``/``M`` become int64 units (booleans 0/1); ``C2`` are the Cover-2 accounts
    (largest ``|size|`` in units), ``beyond`` the lanes with a return outside the envelope
    (compared exactly in units), ``overflow`` the lanes with a number outside int64 (such
    an entry holds the sentinel ``INT64_MIN``, never a grid value) and ``wide`` holds, for each of those lanes, its exact units as
    Python ints (object arrays shaped like the lane's rows): what the judge replays.
    ``drawn``: the per-account fields the population set (rounded like any draw).
    """
    grid: Grid = job.grid
    layout = job.layout
    n = M.shape[0]
    overflow = np.zeros(n, dtype=bool)
    Mu = np.empty(M.shape, dtype=np.int64)
    m_exact = []
    for j, held in enumerate(grid.market):
        how = ("float", 0, 0) if held is None else ("const", held, held)
        Mu[:, :, j], over, exact = _column(grid, how, M[:, :, j], False)
        overflow |= over.any(axis=1)
        m_exact.append(exact)
    beyond = np.zeros(n, dtype=bool)
    for j, (lo, hi) in enumerate(grid.bounds):
        if grid.market[j] is not None:  # held at a value inside the envelope
            continue
        col = Mu[:, :, j]  # a sentinel (|return| >= 2**63 units) is beyond any int64 bound
        beyond |= (col.min(axis=1) < lo) | (col.max(axis=1) > hi)
    Au = np.empty(A0.shape, dtype=np.int64)
    a_exact = []
    for i, f in enumerate(layout.accounts):
        hows = grid.a_init[i]
        if f in drawn or len(set(hows)) == 1:  # one start for every account: all at once
            how = ("float", 0, 0) if f in drawn else hows[0]
            Au[:, i, :], over, exact = _column(grid, how, A0[:, i, :], f in layout.bools)
            overflow |= over.any(axis=1)
            a_exact.append(exact)
            continue
        exacts = []
        for acc, how in enumerate(hows):  # each account from its own start
            Au[:, i, acc], over, exact = _column(grid, how, A0[:, i, acc], f in layout.bools)
            overflow |= over
            exacts.append(exact)
        a_exact.append(lambda ix, exacts=exacts: exacts[ix[1]](ix[0]))
    Gu = np.empty(G0.shape, dtype=np.int64)
    g_exact = []
    for i, f in enumerate(layout.globals):
        Gu[:, i], over, exact = _column(grid, grid.g_init[i], G0[:, i], f in layout.bools)
        overflow |= over
        g_exact.append(exact)
    wide = {}
    for lane in np.flatnonzero(overflow).tolist():
        g = np.empty(G0.shape[1], dtype=object)
        for i in range(G0.shape[1]):
            g[i] = g_exact[i](lane)
        a = np.empty(A0.shape[1:], dtype=object)
        for i in range(A0.shape[1]):
            for acc in range(A0.shape[2]):
                a[i, acc] = a_exact[i]((lane, acc))
        m = np.empty(M.shape[1:], dtype=object)
        for j in range(M.shape[2]):
            for t in range(M.shape[1]):
                m[t, j] = m_exact[j]((lane, t))
        wide[lane] = (g, a, m)
    C2 = np.full((n, 2), -1, dtype=np.int64)
    if job.cover2 and job.accounts >= 2 and job.size_index >= 0:
        # |units| of a fitting entry cannot wrap (rint keeps |y| < 2**63); sentinel lanes
        # (INT64_MIN wraps) are sorted again below by their exact sizes
        order = np.argsort(-np.abs(Au[:, job.size_index, :]), axis=1, kind="stable")
        for lane, (_g, a, _m) in wide.items():  # by their exact sizes
            sizes = a[job.size_index]
            order[lane] = sorted(range(len(sizes)), key=lambda k: -abs(sizes[k]))
        C2[:, :] = order[:, :2]
    return GridInputs(Gu, Au, np.ascontiguousarray(Mu), C2, beyond, overflow, wide)


def lane_rows(inputs: Any, lane: int) -> tuple[Any, Any, Any]:
    """Lane ``lane``'s exact inputs in units: ``(G0 row, A0 row, M row)`` (Python ints
    for a lane whose draws left int64, else its int64 rows)."""
    wide = getattr(inputs, "wide", None) or {}
    if lane in wide:
        return wide[lane]
    return inputs.G0[lane], inputs.A0[lane], inputs.M[lane]


def arg_units(lo: Any, hi: Any, scale: int) -> tuple[int, int]:
    """A user-action argument domain ``[lo, hi]`` in grid units: the grid points inside it."""
    import math

    lo_u = math.ceil(Fraction(lo) * scale)
    hi_u = math.floor(Fraction(hi) * scale)
    return lo_u, hi_u


def args_fit(lo_u: int, hi_u: int) -> bool:
    """Whether every grid point of an argument domain fits int64 (checked up front: a
    draw is then never outside int64, so arguments never overflow a lane by themselves)."""
    return _fits(lo_u) and _fits(hi_u) and lo_u != INT64_MIN


def args_on_grid(job: Any, act: np.ndarray, args: np.ndarray, slots: Iterable[Any]) -> np.ndarray:
    """A block's user-action arguments (float64 draws, see
    :func:`solvent.stress.actions.draw_actions`) on the grid: ``rint(x * 10**d)`` clipped to
    the exact grid points of the domain, as int64 units (booleans stay 0/1; a one-point
    domain is its exact units). Entries of lanes that run no action are 0. ``slots``:
    :func:`solvent.stress.actions.argument_slots` of ``act``."""

    grid: Grid = job.grid
    out = np.zeros(args.shape, dtype=np.int64)
    for mine, k, arg in slots:
        if arg.kind == "bool":
            u = (args[:, :, k] != 0.0).astype(np.int64)
        elif arg.lo_units == arg.hi_units:
            u = np.full(act.shape, arg.lo_units, dtype=np.int64)
        else:  # the domain's units fit int64, so the clipped floats convert exactly
            top = min(float(arg.hi_units), float(np.nextafter(_LIMIT, 0.0)))
            y = np.clip(grid.rounded(args[:, :, k]), max(float(arg.lo_units), -_LIMIT), top)
            u = np.clip(y.astype(np.int64), arg.lo_units, arg.hi_units)
        out[:, :, k] = np.where(mine, u, out[:, :, k])
    return out
