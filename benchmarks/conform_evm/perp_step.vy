# pragma version ^0.4.0
"""
@title perp.vy with a test harness: a whole step, or a trace, in one call (benchmark only)
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


@internal
@view
def _margin_ok(quote: int256, size: int256) -> bool:
    e: int256 = quote + self._mul_down(size, self.price)
    n: int256 = self._mul_up(abs(size), self.price)
    return e >= self._mul_up(n, INITIAL_MARGIN)


@internal
def _trade(who: address, qty: int256) -> bool:
    q: int256 = self.quote[who] - self._mul_up(qty, self.price)
    s: int256 = self.size[who] + qty
    if not self._margin_ok(q, s):
        return False
    self.quote[who] = q
    self.size[who] = s
    return True


@internal
def _withdraw(who: address, amount: int256) -> bool:
    if amount < 0:
        return False
    q: int256 = self.quote[who] - amount
    if not self._margin_ok(q, self.size[who]):
        return False
    self.quote[who] = q
    return True


@external
def trade(qty: int256):
    assert self._trade(msg.sender, qty), "initial margin"


@external
def withdraw(amount: int256):
    assert self._withdraw(msg.sender, amount), "initial margin"


@external
def liquidate(who: address) -> bool:
    return self._liquidate(who)


@internal
def _liquidate(who: address) -> bool:
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


# -- the test harness: a whole step (or a trace) in one call ---------------------------
struct Step:
    price: int256
    kind: uint8  # 0: no action, 1: trade, 2: withdraw
    account: uint8
    amount: int256


struct Seen:
    fired: uint8  # bit a: liquidate(account a) fired
    accepted: bool
    insurance: int256
    bad_debt: int256
    liquidations: int256
    quote: int256[3]
    size: int256[3]


@external
def step(s: Step, accounts: address[3]) -> Seen:
    assert msg.sender == self.owner, "only the oracle"
    return self._step(s, accounts)


@external
def run(steps: DynArray[Step, 32], accounts: address[3]) -> DynArray[Seen, 32]:
    assert msg.sender == self.owner, "only the oracle"
    out: DynArray[Seen, 32] = []
    for s: Step in steps:
        out.append(self._step(s, accounts))
    return out


@internal
def _step(s: Step, accounts: address[3]) -> Seen:
    assert s.price > 0, "price must be positive"
    self.price = s.price
    fired: uint8 = 0
    for a: uint256 in range(3):
        if self._liquidate(accounts[a]):
            fired |= convert(1 << a, uint8)
    ok: bool = False
    if s.kind == 1:
        ok = self._trade(accounts[convert(s.account, uint256)], s.amount)
    elif s.kind == 2:
        ok = self._withdraw(accounts[convert(s.account, uint256)], s.amount)
    return Seen(
        fired=fired,
        accepted=ok,
        insurance=self.insurance,
        bad_debt=self.bad_debt,
        liquidations=self.liquidations,
        quote=[self.quote[accounts[0]], self.quote[accounts[1]], self.quote[accounts[2]]],
        size=[self.size[accounts[0]], self.size[accounts[1]], self.size[accounts[2]]],
    )
