"""The falsifier's edge paths run each step's tick and keepers once (round 20, issue 13).

The bisection that pushes an action's argument to its guard's edge probes the action
about ten times a step. It ran the whole step (the tick, every account's keepers, the
action) for each probe, although only the action depends on the probed value: on the
Bybit-style tiers (tests/check/specs/bybit_tiers.py) the probes were half of the
falsifier's share before the race. Now the state after the keepers is computed once a
step (``engine.step.before_actions``) and each probe runs the action alone from it.
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

import solvent as sv
from solvent import Num, requires
from solvent.check.falsify import Paths
from solvent.check.falsify_edge import edge_path
from solvent.check.replay import replay
from solvent.models import fields


def _counted(calls: list[int]) -> sv.Spec:
    """Two accounts buying against a 10% margin; the keeper records each run of its body."""
    spec = sv.Spec("edge-count", accounts=2)
    fields.state(spec, price=Num("100"))
    fields.accounts(spec, cash=sv.within("0", "1000"), size=Num("0"))
    fields.symmetric(spec, move="0.05")

    @spec.tick
    def mark(s: Any, m: Any) -> None:
        s.price = s.price * (1 + m.move)

    @spec.keeper(every_step=True)
    def close(s: Any, p: Any, a: int) -> None:
        calls.append(a)  # a static side effect: the body's runs, counted
        requires(s.cash[a] < 0)
        s.size[a] = 0

    @spec.action(qty=sv.within("0", "100"))
    def buy(s: Any, p: Any, a: int, qty: Any) -> None:
        s.size[a] = s.size[a] + qty
        requires(s.cash[a] >= s.size[a] * s.price * Num("0.1"))

    @spec.invariant
    def cash_never_negative(s: Any, p: Any, a: int) -> Any:
        return s.cash[a] >= 0

    return spec


def test_edge_probes_do_not_rerun_the_keepers() -> None:
    calls: list[int] = []
    spec = _counted(calls)
    gen = Paths(spec, 3, random.Random(7))
    bisected = 0
    for _ in range(12):
        calls.clear()
        trace = edge_path(gen)
        # once per account and step, however many probes the bisection made
        assert len(calls) == spec.accounts * len(trace.steps)
        records = replay(spec, trace).records
        for t, step in enumerate(trace.steps, start=1):
            if step.action is None:
                continue
            qty = Fraction(step.action.args["qty"])
            if 0 < qty < 100:  # bisected: at the guard's edge, as the judge replays it
                bisected += 1
                assert records[t].action_enabled
                a = step.action.accounts[0]
                before = records[t - 1].state
                price = before["price"] * (1 + Fraction(step.market["move"]))
                room = before["cash"][a] / (price * Fraction("0.1")) - before["size"][a]
                assert room - qty <= Fraction(100, 1024)  # within a bisection step of it
    assert bisected >= 3
