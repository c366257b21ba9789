"""The batch adapter protocol: an implementation that runs a batch of traces at once.

Calling ``tick``/``keeper``/``action``/``observe`` once per step costs a few microseconds
of Python each, which caps a per-step adapter well below the speed of a vectorised
implementation. An adapter may therefore also offer the batch methods (all three, or
none), used for fixed-point specs while the spec's side runs as int64 lanes
(``--batch N > 0``, :mod:`solvent.conform.batch`)::

    reset_batch(params, init)              # one fresh implementation per lane
    step_batch(draws, keepers, actions)    # -> accepted, or (accepted, fired)
    observe_batch() -> dict                # spec field -> array, per lane
    rerun_batch() -> bool array            # optional: lanes not run exactly (e.g. overflow)

Arrays have one row per lane (trace); numbers are int64 **in units of the spec's
decimals** (``params`` are exact ``Fraction`` numbers as for ``reset``):

* ``init``: field -> ``(n,)`` array, or ``(n, accounts)`` for a per-account field;
* ``draws``: envelope name -> ``(n,)``;
* ``keepers``: keeper name -> bool ``(n, accounts)`` (``(n, 1)`` for a keeper without an
  account): the keeper runs the step makes, in account order (exactly the calls of
  ``keeper(name, account)`` on the per-step path);
* ``actions``: action name -> :class:`BatchAction` (the lanes whose step has this action,
  their accounts and arguments);
* ``accepted``: bool ``(n,)`` (compared on lanes with an action); ``fired``: keeper name ->
  bool array shaped like ``keepers`` (compared where the keeper ran), for the keepers whose
  ``keeper()`` returns a bool;
* ``observe_batch()``: field -> int64 ``(n,)`` / ``(n, accounts)`` in units of the spec's
  decimals, or bool arrays.

The batch results are compared lane by lane with the spec's lanes. A lane that differs,
that the spec's side must run on the judge, or that ``rerun_batch()`` flags, is run
again on the per-step path (``reset``, ``tick``, ...), which builds the reported
divergence and its shrunk trace: the result document is the same as without the batch
methods. A lane the batch path reports as different but the per-step path finds equal
means the adapter's two paths disagree: an adapter error (exit 3), never a verdict.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from solvent.conform.adapter import AdapterError
from solvent.conform.batch import Item, Lanes, as_trace, compare_chunk, disagree, lanes_for, length
from solvent.conform.compare import Comparer, Outcome, _call
from solvent.engine.trace import Trace
from solvent.lang.domains import AnyBool
from solvent.spec.spec import Spec

__all__ = ["BATCH_METHODS", "BatchAction", "compare_traces", "lanewise"]

BATCH_METHODS = ("reset_batch", "step_batch", "observe_batch")


@dataclass(frozen=True, slots=True)
class BatchAction:
    """The lanes of a batch whose step has one action (see the module docstring)."""

    mask: np.ndarray  # bool (n,): lanes with this action at this step
    accounts: np.ndarray  # int64 (n, k): its accounts (k: the action's account count)
    args: dict[str, np.ndarray] = field(default_factory=dict)  # int64 units, or bool

    @property
    def account(self) -> np.ndarray:
        """The account of a one-account action, ``(n,)``."""
        return self.accounts[:, 0]


def lanewise(comparer: Comparer) -> bool:
    """Whether ``comparer``'s adapter offers the batch protocol in the spec's units."""
    adapter, spec = comparer.adapter, comparer.spec
    if not all(callable(getattr(adapter, m, None)) for m in BATCH_METHODS):
        return False
    if getattr(spec, "arithmetic", "exact") != "fixed":
        return False
    unit = int(spec.decimals or 0)
    return all(d == unit for d in comparer.decimals.values())


def compare_traces(
    spec: Spec, comparer: Comparer, traces: list[Item], batch: int, use_batch: bool = True
) -> Iterator[Outcome]:
    """The comparison of each of ``traces``, in order: lane-wise through the adapter's
    batch methods when it has them (and ``batch > 0``), else per step
    (:func:`solvent.conform.batch.compare_chunk`)."""
    if batch <= 0 or not use_batch or not lanewise(comparer):
        yield from compare_chunk(spec, comparer, traces, batch)
        return
    by_len: dict[int, list[int]] = {}
    for k, item in enumerate(traces):
        by_len.setdefault(length(item), []).append(k)
    # per trace: its lanes, lane, "per-step path" (else: agreed), batch said it differs,
    # what the per-step path would have compared on it
    verdict: dict[int, tuple[Lanes, int, bool, bool, set[str]]] = {}
    for ks in by_len.values():
        if not length(traces[ks[0]]):
            continue  # nothing to batch: the judge compares the start
        lanes = lanes_for(spec, comparer.params, [traces[k] for k in ks])
        differs, rerun, compared = _run_batch(comparer, lanes)
        unsure = rerun | lanes.judge_only
        for j, k in enumerate(ks):
            u = bool(unsure[j])
            verdict[k] = (lanes, j, u or bool(differs[j]), not u, compared[j])
    for k, item in enumerate(traces):
        got = verdict.get(k)
        if got is None:
            yield comparer.run(as_trace(item))
            continue
        lanes, j, per_step, vouched, seen = got
        if not per_step:
            comparer.compared |= seen
            yield Outcome(length(item), None, set(comparer.compared))
            continue
        trace = as_trace(item)
        outcome = _per_step(spec, comparer, trace, lanes, j)
        if outcome.divergence is None and vouched:
            raise AdapterError(
                f"the adapter's batch methods and its per-step methods disagree on "
                f"{trace.meta.get('source', 'a trace')}: step_batch/observe_batch gave a "
                "value the spec does not, reset/tick/keeper/action/observe agree with the "
                "spec; fix the batch methods (or flag the lane in rerun_batch())"
            )
        yield outcome


def _per_step(spec: Spec, comparer: Comparer, trace: Trace, lanes: Lanes, j: int) -> Outcome:
    """One lane on the per-step path (its lane for the spec's side, the judge on a
    difference), as :func:`solvent.conform.batch.compare_chunk` does."""
    side = lanes.side(j)
    if side is None:
        return comparer.run(trace)
    outcome = comparer.drive(trace, side)
    if outcome.divergence is not None:
        exact = comparer.run(trace)
        if exact.divergence is None:
            raise disagree(spec, trace, outcome.divergence)
        outcome = exact
    return outcome


def _run_batch(comparer: Comparer, lanes: Lanes) -> tuple[np.ndarray, np.ndarray, list[set[str]]]:
    """Drive the adapter's batch through ``lanes``' traces; per lane: differs?, rerun?,
    and what the per-step path would have compared on it."""
    spec, adapter, n = comparer.spec, comparer.adapter, lanes.n
    ch = lanes.chooser
    T = ch.act.shape[1]
    differs: Any = np.zeros(n, dtype=bool)
    init = {k: _spec_array(lanes, 0, k) for k in spec.fields}
    _call("reset_batch()", adapter.reset_batch, dict(comparer.plain_params), init)
    observed: set[str] = set()
    differs |= _fields(comparer, lanes, 0, observed)
    has_action = (ch.act >= 0).any(axis=1)
    ran: dict[str, np.ndarray] = {}
    fired_seen: set[str] = set()
    for t in range(1, T + 1):
        draws = {k: ch.moves[k][:, t - 1] for k in spec.bounds}
        runs = {kp.name: _keeper_runs(ch, kp, t, n, spec.accounts) for kp in spec.keepers}
        actions = _actions(ch, t, n)
        got = _call(f"step_batch() at step {t}", adapter.step_batch, draws, runs, actions)
        accepted, fired = got if isinstance(got, tuple) else (got, None)
        act_now = ch.act[:, t - 1] >= 0
        differs |= act_now & (_bools(accepted, (n,), "accepted") != lanes.accepted_arrays[t])
        for kp in spec.keepers:
            run = runs[kp.name]
            ran[kp.name] = ran.get(kp.name, np.zeros(n, dtype=bool)) | run.any(axis=1)
            if fired is None or kp.name not in fired:
                continue
            fired_seen.add(kp.name)
            mine = _bools(fired[kp.name], run.shape, f"fired[{kp.name!r}]")
            for a in range(run.shape[1]):
                want = lanes.fired_arrays[t][(kp.name, a if kp.n_accounts else None)]
                differs |= run[:, a] & (mine[:, a] != want)
        differs |= _fields(comparer, lanes, t, observed)
    rerun: Any = np.zeros(n, dtype=bool)
    if callable(getattr(adapter, "rerun_batch", None)):
        rerun = _bools(_call("rerun_batch()", adapter.rerun_batch), (n,), "rerun_batch()")
    compared = []
    for j in range(n):
        c = set(observed)
        if has_action[j]:
            c.add("action accepted")
        c |= {f"keeper {k} fired" for k in fired_seen if ran[k][j]}
        compared.append(c)
    return differs, rerun, compared


def _spec_array(lanes: Lanes, t: int, name: str) -> np.ndarray:
    v = lanes.states[t][name]
    if isinstance(v, list):
        return np.stack([np.broadcast_to(np.asarray(c.raw), (lanes.n,)) for c in v], axis=1)
    return np.array(np.broadcast_to(np.asarray(v.raw), (lanes.n,)))


def _keeper_runs(ch: Any, kp: Any, t: int, n: int, accounts: int) -> np.ndarray:
    """bool (n, accounts) (or (n, 1)): the keeper runs of step ``t`` per lane."""
    width = accounts if kp.n_accounts else 1
    default = kp.liveness != "adversarial"
    out: Any = np.full((n, width), default, dtype=bool)
    got = ch.keepers.get(kp.name)
    if got is not None:
        rec, live = got
        r = rec[:, t - 1]
        out[r] = live[r, t - 1, :width]
    return out


def _actions(ch: Any, t: int, n: int) -> dict[str, BatchAction]:
    col = ch.act[:, t - 1]
    out: dict[str, BatchAction] = {}
    for index in np.unique(col[col >= 0]):
        inst = ch.instances[int(index)]
        name = inst.action.name
        mask = col == index
        if name not in out:
            k = len(inst.accounts)
            args = {}
            for aname, dom in inst.action.args.items():
                raw = ch.argv.get(name, {}).get(aname)
                raw = np.zeros(n, dtype=np.int64) if raw is None else raw[:, t - 1]
                args[aname] = raw != 0 if isinstance(dom, AnyBool) else raw
            accts: Any = np.zeros((n, k), dtype=np.int64)
            out[name] = BatchAction(np.zeros(n, dtype=bool), accts, args)
        act = out[name]
        act.mask[mask] = True
        act.accounts[mask] = inst.accounts
    return out


def _bools(x: Any, shape: tuple[int, ...], what: str) -> np.ndarray:
    a = np.asarray(x)
    if a.dtype != bool or a.shape != shape:
        raise AdapterError(
            f"the adapter's batch method returned {what} as {a.dtype} {a.shape}; expected a "
            f"bool array of shape {shape} (see docs/conform.md, the batch adapter protocol)"
        )
    return a


def _fields(comparer: Comparer, lanes: Lanes, t: int, observed: set[str]) -> np.ndarray:
    """Lanes whose ``observe_batch()`` differs from the spec's lanes at step ``t``."""
    spec, n = comparer.spec, lanes.n
    raw = _call(f"observe_batch() at step {t}", comparer.adapter.observe_batch)
    if not isinstance(raw, Mapping) or not raw.keys() <= spec.fields.keys():
        return np.ones(n, dtype=bool)  # the per-step path reports what is wrong
    differs: Any = np.zeros(n, dtype=bool)
    for name in spec.fields:
        if name not in raw:
            continue
        observed.add(name)
        got, want = np.asarray(raw[name]), _spec_array(lanes, t, name)
        if got.dtype.kind == "f" or got.dtype == object:
            raise AdapterError(
                f"observe_batch() returned {name} as {got.dtype}; expected int64 units of "
                f"10^-{spec.decimals} (or bools): floats cannot be compared exactly"
            )
        if got.shape != want.shape:
            return np.ones(n, dtype=bool)
        ne = got != want
        differs |= ne.any(axis=1) if ne.ndim == 2 else ne
    return differs
