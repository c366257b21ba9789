"""A Python implementation of examples/frontier/stale_oracle.py and its conform adapters.

The engine knows nothing about solvent: an oracle contract the keeper network updates from
the index (when it is not late), and a liquidation at the index once the position's
equity at the oracle is below the maintenance amount. ``ClampedOracleAdapter`` seeds a bug
in the handling of skipped updates: the oracle refuses to move more than one step's
largest move (0.7) per update, so after skipped updates it does not catch up with the
index. Without skips the clamp never bites (the index moves at most 0.7 a step).
"""

from __future__ import annotations

from fractions import Fraction

MOVE = Fraction(7, 10)


class StaleOracleEngine:
    def __init__(self, index: Fraction, oracle: Fraction, quote: Fraction, size: Fraction):
        self.index, self.oracle = index, oracle
        self.quote, self.size = quote, size
        self.mm = Fraction(3)
        self.clamp = False  # the seeded bug

    def move(self, delta: Fraction) -> None:
        self.index += delta

    def update_oracle(self) -> None:
        change = self.index - self.oracle
        if self.clamp:
            change = max(-MOVE, min(MOVE, change))
        self.oracle += change

    def liquidate(self) -> bool:
        if self.size == 0 or self.quote + self.size * self.oracle >= self.mm:
            return False
        self.quote += self.size * self.index
        self.size = Fraction(0)
        return True


class StaleOracleAdapter:
    clamp = False

    def reset(self, params, initial_state):
        s = initial_state
        self.engine = StaleOracleEngine(
            Fraction(s["index"]), Fraction(s["oracle"]), Fraction(s["quote"][0]),
            Fraction(s["size"][0]),
        )  # fmt: skip
        self.engine.mm = Fraction(params["mm"])
        self.engine.clamp = self.clamp

    def tick(self, draws):
        self.engine.move(Fraction(draws["move"]))

    def keeper(self, name, account):
        if name == "publish":
            self.engine.update_oracle()
            return True
        return self.engine.liquidate()

    def action(self, name, account, **args):
        raise AssertionError("the spec has no user actions")

    def observe(self):
        e = self.engine
        return {"index": e.index, "oracle": e.oracle, "quote": [e.quote], "size": [e.size]}


class ClampedOracleAdapter(StaleOracleAdapter):
    clamp = True


adapter = StaleOracleAdapter
