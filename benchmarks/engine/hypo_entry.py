"""Hypothesis stateful baseline for benchmarks/engine/perp_entry.py (buggy variants).

A ``RuleBasedStateMachine`` of the same model in exact ``Fraction`` arithmetic: each rule
is one step (the tick's move, the keepers, then an optional trade); the invariant is the
fund >= 0. Prints whether Hypothesis found a failure within ``--examples`` examples and the
wall time to its shrunk report (what a user waits for).

    python benchmarks/engine/hypo_entry.py --accounts 3 --mm 0.05
    python benchmarks/engine/hypo_entry.py --accounts 3 --mm 0.08 --needle
"""

from __future__ import annotations

import argparse
import time
from fractions import Fraction as F

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test


def machine(n: int, mm: F, needle: bool) -> type[RuleBasedStateMachine]:
    class Perp(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.price, self.ins = F(2000), F(100)
            self.coll = [F(0)] * n
            self.size = [F(0)] * n
            self.entry = [F(2000)] * n
            self.started = False

        @rule(colls=st.lists(st.fractions(0, 10000), min_size=n, max_size=n))
        def start(self, colls: list[F]) -> None:
            if not self.started:  # the symbolic initial collateral, drawn once
                self.coll, self.started = list(colls), True

        @rule(
            move=st.fractions(F(-8, 100), F(8, 100)),
            acct=st.integers(-1, n - 1),
            qty=st.fractions(-50, 50),
        )
        def step(self, move: F, acct: int, qty: F) -> None:
            self.price *= 1 + move
            for i in range(n):
                eq = self.coll[i] + self.size[i] * (self.price - self.entry[i])
                notional = abs(self.size[i]) * self.price
                rate = F(7, 100) if needle and 74000 <= notional < 75000 else mm
                if eq < notional * rate:
                    self.ins += min(eq, 0)
                    self.coll[i], self.size[i], self.entry[i] = max(eq, 0), F(0), self.price
            if acct >= 0:
                i = acct
                c2 = self.coll[i] + self.size[i] * (self.price - self.entry[i])
                s2 = self.size[i] + qty
                if c2 >= abs(s2) * self.price * F(1, 10):
                    self.coll[i], self.size[i], self.entry[i] = c2, s2, self.price

        @invariant()
        def fund_ok(self) -> None:
            assert self.ins >= 0

    return Perp


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=3)
    ap.add_argument("--mm", default="0.05")
    ap.add_argument("--needle", action="store_true")
    ap.add_argument("--examples", type=int, default=10_000)
    ap.add_argument("--steps", type=int, default=5)
    a = ap.parse_args()
    began = time.perf_counter()
    cfg = settings(
        max_examples=a.examples,
        stateful_step_count=a.steps,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    try:
        run_state_machine_as_test(machine(a.accounts, F(a.mm), a.needle), settings=cfg)
        found = "no failure"
    except AssertionError:
        found = "failure found (shrunk)"
    print(f"{found} in <= {a.examples} examples, {time.perf_counter() - began:.2f}s")


if __name__ == "__main__":
    main()
