"""Adapter: drive perp_engine.PerpEngine as the spec of perp_spec.py says.

solvent conform examples/conform/perp_spec.py --impl examples/conform/python_adapter.py
"""

from perp_engine import ONE, PerpEngine, Rejected

from solvent.conform.contracts import units


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
        e = self.engine
        return {
            "price": e.price,
            "insurance": e.insurance,
            "bad_debt": e.bad_debt,
            "liquidations": e.liquidations * ONE,
            "quote": e.quote,
            "size": e.size,
        }


class BuggyEngineAdapter(EngineAdapter):
    """The same engine with its liquidation check written `<=` where the spec has `<`."""

    buggy = True


adapter = EngineAdapter  # what `--impl python_adapter.py` runs (no :NAME)
