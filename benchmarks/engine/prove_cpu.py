"""Round 23: the CPU seconds of one proof, in one process (load-independent, unlike a
wall-clock ``--timeout``).

    python benchmarks/engine/prove_cpu.py SPEC ACCOUNTS [TIMEOUT]

SPEC is a file of tests/check/specs without ``.py`` (``put_vault``); prints the verdict,
its bound, the CPU seconds (user + sys of the process and its children, ``os.times``),
the wall seconds and the load average.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

SPECS = Path(__file__).resolve().parents[2] / "tests" / "check" / "specs"


def main() -> None:
    name, accounts = sys.argv[1], sys.argv[2]
    timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 600.0
    os.environ["ACCOUNTS"] = accounts
    from solvent.check.decompose import prove_any_accounts
    from solvent.check.induction import prove
    from solvent.spec.load import load_spec

    spec = load_spec(str(SPECS / f"{name}.py"), None)
    before, began = os.times(), time.perf_counter()
    result = prove_any_accounts(spec, prove, k=1, max_k=3, timeout=timeout, jobs=1)
    after = os.times()
    cpu = sum(getattr(after, f) - getattr(before, f) for f in ("user", "system"))
    cpu += sum(getattr(after, f) - getattr(before, f) for f in ("children_user", "children_system"))
    wall = time.perf_counter() - began
    print(
        f"{name} {accounts} {result.verdict} {result.bound} cpu={cpu:.2f} wall={wall:.1f} "
        f"load={os.getloadavg()[0]:.0f} :: {result.message[:160]}"
    )


if __name__ == "__main__":
    main()
