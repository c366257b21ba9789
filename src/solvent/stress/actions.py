"""User actions in stress runs: which action instances a run draws from (``--action-rate``,
``--action``) and how a block draws them and their arguments (:func:`draw_actions`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np


@dataclass(frozen=True, slots=True)
class ArgDraw:
    """How one argument of a user action is drawn (plain data, pickles with the job).

    ``kind``: ``"num"`` (uniform in ``[lo, hi]``, the float64 bounds inside the exact
    domain), ``"bool"`` (a fair coin). ``exact``: the value of a one-point domain (the
    trace records it exactly; the lanes use its nearest double). ``lo_units``/``hi_units``:
    a fixed-point spec's exact bounds in grid units (they fit int64, checked up front).
    """

    name: str
    kind: str
    lo: float = 0.0
    hi: float = 0.0
    exact: Fraction | None = None
    lo_units: int = 0
    hi_units: int = 0

    def rest(self) -> float:
        """The value of lanes that do not run this action (0, or the domain bound nearest it)."""
        return min(max(0.0, self.lo), self.hi) if self.kind == "num" else 0.0

    def rest_units(self) -> int:
        return min(max(0, self.lo_units), self.hi_units) if self.kind == "num" else 0


@dataclass(frozen=True, slots=True)
class ActionDraw:
    """One user-action instance the run may choose: the action, its accounts, its arguments."""

    name: str
    accounts: tuple[int, ...]
    args: tuple[ArgDraw, ...]


def action_draws(
    spec: Any, rate: float, only: tuple[str, ...], fixed: bool
) -> tuple[ActionDraw, ...]:
    """Check ``--action-rate`` (``rate``) and ``--action`` (``only``); the user-action
    instances a run draws from (empty: no user actions). Raises ``UsageError``."""
    from solvent.errors import UsageError

    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1:
        raise UsageError(f"--action-rate must be a probability between 0 and 1, got {rate!r}")
    known = [a.name for a in spec.actions]
    unknown = [n for n in only if n not in known]
    if unknown:
        raise UsageError(
            f"--action {unknown[0]}: spec {spec.name} has no user action {unknown[0]!r}; "
            f"its actions: {', '.join(known) or 'none'}"
        )
    if rate == 0:
        if only:
            raise UsageError(
                "--action NAME picks the user actions --action-rate runs; give --action-rate P > 0"
            )
        return ()
    if not spec.actions:
        raise UsageError(
            f"--action-rate {rate:g}: spec {spec.name} declares no user action (@spec.action)"
        )
    scale = 10**spec.decimals if fixed else 0
    out: list[ActionDraw] = []
    shapes: dict[str, tuple[ArgDraw, ...]] = {}
    for inst in spec.instances():
        act = inst.action
        if only and act.name not in only:
            continue
        if act.name not in shapes:
            shapes[act.name] = tuple(
                _arg_draw(spec, act.name, name, dom, scale) for name, dom in act.args.items()
            )
        out.append(ActionDraw(act.name, inst.accounts, shapes[act.name]))
    if not out:
        raise UsageError(
            f"--action-rate {rate:g}: the chosen actions have no instance with {spec.accounts} "
            "account(s); give --accounts N"
        )
    return tuple(out)


def _arg_draw(spec: Any, action: str, name: str, dom: Any, scale: int) -> ArgDraw:
    """How argument ``name`` of ``action`` is drawn (float64 bounds inside its domain)."""
    import math

    from solvent.errors import UsageError
    from solvent.lang.domains import AnyBool, Within

    where = f"argument {name} of action {action} (spec {spec.name})"
    if isinstance(dom, AnyBool):
        return ArgDraw(name, "bool")
    if not isinstance(dom, Within):
        raise UsageError(
            f"--action-rate: {where} has no bounded domain to draw from; declare it with "
            f"sv.within(lo, hi) in @spec.action(...)"
        )
    try:
        lo, hi = float(dom.lo), float(dom.hi)
    except OverflowError:
        lo = hi = math.inf
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise UsageError(
            f"--action-rate: {where} has the domain {dom}, too wide for float64 draws; "
            "bound it with sv.within(lo, hi) of finite numbers (below 1.8e308)"
        )
    if Fraction(lo) < dom.lo:
        lo = math.nextafter(lo, math.inf)
    if Fraction(hi) > dom.hi:
        hi = math.nextafter(hi, -math.inf)
    exact = None
    if dom.lo == dom.hi:  # one point: the lanes use its nearest double, traces the value
        lo = hi = float(dom.lo)
        exact = dom.lo
    elif lo > hi:
        raise UsageError(
            f"--action-rate: {where} has the domain {dom}, which holds no float64 number to "
            "draw; widen it"
        )
    lo_u = hi_u = 0
    if scale:
        from solvent.stress.grid import arg_units, args_fit

        lo_u, hi_u = arg_units(dom.lo, dom.hi, scale)
        if lo_u > hi_u:
            raise UsageError(
                f"--action-rate: {where} has the domain {dom}, which holds no number of the "
                f"spec's grid (10^-{spec.decimals}); widen it"
            )
        if not args_fit(lo_u, hi_u):
            raise UsageError(
                f"--action-rate: {where} has the domain {dom}, which leaves int64 on the grid of "
                f"10^-{spec.decimals} (at most about {9.22e18 / scale:.3g}); bound it more tightly "
                "or use fewer decimals"
            )
    return ArgDraw(name, "num", lo, hi, exact, lo_u, hi_u)


def draw_actions(job: Any, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The user actions of ``n`` lanes: ``(act, act_args)`` (see :class:`BlockInputs`).

    Draws, in this order: one uniform per (lane, step) (an action runs when it is below
    the rate), the instance per (lane, step) (uniform among ``job.actions``), then one
    uniform per (lane, step, argument slot), turned into each chosen action's argument
    (uniform in ``[lo, hi]``; a fair coin for a boolean; a one-point domain's value).
    """
    shape = (n, job.steps)
    runs = rng.random(shape) < job.action_rate
    which = rng.integers(0, len(job.actions), shape)
    slots = max(len(a.args) for a in job.actions)
    u = rng.random((*shape, slots))
    act = np.where(runs, which, -1).astype(np.int64)
    args = np.zeros((*shape, slots))
    for mine, k, arg in argument_slots(job, act):
        if arg.kind == "bool":
            x = (u[:, :, k] < 0.5).astype(np.float64)
        elif arg.lo == arg.hi:
            x = np.full(shape, arg.lo)
        else:
            x = np.clip(arg.lo + (arg.hi - arg.lo) * u[:, :, k], arg.lo, arg.hi)
        args[:, :, k] = np.where(mine, x, args[:, :, k])
    return act, args


def argument_slots(job: Any, act: np.ndarray) -> Iterator[tuple[np.ndarray, int, ArgDraw]]:
    """Per argument of every action some lane chose in ``act``: (the (lane, step) mask of
    that action, the argument's slot, how it is drawn)."""
    for i, a in enumerate(job.actions):
        mine = act == i
        if mine.any():
            for k, arg in enumerate(a.args):
                yield mine, k, arg
