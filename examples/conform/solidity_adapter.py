"""Adapter: drive the Solidity contract Perp.sol (solc-js, titanoboa's EVM) as the spec says.

    solvent conform examples/conform/perp_spec.py --impl examples/conform/solidity_adapter.py

Same mapping as vyper_adapter.py; the fields are read with the contract's public getters.
"""

from pathlib import Path

from solvent.conform.contracts import accepted, address_of, solidity_deployer, units

HERE = Path(__file__).parent
D = 6  # the contract's decimals


class PerpSolidityAdapter:
    decimals = D

    def __init__(self):
        self.deployer = solidity_deployer(HERE / "Perp.sol", "Perp")  # compiled once

    def reset(self, params, initial_state):
        self.accounts = [address_of(a) for a in range(len(initial_state["quote"]))]
        self.price = units(initial_state["price"], D)
        self.c = self.deployer.deploy(self.price, units(initial_state["insurance"], D))
        for who, q in zip(self.accounts, initial_state["quote"], strict=True):
            self.c.depositFor(who, units(q, D))

    def tick(self, draws):
        # the oracle: new mark = price * (1 + move), rounded down to the 6-decimal grid
        self.price = self.price * (10**D + units(draws["move"], D)) // 10**D
        self.c.setPrice(self.price)

    def keeper(self, name, account):
        return bool(self.c.liquidate(self.accounts[account]))

    def action(self, name, account, **args):
        who = self.accounts[account]
        if name == "trade":
            return accepted(self.c.trade, units(args["qty"], D), sender=who)
        return accepted(self.c.withdraw, units(args["amount"], D), sender=who)

    def observe(self):
        c = self.c
        return {
            "price": c.price(),
            "insurance": c.insurance(),
            "bad_debt": c.badDebt(),
            "liquidations": c.liquidations() * 10**D,
            "quote": [c.quote(w) for w in self.accounts],
            "size": [c.size(w) for w in self.accounts],
        }
