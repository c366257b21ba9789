"""Adapter: drive the Vyper contract perp.vy (on titanoboa's EVM) as perp_spec.py says.

    solvent conform examples/conform/perp_spec.py --impl examples/conform/vyper_adapter.py
    solvent conform examples/conform/perp_spec.py --impl examples/conform/vyper_adapter.py:FeeBugAdapter

Each spec account is a fixed address; a trade or withdrawal is a call from it; the tick is
the oracle's price update (the oracle feed computes the new mark from the draw, rounded
down like the spec); the keeper calls ``liquidate(who)``. The fields are read from the
contract's storage words directly (``StorageWords``: no EVM call, no decoding), and
``reset()`` reverts the chain to a snapshot taken right after the first deployment
(``FreshDeployment``) instead of deploying again.
"""

from pathlib import Path

from solvent.conform.contracts import (
    FreshDeployment,
    StorageWords,
    accepted,
    address_of,
    units,
    vyper_deployer,
)

HERE = Path(__file__).parent
D = 6  # the contract's decimals


class PerpVyperAdapter:
    decimals = D
    source = HERE / "perp.vy"

    c = None

    def __init__(self):
        self.deployer = vyper_deployer(self.source)  # compiled once
        self.fresh = FreshDeployment(self.deployer)  # deployed once, then a snapshot
        self.words = None

    def reset(self, params, initial_state):
        self.accounts = [address_of(a) for a in range(len(initial_state["quote"]))]
        c = self.fresh(units(initial_state["price"], D), units(initial_state["insurance"], D))
        if self.words is None or c is not self.c:
            self.c, self.words = c, StorageWords(c)
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
        w = self.words
        return {
            "price": w.value("price"),
            "insurance": w.value("insurance"),
            "bad_debt": w.value("bad_debt"),
            "liquidations": w.value("liquidations") * 10**D,  # a count; the spec's a number
            "quote": w.mapping("quote", self.accounts),
            "size": w.mapping("size", self.accounts),
        }


class FeeBugAdapter(PerpVyperAdapter):
    """The same adapter on perp_fee_bug.vy (the liquidation fee rounded down)."""

    source = HERE / "perp_fee_bug.vy"


class PlainVyperAdapter(PerpVyperAdapter):
    """The same adapter without the two speed-ups (the baseline the tests and the benchmark
    compare them with): a deployment per trace, fields read through titanoboa's storage
    decoding."""

    def reset(self, params, initial_state):
        self.accounts = [address_of(a) for a in range(len(initial_state["quote"]))]
        self.c = self.deployer.deploy(
            units(initial_state["price"], D), units(initial_state["insurance"], D)
        )
        for who, q in zip(self.accounts, initial_state["quote"], strict=True):
            self.c.deposit_for(who, units(q, D))
        self.price = units(initial_state["price"], D)

    def observe(self):
        st = self.c._storage
        quote, size = st.quote.get(), st.size.get()
        return {
            "price": st.price.get(),
            "insurance": st.insurance.get(),
            "bad_debt": st.bad_debt.get(),
            "liquidations": st.liquidations.get() * 10**D,
            "quote": [quote.get(w, 0) for w in self.accounts],
            "size": [size.get(w, 0) for w in self.accounts],
        }


adapter = PerpVyperAdapter  # what `--impl vyper_adapter.py` runs (no :NAME)
