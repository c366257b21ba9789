"""The distance level from the probes equals the distance computed after every event.

An account change does not recompute the distance: the book keeps the excess at five
prices (the price and the warning and critical gaps both ways) and the level follows
from their signs (``solvent.monitor.distance``). On random event streams of a small
isolated perp (positions opened, changed and closed, the fund and bad debt changed, the
price moved) the monitor's alerts and its distance gauge after every event equal those
of a monitor that computes the distance itself on every event (the probes turned off),
and the distance alerts fire at the same events with the same exact values.

Profiles: small and derandomized in CI; ``SOLVENT_HYPOTHESIS=long`` runs 1,000 streams.
"""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from monitor_helpers import (
    bad_debt_event,
    cents,
    event_line,
    insurance_event,
    price_event,
    profile,
    sizes,
)

from solvent.models import perp_isolated
from solvent.monitor.core import Monitor, Options
from solvent.monitor.distance import DistanceMixin

PROFILE = profile(40)
N = 6

event = st.one_of(
    st.tuples(st.just("account"), st.integers(0, N - 1), cents, sizes),
    insurance_event, bad_debt_event, price_event,
)  # fmt: skip


def _monitor() -> Monitor:
    spec = perp_isolated.build(name="probes", accounts=N, max_move="0.08")
    opts = Options(detector="none", distance="closed", warn_distance=Fraction(1, 5))
    return Monitor(spec, [], opts)


@PROFILE
@given(st.lists(event, min_size=1, max_size=60))
def test_probe_levels_equal_the_distance_computed_every_event(
    stream: list[tuple[Any, ...]],
) -> None:
    fast, full = _monitor(), _monitor()
    with pytest.MonkeyPatch.context() as mp:
        for i, e in enumerate(stream):
            line = event_line(i, e)
            got = [a.to_json() for a in fast.feed(line)[0]]
            mp.setattr(DistanceMixin, "_probe_level", lambda self: None)
            want = [a.to_json() for a in full.feed(line)[0]]
            mp.undo()
            assert got == want, (i, e)
            assert fast.distance_level == full.distance_level
            assert fast.distance_f == full.distance_f, (i, e)
            assert fast.distance_side == full.distance_side


def test_probes_skip_the_distance_on_account_changes() -> None:
    """The probes do decide: a stream of account changes far from the thresholds
    computes no distance until the gauge is read (a test that fails if they never do)."""
    m = _monitor()
    m.feed(b'{"type":"price","seq":1,"ts":0,"price":"2000"}')
    m.feed(b'{"type":"insurance","seq":2,"ts":0,"balance":"100000"}')
    calls = []
    real = type(m)._closed_distance

    def counted(self: Monitor) -> Any:
        calls.append(1)
        return real(self)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(type(m), "_closed_distance", counted)
        for i in range(20):
            q, s = (-1100, "1") if i % 2 else (2900, "-1")  # 45% from 2000 either way
            line = {"type": "account", "seq": 3 + i, "ts": 1.0, "account": i % N,
                    "set": {"quote": str(q), "size": s}}  # fmt: skip
            assert m.feed(json.dumps(line).encode()) == ([], [])
        assert not calls
        assert m.distance_f is not None and m.distance_f > 0.2
        assert len(calls) == 1
