"""Exact confirmation of the lanes float64 flagged or left undecided, and the verdict.

Float64 lanes approximate the spec's exact arithmetic, so a lane that reports a violation
is only a *flag*, and a lane that reports none is a pass only if every float64 decision
it made (guards, ``sv.when``, invariants, lemmas) was certain: its operands further apart
than their rigorous error bounds (:mod:`solvent.stress.bounds`). Every flagged lane and
every lane with an undecided decision is rebuilt from its recorded draws as a trace
(:func:`solvent.stress.exact.lane_trace`) and re-run on the concrete backend, the judge
(:func:`exact_first_failure`); the other lanes are **certified** passes. Only the lanes
whose exact re-run breaks an invariant are reported as violations (**confirmed**); a
re-run lane that breaks nothing is **unconfirmed** (a float64 false alarm, or an
undecided lane that passes exactly). A lane that was not re-run, because ``--confirm N``
capped the count, the time budget ``--confirm-seconds`` ran out or the user pressed
Ctrl-C, is **unchecked**: it is never counted as a violation, only as the upper end of
P(insolvency) (:func:`assess`), and it makes a verdict without a violation UNKNOWN.

Re-runs go cheapest first (the lanes that fail earliest, ties by path index), in this
process or, with ``--workers N``, in N forked processes.
"""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from solvent.check.replay import Failure
from solvent.engine.trace import Trace
from solvent.spec.spec import Spec
from solvent.stress.blocks import BlockJob, draw_block
from solvent.stress.metrics import clopper_pearson
from solvent.stress.pool import batches, ignore_sigint, pump

BATCH = 1  # lanes per task in worker processes: one, so the costly last lanes spread over workers
CACHED_BLOCKS = 4  # drawn blocks kept per process (lanes come sorted by step, not block)


class _OutOfTime(Exception):
    pass


def judge_for(spec: Spec) -> Any:
    """The concrete judge of ``spec``: exact rationals on GMP, or its fixed-point grid."""
    from solvent.backends.modes import concrete_for

    if getattr(spec, "arithmetic", "exact") == "fixed":
        return concrete_for(spec)
    from solvent.backends.concrete_gmp import CONCRETE_GMP

    return CONCRETE_GMP


def exact_first_failure(
    spec: Spec, trace: Trace, deadline: float | None, decls: list[Any] | None = None
) -> Any:
    """The first property failure of ``trace`` on the concrete judge (None: none).

    The same transition and predicates as :func:`solvent.check.replay.replay` (on the
    judge's rules over GMP rationals, :mod:`solvent.backends.concrete_gmp`), without
    the witnesses and metrics it also records, and checking ``deadline``
    (``time.monotonic()``; None: none) between steps: raises ``_OutOfTime`` when it passes.
    """
    from solvent.check.replay import TraceChooser, initial_concrete
    from solvent.engine.step import first_broken, run_step

    backend = judge_for(spec)
    params = spec.param_values()
    state = initial_concrete(spec, trace, backend)
    if spec.initials and first_broken(spec, params, backend, state, spec.initials) is not None:
        return None  # not a path of the spec (its @initial decision was unsure in float64)
    chooser = TraceChooser(spec, trace, backend)
    props = decls if decls is not None else spec.properties()
    for t in range(len(trace.steps) + 1):
        if t > 0:
            if deadline is not None and time.monotonic() > deadline:
                raise _OutOfTime
            state = run_step(spec, params, backend, state, t, chooser).state
        hit = first_broken(spec, params, backend, state, props)
        if hit is not None:
            return Failure(props[hit[0]].name, hit[1], t)
    return None


class _Lanes:
    """Rebuilds lane traces, keeping the last few drawn blocks."""

    def __init__(self, spec: Spec, job: BlockJob, meta: dict[str, Any]) -> None:
        self.spec, self.job, self.meta = spec, job, meta
        self.blocks: dict[int, Any] = {}

    def trace(self, index: int, upto: int) -> Trace:
        from solvent.stress.exact import lane_trace

        b, lane = divmod(index, self.job.block)
        if b not in self.blocks:
            if len(self.blocks) >= CACHED_BLOCKS:
                self.blocks.pop(next(iter(self.blocks)))
            self.blocks[b] = draw_block(self.job, b)
        inputs = self.blocks[b]
        meta = dict(self.meta, path=index, beyond_envelope=bool(inputs.beyond[lane]))
        return lane_trace(self.spec, self.job, inputs, lane, index, upto, meta)


def _check(
    lanes: _Lanes, batch: list[tuple[int, int]], deadline: float | None, decls: list[Any] | None
) -> list[tuple[int, tuple[str, int | None, int] | None]]:
    """Re-run ``(path, flagged step)`` pairs; per path: ``(property, account, step)`` or None.

    Stops at the deadline: the paths it did not finish are left out of the answer.
    """
    out: list[tuple[int, tuple[str, int | None, int] | None]] = []
    for index, step in batch:
        try:
            first = exact_first_failure(lanes.spec, lanes.trace(index, step), deadline, decls)
        except _OutOfTime:
            break
        out.append((index, None if first is None else (first.name, first.account, first.step)))
    return out


_FORKED: dict[str, Any] = {}  # what forked workers inherit: (lanes, decls)


def _check_forked(
    batch: list[tuple[int, int]], deadline: float | None
) -> list[tuple[int, tuple[str, int | None, int] | None]]:
    return _check(_FORKED["lanes"], batch, deadline, _FORKED["decls"])


def confirm_lanes(
    spec: Spec,
    job: BlockJob,
    lanes: list[list[int]],
    opts: Any,
    describe: dict[str, Any],
    decls: list[Any] | None = None,
    progress: Any = None,
) -> dict[str, Any]:
    """Re-run ``lanes`` (``[path, steps, property, priority]``, cheapest first) exactly.

    ``opts.confirm`` caps how many (None: all), ``opts.confirm_seconds`` is the time budget
    (None or 0: none), ``opts.workers`` > 1 re-runs in forked processes. Returns the counts,
    the confirmed violations by property, up to ``opts.traces`` confirmed traces (the
    first ones in lane order, so the same whatever the split) and why it stopped early
    (``stopped``: None, ``"count"``, ``"time"`` or ``"interrupted"``).
    """
    start = time.monotonic()
    budget = opts.confirm_seconds or None
    deadline = None if budget is None else start + budget
    todo = [(int(lane[0]), int(lane[1])) for lane in lanes]
    stopped = None
    if opts.confirm is not None and len(todo) > opts.confirm:
        todo, stopped = todo[: opts.confirm], "count"
    meta = {"found_by": "stress", "scenario": describe.get("name"), "seed": job.seed}
    rebuild = _Lanes(spec, job, meta)
    results: dict[int, tuple[str, int | None, int] | None] = {}
    if progress is not None and todo:
        progress.start(len(todo), 0, what="lanes", label="confirm")
    try:
        if opts.workers > 1 and len(todo) > BATCH and "fork" in _start_methods():
            _confirm_forked(rebuild, todo, deadline, decls, opts.workers, results, progress)
        else:
            for batch in batches(todo, 1):
                got = _check(rebuild, batch, deadline, decls)
                if not got:
                    break
                results.update(got)
                if progress is not None:
                    progress.advance(len(got))
    except KeyboardInterrupt:
        stopped = "interrupted"
    finally:
        if progress is not None and todo:
            progress.stop()
    if stopped != "interrupted" and len(results) < len(todo):
        stopped = "time"
    checked = len(results)
    confirmed = [(i, r) for i, r in results.items() if r is not None]
    confirmed.sort(key=lambda x: (x[1][2], x[0]))
    by_property: dict[str, int] = {}
    for _i, (name, _acc, _step) in confirmed:
        by_property[name] = by_property.get(name, 0) + 1
    order = {index: k for k, (index, _step) in enumerate(todo)}
    traces: list[tuple[Trace, str]] = []
    for index, (name, acc, step) in sorted(confirmed, key=lambda x: order[x[0]])[: opts.traces]:
        trace = rebuild.trace(index, step)
        label = Failure(name, acc, step).label()
        meta = dict(trace.meta, violation={"step": step, "invariant": label})
        traces.append(
            (Trace(trace.spec, trace.accounts, trace.init, trace.steps, trace.params, meta), label)
        )
    return {
        "checked": checked,
        "confirmed": len(confirmed),
        "unconfirmed": checked - len(confirmed),
        "by_property": by_property,
        "seconds": time.monotonic() - start,
        "stopped": stopped,
        "traces": traces,
    }


def _start_methods() -> list[str]:
    import multiprocessing as mp

    return mp.get_all_start_methods()


def _confirm_forked(
    rebuild: _Lanes,
    todo: list[tuple[int, int]],
    deadline: float | None,
    decls: list[Any] | None,
    workers: int,
    results: dict[int, Any],
    progress: Any,
) -> None:
    """Re-run in ``workers`` forked processes (they inherit the spec: no pickling of it)."""
    import multiprocessing as mp

    _FORKED.update(lanes=rebuild, decls=decls)
    ctx = mp.get_context("fork")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=ignore_sigint)

    def keep(got: list[tuple[int, Any]]) -> None:
        results.update(got)
        if progress is not None:
            progress.advance(len(got))

    def spent() -> bool:  # the budget is spent: submit nothing more
        return deadline is not None and time.monotonic() > deadline

    try:
        work = ((batch, deadline) for batch in batches(todo, BATCH))
        pump(pool, _check_forked, work, 2 * workers, keep, spent)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in list(getattr(pool, "_processes", {}).values()):
            proc.terminate()  # a worker may be deep in a long exact re-run
        raise
    finally:
        _FORKED.clear()
    pool.shutdown(wait=True)


def assess(
    conf: dict[str, Any], flagged: int, n: int, fail_by_prop: dict[str, int]
) -> dict[str, Any]:
    """P(insolvency) from the confirmed violations, bounded above by the unchecked lanes.

    ``flagged``: the lanes to re-run (flagged or undecided).

    ``estimate`` and ``paths`` count confirmed violations only. The 95% Clopper-Pearson
    interval runs from the lower end for the confirmed count to the upper end for the
    confirmed plus the unchecked lanes (each might be a violation): with every flagged lane
    re-run it is the exact interval of the confirmed count.
    """
    unchecked = flagged - conf["checked"]
    confirmed = conf["confirmed"]
    lo, _ = clopper_pearson(confirmed, n)
    _, hi = clopper_pearson(confirmed + unchecked, n)
    return {
        "estimate": confirmed / n if n else 0.0,
        "upper_estimate": (confirmed + unchecked) / n if n else 0.0,
        "ci_low": lo,
        "ci_high": hi,
        "level": 0.95,
        "method": "Clopper-Pearson",
        "paths": confirmed,
        "unchecked": unchecked,
        "by_property": dict(conf["by_property"]),
        "flagged_by_property": fail_by_prop,
    }


def verdict(conf: dict[str, Any], flagged: int) -> tuple[str, list[str]]:
    """FAIL on a confirmed violation; PASS only when every lane to re-run was re-run.

    ``flagged``: the lanes to re-run (flagged or undecided); those left unchecked by a
    budget make the verdict UNKNOWN (INTERRUPTED after Ctrl-C), never PASS.
    """
    unchecked = flagged - conf["checked"]
    notes: list[str] = []
    if unchecked:
        why = {
            "count": "--confirm capped the re-runs",
            "time": "the time budget --confirm-seconds ran out",
            "interrupted": "interrupted (Ctrl-C)",
        }.get(conf["stopped"] or "", "not re-run")
        notes.append(
            f"{unchecked:,} of {flagged:,} lanes to re-run (flagged, or with a float64 decision "
            f"within rounding error) were not re-run exactly ({why}); they are "
            "not counted as violations, only in the upper end of P(insolvency); "
            "--confirm all and a larger --confirm-seconds re-run them"
        )
    if conf["confirmed"]:
        return "FAIL", notes
    if unchecked:
        return ("INTERRUPTED" if conf["stopped"] == "interrupted" else "UNKNOWN"), notes
    return "PASS", notes
