# pragma version ^0.4.0
"""
@title A loop of multiplications and remainders: py-evm's opcode speed with one call (benchmark only)
"""
x: public(int256)
@external
def spin(n: uint256) -> int256:
    acc: int256 = 1
    for i: uint256 in range(n, bound=100000):
        acc = (acc * 3 + 7) % 1000003
    self.x = acc
    return acc
