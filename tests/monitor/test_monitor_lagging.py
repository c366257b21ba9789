"""The contract between a monitor and what holds its exact values behind (``Lagging``).

The aggregator's catch-up (``solvent.monitor.catch_up``) leaves accounts' exact values
behind the book's index; the monitor calls ``lagging.fresh()`` before every read of its
whole state (``StateMixin.whole_state``). Until round 22 the aggregator's monitor was a
subclass overriding four private methods, so a fifth whole-state read would have read
stale values silently: these tests name every method that touches ``values`` and check
that each whole-state read sees the exact values, on the per-account path and on lanes.
"""

from __future__ import annotations

import inspect
import re
from fractions import Fraction as F
from typing import Any

import pytest
from monitor_helpers import event_line

from solvent.models import perp_isolated
from solvent.monitor.aggregate import Aggregator
from solvent.monitor.core import Monitor, Options
from solvent.monitor.state import WHOLE_STATE_READS

#: the methods that touch ``values`` directly: one account or one field at a time (the
#: event being applied, the price made exact), the start, a restore; and whole_state
ONE_AT_A_TIME = {"__init__", "_cross_book", "restore", "_price", "price", "_state_event",
                 "_liquidation", "whole_state"}  # fmt: skip


def _methods_reading_values() -> dict[str, str]:
    out: dict[str, str] = {}
    for cls in Monitor.__mro__:
        if not cls.__module__.startswith("solvent.monitor"):
            continue
        for name, fn in vars(cls).items():
            f = getattr(fn, "__func__", fn)
            if inspect.isfunction(f) and re.search(r"self\.values\b", inspect.getsource(f)):
                out.setdefault(name, cls.__module__)
    return out


def test_every_read_of_values_is_named() -> None:
    """A new method reading ``values`` must be one account's (add it above) or a
    whole-state read through ``whole_state`` (add it to ``WHOLE_STATE_READS``)."""
    assert set(_methods_reading_values()) == ONE_AT_A_TIME
    for name in WHOLE_STATE_READS:
        src = inspect.getsource(getattr(Monitor, name))
        assert "self.whole_state()" in src, name
        assert not re.search(r"self\.values\b", src), name


class _Behind:
    """Holds account 1's true quote back: ``values`` shows a deficit until ``fresh``."""

    def __init__(self, m: Monitor, true: F) -> None:
        self.m, self.true, self.calls = m, true, 0
        m.values["quote"][1] = F(-(10**9))

    def fresh(self) -> None:
        self.calls += 1
        self.m.values["quote"][1] = self.true


def _monitor(lanes: bool) -> tuple[Monitor, F]:
    spec = perp_isolated.build(name="venue", accounts=3, max_move="0.08")
    m = Monitor(spec, [], Options(detector="none"))
    if lanes:
        m.lanes_from = 0  # the invariants on NumPy lanes, as at 5,000 accounts and more
    lines = [event_line(0, ("price", "2000.00")), event_line(1, ("insurance", "500.00"))]
    lines += [event_line(2 + a, ("account", a, "1200.00", "-0.5")) for a in range(3)]
    for x in lines:
        assert m.feed(x) == ([], [])
    return m, m.values["quote"][1]


def _read(m: Monitor, name: str) -> Any:
    """What the whole-state read ``name`` says of account 1's quote (or the failures)."""
    got = getattr(m, name)()
    if name == "_state_dict":
        return got["quote"][1].raw
    if name == "plain_state":
        return F(got["quote"][1])
    if name == "snapshot":
        return got["values"]["quote"][1]
    return got  # _generic_failures: the invariants failing


@pytest.mark.parametrize("lanes", [False, True])
@pytest.mark.parametrize("name", WHOLE_STATE_READS)
def test_each_whole_state_read_puts_the_lagging_values_in_first(name: str, lanes: bool) -> None:
    m, true = _monitor(lanes)
    behind = _Behind(m, true)
    stale = _read(m, name)  # no lagging set: the read sees the stale value
    assert stale == (["solvent"] if name == "_generic_failures" else F(-(10**9)))
    m.values["quote"][1] = F(-(10**9))
    m.lagging = behind
    assert _read(m, name) == ([] if name == "_generic_failures" else true)
    assert behind.calls >= 1


def test_the_aggregators_monitor_lags_through_its_probe_sums() -> None:
    spec = perp_isolated.build(name="venue", accounts=3, max_move="0.08")
    agg = Aggregator(spec, [], 2, Options())
    assert agg.monitor.lagging is agg.fast and type(agg.monitor) is Monitor
