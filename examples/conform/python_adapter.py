"""Adapter: drive perp_engine.PerpEngine as the spec of perp_spec.py says.

solvent conform examples/conform/perp_spec.py --impl examples/conform/python_adapter.py
"""

import numpy as np
from perp_engine import ONE, PerpEngine, PerpEngineLanes, Rejected

from solvent.conform.contracts import units


def spec_fields(e):
    """The spec's fields as the engine holds them (one engine, or numpy lanes of many)."""
    return {
        "price": e.price,
        "insurance": e.insurance,
        "bad_debt": e.bad_debt,
        "liquidations": e.liquidations * ONE,
        "quote": e.quote,
        "size": e.size,
    }


class EngineAdapter:
    decimals = 6  # observe() returns ints in units of 10^-6
    buggy = False

    def reset(self, params, initial_state):
        self.engine = PerpEngine(
            units(initial_state["price"], 6),
            units(initial_state["insurance"], 6),
            [units(q, 6) for q in initial_state["quote"]],
            liquidate_at_equal=self.buggy,
        )

    def tick(self, draws):
        e = self.engine
        e.set_price(e.price * (ONE + units(draws["move"], 6)) // ONE)

    def keeper(self, name, account):
        return self.engine.liquidate(account)

    def action(self, name, account, **args):
        try:
            if name == "trade":
                self.engine.trade(account, units(args["qty"], 6))
            else:
                self.engine.withdraw(account, units(args["amount"], 6))
        except Rejected:
            return False
        return True

    def observe(self):
        return spec_fields(self.engine)

    # -- the batch protocol (optional): many traces at once, numpy lanes -------------
    # Numbers arrive and leave as int64 arrays in units of the spec's decimals (10^-6);
    # solvent compares them lane by lane and re-runs any lane that differs on the
    # per-step methods above, which build the report (docs/conform.md).

    def reset_batch(self, params, init):
        self.lanes = PerpEngineLanes(
            init["price"], init["insurance"], init["quote"], liquidate_at_equal=self.buggy
        )

    def step_batch(self, draws, keepers, actions):
        e = self.lanes
        e.set_price(e.mul_down(e.price, ONE + draws["move"]))
        run = keepers["liquidate"]
        fired = np.zeros_like(run)
        for a in range(run.shape[1]):
            fired[:, a] = e.liquidate(run[:, a], a)
        accepted = np.zeros(run.shape[0], dtype=bool)
        if "trade" in actions:
            act = actions["trade"]
            accepted |= e.trade(act.mask, act.account, act.args["qty"])
        if "withdraw" in actions:
            act = actions["withdraw"]
            accepted |= e.withdraw(act.mask, act.account, act.args["amount"])
        return accepted, {"liquidate": fired}

    def observe_batch(self):
        return spec_fields(self.lanes)

    def rerun_batch(self):
        return self.lanes.unsure


class BuggyEngineAdapter(EngineAdapter):
    """The same engine with its liquidation check written `<=` where the spec has `<`."""

    buggy = True


class PerStepEngineAdapter(EngineAdapter):
    """The same adapter on its per-step methods only (the batch methods switched off)."""

    reset_batch = step_batch = observe_batch = None


adapter = EngineAdapter  # what `--impl python_adapter.py` runs (no :NAME)
