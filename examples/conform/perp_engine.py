"""A Python matching engine for the isolated perp, in integers of 10^-6 (like USDC).

This is "the implementation": it knows nothing about solvent. `python_adapter.py` maps
the spec onto it and `solvent conform` checks it against `perp_spec.py`.
"""

ONE = 10**6  # 6 decimals


def mul_down(a: int, b: int) -> int:
    return (a * b) // ONE


def mul_up(a: int, b: int) -> int:
    return -((-a * b) // ONE)


class Rejected(Exception):
    """The engine refused a request (the account would be under its initial margin)."""


class PerpEngine:
    INITIAL_MARGIN = 100_000  # 0.10
    MAINTENANCE_MARGIN = 80_000  # 0.08
    LIQUIDATION_FEE = 10_000  # 0.01

    def __init__(
        self, price: int, insurance: int, deposits: list[int], *, liquidate_at_equal: bool = False
    ) -> None:
        self.price = price
        self.insurance = insurance
        self.bad_debt = 0
        self.liquidations = 0
        self.quote = list(deposits)
        self.size = [0] * len(deposits)
        self.liquidate_at_equal = liquidate_at_equal  # the seeded bug: `<=` for `<`

    def equity(self, a: int) -> int:
        return self.quote[a] + mul_down(self.size[a], self.price)

    def notional(self, a: int) -> int:
        return mul_up(abs(self.size[a]), self.price)

    def set_price(self, price: int) -> None:
        self.price = price

    def _check_initial(self, a: int) -> None:
        if self.equity(a) < mul_up(self.notional(a), self.INITIAL_MARGIN):
            raise Rejected(f"account {a} would be under its initial margin")

    def trade(self, a: int, qty: int) -> None:
        quote, size = self.quote[a], self.size[a]
        self.quote[a] -= mul_up(qty, self.price)
        self.size[a] += qty
        try:
            self._check_initial(a)
        except Rejected:
            self.quote[a], self.size[a] = quote, size
            raise

    def withdraw(self, a: int, amount: int) -> None:
        self.quote[a] -= amount
        try:
            self._check_initial(a)
        except Rejected:
            self.quote[a] += amount
            raise

    def liquidatable(self, a: int) -> bool:
        e, req = self.equity(a), mul_up(self.notional(a), self.MAINTENANCE_MARGIN)
        return e <= req if self.liquidate_at_equal else e < req

    def liquidate(self, a: int) -> bool:
        if not self.liquidatable(a):
            return False
        e = self.equity(a)
        fee = min(max(e, 0), mul_up(self.notional(a), self.LIQUIDATION_FEE))
        deficit = max(-e, 0)
        covered = min(deficit, self.insurance)
        self.insurance += fee - covered
        self.bad_debt += deficit - covered
        self.quote[a] = e - fee + covered
        self.size[a] = 0
        self.liquidations += 1
        return True
