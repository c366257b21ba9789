"""A naive hand-written Z3 BMC of benchmarks/engine/perp_entry.py (the yardstick).

One fresh ``z3.Solver()``, the whole path unrolled to ``--depth`` steps, one query "the
fund is negative at some step"; prints sat/unsat and the time. The model is written by
hand from the spec (tick, keepers per account, then at most one user trade per step).
With ``--induction``: the naive 1-induction step instead (from any state with the fund
non-negative and positive price, one step; sat means a counterexample to induction).
``--fees`` and ``--markets 2`` are the spec's ``FEES=1`` and ``MARKETS=2`` (the BMC only).

    python benchmarks/engine/naive_z3.py --accounts 3 --depth 3 --mm 0.05
    python benchmarks/engine/naive_z3.py --accounts 3 --depth 3 --mm 0.05 --fees --markets 2
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
    ap.add_argument("--fees", action="store_true", help="a 0.05%% fee on trades, to the fund")
    ap.add_argument("--markets", type=int, choices=(1, 2), default=1)
    ap.add_argument("--induction", action="store_true")
    a = ap.parse_args()
    if a.induction and (a.fees or a.markets > 1):
        ap.error("--induction is written for the plain one-market spec only")
    began = time.perf_counter()
    n, mm, im = a.accounts, z3.Q(*_frac(a.mm)), z3.Q(1, 10)
    fee = z3.Q(5, 10000) if a.fees else None
    ms = range(a.markets)
    s = z3.Solver()
    start = [z3.RealVal(2000), z3.RealVal(100)]
    price, ins = list(start[: a.markets]), z3.RealVal(100)
    coll = [z3.Real(f"c0_{i}") for i in range(n)]
    size: list[list[z3.ArithRef]] = [[z3.RealVal(0)] * n for _ in ms]
    entry: list[list[z3.ArithRef]] = [[start[m]] * n for m in ms]
    for c in coll:
        s.add(c >= 0, c <= 10000)
    bad = [ins < 0]
    depth = a.depth
    if a.induction:  # any pre-state where the invariant holds, one step
        price, ins = [z3.Real("p0")], z3.Real("i0")
        size = [[z3.Real(f"s0_{i}") for i in range(n)]]
        entry = [[z3.Real(f"e0_{i}") for i in range(n)]]
        s.add(price[0] > 0, ins >= 0, *[e > 0 for e in entry[0]])
        bad, depth = [], 1

    def held(m: int, i: int, sz: z3.ArithRef) -> z3.ArithRef:
        return z3.If(sz >= 0, sz, -sz) * price[m]

    for t in range(1, depth + 1):
        for m in ms:
            move = z3.Real(f"m{t}_{m}")
            s.add(move >= z3.Q(-8, 100), move <= z3.Q(8, 100))
            price[m] = _fresh(s, f"p{t}_{m}", price[m] * (1 + move))
        for i in range(n):  # keeper: close below maintenance at the mark
            eq = coll[i] + z3.Sum([size[m][i] * (price[m] - entry[m][i]) for m in ms])
            notional = z3.Sum([held(m, i, size[m][i]) for m in ms])
            rate = mm
            if a.needle:
                rate = z3.If(z3.And(notional >= 74000, notional < 75000), z3.Q(7, 100), mm)
            fire = eq < notional * rate
            ins = _fresh(s, f"i{t}_{i}", z3.If(fire, ins + z3.If(eq < 0, eq, 0), ins))
            coll[i] = _fresh(s, f"c{t}_{i}", z3.If(fire, z3.If(eq > 0, eq, 0), coll[i]))
            for m in ms:
                size[m][i] = _fresh(s, f"s{t}_{m}_{i}", z3.If(fire, 0, size[m][i]))
                entry[m][i] = _fresh(s, f"e{t}_{m}_{i}", z3.If(fire, price[m], entry[m][i]))
        act = z3.Int(f"act{t}")  # 0: no trade; m * n + i + 1: account i trades market m
        s.add(act >= 0, act <= n * a.markets)
        for m in ms:  # trade(i, qty) on market m: settle PnL, pay the fee, opening rule
            qty, cap = z3.Real(f"q{t}_{m}"), (50, 1000)[m]
            s.add(qty >= -cap, qty <= cap)
            paid = z3.If(qty >= 0, qty, -qty) * price[m] * fee if fee is not None else None
            for i in range(n):
                c2 = coll[i] + size[m][i] * (price[m] - entry[m][i])
                if paid is not None:
                    c2 = c2 - paid
                s2 = size[m][i] + qty
                rest = [o for o in ms if o != m]
                eq = c2 + z3.Sum([size[o][i] * (price[o] - entry[o][i]) for o in rest])
                total = held(m, i, s2) + z3.Sum([held(o, i, size[o][i]) for o in rest])
                ok = z3.And(act == m * n + i + 1, eq >= total * im)
                coll[i] = _fresh(s, f"ct{t}_{m}_{i}", z3.If(ok, c2, coll[i]))
                size[m][i] = _fresh(s, f"st{t}_{m}_{i}", z3.If(ok, s2, size[m][i]))
                entry[m][i] = _fresh(s, f"et{t}_{m}_{i}", z3.If(ok, price[m], entry[m][i]))
                if paid is not None:
                    ins = _fresh(s, f"it{t}_{m}_{i}", z3.If(ok, ins + paid, ins))
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
