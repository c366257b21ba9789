"""Engine benchmark: solvent bmc/prove against a naive hand-written Z3 BMC, whole processes.

Cells: the collateral/entry-price perp of ``perp_entry.py`` (plain bug MM=0.05, safe
MM=0.08, the stale-bracket needle), the quote/size perp of ``examples/`` and the isolated
accounts spec, at several account counts and depths. Each cell is run as a whole process
(``python -m solvent ...``) and timed from outside; the machine's load average is recorded
with every row, since these figures are only comparable on the same machine and load.

    python benchmarks/engine/run.py > benchmarks/results/engine.md
    python benchmarks/engine/run.py --quick      # a few cells

Environment: ``SOLVENT_BENCH_TIMEOUT`` (seconds per cell, default 120).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENTRY = "benchmarks/engine/perp_entry.py"
NAIVE = "benchmarks/engine/naive_z3.py"
ISOLATED = "tests/check/specs/isolated_accounts.py"
TIMEOUT = float(os.environ.get("SOLVENT_BENCH_TIMEOUT", "120"))


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    began = time.perf_counter()
    try:
        done = subprocess.run(
            cmd,
            cwd=ROOT,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        out = (done.stdout.strip().splitlines() or [""])[0]
    except subprocess.TimeoutExpired:
        out = f"killed after {TIMEOUT:g}s"
    return time.perf_counter() - began, out


def load() -> str:
    return os.getloadavg().__repr__() if hasattr(os, "getloadavg") else "?"


def cells(quick: bool) -> list[tuple[str, list[str], dict[str, str], list[str] | None]]:
    py = sys.executable
    out = []
    accounts = (1, 3, 10) if quick else (1, 3, 10, 30)
    for n in accounts:
        for variant, mm, needle in (("bug", "0.05", "0"), ("needle", "0.08", "1")):
            env = {"ACCOUNTS": str(n), "MM": mm, "NEEDLE": needle}
            naive = [py, NAIVE, "--accounts", str(n), "--depth", "5", "--mm", mm]
            if needle == "1":
                naive.append("--needle")
            out.append(
                (
                    f"entry {variant} n={n} bmc d=5",
                    [py, "-m", "solvent", "bmc", ENTRY, "--depth", "5", "-q"],
                    env,
                    naive,
                )
            )
    for n in (3, 100) if quick else (3, 30, 100, 1000):
        out.append(
            (
                f"isolated safe n={n} prove",
                [py, "-m", "solvent", "prove", ISOLATED, "--no-slack", "-q"],
                {"ACCOUNTS": str(n)},
                None,
            )
        )
    out.append(
        (
            "examples perp_gap_risk n=3 bmc d=5",
            [
                py,
                "-m",
                "solvent",
                "bmc",
                "examples/bugs_detected/perp_gap_risk.py",
                "--depth",
                "5",
                "-q",
            ],
            {},
            None,
        )
    )
    return out


def main() -> None:
    quick = "--quick" in sys.argv
    print("| cell | solvent (s) | verdict | naive Z3 (s) | naive answer | load (1, 5, 15 min) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, cmd, env, naive in cells(quick):
        secs, verdict = timed(cmd, env)
        nsecs, nout = timed(naive, {}) if naive else (None, "")
        ntext = "" if nsecs is None else f"{nsecs:.2f}"
        print(
            f"| {name} | {secs:.2f} | {verdict[:60]} | {ntext} | {nout[:40]} | {load()} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
