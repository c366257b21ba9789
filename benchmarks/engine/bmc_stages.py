"""Where a safe ``solvent bmc --depth K`` of 2 to 9 steps spends its CPU, stage by stage.

bmc on a spec whose accounts decouple runs, in this order, on the one-account spec of the
decomposition (``decompose.plan``): the capped first attempt (the incremental unrolling,
each check capped at ``first_attempt.FIRST_RLIMIT`` units of Z3's resource counter, in
a child stopped after ``FIRST_SECONDS`` of its CPU), the falsifier's share of paths
(``first_attempt.share_paths``), then the proof for every number of accounts
(``decompose_bmc._deep_pass``) and only then the race. This script runs each stage in
this process, one after the other, and prints its CPU seconds; for the unrolling, each
depth's check with its status and the resource units it used (capped by ``--rlimit``
and ``--cpu`` seconds: a check whose units crawl is a stalled nonlinear one).

    BUG=0 python benchmarks/engine/bmc_stages.py tests/check/specs/bybit_tiers.py --depth 5
    FUND=50000 python benchmarks/engine/bmc_stages.py tests/check/specs/funding_index.py --accounts 3
    python benchmarks/engine/bmc_stages.py tests/check/specs/wei_perp.py --profile /tmp/wei.prof

``--profile PATH`` writes a cProfile of the falsifier and the proof (CPU clock).
"""

from __future__ import annotations

import argparse
import cProfile
import time

import z3

from solvent.check.decompose import plan
from solvent.check.decompose_bmc import _deep_pass
from solvent.check.encode import Unrolling
from solvent.check.first_attempt import _Falsifying, share_paths
from solvent.check.solving import Deadline, check, fresh_context, searched_properties
from solvent.spec.load import load_spec


def _units(solver: z3.Solver) -> int:
    stats = solver.statistics()
    return int(stats.get_key_value("rlimit count")) if "rlimit count" in stats.keys() else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("target")
    ap.add_argument("--depth", type=int, default=5)
    ap.add_argument("--accounts", type=int, default=None)
    ap.add_argument("--rlimit", type=int, default=40_000_000, help="units per check")
    ap.add_argument("--cpu", type=float, default=20.0, help="CPU seconds per check")
    ap.add_argument("--profile", default=None)
    args = ap.parse_args()
    spec = load_spec(args.target, None)
    if args.accounts is not None:
        spec = spec.with_accounts(args.accounts)
    clock = time.process_time
    began = clock()
    p = plan(spec)
    one = p.spec(spec) if p.why is None else spec
    print(f"plan: {clock() - began:.2f}s; searched on {one.accounts} account(s)", end="")
    print("" if p.why is None else f" (not decomposed: {p.why})")
    decls = searched_properties(one, None)
    with fresh_context():
        solver = z3.Solver()
        u = Unrolling(one, solver)
        check(solver, Deadline(None), u.assumption_literals())
        for k in range(args.depth + 1):
            began = clock()
            if k:
                u.add_step()
            encoded = clock() - began
            props = u.properties(k, decls)
            solver.push()
            solver.add(z3.Or([z3.Not(q) for _, _, q in props]))
            used, began = _units(solver), clock()
            lits = u.assumption_literals()
            status = check(solver, Deadline(None), lits, rlimit=args.rlimit, cpu_cap=args.cpu)
            print(
                f"depth {k}: {status}, {_units(solver) - used:,} units, "
                f"{clock() - began:.2f}s of CPU (encoding {encoded:.2f}s)"
            )
            if status != z3.unsat:
                break
            solver.pop()
            solver.add(*[q for _, _, q in props])
    prof = cProfile.Profile(clock) if args.profile else None
    if prof is not None:
        prof.enable()
    paths = share_paths(one, args.depth)
    began = clock()
    found = _Falsifying(one, decls, args.depth).up_to(paths, Deadline(None))
    print(f"falsifier: {paths} paths, {'a violation' if found else 'none'}, {clock() - began:.2f}s")
    began = clock()
    proof = _deep_pass(spec, args.depth, None, None)
    print(f"proof for every number of accounts: {proof and proof.verdict}, {clock() - began:.2f}s")
    if prof is not None:
        prof.disable()
        prof.dump_stats(args.profile)


if __name__ == "__main__":
    main()
