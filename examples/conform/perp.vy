# pragma version ^0.4.0
"""
@title Isolated-margin perpetual (the spec: examples/conform/perp_spec.py)
@notice Amounts are int256 in units of 10^-6. The owner (the oracle) sets the mark price
        and credits deposits; keepers liquidate accounts below maintenance.
"""

ONE: constant(int256) = 10**6
INITIAL_MARGIN: constant(int256) = 100_000  # 0.10
MAINTENANCE_MARGIN: constant(int256) = 80_000  # 0.08
LIQUIDATION_FEE: constant(int256) = 10_000  # 0.01

owner: public(address)
price: public(int256)
insurance: public(int256)
bad_debt: public(int256)
liquidations: public(int256)
quote: public(HashMap[address, int256])
size: public(HashMap[address, int256])


@deploy
def __init__(price: int256, insurance: int256):
    self.owner = msg.sender
    self.price = price
    self.insurance = insurance


@internal
@pure
def _floor_div(n: int256, d: int256) -> int256:
    q: int256 = n // d  # rounds toward zero
    if n % d != 0 and n < 0:
        q -= 1
    return q


@internal
@pure
def _mul_down(a: int256, b: int256) -> int256:
    return self._floor_div(a * b, ONE)


@internal
@pure
def _mul_up(a: int256, b: int256) -> int256:
    return -self._floor_div(-(a * b), ONE)


@internal
@view
def _equity(who: address) -> int256:
    return self.quote[who] + self._mul_down(self.size[who], self.price)


@internal
@view
def _notional(who: address) -> int256:
    return self._mul_up(abs(self.size[who]), self.price)


@external
def set_price(price: int256):
    assert msg.sender == self.owner, "only the oracle"
    assert price > 0, "price must be positive"
    self.price = price


@external
def deposit_for(who: address, amount: int256):
    assert msg.sender == self.owner, "only the owner"
    assert amount >= 0
    self.quote[who] += amount


@external
def trade(qty: int256):
    self.quote[msg.sender] -= self._mul_up(qty, self.price)
    self.size[msg.sender] += qty
    assert self._equity(msg.sender) >= self._mul_up(self._notional(msg.sender), INITIAL_MARGIN), "initial margin"


@external
def withdraw(amount: int256):
    assert amount >= 0
    self.quote[msg.sender] -= amount
    assert self._equity(msg.sender) >= self._mul_up(self._notional(msg.sender), INITIAL_MARGIN), "initial margin"


@external
def liquidate(who: address) -> bool:
    e: int256 = self._equity(who)
    n: int256 = self._notional(who)
    if e >= self._mul_up(n, MAINTENANCE_MARGIN):
        return False  # healthy: nothing to do
    fee: int256 = min(max(e, 0), self._mul_up(n, LIQUIDATION_FEE))
    deficit: int256 = max(-e, 0)
    covered: int256 = min(deficit, self.insurance)
    self.insurance += fee - covered
    self.bad_debt += deficit - covered
    self.quote[who] = e - fee + covered
    self.size[who] = 0
    self.liquidations += 1
    return True
