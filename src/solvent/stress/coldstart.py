"""A run with a deadline whose kernel is cold (not in numba's cache yet).

Compiling takes seconds to tens of seconds and cannot be interrupted, so it runs in a
child process (:class:`solvent.stress.loader.Compiling`) while this process runs the
blocks, in order, on the NumPy lanes (the spec's own code, which looks at the deadline
between steps). When the child is done, the kernel is loaded from numba's cache and runs
the blocks left; at the deadline the child is killed and the run reports what it did
(UNKNOWN). The lanes compute the kernel's numbers bit for bit and leave at least the
decisions it leaves undecided (more exact re-runs at worst, never a lane less), so a run
mixing the two gives the same P(insolvency) and flagged paths as the kernel alone.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from solvent.stress import budget
from solvent.stress.blocks import BlockJob, run_blocks
from solvent.stress.checkpoint import Checkpoint
from solvent.stress.execute import _chunks, _keeper, execute
from solvent.stress.loader import Compiling, load
from solvent.stress.options import Progress, StressOptions


def run(
    job: BlockJob,
    ckpt: Checkpoint,
    opts: StressOptions,
    progress: Progress,
    lanes: Any,
    compiling: Compiling,
    until: float | None,
) -> tuple[str | None, BlockJob, str]:
    """Simulate every block (see the module docstring): ``(halted, job, note)``, ``halted``
    as :func:`solvent.stress.execute.execute`'s; ``job`` without its kernel when the lanes
    did every block (the worst paths and the traces then run on the lanes too)."""
    kernel = job.kernel
    assert kernel is not None  # a run on the lanes compiles nothing
    try:
        halted, on_lanes = _meanwhile(job, ckpt, progress, lanes, compiling, until)
        state = compiling.poll()
        if halted is None and state is not None:  # compiled (or failed: the error, here)
            if budget.within(lambda: load(kernel), until):
                halted = execute(job, ckpt, opts, progress, None, until)
            else:
                halted = "timeout"
    finally:
        compiling.stop()
    done = len(ckpt.done)
    if halted is None and state is None:  # the lanes finished before the compiler
        job = replace(job, kernel=None)
    what = "stopped unfinished" if state is None else "done" if state else "failed"
    note = (
        f"numba's cache did not hold this spec's kernel: it was compiled in a child process "
        f"({what}) while {on_lanes} of the {done} blocks simulated ran on the NumPy lanes "
        "(the kernel's numbers bit for bit)"
    )
    return halted, job, note


def _meanwhile(
    job: BlockJob,
    ckpt: Checkpoint,
    progress: Progress,
    lanes: Any,
    compiling: Compiling,
    until: float | None,
) -> tuple[str | None, int]:
    """Blocks on the lanes, one at a time, until the child is done: ``(halted, blocks)``."""
    ran = 0
    progress.start(job.paths, sum(s["n"] for s in ckpt.done.values()))
    keep = _keeper(ckpt, progress, until)
    try:
        if budget.passed(until):
            raise budget.OutOfTime
        for blocks in _chunks(job.n_blocks, ckpt.done, 1):
            if compiling.poll() is not None:
                break
            keep(run_blocks(job, blocks, lanes))
            ran += 1
    except KeyboardInterrupt:
        return "interrupted", ran
    except budget.OutOfTime:
        return "timeout", ran
    finally:
        progress.stop()
    return None, ran
