"""A naive hand-written Z3 BMC of benchmarks/engine/perp_entry.py (the yardstick).

One fresh ``z3.Solver()``, the whole path unrolled to ``--depth`` steps, one query "the
fund is negative at some step"; prints sat/unsat and the time. The model is written by
hand from the spec (tick, keepers per account, then at most one user trade per step).
With ``--induction``: the naive 1-induction step instead (from any state with the fund
non-negative and positive price, one step; sat means a counterexample to induction).

    python benchmarks/engine/naive_z3.py --accounts 3 --depth 3 --mm 0.05
    python benchmarks/engine/naive_z3.py --accounts 3 --mm 0.08 --induction
"""

from __future__ import annotations

import argparse
import time

import z3


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=3)
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--mm", default="0.05")
    ap.add_argument("--needle", action="store_true")
    ap.add_argument("--induction", action="store_true")
    a = ap.parse_args()
    began = time.perf_counter()
    n, mm, im = a.accounts, z3.Q(*_frac(a.mm)), z3.Q(1, 10)
    s = z3.Solver()
    price, ins = z3.RealVal(2000), z3.RealVal(100)
    coll = [z3.Real(f"c0_{i}") for i in range(n)]
    size: list[z3.ArithRef] = [z3.RealVal(0)] * n
    entry: list[z3.ArithRef] = [z3.RealVal(2000)] * n
    for c in coll:
        s.add(c >= 0, c <= 10000)
    bad = [ins < 0]
    depth = a.depth
    if a.induction:  # any pre-state where the invariant holds, one step
        price, ins = z3.Real("p0"), z3.Real("i0")
        size = [z3.Real(f"s0_{i}") for i in range(n)]
        entry = [z3.Real(f"e0_{i}") for i in range(n)]
        s.add(price > 0, ins >= 0, *[e > 0 for e in entry])
        bad, depth = [], 1
    for t in range(1, depth + 1):
        move = z3.Real(f"m{t}")
        s.add(move >= z3.Q(-8, 100), move <= z3.Q(8, 100))
        price = _fresh(s, f"p{t}", price * (1 + move))
        for i in range(n):  # keeper: close below maintenance at the mark
            eq = coll[i] + size[i] * (price - entry[i])
            notional = z3.If(size[i] >= 0, size[i], -size[i]) * price
            rate = mm
            if a.needle:
                rate = z3.If(z3.And(notional >= 74000, notional < 75000), z3.Q(7, 100), mm)
            fire = eq < notional * rate
            ins = _fresh(s, f"i{t}_{i}", z3.If(fire, ins + z3.If(eq < 0, eq, 0), ins))
            coll[i] = _fresh(s, f"c{t}_{i}", z3.If(fire, z3.If(eq > 0, eq, 0), coll[i]))
            size[i] = _fresh(s, f"s{t}_{i}", z3.If(fire, 0, size[i]))
            entry[i] = _fresh(s, f"e{t}_{i}", z3.If(fire, price, entry[i]))
        act, qty = z3.Int(f"act{t}"), z3.Real(f"q{t}")
        s.add(act >= 0, act <= n, qty >= -50, qty <= 50)
        for i in range(n):  # trade(i, qty): settle PnL at the mark, then the opening rule
            c2 = coll[i] + size[i] * (price - entry[i])
            s2 = size[i] + qty
            ok = z3.And(act == i + 1, c2 >= z3.If(s2 >= 0, s2, -s2) * price * im)
            coll[i] = _fresh(s, f"ct{t}_{i}", z3.If(ok, c2, coll[i]))
            size[i] = _fresh(s, f"st{t}_{i}", z3.If(ok, s2, size[i]))
            entry[i] = _fresh(s, f"et{t}_{i}", z3.If(ok, price, entry[i]))
        bad.append(ins < 0)
    s.add(z3.Or(bad))
    r = s.check()
    what = "induction step" if a.induction else f"depth={a.depth}"
    print(f"{r} accounts={n} {what} {time.perf_counter() - began:.2f}s")


def _fresh(s: z3.Solver, name: str, term: z3.ArithRef) -> z3.ArithRef:
    v = z3.Real(name)
    s.add(v == term)
    return v


def _frac(text: str) -> tuple[int, int]:
    from fractions import Fraction

    f = Fraction(text)
    return f.numerator, f.denominator


if __name__ == "__main__":
    main()
