"""Engine benchmark: the corpus against a naive hand-written Z3 BMC, whole processes.

The corpus is 12 specs of the same isolated-perp economics written in two styles
(``perp_entry.py``: collateral + entry price, PnL settled on trade; ``perp_quote.py``:
quote + size) with six features each (``plain``, ``lemmas``, ``fees``, ``needle``: a
stale maintenance bracket, ``fixed``: fixed-point arithmetic, ``two``: two markets), each
buggy (maintenance 5% under 8% moves; for ``needle`` the stale 7% bracket) and safe
(maintenance 8%). Each cell runs ``python -m solvent bmc``/``prove`` as a whole process
timed from outside, with the machine's load average (1, 5, 15 min) next to it; the naive
yardsticks (``naive_z3.py``: one-query BMC and 1-induction, written for the entry style)
run in the same loop, right after the cell they pair with, so the ratio compares runs at
the same load.

    python benchmarks/engine/run.py                       # the grid below
    python benchmarks/engine/run.py --styles entry --features plain needle \\
        --accounts 1 10 100 --depths 5 --variants bug --timeout 30

Hypothesis stateful runs separately (``hypo_entry.py``, minutes per cell).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPECS = {"entry": "benchmarks/engine/perp_entry.py", "quote": "benchmarks/engine/perp_quote.py"}
NAIVE = "benchmarks/engine/naive_z3.py"
FEATURES = {
    "plain": {},
    "lemmas": {"LEMMAS": "1"},
    "fees": {"FEES": "1"},
    "needle": {"NEEDLE": "1"},
    "fixed": {"FIXED": "1"},
    "two": {"MARKETS": "2"},
}


def timed(cmd: list[str], env: dict[str, str], timeout: float) -> tuple[float, str]:
    began = time.perf_counter()
    try:
        done = subprocess.run(
            cmd,
            cwd=ROOT,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        out = (done.stdout.strip().splitlines() or [done.stderr.strip()[-80:]])[0]
    except subprocess.TimeoutExpired:
        out = f"killed after {timeout:g}s"
    return time.perf_counter() - began, out


def load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def verdict(line: str) -> str:
    """``FAIL depth 3/5 (check 1.2s)`` from a verdict line."""
    parts = line.split()
    if len(parts) < 6 or not line.startswith("["):
        return line[:50]
    extra = " (not shown shortest)" if "not ruled out" in line else ""
    return f"{parts[0].strip('[]')} {' '.join(parts[2:5])} (check {parts[5]}){extra}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--styles", nargs="+", default=list(SPECS))
    ap.add_argument("--features", nargs="+", default=list(FEATURES))
    ap.add_argument("--variants", nargs="+", default=["bug", "safe"])
    ap.add_argument("--accounts", nargs="+", type=int, default=[1, 3, 10, 30, 100, 1000])
    ap.add_argument("--depths", nargs="+", type=int, default=[3, 5, 10, 20])
    ap.add_argument("--prove", action="store_true", help="also prove each safe variant")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per cell")
    a = ap.parse_args()
    py = sys.executable
    print("| cell | solvent (s) | verdict | naive Z3 (s) | naive answer | ratio | load |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for style in a.styles:
        for feature in a.features:
            for variant in a.variants:
                mm = "0.08" if variant == "safe" or feature == "needle" else "0.05"
                env = {**FEATURES[feature], "MM": mm}
                if feature == "needle" and variant == "safe":
                    env.pop("NEEDLE")  # no stale bracket: the plain safe spec
                for n in a.accounts:
                    env["ACCOUNTS"] = str(n)
                    runs = [(f"bmc d={d}", ["bmc", "--depth", str(d)], d) for d in a.depths]
                    if a.prove and variant == "safe":
                        runs.append(("prove", ["prove", "--no-slack"], None))
                    for label, verb, d in runs:
                        cmd = [py, "-m", "solvent", verb[0], SPECS[style], *verb[1:], "-q"]
                        cmd += ["--timeout", f"{a.timeout:g}"]
                        secs, out = timed(cmd, env, a.timeout + 30)
                        naive = ""
                        if style == "entry" and feature in ("plain", "needle"):
                            ncmd = [py, NAIVE, "--accounts", str(n), "--mm", mm]
                            ncmd += ["--depth", str(d)] if d is not None else ["--induction"]
                            if env.get("NEEDLE"):
                                ncmd.append("--needle")
                            nsecs, nout = timed(ncmd, {}, a.timeout)
                            ratio = f"{secs / nsecs:.2f}" if "killed" not in nout else "-"
                            naive = f"{nsecs:.2f} | {nout[:40]} | {ratio}"
                        else:
                            naive = " | | "
                        cell = f"{style} {feature} {variant} n={n} {label}"
                        print(
                            f"| {cell} | {secs:.2f} | {verdict(out)} | {naive} | {load()} |",
                            flush=True,
                        )


if __name__ == "__main__":
    main()
