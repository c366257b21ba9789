"""Adapters: the Vyper and Solidity perps on revm (the Rust EVM, through pyrevm).

    solvent conform examples/conform/perp_spec.py --impl examples/conform/revm_adapter.py
    solvent conform examples/conform/perp_spec.py --impl examples/conform/revm_adapter.py:VyperFeeBug
    solvent conform examples/conform/perp_spec.py --impl examples/conform/revm_adapter.py:Solidity

The same bytecode and mapping as vyper_adapter.py and solidity_adapter.py (which run on
titanoboa's py-evm), on an EVM written in Rust: one chain per adapter, brought back to
its fresh state by a journal snapshot at every reset, so a trace costs one deployment.
"""

from pathlib import Path

from solvent.conform.contracts import units
from solvent.conform.revm import Reverted, RevmChain, solidity_bytecode, vyper_bytecode

HERE = Path(__file__).parent
D = 6  # the contract's decimals
ACCOUNTS = 3


class VyperPerp:
    decimals = D
    deposit = "deposit_for"
    set_price = "set_price"
    getters = {"bad_debt": "bad_debt"}

    def __init__(self):
        self.code = self.compile()
        self.chain = RevmChain(ACCOUNTS)
        self.accounts = [self.chain.account(a) for a in range(ACCOUNTS)]

    def compile(self):
        return vyper_bytecode(HERE / "perp.vy")

    def reset(self, params, initial_state):
        self.chain.reset()
        self.price = units(initial_state["price"], D)
        self.c = self.chain.deploy(self.code, self.price, units(initial_state["insurance"], D))
        for who, q in zip(self.accounts, initial_state["quote"], strict=True):
            self.c.call(self.deposit, who, units(q, D))

    def tick(self, draws):
        # the oracle: new mark = price * (1 + move), rounded down to the 6-decimal grid
        self.price = self.price * (10**D + units(draws["move"], D)) // 10**D
        self.c.call(self.set_price, self.price)

    def keeper(self, name, account):
        return bool(self.c.call("liquidate", self.accounts[account]))

    def action(self, name, account, **args):
        amount = units(args["qty"] if name == "trade" else args["amount"], D)
        try:
            self.c.call(name, amount, sender=self.accounts[account])
        except Reverted:
            return False
        return True

    def observe(self):
        c = self.c
        return {
            "price": c.view("price"),
            "insurance": c.view("insurance"),
            "bad_debt": c.view(self.getters["bad_debt"]),
            "liquidations": c.view("liquidations") * 10**D,  # a count; the spec's is a number
            "quote": [c.view("quote", w) for w in self.accounts],
            "size": [c.view("size", w) for w in self.accounts],
        }


class VyperFeeBug(VyperPerp):
    """perp_fee_bug.vy: the liquidation fee rounded down where the spec rounds it up."""

    def compile(self):
        return vyper_bytecode(HERE / "perp_fee_bug.vy")


class Solidity(VyperPerp):
    """Perp.sol, compiled with solc-js."""

    deposit = "depositFor"
    set_price = "setPrice"
    getters = {"bad_debt": "badDebt"}

    def compile(self):
        return solidity_bytecode(HERE / "Perp.sol", "Perp")


class SolidityWithdrawBug(Solidity):
    """PerpWithdrawBug.sol: withdraw checks the maintenance margin, not the initial one."""

    def compile(self):
        return solidity_bytecode(HERE / "PerpWithdrawBug.sol", "Perp")


adapter = VyperPerp  # what `--impl revm_adapter.py` runs (no :NAME)
