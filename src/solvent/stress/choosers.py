"""What the lanes engines choose at each step: the market draws, the keeper schedule and the
sampled user actions of a block's lanes (:class:`LaneChooser`; one lane on the concrete
judge: its exact trace, :func:`solvent.stress.exact.row_trace`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import numpy as np

from solvent.backends.vector import VECTOR, Bounded, BoundedVectorBackend
from solvent.lang.domains import AnyBool
from solvent.lang.values import BOOL, NUM, Value
from solvent.spec.spec import ActionDecl, Instance, Spec
from solvent.stress.bounds import initial_error


@dataclass(slots=True)
class LaneActions:
    """The user actions of a block's lanes (``--action-rate P > 0``).

    ``act``: ``(lanes, steps)`` index into ``instances`` (-1: no action); ``args``:
    ``(lanes, steps, slots)``, the k-th argument of the chosen action (float64 numbers or
    int64 grid units; booleans 0/1); ``rest[name]``: per argument of action ``name``, the
    value the lanes that do not run it compute with (0 or the domain bound nearest it;
    their results are discarded, the value only keeps their numbers tame).
    """

    act: np.ndarray
    args: np.ndarray
    instances: Sequence[Instance]
    rest: dict[str, tuple[Any, ...]]
    # per argument of action ``name``: the error bound of its float64 value (a one-point
    # domain's exact value the trace records, see solvent.stress.bounds; else 0)
    errors: dict[str, tuple[float, ...]] | None = None

    def of_action(self, t: int, name: str) -> np.ndarray:
        col = self.act[:, t - 1]
        mine = np.zeros(col.shape, dtype=bool)
        for i, inst in enumerate(self.instances):
            if inst.action.name == name:
                mine |= col == i
        return mine


def lane_actions(
    spec: Spec, job: Any, act: np.ndarray | None, args: np.ndarray | None
) -> LaneActions | None:
    """The :class:`LaneActions` of a block's inputs (None: no user actions)."""
    if act is None or args is None or not job.actions:
        return None
    by_key = {(inst.action.name, inst.accounts): inst for inst in spec.instances()}
    instances = [by_key[(a.name, a.accounts)] for a in job.actions]
    fixed = job.grid is not None
    from solvent.stress.bounds import literal_error

    rest: dict[str, tuple[Any, ...]] = {}
    errors: dict[str, tuple[float, ...]] = {}
    for a in job.actions:
        rest[a.name] = tuple(np.int64(x.rest_units()) if fixed else float(x.rest()) for x in a.args)
        errors[a.name] = tuple(
            literal_error(x.exact) if x.exact is not None and not fixed else 0.0 for x in a.args
        )
    return LaneActions(act, args, instances, rest, errors)


class LaneChooser:
    """Market draws from the sampled array; keepers live per the frictions; the sampled
    user actions (none unless ``actions`` is given: ``--action-rate P > 0``).

    ``M`` is ``(lanes, steps, fields)`` and every value a lane array (one lane on the judge:
    its trace, :func:`solvent.stress.exact.row_trace`, and the replay's ``TraceChooser``).
    """

    def __init__(
        self,
        M: np.ndarray,
        market: Sequence[str],
        live: np.ndarray,
        backend: Any = VECTOR,
        actions: LaneActions | None = None,
        oracles: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        self.M = M
        self.index = {name: j for j, name in enumerate(market)}
        self.live = live
        self.backend = backend
        self.actions = actions
        # the publication schedule of each declared oracle update (``oracle_schedule``)
        self.oracles = dict(oracles or {})

    def live_at(self, t: int, keeper: str) -> Any:
        """Whether keeper (or oracle update) ``keeper`` is offered a run at step ``t``."""
        return self.oracles.get(keeper, self.live)[t - 1]

    def market(self, t: int, name: str) -> Value:
        col = np.ascontiguousarray(self.M[:, t - 1, self.index[name]])
        return Value(self.backend, _input(self.backend, col), NUM)

    def adversarial(self, t: int, keeper: str, account: int | None) -> Value:
        return Value(self.backend, np.bool_(self.live_at(t, keeper)), BOOL)

    def every_step(self, t: int, keeper: str, account: int | None) -> Value | None:
        return self.adversarial(t, keeper, account)

    def candidates(self, t: int) -> Sequence[tuple[int, Instance]]:
        """The instances some lane chose at step ``t`` (the others are selected nowhere)."""
        if self.actions is None:
            return []
        col = self.actions.act[:, t - 1]
        return [(int(i), self.actions.instances[int(i)]) for i in np.unique(col[col >= 0])]

    def selected(self, t: int, index: int) -> Value:
        assert self.actions is not None, "no user actions in this run"
        return Value(self.backend, self.actions.act[:, t - 1] == index, BOOL)

    def focus(self, t: int, index: int) -> Any:
        """While instance ``index`` runs at step ``t`` on every lane: its decisions count
        only on the lanes that chose it (the bounded backend; the others discard its
        results, and their placeholder arguments would make needless exact re-runs)."""
        if self.actions is None or not isinstance(self.backend, BoundedVectorBackend):
            return nullcontext()
        return self.backend.only(self.actions.act[:, t - 1] == index)

    def args(self, t: int, action: ActionDecl) -> dict[str, Value]:
        """Per-lane arguments: the drawn ones where the lane runs ``action``."""
        if self.actions is None:
            return {}
        mine = self.actions.of_action(t, action.name)
        rest = self.actions.rest[action.name]
        out = {}
        for k, (name, dom) in enumerate(action.args.items()):
            raw = np.where(mine, self.actions.args[:, t - 1, k], rest[k])
            if isinstance(dom, AnyBool):
                out[name] = Value(self.backend, raw != 0, BOOL)
            elif isinstance(self.backend, BoundedVectorBackend):
                errs = self.actions.errors or {}
                err = errs.get(action.name, (0.0,) * (k + 1))[k]
                e = np.where(mine, err, 0.0) if err else 0.0
                out[name] = Value(self.backend, Bounded(np.ascontiguousarray(raw), e), NUM)
            else:
                out[name] = Value(self.backend, np.ascontiguousarray(raw), NUM)
        return out


def keeper_schedule(n_steps: int, period: int, outage_start: int, outage_len: int) -> np.ndarray:
    """Whether keepers run at steps 1..n (the kernel computes the same expression)."""
    t = np.arange(1, n_steps + 1)
    return (t % period == 0) & ~((outage_start <= t) & (t < outage_start + outage_len))


def oracle_schedule(job: Any, n_steps: int | None = None) -> dict[str, np.ndarray]:
    """When each oracle update the spec declares (``@spec.oracle(within=K)``) is offered a
    run at steps 1..n: every step, or with ``--oracle-delay D`` only at steps ``t`` with
    ``t % (D + 1) == 0``; the engine still publishes once the price is ``K`` steps stale,
    so the delay is a scenario of the declaration (keeper outages do not touch it)."""
    t = np.arange(1, (job.steps if n_steps is None else n_steps) + 1)
    return {name: t % (job.oracle_delay + 1) == 0 for name in job.oracle_names}


def _input(backend: Any, col: np.ndarray, exact: Any = None) -> Any:
    """A number input of the lanes; on the bounded backend with its bound: 0 for a drawn
    double (the judge gets it exactly), the spec literal's error where the lane holds
    ``float(q)`` of the spec's own initial ``q`` (``exact``; see ``bounds.initial_exact``)."""
    if not isinstance(backend, BoundedVectorBackend):
        return col
    return Bounded(col, initial_error(col, exact))
