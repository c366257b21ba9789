"""One bmc question asked in several shapes: solvent's encoding against the naive script's.

For one corpus cell of the entry style (bug variant, ``--depth``, its knobs as ``run.py``
sets them) it asks "a property fails at exactly depth K" (K = ``--depth``) of:

- solvent's incremental unrolling (``members.unroll``, no round values: the query that
  defines the canonical counterexample),
- solvent's one-shot query at depth K on a parsed copy (``members.depth_query``), with
  Z3's default solver, ``qfnra-nlsat`` and ``SolverFor("QF_NRA")``,
- solvent's "within K steps" query (``within.within``, the ``deepest`` member),
- the naive script's query (``naive_z3.py``: every intermediate value named), fresh and
  after a ``push()`` (incremental),

and prints each one's answer, CPU seconds and Z3 resource units (a counter the machine's
load does not change). Round 18 of ``benchmarks/results/engine.md``: on two markets and
1 account solvent's unrolling used 746,342 units, its one-shot query 32 million and the
naive query 64,000.

    python benchmarks/engine/query_shapes.py --feature two --accounts 1
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from run import NAIVE, ROOT, SPECS, knobs  # the corpus's cells as run.py runs them


def _units(solver: Any) -> int:
    stats = solver.statistics()
    return int(stats.get_key_value("rlimit count")) if "rlimit count" in stats.keys() else -1


def _timed(label: str, fn: Callable[[], tuple[str, int]]) -> None:
    began = time.process_time()
    answer, units = fn()
    shown = f"{units:,}" if units >= 0 else "-"
    print(f"| {label} | {answer} | {time.process_time() - began:.3f} | {shown} |")


def _from_text(text: str, make: Callable[[Any], Any]) -> Callable[[], tuple[str, int]]:
    import z3

    def ask() -> tuple[str, int]:
        ctx = z3.Context()
        solver = make(ctx)
        solver.from_string(text)
        answer = str(solver.check())
        return answer, _units(solver)

    return ask


def _naive_text(env: dict[str, str], depth: int) -> str:
    """The naive script's query as SMT-LIB text (its solver's assertions, written out)."""
    source = (ROOT / NAIVE).read_text()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "naive.smt2"
        patched = source.replace(
            "    r = s.check()", f"    open({str(out)!r}, 'w').write(s.to_smt2()); r = s.check()"
        )
        script = Path(tmp) / "naive_dump.py"
        script.write_text(patched)
        cmd = [sys.executable, str(script), "--accounts", env["ACCOUNTS"], "--mm", env["MM"]]
        cmd += ["--depth", str(depth)]
        cmd += ["--fees"] if env.get("FEES") else []
        cmd += ["--needle"] if env.get("NEEDLE") else []
        cmd += ["--markets", env["MARKETS"]] if env.get("MARKETS") else []
        subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
        return out.read_text()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--feature", default="two", choices=("plain", "needle", "fees", "two"))
    ap.add_argument("--accounts", type=int, default=1)
    ap.add_argument("--depth", type=int, default=3)
    a = ap.parse_args()
    env = knobs(a.feature, "bug", a.accounts)
    os.environ.update(env)
    import z3

    from solvent.check.members import depth_query, unroll
    from solvent.check.solving import Deadline, fresh_context, searched_properties
    from solvent.check.within import within
    from solvent.spec.load import load_spec

    spec = load_spec(str(ROOT / SPECS["entry"]), None)
    decls = searched_properties(spec, None)
    k = a.depth
    with fresh_context():
        solver, _, _ = depth_query(spec, decls, k, Deadline(None))
        text = solver.to_smt2()
    naive = _naive_text(env, k)
    print(f"entry {a.feature}, {a.accounts} account(s), depth {k}, load {os.getloadavg()[0]:.1f}")
    print("| query | answer | cpu (s) | units |")
    print("| --- | --- | --- | --- |")

    def unrolled() -> tuple[str, int]:
        got = unroll(spec, decls, k, Deadline(None), False)
        return got.verdict, -1  # its solver is gone with its context

    _timed("solvent, incremental unrolling (canonical)", unrolled)
    _timed("solvent, one-shot at depth K", _from_text(text, lambda c: z3.Solver(ctx=c)))
    nlsat = _from_text(text, lambda c: z3.Tactic("qfnra-nlsat", ctx=c).solver())
    _timed("solvent, one-shot, qfnra-nlsat", nlsat)
    _timed("solvent, one-shot, QF_NRA", _from_text(text, lambda c: z3.SolverFor("QF_NRA", ctx=c)))

    def within_k() -> tuple[str, int]:
        return within(spec, decls, k, Deadline(None))[0], -1

    _timed("solvent, within K steps", within_k)
    _timed("naive, one-shot", _from_text(naive, lambda c: z3.Solver(ctx=c)))

    def pushed(ctx: Any) -> Any:
        solver = z3.Solver(ctx=ctx)
        solver.push()  # incremental from here (assertions added after the push)
        return solver

    _timed("naive, incremental", _from_text(naive, pushed))


if __name__ == "__main__":
    main()
