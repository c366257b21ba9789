"""Any-N proofs (issue 13): ``solvent prove`` / ``bmc`` with ``--accounts N`` on the corpus.

Each cell runs ``python -m solvent prove SPEC --accounts N --no-slack`` (or ``bmc SPEC
--accounts N --depth 3``) as a whole process and records its wall time, its CPU time
(user + sys of the process and its children: on an idle machine a single-process run's
wall time is about this) and the verdict; in the same run, paired, the naive hand-written
1-induction of benchmarks/engine/naive_z3.py (``--induction``, the same model written
directly in Z3) on the entry style, as a ratio of wall times. The load average is
recorded next to every row.

Specs: the safe variants with lemmas (``LEMMAS=1``), the plain safe variants without
lemmas (proved with lemmas the engine infers; with fees; fixed point), the buggy variants
(``MM=0.05``: prove and bmc must FAIL on a path found on one account and lifted to N)
and the library's isolated perpetual, safe and with its maintenance below the move.

    python benchmarks/engine/any_n.py                      # every spec, 1 .. 1000 accounts
    python benchmarks/engine/any_n.py --accounts 100 --specs perp-isolated
    python benchmarks/engine/any_n.py --accounts 1 10 100 1000 --specs entry-plain-safe \
        quote-plain-safe entry-bug quote-bug perp-isolated-bug
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
ISOLATED = ROOT / "examples" / "correct" / "perp_isolated.py"
SAFE, BUG = {"MM": "0.08"}, {"MM": "0.05"}
# name -> (verb, spec path, environment, extra arguments, naive script available: the
# 1-induction step for prove, the one-query BMC to depth 3 for bmc, at the spec's MM)
SPECS: dict[str, tuple[str, Path, dict[str, str], list[str], bool]] = {
    "entry-lemmas-safe": ("prove", ENGINE / "perp_entry.py", {"LEMMAS": "1", **SAFE}, [], True),
    "quote-lemmas-safe": ("prove", ENGINE / "perp_quote.py", {"LEMMAS": "1", **SAFE}, [], False),
    "perp-isolated": ("prove", ISOLATED, {}, [], False),
    "entry-plain-safe": ("prove", ENGINE / "perp_entry.py", SAFE, [], True),
    "quote-plain-safe": ("prove", ENGINE / "perp_quote.py", SAFE, [], False),
    "entry-fees-safe": ("prove", ENGINE / "perp_entry.py", {"FEES": "1", **SAFE}, [], False),
    "quote-fees-safe": ("prove", ENGINE / "perp_quote.py", {"FEES": "1", **SAFE}, [], False),
    "entry-fixed-safe": ("prove", ENGINE / "perp_entry.py", {"FIXED": "1", **SAFE}, [], False),
    "entry-two-safe": ("prove", ENGINE / "perp_entry.py", {"MARKETS": "2", **SAFE}, [], False),
    "entry-bug": ("prove", ENGINE / "perp_entry.py", BUG, [], True),
    "quote-bug": ("prove", ENGINE / "perp_quote.py", BUG, [], False),
    "perp-isolated-bug": ("prove", ISOLATED, {}, ["--set", "maintenance_margin=0.05"], False),
    "entry-bug-bmc": ("bmc", ENGINE / "perp_entry.py", BUG, ["--depth", "3"], True),
    "quote-bug-bmc": ("bmc", ENGINE / "perp_quote.py", BUG, ["--depth", "3"], False),
    "entry-two-bug-bmc": (
        "bmc",
        ENGINE / "perp_entry.py",
        {"MARKETS": "2", **BUG},
        ["--depth", "3"],
        False,
    ),
    "perp-isolated-bug-bmc": (
        "bmc",
        ISOLATED,
        {},
        ["--set", "maintenance_margin=0.05", "--depth", "3"],
        False,
    ),
}
DEFAULT = ["entry-lemmas-safe", "quote-lemmas-safe", "perp-isolated"]


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
    ap.add_argument("--specs", nargs="+", default=DEFAULT, choices=list(SPECS))
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--jobs", type=int, default=None, help="solvent's --jobs [default: cores]")
    ap.add_argument("--budget", type=float, help="solvent's --timeout [default: none given]")
    ap.add_argument(
        "--baseline",
        metavar="SRC",
        help="also run each cell with this src/ (e.g. `git archive main src`), right after "
        "it: a row 'SPEC @base' whose ratio is this tree's wall over the baseline's",
    )
    a = ap.parse_args()
    base = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    trees = [("", str(ROOT / "src"))] + ([(" @base", a.baseline)] if a.baseline else [])
    print(
        "| spec | verb | accounts | solvent wall (s) | CPU (s) | verdict | naive 1-induction "
        "(prove) or BMC (bmc) wall (s) | naive answer | ratio | load (1, 5, 15 min) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in a.specs:
        verb, path, extra, args, has_naive = SPECS[name]
        walls: list[float] = []
        for n, (tag, src) in ((n, t) for n in a.accounts for t in trees):
            env = {**base, **extra, "PYTHONPATH": src}
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "r.json"
                cmd = [sys.executable, "-m", "solvent", verb, str(path), "--accounts", str(n),
                       *args, "-q", "-o", str(out)]  # fmt: skip
                cmd += ["--no-slack"] if verb == "prove" else []
                cmd += ["--jobs", str(a.jobs)] if a.jobs else []
                cmd += ["--timeout", f"{a.budget:g}"] if a.budget else []
                wall, cpu, _ = timed(cmd, env, a.timeout)
                verdict = "killed"
                if out.is_file():
                    doc = json.loads(out.read_text())
                    verdict = f"{doc['verdict']} accounts={doc['accounts']}"
                    if doc.get("depth") is not None and doc["verdict"] == "FAIL":
                        verdict += f" depth={doc['depth']}"
                    if doc["details"].get("inferred_lemmas"):
                        verdict += f" inferred={len(doc['details']['inferred_lemmas'])}"
            naive_wall, naive_out, ratio = "", "", ""
            if tag:  # the baseline's row: this tree's wall over the baseline's
                ratio = f"{walls[-1] / wall:.2f} (this tree / base)"
            walls.append(wall)
            if has_naive and not tag:
                cmd = [sys.executable, str(ENGINE / "naive_z3.py"), "--accounts", str(n),
                       "--mm", extra["MM"]]  # fmt: skip
                cmd += ["--induction"] if verb == "prove" else ["--depth", "3"]
                nw, _ncpu, nout = timed(cmd, env, a.timeout)
                naive_wall, naive_out = f"{nw:.2f}", nout.split(" ")[0]
                ratio = f"{wall / nw:.2f}"
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            print(f"| {name}{tag} | {verb} | {n} | {wall:.2f} | {cpu:.2f} | {verdict} | "
                  f"{naive_wall} | {naive_out} | {ratio} | {load} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
