"""Adapter: drive the Vyper contract perp.vy (on titanoboa's EVM) as perp_spec.py says.

    solvent conform examples/conform/perp_spec.py --impl examples/conform/vyper_adapter.py
    solvent conform examples/conform/perp_spec.py --impl examples/conform/vyper_adapter.py:FeeBugAdapter

Each spec account is a fixed address; a trade or withdrawal is a call from it; the tick is
the oracle's price update (the oracle feed computes the new mark from the draw, rounded
down like the spec); the keeper calls ``liquidate(who)``. The fields are read from the
contract's storage (titanoboa reads storage variables by name, without a call).
"""

from pathlib import Path

from solvent.conform.contracts import accepted, address_of, units, vyper_deployer

HERE = Path(__file__).parent
D = 6  # the contract's decimals


class PerpVyperAdapter:
    decimals = D
    source = HERE / "perp.vy"

    def __init__(self):
        self.deployer = vyper_deployer(self.source)  # compiled once

    def reset(self, params, initial_state):
        self.accounts = [address_of(a) for a in range(len(initial_state["quote"]))]
        self.c = self.deployer.deploy(
            units(initial_state["price"], D), units(initial_state["insurance"], D)
        )
        for who, q in zip(self.accounts, initial_state["quote"], strict=True):
            self.c.deposit_for(who, units(q, D))
        self.price = units(initial_state["price"], D)

    def tick(self, draws):
        # the oracle: new mark = price * (1 + move), rounded down to the 6-decimal grid
        self.price = self.price * (10**D + units(draws["move"], D)) // 10**D
        self.c.set_price(self.price)

    def keeper(self, name, account):
        return bool(self.c.liquidate(self.accounts[account]))

    def action(self, name, account, **args):
        who = self.accounts[account]
        if name == "trade":
            return accepted(self.c.trade, units(args["qty"], D), sender=who)
        return accepted(self.c.withdraw, units(args["amount"], D), sender=who)

    def observe(self):
        st = self.c._storage
        quote, size = st.quote.get(), st.size.get()
        return {
            "price": st.price.get(),
            "insurance": st.insurance.get(),
            "bad_debt": st.bad_debt.get(),
            "liquidations": st.liquidations.get() * 10**D,  # a count; the spec's is a number
            "quote": [quote.get(w, 0) for w in self.accounts],
            "size": [size.get(w, 0) for w in self.accounts],
        }


class FeeBugAdapter(PerpVyperAdapter):
    """The same adapter on perp_fee_bug.vy (the liquidation fee rounded down)."""

    source = HERE / "perp_fee_bug.vy"


adapter = PerpVyperAdapter  # what `--impl vyper_adapter.py` runs (no :NAME)
