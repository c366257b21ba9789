"""Would cvc5 win a share of the bmc portfolio? Z3 and cvc5 on the same queries.

For each spec, number of accounts and depth, the query the portfolio's ``fresh`` member
asks (``members._at_depth``: the properties hold before step K, one fails at K) is
written as SMT-LIB 2 by Z3 and given to both solvers in this process, each with the same
per-query limit. A verdict counts when it is sat/unsat; where both answer they must agree
(a disagreement is a bug, reported and exit 1).

    pip install cvc5        # not a dependency of solvent: for this measurement only
    PYTHONPATH=src python benchmarks/engine_cvc5.py [--limit SECONDS]

Prints a Markdown table (the rows recorded in benchmarks/results/engine.md).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import z3

from solvent.check.solving import Deadline, fresh_context
from solvent.check.within import unrolled_in_new_solver
from solvent.spec.load import load_spec

ROOT = Path(__file__).resolve().parents[1]
CASES = [  # (spec file, accounts, depths, what)
    ("examples/bugs_detected/perp_gap_risk.py", (1, 3, 10), (3,), "gap risk (bug)"),
    ("examples/bugs_detected/perp_needle.py", (1, 3), (3,), "stale-bracket needle (bug)"),
    ("examples/correct/perp_isolated.py", (1, 3), (1, 2, 3), "isolated perp (safe)"),
    ("tests/check/specs/isolated_accounts.py", (3, 10), (2, 3), "collateral/entry (safe)"),
    ("tests/check/specs/keeper_outage.py", (1,), (3, 5), "keeper outage (safe)"),
    ("examples/correct/insurance_waterfall.py", (3,), (2, 3), "insurance waterfall (safe)"),
]


def query(path: str, accounts: int, k: int) -> str:
    spec = load_spec(str(ROOT / path), None).with_accounts(accounts)
    with fresh_context():
        unrolled = unrolled_in_new_solver(spec, k, Deadline(None))
        assert unrolled is not None  # no deadline: never out of time
        solver, u = unrolled
        solver.add(*u.assumption_literals())
        decls = spec.properties()
        for t in range(k):
            solver.add(*[p for _, _, p in u.properties(t, decls)])
        solver.add(z3.Or([z3.Not(p) for _, _, p in u.properties(k, decls)]))
        return solver.to_smt2()


def run_z3(text: str, limit: float) -> tuple[str, float]:
    with fresh_context():
        s = z3.Solver()
        s.set("timeout", int(limit * 1000))
        s.from_string(text)
        t = time.perf_counter()
        status = str(s.check())
        return status, time.perf_counter() - t


def run_cvc5(text: str, limit: float) -> tuple[str, float]:
    import cvc5

    tm = cvc5.TermManager()
    s = cvc5.Solver(tm)
    s.setOption("tlimit-per", str(int(limit * 1000)))
    if "(set-logic" not in text:
        text = "(set-logic ALL)\n" + text
    parser = cvc5.InputParser(s)
    parser.setStringInput(cvc5.InputLanguage.SMT_LIB_2_6, text, "query")
    sm = parser.getSymbolManager()
    t = time.perf_counter()
    out = ""
    while True:
        cmd = parser.nextCommand()
        if cmd.isNull():
            break
        out += cmd.invoke(s, sm)
    seconds = time.perf_counter() - t
    status = out.strip().splitlines()[-1] if out.strip() else "unknown"
    return (status if status in ("sat", "unsat") else "unknown"), seconds


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=float, default=20.0, help="seconds per query and solver")
    args = ap.parse_args()
    print(f"load before: {os.getloadavg()[0]:.2f}; limit {args.limit:g}s per query and solver\n")
    print("| spec | accounts | K | Z3 | s | cvc5 | s | faster |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    wins = {"z3": 0, "cvc5": 0, "neither": 0}
    bad = 0
    for path, accounts_list, depths, what in CASES:
        for n in accounts_list:
            for k in depths:
                text = query(path, n, k)
                zs, zt = run_z3(text, args.limit)
                cs, ct = run_cvc5(text, args.limit)
                if "unknown" not in (zs, cs) and zs != cs:
                    bad += 1
                if zs == cs == "unknown":
                    who = "neither"
                elif cs == "unknown" or (zs != "unknown" and zt <= ct):
                    who = "z3"
                else:
                    who = "cvc5"
                wins[who] += 1
                print(f"| {what} | {n} | {k} | {zs} | {zt:.2f} | {cs} | {ct:.2f} | {who} |")
                sys.stdout.flush()
    print(f"\nfaster (or only one to answer): {wins}; disagreements: {bad}")
    print(f"load after: {os.getloadavg()[0]:.2f}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
