"""``--distance-every``: a spec without a closed form re-solves its distance lazily.

The Z3 distance is solved at most every N changed events (or S seconds of event time);
in between the last answer stands and the alerts say which event it is as of. When it is
re-solved it equals an eager monitor's answer on the same state.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from monitor_helpers import line

from solvent.monitor.core import Monitor, Options
from solvent.monitor.runner import declared_assumptions
from solvent.spec.load import load_spec

SPEC = str(Path(__file__).parent / "specs" / "oracle_vault.py")


def _events() -> list[bytes]:
    out = [line(type="price", ts=0, seq=1, price="100")]
    seq = 2
    for i in range(9):  # account changes that move the distance
        quote = str(-90 + i)  # the position of account 0 grows riskier, then safer
        out.append(line(type="account", ts=1 + i, seq=seq, account=i % 2,
                        set={"quote": quote, "size": "1"}))  # fmt: skip
        seq += 1
    return out


def _monitor(**kw: object) -> Monitor:
    spec = load_spec(SPEC)
    return Monitor(spec, declared_assumptions(spec), Options(detector="none", **kw))  # type: ignore[arg-type]


def test_solver_resolves_at_most_every_n_events_and_equals_eager() -> None:
    lazy, eager = _monitor(distance_every=3), _monitor()
    assert lazy.distance_mode == "solver"
    solved_at = []
    for e in _events():
        lazy.feed(e)
        eager.feed(e)
        if lazy.distance_as_of == lazy.last_seq:  # re-solved on this event: the same answer
            solved_at.append(lazy.last_seq)
            assert (lazy.distance, lazy.distance_side) == (eager.distance, eager.distance_side)
    # the first change solves, then every third: seq 1, 4, 7, 10 of 10 events
    assert solved_at == [1, 4, 7, 10]
    assert lazy.solver.calls < eager.solver.calls


def test_solver_resolves_every_s_seconds_of_event_time() -> None:
    lazy = _monitor(distance_every_seconds=4.0)
    solved = set()
    for e in _events():
        lazy.feed(e)
        solved.add(lazy.distance_as_of)
    assert solved == {1, 5, 9}  # ts 0, 4, 8: four seconds of event time apart


def test_lazy_alerts_say_as_of_which_event() -> None:
    lazy = _monitor(distance_every=2, critical_distance=Fraction(1, 2))
    alerts = []
    for e in _events():
        alerts += lazy.feed(e)[0]
    dist = [a for a in alerts if a.kind == "distance"]
    assert dist and all("as_of_seq" in a.details for a in dist)
