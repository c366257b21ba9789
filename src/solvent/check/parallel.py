"""Run independent probes at once: on local processes (``--jobs N``) or a Dask cluster.

``map_ordered(fn, tasks, jobs=N, scheduler=ADDRESS)`` returns ``[fn(t) for t in tasks]``,
in the order of ``tasks`` whatever order they finish in, so a result never depends on how
it was computed:

- no scheduler and ``jobs`` of None or 1: one after the other in this process;
- ``jobs >= 2``: a pool of ``jobs`` forked processes (each with its own Z3 context);
- ``scheduler``: the tasks are submitted to the Dask scheduler at that address
  (``tcp://host:8786``). A spec loaded from a file is sent by value (its module is not
  importable on the workers); the workers need solvent installed.

``fn`` must be a module-level function and the tasks plain data (a spec, a knob, options,
numbers); each task runs with its own fresh Z3 context, as every check does.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

from solvent.errors import UsageError

T = TypeVar("T")
R = TypeVar("R")
CONNECT_SECONDS = 10.0


class Interrupted(Exception):
    """Ctrl-C while tasks were running elsewhere (they are cancelled)."""


def map_ordered(
    fn: Callable[[T], R],
    tasks: Sequence[T],
    *,
    jobs: int | None = None,
    scheduler: str | None = None,
    modules: Sequence[str] = (),
    until: float | None = None,
) -> list[R]:
    """``[fn(t) for t in tasks]``, computed as described in the module doc.

    ``modules``: names of modules whose functions the tasks carry (a spec's rules) and that
    Dask workers cannot import: they are pickled by value. ``until``: a
    ``time.perf_counter()`` value after which the forked workers are stopped and
    :class:`Expired` is raised (a task that does not stop by itself cannot outlast a
    budget); not used one after the other in this process or on Dask.
    """
    if scheduler:
        return _dask(fn, tasks, scheduler, modules)
    if not jobs or jobs < 2 or len(tasks) < 2 or not _can_fork():
        return [fn(t) for t in tasks]
    global _FORKED
    # the forked workers inherit the tasks: only indices and results cross the pipes (a
    # spec's rules may be closures, which pickle cannot send)
    _FORKED = (fn, tasks)
    ctx = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=ctx)
    try:
        futures = [pool.submit(_run_forked, i) for i in range(len(tasks))]
        out = [f.result(timeout=_left(until)) for f in futures]
    except FutureTimeout:
        _stop(pool)
        raise Expired() from None
    except KeyboardInterrupt:
        _stop(pool)
        raise Interrupted() from None
    except BaseException:
        _stop(pool)
        raise
    finally:
        _FORKED = None
    pool.shutdown(wait=True)
    return out


_FORKED: tuple[Callable[[Any], Any], Sequence[Any]] | None = None


class Expired(Exception):
    """``map_ordered``'s ``until`` passed before every task answered (they are stopped)."""


def _left(until: float | None) -> float | None:
    return None if until is None else max(0.0, until - time.perf_counter())


def _run_forked(i: int) -> Any:  # pragma: no cover - runs in a forked worker
    assert _FORKED is not None
    fn, tasks = _FORKED
    return fn(tasks[i])


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the workers (a running probe is not waited for)."""
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in list(getattr(pool, "_processes", {}).values()):
        if proc.is_alive():
            proc.terminate()


def cores_free() -> bool:
    """Whether a core is idle (the 1-minute load average leaves one): speculative work,
    which only saves time, is worth starting."""
    from solvent.check.portfolio import default_jobs

    try:
        load = os.getloadavg()[0]
    except OSError:  # pragma: no cover - not available on this platform
        return True
    return load + 1 <= default_jobs()


def spec_modules(spec: Any) -> list[str]:
    """Modules of a spec's rules that were loaded from a file (not importable elsewhere)."""
    fns = [d.fn for d in (*spec.ticks, *spec.actions, *spec.keepers)]
    fns += [d.fn for d in spec.all_predicates()]
    names = {getattr(fn, "__module__", None) for fn in fns}
    return sorted(n for n in names if n and n.startswith("_solvent_spec_") and n in sys.modules)


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _dask(
    fn: Callable[[T], R], tasks: Sequence[T], address: str, modules: Sequence[str]
) -> list[R]:
    try:
        import cloudpickle
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - a dependency of solvent
        raise UsageError(
            f"--scheduler needs dask.distributed ({exc}); install solvent with its dependencies"
        ) from None
    # Dask pickles a task by reference when it can, and a spec module loaded from a file
    # is not importable on a worker: pickle each task here, its spec module by value
    for name in modules:
        cloudpickle.register_pickle_by_value(sys.modules[name])
    try:
        blobs = [cloudpickle.dumps((fn, t)) for t in tasks]
    finally:
        for name in modules:
            cloudpickle.unregister_pickle_by_value(sys.modules[name])
    try:
        client = Client(address, timeout=f"{CONNECT_SECONDS}s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError(
            f"cannot reach the Dask scheduler at {address} within {CONNECT_SECONDS:g}s "
            f"({type(exc).__name__}: {exc}); check --scheduler (e.g. tcp://host:8786) and "
            "that the scheduler runs"
        ) from None
    try:
        futures = client.map(_run_pickled, blobs, pure=False)
        try:
            return list(client.gather(futures))
        except KeyboardInterrupt:
            client.cancel(futures)
            raise Interrupted() from None
    finally:
        client.close()


def _run_pickled(blob: bytes) -> Any:  # pragma: no cover - runs on a Dask worker
    import cloudpickle

    fn, task = cloudpickle.loads(blob)
    return fn(task)
