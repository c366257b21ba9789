"""The collector's settings while a monitor's loop runs (solvent.monitor.heap): generation
0's threshold raised and restored, ``gc.freeze()`` every FREEZE_EVERY lines read."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from shard_helpers import venue_events
from test_monitor_probe_sums import SPEC, USED

from solvent.monitor import heap
from solvent.monitor.core import Monitor, Options
from solvent.monitor.heap import GEN0, QuietHeap
from solvent.monitor.runner import RunConfig, run
from solvent.monitor.sources import FileSource


def test_quiet_heap_freezes_every_few_items_and_restores_the_thresholds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frozen: list[tuple[int, int, int]] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(gc.get_threshold()))
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        with QuietHeap(every=10) as h:
            assert gc.get_threshold() == (GEN0, 10, 10)
            for n in (4, 4, 4, 9, 0, 1, 25):  # freezes once 10 were read since the last
                h.read(n)
        assert len(frozen) == 3
        assert gc.get_threshold() == (700, 10, 10)
        gc.set_threshold(50_000, 5, 5)  # a higher threshold is left as it is
        with QuietHeap():
            assert gc.get_threshold() == (50_000, 5, 5)
        assert gc.get_threshold() == (50_000, 5, 5)
    finally:
        gc.set_threshold(*before)


def test_loops_at_once_restore_the_thresholds_of_before_the_first() -> None:
    """Two loops (threads) that start and stop interleaved: the last to stop puts back the
    thresholds from before the first started (not the raised ones it saw)."""
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        a, b = QuietHeap().start(), QuietHeap().start()
        a.stop()
        assert gc.get_threshold() == (GEN0, 10, 10)  # b still runs
        b.stop()
        assert gc.get_threshold() == (700, 10, 10)
        b.stop()  # a second stop changes nothing
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*before)


def test_the_run_loop_quiets_the_collector_and_restores_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While ``solvent monitor``'s loop reads, generation 0's threshold is at least GEN0
    and the heap is frozen every FREEZE_EVERY lines; afterwards the thresholds are back,
    and the alerts are those of the same lines fed one by one."""
    lines = venue_events(300, seed=5)
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"".join(x + b"\n" for x in lines))
    monkeypatch.setattr(heap, "FREEZE_EVERY", 100)
    monkeypatch.setattr("solvent.monitor.sources.BATCH_LINES", 50)
    seen: list[tuple[int, int, int]] = []
    monkeypatch.setattr(gc, "freeze", lambda: seen.append(gc.get_threshold()))
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        m = Monitor(SPEC, USED, Options(detector="none"))
        cfg = RunConfig(alerts=str(tmp_path / "alerts.jsonl"), quarantine=None)
        summary = run(m, FileSource(str(path)), cfg)
        after = gc.get_threshold()
    finally:
        gc.set_threshold(*before)
    assert summary.lines == len(lines)
    assert len(seen) == len(lines) // 100  # batches of 50: every second batch
    assert all(t == (GEN0, 10, 10) for t in seen)
    assert after == (700, 10, 10)
    one = Monitor(SPEC, USED, Options(detector="none"))
    expected = [a.id for x in lines for a in one.feed(x)[0]]
    assert summary.alerts == len(expected) > 0
