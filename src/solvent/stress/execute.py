"""Running the blocks of a stress run: in this process (two threads), in worker processes
or on a Dask cluster; finished blocks go to the checkpoint in the order they finish (the
metrics merge them in block order)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from solvent.spec.spec import Spec
from solvent.stress import budget
from solvent.stress.blocks import BlockJob, run_blocks
from solvent.stress.checkpoint import Checkpoint
from solvent.stress.options import Progress, SchedulerError, StressOptions
from solvent.stress.pool import batches, ignore_sigint, pump


def _lanes_engine(
    spec: Spec, decls: list[Any], cover2_metric: str | None, until: float | None = None
) -> Callable[..., Any]:
    """The NumPy-lanes engine of a run; ``until``: its deadline (``--timeout``), looked at
    between steps (:class:`solvent.stress.budget.OutOfTime` drops the block)."""
    from solvent.stress.choosers import oracle_schedule
    from solvent.stress.lanes import lane_actions, run_lanes

    params = spec.param_values()
    backend = None  # float64 lanes; a fixed-point spec: one int64 backend for the run
    if getattr(spec, "arithmetic", "exact") == "fixed":
        from solvent.backends.vector_fixed import FixedVectorBackend

        # run_lanes resets its overflow mask per block
        backend = FixedVectorBackend(spec.decimals or 0)

    def engine(job: BlockJob, inputs: Any) -> dict[str, np.ndarray]:
        return run_lanes(
            spec,
            params,
            decls,
            job.layout,
            inputs.G0,
            inputs.A0,
            inputs.M,
            job.keeper_period,
            job.outage_start,
            job.outage_len,
            inputs.C2,
            cover2_metric if job.cover2 else None,
            list(spec.initials),
            backend=backend,
            oracles=oracle_schedule(job),
            overflow=inputs.overflow,
            grid=job.grid,
            wide=inputs.wide,
            actions=lane_actions(spec, job, inputs.act, inputs.act_args),
            until=until,
        )

    return engine


def default_chunk(job: BlockJob) -> int:
    """Paths per unit of work: about 2e8 account-steps, 1 to 64 blocks."""
    per_path = max(1, job.steps * job.accounts)
    blocks = min(64, max(1, int(2e8 // per_path) // job.block))
    return blocks * job.block


def execute(
    job: BlockJob,
    ckpt: Checkpoint,
    opts: StressOptions,
    progress: Progress,
    engine: Callable[..., Any] | None,
    until: float | None = None,
) -> str | None:
    """Run every unfinished block; return why it stopped early (finished blocks are kept):
    None (it did not), ``"interrupted"`` (Ctrl-C) or ``"timeout"`` (``until``, the run's
    deadline on :func:`solvent.stress.budget.clock`, passed: looked at between chunks, and
    by the NumPy lanes between steps; with a deadline they take one block per chunk)."""
    per = max(1, -(-(opts.chunk or default_chunk(job)) // job.block))
    if until is not None and engine is not None:
        per = 1
    todo = job.n_blocks - sum(1 for b in ckpt.done if 0 <= b < job.n_blocks)
    chunks = _chunks(job.n_blocks, ckpt.done, per)  # streamed: never a list of every block
    progress.start(job.paths, sum(s["n"] for s in ckpt.done.values()))
    keep = _keeper(ckpt, progress, until)
    try:
        if budget.passed(until):
            raise budget.OutOfTime
        if engine is None and opts.workers == 1 and opts.scheduler is None and todo > per:
            _run_threads(job, chunks, keep)
        elif engine is not None or (opts.workers == 1 and opts.scheduler is None):
            for blocks in chunks:
                keep(run_blocks(job, blocks, engine))
        elif opts.scheduler is not None:
            _run_dask(job, chunks, keep, opts)
        else:
            _run_processes(job, chunks, keep, opts)
    except KeyboardInterrupt:
        return "interrupted"
    except budget.OutOfTime:
        return "timeout"
    finally:
        progress.stop()
    return None


def _chunks(n_blocks: int, done: Mapping[int, Any], per: int) -> Iterator[list[int]]:
    """The unfinished blocks in order, ``per`` at a time, generated as they are needed."""
    return batches((b for b in range(n_blocks) if b not in done), per)


THREADS = 2
Chunks = Iterable[list[int]]  # the unfinished blocks, a chunk at a time
Keep = Callable[[list[dict[str, Any]]], None]  # what takes a finished chunk's summaries


def _keeper(ckpt: Checkpoint, progress: Progress, until: float | None = None) -> Keep:
    """Checkpoint a finished chunk's block summaries and advance the progress bar; then
    raise :class:`~solvent.stress.budget.OutOfTime` if the deadline ``until`` passed."""

    def keep(res: list[dict[str, Any]]) -> None:
        ckpt.add(res)
        progress.advance(sum(r["n"] for r in res))
        if budget.passed(until):
            raise budget.OutOfTime

    return keep


def _run_threads(job: BlockJob, chunks: Chunks, keep: Keep) -> None:
    """Two threads in this process: one draws a chunk's moves while the other runs the kernel.

    NumPy's generators and the generated kernel (``nogil=True``) release the GIL, so
    drawing and simulating overlap on two cores without starting processes. Blocks are
    seeded by their index and merged in block order: the numbers are those of a serial run.
    """
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="solvent-stress")
    try:
        pump(pool, run_blocks, ((job, c) for c in chunks), THREADS, keep)
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)  # running chunks finish (seconds at most)
        raise
    pool.shutdown(wait=True)


def _run_processes(job: BlockJob, chunks: Chunks, keep: Keep, opts: StressOptions) -> None:
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=opts.workers, mp_context=ctx, initializer=ignore_sigint)
    try:
        pump(pool, run_blocks, ((job, c) for c in chunks), 2 * opts.workers, keep)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def dask_config() -> dict[str, Any]:
    """Dask settings for the clusters solvent starts (``local:N``) and their workers.

    - no MALLOC_TRIM_THRESHOLD_ in the workers' environment (NumPy ran 2.3x slower);
    - no Prometheus ``/metrics`` route on the scheduler and workers: they serve no dashboard
      (``dashboard_address=None``), and that route's handler imports ``prometheus_client``
      in the process that starts the scheduler, so a LocalCluster's start-up depended on the
      state of a module the monitor also imports (a CI run once failed there with
      "module 'prometheus_client' has no attribute '__spec__'").
    """
    import dask

    def without_metrics(key: str) -> list[str]:
        routes = dask.config.get(key, default=[]) or []
        return [r for r in routes if not str(r).endswith(".prometheus")]

    return {
        "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
        "distributed.scheduler.http.routes": without_metrics("distributed.scheduler.http.routes"),
        "distributed.worker.http.routes": without_metrics("distributed.worker.http.routes"),
    }


def connect(address: str, timeout: float, scratch: str | None = None) -> tuple[Any, Any]:
    """A Dask client for ``address``; ``local:N`` starts a LocalCluster of N workers."""
    import dask
    from distributed import Client, LocalCluster

    dask.config.set(dask_config())
    if address.startswith("local"):
        _, _, count = address.partition(":")
        try:
            n = int(count or "2")
        except ValueError:
            raise SchedulerError(
                f"--scheduler {address}: write local:N with N a number of workers"
            ) from None
        cluster = LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
            local_directory=scratch, silence_logs=40,
        )  # fmt: skip
        return Client(cluster), cluster
    try:
        return Client(address, timeout=f"{timeout}s"), None
    except (OSError, TimeoutError) as exc:
        raise SchedulerError(
            f"cannot reach the Dask scheduler at {address} within {timeout:g}s "
            f"({type(exc).__name__}: "
            f"{exc}); check the address (e.g. tcp://host:8786) and that the scheduler runs"
        ) from None


def _run_dask(job: BlockJob, chunks: Chunks, keep: Keep, opts: StressOptions) -> None:
    import tempfile

    from distributed import as_completed

    with tempfile.TemporaryDirectory(prefix="solvent-dask-") as scratch:
        client, cluster = connect(opts.scheduler or "", opts.connect_timeout, scratch)
        try:
            shared = client.scatter(job, broadcast=True)
            futures = [client.submit(run_blocks, shared, blocks, pure=False) for blocks in chunks]
            try:
                for fut in as_completed(futures):
                    keep(fut.result())
            except BaseException:
                client.cancel(futures)
                raise
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
