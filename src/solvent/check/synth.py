"""Synthesis: the cheapest protocol parameter proved safe for the envelope, and safe regions.

``synth(spec, "maintenance_margin")`` searches the parameter with the frontier machinery
(bisection over proofs: parameters are static values in a spec, so they cannot be solver
variables) in the cheap direction, ``down`` by default (smallest margin, smallest fund);
give ``direction="up"`` for parameters where larger is cheaper (largest leverage, largest
open-interest cap).

``synth_grid(spec, ("maintenance_margin", "initial_margin"), 5)`` proves every point of a
grid over two parameters and reports the safe region as a table and as rows for a plot.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from solvent.check import parallel
from solvent.check.frontier import FrontierResult, integer_range, search
from solvent.check.knobs import DIRECTIONS, DOWN, UP, Knob, number, param_knob
from solvent.check.probes import (
    COUNTEREXAMPLE,
    INCONCLUSIVE_PROBE,
    NOT_PROVED,
    PROVED,
    VACUOUS_PROOF,
    Interrupted,
    Probe,
    ProbeOptions,
    Prober,
)
from solvent.check.solving import select_properties
from solvent.errors import UsageError
from solvent.lang.values import format_number
from solvent.spec.spec import Spec


def synth(
    spec: Spec,
    param: str,
    *,
    direction: str = DOWN,
    tol: Any = None,
    search_range: tuple[Any, Any] | None = None,
    checks: int = 2,
    options: ProbeOptions | None = None,
) -> FrontierResult:
    """The cheapest value of a numeric protocol parameter for which the invariants are proved.

    Parameters
    ----------
    param : str
        A numeric ``@params`` field, e.g. ``maintenance_margin``.
    direction : {"down", "up"}
        The cheap direction: ``down`` finds the smallest safe value, ``up`` the largest.
    tol, search_range, checks, options
        As for :func:`solvent.check.frontier.frontier`. Without ``search_range`` the search
        starts from the spec's value, which must then be proved safe.
    """
    return search(
        spec,
        param_knob(spec, param),
        "synth",
        direction=direction,
        tol=tol,
        search_range=search_range,
        method="bisection",
        checks=checks,
        options=options,
    )


@dataclass(frozen=True, slots=True)
class GridCell:
    """One point of a two-parameter grid."""

    values: tuple[Fraction, Fraction]
    outcome: str  # PROVED | VACUOUS_PROOF | COUNTEREXAMPLE | NOT_PROVED | INCONCLUSIVE_PROBE
    proof: Probe
    refutation: Probe | None  # bmc at a point that was not proved

    @property
    def seconds(self) -> float:
        return self.proof.seconds + (self.refutation.seconds if self.refutation else 0.0)


@dataclass(frozen=True, slots=True)
class GridResult:
    """The safe region of two parameters on a grid (``cells`` row-major: first param outer)."""

    spec: str
    knobs: tuple[Knob, Knob]
    axes: tuple[tuple[Fraction, ...], tuple[Fraction, ...]]
    cells: tuple[GridCell, ...]
    direction: str  # the cheap direction of the second parameter (see ``cheapest``)
    non_monotone: tuple[tuple[tuple[Fraction, Fraction], tuple[Fraction, Fraction]], ...]
    seconds: float
    accounts: int
    message: str
    interrupted: bool = False
    check: str = "synth-grid"
    directions: tuple[str, str] = (DOWN, DOWN)  # the cheap direction of each parameter

    def cell(self, i: int, j: int) -> GridCell:
        return self.cells[i * len(self.axes[1]) + j]

    def cheapest(self) -> list[tuple[Fraction, Fraction | None]]:
        """For each value of the first parameter, the cheapest proved value of the second."""
        out = []
        for i, a in enumerate(self.axes[0]):
            proved = [b for j, b in enumerate(self.axes[1]) if self.cell(i, j).outcome == PROVED]
            pick = (min if self.direction == DOWN else max)(proved) if proved else None
            out.append((a, pick))
        return out

    @property
    def exit_code(self) -> int:
        unsure = any(c.outcome in (INCONCLUSIVE_PROBE, VACUOUS_PROOF) for c in self.cells)
        none_safe = not any(c.outcome == PROVED for c in self.cells)
        return 2 if self.interrupted or unsure or none_safe or self.non_monotone else 0


def synth_grid(
    spec: Spec,
    params: Sequence[str],
    grid: int,
    *,
    ranges: Sequence[tuple[Any, Any] | None] = (),
    direction: str | Sequence[str] = DOWN,
    refute: bool = True,
    refute_cap: float = 20.0,
    options: ProbeOptions | None = None,
) -> GridResult:
    """Prove every point of a ``grid`` x ``grid`` grid over two numeric parameters.

    Parameters
    ----------
    params : (str, str)
        Two numeric ``@params`` fields.
    grid : int
        Points per axis (>= 2), evenly spaced over each range, ends included.
    ranges : ((lo, hi) or None, (lo, hi) or None)
        Range per parameter (default: half to twice the spec's value).
    direction : {"down", "up"} or a pair of them
        The cheap direction of both parameters, or of each (e.g. ``("down", "up")`` for
        maintenance margin x max leverage), for the summary and the monotonicity check.
    refute : bool
        Run bmc (capped at ``refute_cap`` seconds) where a point is not proved, to tell a
        real counterexample from a failed induction.
    """
    t0 = time.perf_counter()
    options = options or ProbeOptions()
    if len(params) != 2:
        raise UsageError(
            f"a grid needs exactly two parameters (--param A --param B), got {len(params)}"
        )
    if params[0] == params[1]:
        raise UsageError(f"give two different parameters for a grid, got {params[0]} twice")
    if isinstance(grid, bool) or not isinstance(grid, int) or grid < 2:
        raise UsageError(f"grid must be an integer >= 2 (points per axis), got {grid!r}")
    dirs = _directions(direction)
    knobs = (param_knob(spec, params[0]), param_knob(spec, params[1]))
    given = list(ranges) + [None] * (2 - len(ranges))
    axes = (_axis(knobs[0], given[0], grid), _axis(knobs[1], given[1], grid))
    select_properties(spec, list(options.invariants))
    targets = list(options.invariants) or [d.name for d in spec.invariants]
    cells: list[GridCell] = []
    interrupted = False
    tasks = []
    for a in axes[0]:
        # both parameters in one rebuild: the row value alone may be outside the model
        value_a = int(a) if knobs[0].integer else a
        column = replace(knobs[1], with_others=((knobs[0].target, value_a),))
        tasks += [(spec, column, a, b, options, targets, refute, refute_cap) for b in axes[1]]
    try:
        if options.jobs is None and not options.scheduler:
            for task in tasks:  # one at a time, in this process
                cells.append(grid_cell(task))
        else:  # independent points: several at once, or on a Dask cluster
            # each point's counterexample search on the portfolio in its own process
            one = replace(options, jobs=1)
            cells = parallel.map_ordered(
                grid_cell,
                [(*t[:4], one, *t[5:]) for t in tasks],
                jobs=options.jobs,
                scheduler=options.scheduler,
                modules=parallel.spec_modules(spec),
            )
    except (Interrupted, parallel.Interrupted):
        interrupted = True
    pairs = _dominated(cells, dirs)
    proved = sum(c.outcome == PROVED for c in cells)
    message = (
        f"{proved} of {len(cells)} points proved safe"
        + ("; interrupted (Ctrl-C) before the grid was complete" if interrupted else "")
        + (
            f"; NON-MONOTONE: {len(pairs)} proved point(s) are cheaper than a failing one"
            if pairs
            else ""
        )
    )
    return GridResult(
        spec.name,
        knobs,
        axes,
        tuple(cells),
        dirs[1],
        pairs,
        time.perf_counter() - t0,
        spec.accounts,
        message,
        interrupted,
        directions=dirs,
    )


def grid_cell(
    task: tuple[Spec, Knob, Fraction, Fraction, ProbeOptions, list[str], bool, float],
) -> GridCell:
    """One point of a grid: prove it, and where that fails, look for a counterexample.

    A module-level function of plain data, so that a process pool or a Dask worker can
    run it; the same function runs every point whatever runs it.
    """
    spec, column, a, b, options, targets, refute, refute_cap = task
    probe = Prober(spec, column, options, targets)
    proof = probe.prove(b, "grid")
    refutation = None
    if refute and proof.outcome in (NOT_PROVED, INCONCLUSIVE_PROBE):
        refutation = probe.refute(b, "grid", cap=refute_cap)
    outcome = proof.outcome
    if refutation is not None and refutation.outcome == COUNTEREXAMPLE:
        outcome = COUNTEREXAMPLE
    return GridCell((a, b), outcome, proof, refutation)


def _directions(direction: str | Sequence[str]) -> tuple[str, str]:
    """One direction for both parameters, or one each ("down,up" on the command line)."""
    given = direction.split(",") if isinstance(direction, str) else list(direction)
    given = [d.strip() for d in given]
    if len(given) == 1:
        given = given * 2
    if len(given) != 2 or any(d not in DIRECTIONS for d in given):
        raise UsageError(
            f"direction must be up or down, or one per parameter like down,up; got {direction!r}"
        )
    return given[0], given[1]


def _axis(knob: Knob, given: tuple[Any, Any] | None, n: int) -> tuple[Fraction, ...]:
    if given is None:
        lo, hi = knob.current / 2, knob.current * 2
        lo, hi = min(lo, hi), max(lo, hi)
        if lo == hi:
            raise UsageError(
                f"{knob.name} is 0 in the spec, so it has no default range; give --range LO HI"
            )
    else:
        lo, hi = (
            number(given[0], f"range lower end of {knob.name}"),
            number(given[1], f"range upper end of {knob.name}"),
        )
        if lo > hi:
            raise UsageError(
                f"range of {knob.name}: lower end {format_number(lo)} exceeds upper "
                f"end {format_number(hi)}; give LO <= HI"
            )
        if lo == hi:
            raise UsageError(f"range of {knob.name} is a single point; a grid needs LO < HI")
    if knob.integer:
        return _integer_axis(knob, lo, hi, n)
    values = [lo + (hi - lo) * i / (n - 1) for i in range(n)]
    return tuple(dict.fromkeys(values))


def _integer_axis(knob: Knob, lo: Fraction, hi: Fraction, n: int) -> tuple[Fraction, ...]:
    """An int parameter's axis: integers inside ``[lo, hi]`` only. Every one of them when
    there are at most ``n``; else ``n`` of them evenly spread, both ends included, each
    point rounded half up (``floor(x + 1/2)``, no banker's rounding)."""
    first, last = integer_range(knob, lo, hi)
    count = int(last - first) + 1
    if count <= n:
        return tuple(first + i for i in range(count))
    step = (last - first) / (n - 1)
    half = Fraction(1, 2)
    return tuple(dict.fromkeys(Fraction(math.floor(first + step * i + half)) for i in range(n)))


def _dominated(
    cells: list[GridCell], directions: tuple[str, str]
) -> tuple[tuple[tuple[Fraction, Fraction], tuple[Fraction, Fraction]], ...]:
    """(proved point, failing point at least as conservative in both parameters)."""
    # moving against a parameter's cheap direction is more conservative
    sign = [1 if d == UP else -1 for d in directions]
    failed = [c.values for c in cells if c.outcome in (COUNTEREXAMPLE, NOT_PROVED)]
    out = []
    for c in cells:
        if c.outcome != PROVED:
            continue
        for f in failed:
            if all(sign[i] * (f[i] - c.values[i]) <= 0 for i in range(2)) and f != c.values:
                out.append((c.values, f))
    return tuple(out)
