"""The turns of ``turns.py``: under pytest-xdist a serial test runs while no other runs."""

from __future__ import annotations

import multiprocessing
import time
import uuid
from typing import Any

from turns import turn

HOLD = 0.6  # seconds each process holds its turn


def _take(run: str, serial: bool, label: str, log: Any, started: Any) -> None:
    with turn(run, serial):
        log.put((label, "in", time.monotonic()))
        started.set()
        time.sleep(HOLD)
        log.put((label, "out", time.monotonic()))


def test_a_serial_test_waits_for_the_running_ones_and_holds_up_new_ones() -> None:
    ctx = multiprocessing.get_context("fork")
    run, log = uuid.uuid4().hex, ctx.Queue()
    events = {name: ctx.Event() for name in ("first", "second", "serial", "late")}

    def start(label: str, serial: bool) -> Any:
        proc = ctx.Process(target=_take, args=(run, serial, label, log, events[label]))
        proc.start()
        return proc

    procs = [start("first", False), start("second", False)]
    assert events["first"].wait(10) and events["second"].wait(10)
    procs.append(start("serial", True))
    time.sleep(0.2)  # the serial test now waits at the gate's far side
    procs.append(start("late", False))
    for proc in procs:
        proc.join(20)
        assert proc.exitcode == 0
    spans: dict[str, dict[str, float]] = {}
    while not log.empty():
        label, edge, at = log.get()
        spans.setdefault(label, {})[edge] = at
    first, second, serial, late = (spans[n] for n in ("first", "second", "serial", "late"))
    # the two plain tests ran side by side
    assert second["in"] < first["out"] and first["in"] < second["out"]
    # the serial one started after both had ended, and the late one after it had ended
    assert serial["in"] >= max(first["out"], second["out"])
    assert late["in"] >= serial["out"]
