"""`solvent conform --jobs N`: compare chunks of traces in N worker processes.

Each worker loads the spec and the adapter once (by the same references the command line
gave), then compares whole chunks of traces (int64 lanes for the spec's side where the
spec allows, see :mod:`solvent.conform.batch`). The main process makes the traces, keeps a
few chunks per worker in flight and reads the answers back **in the traces' order**, so
the first divergence reported, its shrunk trace and every count are those of the
one-process run: ``--jobs 1`` and ``--jobs N`` print the same result.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from solvent.conform.batch import Item
from solvent.conform.compare import Comparer, Outcome
from solvent.conform.draws import Drawn, Draws
from solvent.conform.lanewise import compare_traces

__all__ = ["WORKER_START", "jobs_for", "parallel_outcomes", "worth_workers"]

# CPU seconds to start one worker (spawn, import solvent and NumPy, load the spec and the
# adapter): about 0.45 s measured on the example (benchmarks/results/conform.md, round 4)
WORKER_START = 0.5
WORTH = 4  # workers when the work left is at least this many times their start

_WORKER: dict[Any, Any] = {}


def jobs_for(jobs: int) -> int:
    """``--jobs``: 0 means every core."""
    return max(1, os.cpu_count() or 1) if jobs == 0 else jobs


def _start(spec_target: str, impl: str, batch: int, use_batch: bool = True) -> None:
    from solvent.conform.adapter import check_adapter, field_decimals, load_adapter
    from solvent.spec.load import load_spec

    spec = load_spec(spec_target)
    adapter = load_adapter(impl)
    check_adapter(adapter, type(adapter).__name__)
    _WORKER.update(
        spec=spec,
        comparer=Comparer(spec, adapter, field_decimals(adapter, spec)),
        batch=batch,
        use_batch=use_batch,
    )


Segment = tuple[Any, ...]  # ("traces", [Trace, ...]) or ("drawn", steps, seed, rate, start, stop)


def _encode(items: list[Item]) -> list[Segment]:
    """A chunk for a worker: random traces as their seed range (the worker draws them),
    the others as they are."""
    out: list[Segment] = []
    for item in items:
        last = out[-1] if out else None
        if isinstance(item, Drawn):
            d = item.draws
            key = (d.steps, d.seed, d.rate)
            if last is not None and last[0] == "drawn" and last[1:4] == key and last[5] == item.i:
                out[-1] = (*last[:5], item.i + 1)
            else:
                out.append(("drawn", *key, item.i, item.i + 1))
        elif last is not None and last[0] == "traces":
            last[1].append(item)
        else:
            out.append(("traces", [item]))
    return out


def _decode(segments: list[Segment]) -> list[Item]:
    items: list[Item] = []
    for seg in segments:
        if seg[0] == "traces":
            items += seg[1]
            continue
        _, steps, seed, rate, start, stop = seg
        draws = _WORKER.get(("draws", steps, seed, rate))
        if draws is None:
            draws = _WORKER[("draws", steps, seed, rate)] = Draws(
                _WORKER["spec"], steps, seed, rate
            )
        items += [Drawn(draws, i) for i in range(start, stop)]
    return items


def _chunk(segments: list[Segment]) -> tuple[list[int], Outcome | None, set[str]]:
    comparer: Comparer = _WORKER["comparer"]
    traces = _decode(segments)
    outcomes = []
    for outcome in compare_traces(
        _WORKER["spec"], comparer, traces, _WORKER["batch"], _WORKER["use_batch"]
    ):
        outcomes.append(outcome)
        if outcome.divergence is not None:
            break  # the main process stops here too
    # the agreeing traces travel back as their step counts, the divergence (if any) whole
    last = outcomes[-1] if outcomes and outcomes[-1].divergence is not None else None
    steps = [o.steps for o in (outcomes[:-1] if last is not None else outcomes)]
    return steps, last, set(comparer.compared)


def worth_workers(cpu: float, traces: int, full: bool, remaining: int | None, jobs: int) -> bool:
    """Whether to hand the traces left to ``jobs`` workers, after a chunk of ``traces``
    compared in-process in ``cpu`` seconds (``full``: at the largest chunk size, so its
    cost per trace is what later chunks will cost; ``remaining``: traces left, None when
    unknown). Decided by the estimated work left against the workers' start."""
    if remaining is not None and remaining <= 0:
        return False
    if not full and cpu < WORKER_START:
        return False  # small chunks cost mostly their fixed part: keep measuring
    if remaining is None:
        return True
    return cpu / max(traces, 1) * remaining >= WORTH * jobs * WORKER_START


def parallel_outcomes(
    chunks: Iterable[list[tuple[str, str, Item]]],
    comparer: Comparer,
    spec_target: str,
    impl: str,
    batch: int,
    jobs: int,
    use_batch: bool = True,
) -> Iterator[tuple[str, str, Item, Outcome]]:
    """Each trace of ``chunks`` with its comparison, in order, computed by ``jobs`` workers.

    The caller stops iterating at the first divergence; the workers are then stopped.
    """
    ctx = multiprocessing.get_context("spawn")  # no inherited solver or EVM state
    pool = ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=ctx,
        initializer=_start,
        initargs=(spec_target, impl, batch, use_batch),
    )
    pending: deque[tuple[list[tuple[str, str, Item]], Future[Any]]] = deque()
    it = iter(chunks)
    try:
        while True:
            while len(pending) < 2 * jobs:
                chunk = next(it, None)
                if chunk is None:
                    break
                pending.append((chunk, pool.submit(_chunk, _encode([t for _, _, t in chunk]))))
            if not pending:
                return
            chunk, future = pending.popleft()
            steps, last, compared = future.result()
            comparer.compared |= compared
            for (kind, label, trace), n in zip(chunk, steps, strict=False):
                yield kind, label, trace, Outcome(n, None, compared)
            if last is not None:
                yield (*chunk[len(steps)], last)
    finally:
        for _, future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
