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


class PerpEngineLanes:
    """The same engine for ``n`` independent books at once, in numpy int64 lanes.

    Every rule is the one of :class:`PerpEngine`, written on arrays (numpy's integer
    ``//`` floors like Python's). A product that could leave int64 marks its lane in
    ``unsure``: that lane's numbers are not to be trusted (the batch adapter reports it
    in ``rerun_batch()``, and solvent re-runs the lane on the scalar engine).
    """

    def __init__(self, price, insurance, deposits, *, liquidate_at_equal=False):
        import numpy as np

        self.np = np
        self.price = np.array(price, dtype=np.int64)
        self.insurance = np.array(insurance, dtype=np.int64)
        n = self.price.shape[0]
        self.bad_debt = np.zeros(n, dtype=np.int64)
        self.liquidations = np.zeros(n, dtype=np.int64)
        self.quote = np.array(deposits, dtype=np.int64)
        self.size = np.zeros_like(self.quote)
        self.unsure = np.zeros(n, dtype=bool)
        self.liquidate_at_equal = liquidate_at_equal

    def _product(self, a, b):
        """``a * b``; lanes where it might not fit in int64 are marked unsure."""
        np = self.np
        self.unsure |= np.abs(a.astype(np.float64) * b.astype(np.float64)) >= 2.0**62
        return a * b

    def mul_down(self, a, b):
        return self._product(a, b) // ONE

    def mul_up(self, a, b):
        return -(self._product(-a, b) // ONE)

    def equity_of(self, quote, size):
        return quote + self.mul_down(size, self.price)

    def notional_of(self, size):
        return self.mul_up(self.np.abs(size), self.price)

    def margin_ok(self, quote, size):
        need = self.mul_up(self.notional_of(size), self.np.full_like(size, self.INITIAL_MARGIN))
        return self.equity_of(quote, size) >= need

    INITIAL_MARGIN = PerpEngine.INITIAL_MARGIN
    MAINTENANCE_MARGIN = PerpEngine.MAINTENANCE_MARGIN
    LIQUIDATION_FEE = PerpEngine.LIQUIDATION_FEE

    def set_price(self, price) -> None:
        self.price = price

    def trade(self, mask, account, qty):
        """Lanes ``mask`` trade ``qty`` on ``account``; returns the lanes that went through."""
        return self._accepted(
            mask,
            account,
            lambda a: (self.quote[:, a] - self.mul_up(qty, self.price), self.size[:, a] + qty),
        )

    def withdraw(self, mask, account, amount):
        return self._accepted(mask, account, lambda a: (self.quote[:, a] - amount, self.size[:, a]))

    def _accepted(self, mask, account, after):
        """Apply ``after(a) -> (quote, size)`` to the lanes of ``mask`` acting on account
        ``a`` that stay above initial margin; returns those lanes (the others refuse)."""
        np = self.np
        done = np.zeros_like(mask)
        for a in range(self.quote.shape[1]):
            m = mask & (account == a)
            if not m.any():
                continue
            quote, size = after(a)
            ok = m & self.margin_ok(quote, size)
            self.quote[:, a] = np.where(ok, quote, self.quote[:, a])
            self.size[:, a] = np.where(ok, size, self.size[:, a])
            done |= ok
        return done

    def liquidate(self, run, a):
        """Lanes ``run`` run the liquidation of account ``a``; returns the lanes it closed."""
        np = self.np
        quote, size = self.quote[:, a], self.size[:, a]
        e = self.equity_of(quote, size)
        n = self.notional_of(size)
        req = self.mul_up(n, np.full_like(n, self.MAINTENANCE_MARGIN))
        liq = run & ((e <= req) if self.liquidate_at_equal else (e < req))
        if not liq.any():
            return liq
        fee = np.minimum(np.maximum(e, 0), self.mul_up(n, np.full_like(n, self.LIQUIDATION_FEE)))
        deficit = np.maximum(-e, 0)
        covered = np.minimum(deficit, self.insurance)
        self.insurance = np.where(liq, self.insurance + fee - covered, self.insurance)
        self.bad_debt = np.where(liq, self.bad_debt + deficit - covered, self.bad_debt)
        self.quote[:, a] = np.where(liq, e - fee + covered, quote)
        self.size[:, a] = np.where(liq, 0, size)
        self.liquidations += liq
        return liq
