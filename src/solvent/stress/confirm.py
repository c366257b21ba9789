"""Exact confirmation of the lanes float64 could not settle alone, and the verdict.

Float64 lanes approximate the spec's exact arithmetic. Beside every number they carry a
rigorous error bound (:mod:`solvent.stress.bounds`), and a decision (guard, ``sv.when``,
invariant, lemma) is *certain* when its operands are further apart than their bounds. A
lane all of whose decisions were certain took, on the judge, exactly the branches it took
in float64: its verdict is the judge's. So a flagged lane with every decision certain up to
its flagged step is a **certain** violation (counted without a re-run; the traces shown
are replayed exactly first, :func:`_traces`), and an unflagged one is a **certified** pass.

Every other lane (a decision within its bound, or a fixed-point lane that left int64) is
rebuilt from its recorded draws as a trace (:func:`solvent.stress.exact.lane_trace`) and
re-run on the concrete backend, the judge (:func:`exact_failures`, which also goes on
checking the invariants after a lemma breaks first; lanes whose certain violation is a
lemma's are re-run that way too, for P(insolvency)). A re-run lane that breaks a property
is **confirmed**; one that breaks nothing is **unconfirmed** (refuted: explained in
``refuted``). A lane not re-run, because ``--confirm N`` capped the count, the time budget
``--confirm-seconds`` ran out or the user pressed Ctrl-C, is **unchecked**: never counted
as a violation, only in the upper end of P(insolvency)
(:func:`solvent.stress.headline.assess`), and it makes a verdict without a violation
UNKNOWN.

Re-runs go in a seeded uniformly random order (:func:`sample_order`), so those done before
a budget ran out are a uniform random sample of the lanes to re-run (the sampled estimate
of :func:`solvent.stress.headline.assess`), in this process or, with ``--workers N``, in N
forked processes.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from solvent.check.replay import Failure
from solvent.engine.trace import Trace
from solvent.spec.spec import Spec
from solvent.stress import budget
from solvent.stress.blocks import BlockJob, draw_block, first_beyond
from solvent.stress.budget import OutOfTime
from solvent.stress.pool import batches, ignore_sigint, pump

BATCH = 1  # lanes per task in worker processes: one, so the costly last lanes spread over workers
CACHED_BLOCKS = 4  # drawn blocks kept per process (lanes come sorted by step, not block)


_OutOfTime = OutOfTime  # the judge's deadline passed (between steps of a lane)


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
    (:func:`solvent.stress.budget.clock`; None: none) between steps: raises ``_OutOfTime`` when it passes.
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
            if budget.passed(deadline):
                raise _OutOfTime
            state = run_step(spec, params, backend, state, t, chooser).state
        hit = first_broken(spec, params, backend, state, props)
        if hit is not None:
            return Failure(props[hit[0]].name, hit[1], t)
    return None


def exact_failures(
    spec: Spec, trace: Trace, deadline: float | None, decls: list[Any], invariants: set[str]
) -> tuple[Any, Any]:
    """``(first failure, first invariant failure)`` of ``trace`` on the concrete judge.

    As :func:`exact_first_failure`, but after a lemma breaks first it goes on checking the
    invariants (``invariants``: their names; ``decls`` lists them first), so a lane is
    known to break an invariant or not. None where there is none.
    """
    from solvent.check.replay import TraceChooser, initial_concrete
    from solvent.engine.step import first_broken, run_step

    backend = judge_for(spec)
    params = spec.param_values()
    state = initial_concrete(spec, trace, backend)
    if spec.initials and first_broken(spec, params, backend, state, spec.initials) is not None:
        return None, None  # not a path of the spec
    chooser = TraceChooser(spec, trace, backend)
    invs = [d for d in decls if d.name in invariants]
    first = None
    for t in range(len(trace.steps) + 1):
        if t > 0:
            if budget.passed(deadline):
                raise _OutOfTime
            state = run_step(spec, params, backend, state, t, chooser).state
        props = decls if first is None else invs
        hit = first_broken(spec, params, backend, state, props)
        if hit is not None:
            found = Failure(props[hit[0]].name, hit[1], t)
            first = first or found
            if found.name in invariants:
                return first, found
        if first is not None and not invs:
            break
    return first, None


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
        out = int(first_beyond(self.job, inputs.M[lane : lane + 1])[0])
        meta = dict(
            self.meta, path=index, beyond_envelope=bool(inputs.beyond[lane]),
            first_step_beyond_envelope=out if out <= self.job.steps else None,
        )  # fmt: skip
        return lane_trace(self.spec, self.job, inputs, lane, index, upto, meta)


Result = tuple[tuple[str, int | None, int] | None, tuple[str, int | None, int] | None]


def _check(
    lanes: _Lanes,
    batch: list[tuple[int, int]],
    deadline: float | None,
    decls: list[Any],
    invariants: set[str],
) -> list[tuple[int, Result]]:
    """Re-run ``(path, steps)`` pairs; per path ``(first failure, first invariant failure)``,
    each ``(property, account, step)`` or None.

    Stops at the deadline: the paths it did not finish are left out of the answer.
    """
    out: list[tuple[int, Result]] = []
    for index, step in batch:
        try:
            first, inv = exact_failures(
                lanes.spec, lanes.trace(index, step), deadline, decls, invariants
            )
        except _OutOfTime:
            break
        out.append((index, (_plain(first), _plain(inv))))
    return out


def _plain(f: Any) -> tuple[str, int | None, int] | None:
    return None if f is None else (f.name, f.account, f.step)


_FORKED: dict[str, Any] = {}  # what forked workers inherit: (lanes, decls, invariants)


def _check_forked(batch: list[tuple[int, int]], deadline: float | None) -> list[tuple[int, Result]]:
    return _check(_FORKED["lanes"], batch, deadline, _FORKED["decls"], _FORKED["invariants"])


def sample_order(n: int, seed: int) -> list[int]:
    """The order lanes are re-run in: a seeded uniform permutation, so the lanes re-run
    before a budget runs out (a prefix of it) are a uniform random sample of them."""
    return [int(i) for i in np.random.default_rng([seed, 16]).permutation(n)]


def confirm_lanes(
    spec: Spec,
    job: BlockJob,
    lanes: list[list[int]],
    opts: Any,
    describe: dict[str, Any],
    decls: list[Any],
    progress: Any = None,
    invariants: set[str] | None = None,
    certain: list[list[int]] | None = None,
    lemma_certain: frozenset[int] = frozenset(),
    until: float | None = None,
) -> dict[str, Any]:
    """Re-run ``lanes`` (``[path, steps, property, priority]``) exactly, in a seeded random
    order (:func:`sample_order`); list up to ``opts.traces`` violations, exactly replayed.

    ``opts.confirm`` caps how many (None: all), ``opts.confirm_seconds`` is the time budget
    (None or 0: none), ``until`` the run's deadline (``--timeout``, on
    :func:`solvent.stress.budget.clock`; None: none), ``opts.workers`` > 1 re-runs in forked processes. ``certain``: the
    certain violations ``[path, step, property]`` (counted without a re-run; those shown
    as traces are replayed exactly, and a disagreement is an internal error).
    ``lemma_certain``: paths among ``lanes`` whose certain first violation is a lemma's,
    re-run for their invariants only (their lemma violation is already counted). Returns
    the counts, violations by property, the sample (the longest prefix of the order all
    re-run, and its invariant violations), the refuted lanes and why it stopped early
    (``stopped``: None, ``"count"``, ``"time"``, ``"timeout"`` or ``"interrupted"``).
    """
    start = budget.clock()
    seconds = opts.confirm_seconds or None
    own = None if seconds is None else start + seconds
    deadline = budget.earliest(own, until)  # --confirm-seconds, or the run's --timeout
    invariants = {d.name for d in decls} if invariants is None else invariants
    certain = certain or []
    everything = [(int(lane[0]), int(lane[1])) for lane in lanes]
    # path -> (flagged property or -1, its float64 step: the priority is twice it)
    flagged_at = {int(lane[0]): (int(lane[2]), int(lane[3]) // 2) for lane in lanes}
    todo = [everything[i] for i in sample_order(len(everything), job.seed)]
    stopped = None
    if opts.confirm is not None and len(todo) > opts.confirm:
        todo, stopped = todo[: opts.confirm], "count"
    meta = {"found_by": "stress", "scenario": describe.get("name"), "seed": job.seed}
    rebuild = _Lanes(spec, job, meta)
    results: dict[int, Result] = {}
    if progress is not None and todo:
        progress.start(len(todo), 0, what="lanes", label="confirm")
    try:
        if opts.workers > 1 and len(todo) > BATCH and "fork" in _start_methods():
            _confirm_forked(
                rebuild, todo, deadline, decls, invariants, opts.workers, results, progress
            )
        else:
            for batch in batches(todo, 1):
                got = _check(rebuild, batch, deadline, decls, invariants)
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
        stopped = "timeout" if deadline is not None and deadline == until else "time"
    checked = len(results)
    sample = 0
    while sample < len(todo) and todo[sample][0] in results:
        sample += 1
    found = [(i, r[0]) for i, r in results.items() if r[0] is not None and i not in lemma_certain]
    by_property: dict[str, int] = {}
    for _i, (name, _acc, _step) in found:
        by_property[name] = by_property.get(name, 0) + 1
    inv_found = {i for i, r in results.items() if r[1] is not None}
    refuted = sorted(i for i, r in results.items() if r[0] is None and i not in lemma_certain)
    names = list(job.layout.properties)
    explained = [_refuted(i, flagged_at.get(i), names, results[i]) for i in refuted]
    shown = [(i, f, False) for i, f in found] + [(i, f, True) for i, f in _certain(certain, names)]
    try:
        traces = _traces(rebuild, shown, opts.traces, deadline, decls)
    except KeyboardInterrupt:
        traces, stopped = [], "interrupted"
    return {
        "checked": checked,
        "confirmed": len(found),
        "unconfirmed": len(refuted),
        "by_property": by_property,
        "invariant_violations": len(inv_found),
        "lemma_rechecked": sum(1 for i in results if i in lemma_certain),
        "sample": sample,
        "sample_invariant": sum(1 for i, _s in todo[:sample] if i in inv_found),
        "refuted": explained[:20],
        "refuted_by_property": _count(e["property"] for e in explained),
        "seconds": budget.clock() - start,
        "stopped": stopped,
        "traces": traces,
    }


def _certain(certain: list[list[int]], names: list[str]) -> list[tuple[int, tuple[str, None, int]]]:
    return [(int(p), (names[int(k)], None, int(t))) for p, t, k in certain]


def _count(items: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for x in items:
        out[x] = out.get(x, 0) + 1
    return out


def _refuted(
    index: int, flag: tuple[int, int] | None, names: list[str], r: Result
) -> dict[str, Any]:
    """Why a re-run lane is not a violation: what float64 flagged, what the judge found."""
    prop, step = flag if flag is not None else (-1, 0)
    if prop >= 0 and names[prop] == "int64_overflow":
        why = "its int64 numbers overflowed; the exact re-run breaks no property"
    elif prop >= 0:
        why = (
            f"float64 broke {names[prop]} at step {step} within its rounding-error bound; on "
            "exact numbers the property holds at every step"
        )
    else:
        why = "a float64 decision within its rounding-error bound; the exact path breaks nothing"
    return {
        "path": index,
        "property": names[prop] if prop >= 0 else "(undecided)",
        "step": step if prop >= 0 else None,
        "why": why,
    }


def _traces(
    rebuild: _Lanes,
    found: list[tuple[int, tuple[str, int | None, int], bool]],
    limit: int,
    deadline: float | None,
    decls: list[Any],
) -> list[tuple[Trace, str]]:
    """Up to ``limit`` violations (earliest step first, then path) as traces. A certain
    one (``True``: not re-run yet) is replayed exactly up to its step first: the judge must
    break the same property there, else it is an internal error (a bug of the bounds)."""
    out: list[tuple[Trace, str]] = []
    for index, (name, acc, step), replay in sorted(found, key=lambda x: (x[1][2], x[0]))[:limit]:
        trace = rebuild.trace(index, step)
        label = Failure(name, acc, step).label()
        if replay:
            try:
                hit = _replay_certain(rebuild, index, trace, decls, deadline, (name, step))
            except _OutOfTime:
                break
            if hit is None or (hit.name, hit.step) != (name, step):
                raise AssertionError(
                    f"stress: path {index} broke {name} at step {step} with every float64 "
                    f"decision certain, but the exact re-run gives "
                    f"{hit.label() if hit else 'no failure'} (a bug: please report it)"
                )
            label = hit.label()
        meta = dict(trace.meta, violation={"step": step, "invariant": label})
        out.append(
            (Trace(trace.spec, trace.accounts, trace.init, trace.steps, trace.params, meta), label)
        )
    return out


def _replay_certain(
    rebuild: _Lanes,
    index: int,
    trace: Trace,
    decls: list[Any],
    deadline: float | None,
    want: tuple[str, int],
) -> Any:
    """The judge's first failure of a certain lane up to its flagged step: replayed on the
    lane's cone of influence where the spec allows (:mod:`solvent.stress.cone`), else (or
    when the cone replay does not give ``want``) on every account."""
    from solvent.stress import cone

    job = rebuild.job
    if cone.applies(job):
        b, lane = divmod(index, job.block)
        hit, _n, _w = cone.cone_failure(
            rebuild.spec, job, rebuild.blocks[b], lane, trace, decls,
            judge_for(rebuild.spec), deadline, _OutOfTime,
        )  # fmt: skip
        if hit is not None and hit != cone.FALLBACK and (hit.name, hit.step) == want:
            return hit
    return exact_first_failure(rebuild.spec, trace, deadline, decls)


def _start_methods() -> list[str]:
    import multiprocessing as mp

    return mp.get_all_start_methods()


def _confirm_forked(
    rebuild: _Lanes,
    todo: list[tuple[int, int]],
    deadline: float | None,
    decls: list[Any],
    invariants: set[str],
    workers: int,
    results: dict[int, Any],
    progress: Any,
) -> None:
    """Re-run in ``workers`` forked processes (they inherit the spec: no pickling of it)."""
    import multiprocessing as mp

    _FORKED.update(lanes=rebuild, decls=decls, invariants=invariants)
    ctx = mp.get_context("fork")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=ignore_sigint)

    def keep(got: list[tuple[int, Any]]) -> None:
        results.update(got)
        if progress is not None:
            progress.advance(len(got))

    def spent() -> bool:  # the budget is spent: submit nothing more
        return budget.passed(deadline)

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
