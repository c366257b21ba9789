"""Keep a pool of workers busy: what every parallel path of `stress` shares (the work cut
into batches, the workers' Ctrl-C handling and the submission loop)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from typing import Any, TypeVar

T = TypeVar("T")


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` cut into consecutive lists of ``size`` (the last one may be shorter), read
    as they are needed: a generator of items is never held whole."""
    it = iter(items)
    while batch := list(itertools.islice(it, size)):
        yield batch


def ignore_sigint() -> None:
    """Worker initializer: Ctrl-C is the parent's, which stops cleanly and keeps what finished."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def pump(
    pool: Executor,
    fn: Callable[..., Any],
    work: Iterable[tuple[Any, ...]],
    in_flight: int,
    on_result: Callable[[Any], None],
    stop: Callable[[], bool] = lambda: False,
) -> None:
    """Run ``fn(*args)`` for each ``args`` of ``work`` with at most ``in_flight`` pending.

    Results go to ``on_result`` as they complete (in completion order: callers that need
    a fixed order merge by key). Once ``stop()`` is true nothing more is submitted; the
    pending calls are still collected. Exceptions (also ``KeyboardInterrupt``) propagate:
    the caller shuts the pool down.
    """
    queue = iter(work)
    pending: set[Future[Any]] = set()
    more = True
    while True:
        while more and len(pending) < in_flight and not stop():
            args = next(queue, None)
            if args is None:
                more = False
                break
            pending.add(pool.submit(fn, *args))
        if not pending:
            return
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        for fut in done:
            on_result(fut.result())
