"""Any-N proofs (issue 13): ``solvent prove --accounts N`` on the safe corpus variants.

Each cell runs ``python -m solvent prove SPEC --accounts N --no-slack`` as a whole process
and records its wall time, its CPU time (user + sys of the process and its children: on
an idle machine a single-process run's wall time is about this) and the verdict; in the
same run, paired, the naive hand-written 1-induction of benchmarks/engine/naive_z3.py
(``--induction``, the same model written directly in Z3) on the entry style, as a ratio
of wall times. The load average is recorded next to every row.

    python benchmarks/engine/any_n.py                      # 1, 3, 10, 30, 100, 1000 accounts
    python benchmarks/engine/any_n.py --accounts 100 --specs perp-isolated
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "benchmarks" / "engine"
SPECS = {
    # name -> (spec path, environment, naive 1-induction available)
    "entry-lemmas-safe": (ENGINE / "perp_entry.py", {"LEMMAS": "1", "MM": "0.08"}, True),
    "quote-lemmas-safe": (ENGINE / "perp_quote.py", {"LEMMAS": "1", "MM": "0.08"}, False),
    "perp-isolated": (ROOT / "examples" / "correct" / "perp_isolated.py", {}, False),
}


def timed(cmd: list[str], env: dict[str, str], timeout: float) -> tuple[float, float, str]:
    """(wall s, CPU s of the process and its children, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    try:
        out = subprocess.run(
            cmd, env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT
        ).stdout
    except subprocess.TimeoutExpired:
        out = f"killed after {timeout:.0f}s"
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, out.strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, nargs="+", default=[1, 3, 10, 30, 100, 1000])
    ap.add_argument("--specs", nargs="+", default=list(SPECS), choices=list(SPECS))
    ap.add_argument("--timeout", type=float, default=120.0)
    a = ap.parse_args()
    base = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    print(
        "| spec | accounts | solvent wall (s) | CPU (s) | verdict | naive 1-induction wall "
        "(s) | naive answer | ratio | load (1, 5, 15 min) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in a.specs:
        path, extra, has_naive = SPECS[name]
        for n in a.accounts:
            env = {**base, **extra}
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "r.json"
                cmd = [sys.executable, "-m", "solvent", "prove", str(path), "--accounts", str(n),
                       "--no-slack", "-q", "-o", str(out)]  # fmt: skip
                wall, cpu, _ = timed(cmd, env, a.timeout)
                verdict = "killed"
                if out.is_file():
                    doc = json.loads(out.read_text())
                    verdict = f"{doc['verdict']} accounts={doc['accounts']}"
            naive_wall, naive_out, ratio = "", "", ""
            if has_naive:
                cmd = [sys.executable, str(ENGINE / "naive_z3.py"), "--accounts", str(n),
                       "--mm", "0.08", "--induction"]  # fmt: skip
                nw, _ncpu, nout = timed(cmd, env, a.timeout)
                naive_wall, naive_out = f"{nw:.2f}", nout.split(" ")[0]
                ratio = f"{wall / nw:.2f}"
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            print(f"| {name} | {n} | {wall:.2f} | {cpu:.2f} | {verdict} | {naive_wall} | "
                  f"{naive_out} | {ratio} | {load} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
