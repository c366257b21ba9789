"""The fixed costs of a 1-account ``solvent bmc ... --depth 3 -q``, in CPU, paired.

Each cost is a whole process run ``--reps`` times, this tree's and the baseline's
(``--baseline``, e.g. ``git archive n13q src | tar -x -C /tmp/base``) alternating, and
reported as the mean CPU (user + sys of the process and its forked children) over the
runs, with the load average at the end:

- ``start``: ``python -c pass`` (the interpreter and site-packages' start-up);
- ``import X``: ``python -c "import X"`` for the libraries a check's command line may load
  (Rich, Typer, Z3);
- ``bmc CELL``: the command line on the engine corpus' cells (``perp_entry.py``, 1
  account, depth 3: plain, two markets, fees) and the README's example (depth 3), whose
  stdout must be the same in both trees (the verdict line without its time).

    python benchmarks/engine/fixed_costs.py --reps 20 --baseline /tmp/base/src --bytecode
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENTRY = "benchmarks/engine/perp_entry.py"
README = "examples/bugs_detected/perp_gap_risk.py"
BMC = ["-m", "solvent", "bmc", "--depth", "3", "-q"]
CELLS = {
    "bmc plain (1 account)": (ENTRY, {"ACCOUNTS": "1", "MM": "0.05"}),
    "bmc two markets (1 account)": (ENTRY, {"ACCOUNTS": "1", "MM": "0.05", "MARKETS": "2"}),
    "bmc fees (1 account)": (ENTRY, {"ACCOUNTS": "1", "MM": "0.05", "FEES": "1"}),
    "bmc README example": (README, {}),
}
IMPORTS = {
    "start (python -c pass)": "pass",
    "import rich (what report/text.py loads)": (
        "import rich.console, rich.table, rich.text, rich.padding, rich.box"
    ),
    "import typer": "import typer",
    "import z3": "import z3",
}


def cpu_of(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    """CPU seconds of ``python ARGS`` (children included) and its stdout without times."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, re.sub(r"\s+[0-9.]+s\s+", " <t> ", done.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--baseline", type=Path, help="another src/ to pair against")
    ap.add_argument("--bytecode", action="store_true", help="compile both trees first")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from readme import paired

    paired(ap.parse_args(), table)


def table(args: argparse.Namespace, trees: list[tuple[str, Path]]) -> None:
    names = " | ".join(f"{name} cpu mean (ms)" for name, _ in trees)
    ratio = " this / base |" if len(trees) > 1 else ""
    print(f"| cost | {names} |{ratio} same output | load (1, 5, 15 min) |")
    print("| --- " * (3 + len(trees) + (len(trees) > 1)) + "|")
    jobs = [(k, ["-c", v], {}) for k, v in IMPORTS.items()]
    jobs += [(k, [*BMC, spec], env) for k, (spec, env) in CELLS.items()]
    for label, argv, env in jobs:
        total = dict.fromkeys([name for name, _ in trees], 0.0)
        outs: set[str] = set()
        for rep in range(args.reps):
            for name, src in trees if rep % 2 == 0 else trees[::-1]:
                cpu, out = cpu_of(argv, {**env, "PYTHONPATH": str(src.resolve())})
                total[name] += cpu
                outs.add(out)
        means = [1000 * total[name] / args.reps for name, _ in trees]
        cells = " | ".join(f"{m:.0f}" for m in means)
        pair = f" {means[0] / means[1]:.2f} |" if len(means) > 1 and means[1] else ""
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"| {label} | {cells} |{pair} {'yes' if len(outs) == 1 else 'NO'} | {load} |")


if __name__ == "__main__":
    main()
