"""A naive hand-written Z3 BMC of three round-22 user specs (the yardstick for their cells).

One fresh ``z3.Solver()``, the whole path unrolled to ``--depth`` steps, one query "the
invariant fails at some step 0..depth"; prints sat/unsat/unknown and the time. Each model
is written by hand from the spec in tests/check/specs/ (tick, keepers per account, then at
most one user action per step), the way an engineer without solvent would write it.

    python benchmarks/engine/naive_r22.py close_factor --accounts 3 --depth 5 [--bug]
    python benchmarks/engine/naive_r22.py zero_sum_funding --accounts 3 --depth 3 [--bug]
    python benchmarks/engine/naive_r22.py put_vault --depth 5 [--bug] [--timeout 60]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import z3

Q = z3.Q


def _fresh(s: z3.Solver, name: str, term: z3.ArithRef) -> z3.ArithRef:
    v = z3.Real(name)
    s.add(v == term)
    return v


def _arg(s: z3.Solver, name: str, lo: int, hi: int) -> z3.ArithRef:
    v = z3.Real(name)
    s.add(v >= lo, v <= hi)
    return v


def _choice(s: z3.Solver, t: int, count: int) -> z3.ArithRef:
    act = z3.Int(f"act{t}")  # 0: no action; k: the k-th action instance
    s.add(act >= 0, act <= count)
    return act


def close_factor(s: z3.Solver, n: int, depth: int, bug: bool) -> list[z3.BoolRef]:
    price, margin = z3.RealVal(2000), [z3.RealVal(0)] * n
    size, entry = [z3.RealVal(0)] * n, [z3.RealVal(2000)] * n
    im, mm, pen, half = Q(5, 100), Q(3, 100), Q(15, 1000), Q(1, 2)

    def equity(i: int) -> z3.ArithRef:
        return margin[i] + size[i] * (price - entry[i])

    bad = [z3.Or([equity(i) < 0 for i in range(n)])]
    for t in range(1, depth + 1):
        move = z3.Real(f"m{t}")
        s.add(move >= Q(-2, 100), move <= Q(2, 100))
        price = _fresh(s, f"p{t}", price * (1 + move))
        for i in range(n):
            e = equity(i)
            fire = z3.And(size[i] > 0, e < size[i] * price * mm)
            hp = z3.If(half * size[i] * price * pen < e, half * size[i] * price * pen, e)
            enough = e - hp >= (size[i] - half * size[i]) * price * mm
            closed = half * size[i] if bug else z3.If(enough, half * size[i], size[i])
            p0 = z3.If(closed * price * pen < e, closed * price * pen, e)
            p0 = z3.If(p0 > 0, p0, 0)
            margin[i] = _fresh(s, f"k{t}_{i}", z3.If(fire, e - p0, margin[i]))
            entry[i] = _fresh(s, f"ke{t}_{i}", z3.If(fire, price, entry[i]))
            size[i] = _fresh(s, f"ks{t}_{i}", z3.If(fire, size[i] - closed, size[i]))
        act = _choice(s, t, 2 * n)
        mg, sz = _arg(s, f"mg{t}", 0, 10000), _arg(s, f"sz{t}", 0, 100)
        for i in range(n):
            opens = z3.And(act == 1 + i, size[i] == 0, sz > 0, mg >= sz * price * im)
            closes = z3.And(act == 1 + n + i, size[i] > 0)
            margin[i] = _fresh(s, f"a{t}_{i}", z3.If(opens, mg, z3.If(closes, 0, margin[i])))
            entry[i] = _fresh(s, f"ae{t}_{i}", z3.If(z3.Or(opens, closes), price, entry[i]))
            size[i] = _fresh(s, f"as{t}_{i}", z3.If(opens, sz, z3.If(closes, 0, size[i])))
        bad.append(z3.Or([equity(i) < 0 for i in range(n)]))
    return bad


def zero_sum_funding(s: z3.Solver, n: int, depth: int, bug: bool) -> list[z3.BoolRef]:
    usdc, cash, pos = z3.RealVal(0), [z3.RealVal(0)] * n, [z3.RealVal(0)] * n
    pairs = [(b, x) for b in range(n) for x in range(n) if b != x]
    bad = [z3.Sum(cash) != usdc]
    for t in range(1, depth + 1):
        f = _arg(s, f"f{t}", -80, 80)
        for i in range(n):
            pay = pos[i] * f
            ok = z3.Or(pay <= cash[i], pay <= 0) if bug else z3.BoolVal(True)
            cash[i] = _fresh(s, f"h{t}_{i}", z3.If(ok, cash[i] - pay, cash[i]))
        act = _choice(s, t, 2 * n + len(pairs))
        amt, k = _arg(s, f"x{t}", 0, 100000), _arg(s, f"q{t}", 0, 50)
        for i in range(n):
            dep, wd = act == 1 + i, z3.And(act == 1 + n + i, amt <= cash[i])
            delta = z3.If(dep, amt, z3.If(wd, -amt, 0))
            cash[i] = _fresh(s, f"c{t}_{i}", cash[i] + delta)
            usdc = _fresh(s, f"u{t}_{i}", usdc + delta)
        for j, (b, x) in enumerate(pairs):
            go = act == 1 + 2 * n + j
            pos[b] = _fresh(s, f"pb{t}_{j}", z3.If(go, pos[b] + k, pos[b]))
            pos[x] = _fresh(s, f"px{t}_{j}", z3.If(go, pos[x] - k, pos[x]))
        bad.append(z3.Sum(cash) != usdc)
    return bad


def put_vault(s: z3.Solver, n: int, depth: int, bug: bool) -> list[z3.BoolRef]:
    spot, usdc, prem, locked = z3.RealVal(2000), z3.RealVal(0), z3.RealVal(0), z3.RealVal(0)
    p18, p16, shares = z3.RealVal(0), z3.RealVal(0), [z3.RealVal(0)] * n

    def owed() -> z3.ArithRef:
        return p18 * z3.If(spot < 1800, 1800 - spot, 0) + p16 * z3.If(spot < 1600, 1600 - spot, 0)

    bad = [usdc + prem < owed()]
    for t in range(1, depth + 1):
        r = z3.Real(f"r{t}")
        s.add(r >= Q(-1, 10), r <= Q(1, 10))
        spot = _fresh(s, f"s{t}", spot * (1 + r))
        act = _choice(s, t, 2 * n + 2)
        amt, puts = _arg(s, f"x{t}", 0, 1000000), _arg(s, f"n{t}", 0, 500)
        for i in range(n):
            dep = z3.And(act == 1 + i, amt > 0)
            wd = z3.And(act == 1 + n + i, amt > 0, amt <= shares[i], amt <= usdc - locked)
            delta = z3.If(dep, amt, z3.If(wd, -amt, 0))
            shares[i] = _fresh(s, f"sh{t}_{i}", shares[i] + delta)
            usdc = _fresh(s, f"u{t}_{i}", usdc + delta)
        for k, (strike, rate) in enumerate(((1800, Q(2, 100)), (1600, Q(1, 100)))):
            lock = puts * spot * Q(15, 100) if bug else puts * strike
            go = z3.And(act == 1 + 2 * n + k, puts > 0, locked + lock <= usdc)
            locked = _fresh(s, f"l{t}_{k}", z3.If(go, locked + lock, locked))
            prem = _fresh(s, f"pr{t}_{k}", z3.If(go, prem + puts * spot * rate, prem))
            if k == 0:
                p18 = _fresh(s, f"o{t}_{k}", z3.If(go, p18 + puts, p18))
            else:
                p16 = _fresh(s, f"o{t}_{k}", z3.If(go, p16 + puts, p16))
        bad.append(usdc + prem < owed())
    return bad


MODELS: dict[str, Callable[[z3.Solver, int, int, bool], list[z3.BoolRef]]] = {
    "close_factor": close_factor,
    "zero_sum_funding": zero_sum_funding,
    "put_vault": put_vault,
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("model", choices=sorted(MODELS))
    ap.add_argument("--accounts", type=int, default=3)
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--bug", action="store_true")
    ap.add_argument("--timeout", type=int, default=60, help="Z3's timeout, seconds")
    a = ap.parse_args()
    began = time.perf_counter()
    s = z3.Solver()
    s.set(timeout=a.timeout * 1000)
    s.add(z3.Or(MODELS[a.model](s, a.accounts, a.depth, a.bug)))
    r = s.check()
    print(
        f"{r} {a.model} bug={int(a.bug)} accounts={a.accounts} depth={a.depth} "
        f"{time.perf_counter() - began:.2f}s"
    )


if __name__ == "__main__":
    main()
