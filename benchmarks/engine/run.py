"""Engine benchmark: the corpus against a naive hand-written Z3 BMC, whole processes.

The corpus is 12 specs of the same isolated-perp economics written in two styles
(``perp_entry.py``: collateral + entry price, PnL settled on trade; ``perp_quote.py``:
quote + size) with six features each (``plain``, ``lemmas``, ``fees``, ``needle``: a
stale maintenance bracket, ``fixed``: fixed-point arithmetic, ``two``: two markets), each
buggy (maintenance 5% under 8% moves; for ``needle`` the stale 7% bracket) and safe
(maintenance 8%). Each cell runs ``python -m solvent bmc``/``prove`` as a whole process
timed from outside: wall time, CPU time (user + sys of the process and its portfolio
workers) and the machine's load average (1, 5, 15 min) next to it. The naive
yardsticks (``naive_z3.py``: one-query BMC and 1-induction, written for the entry
style's ``plain`` and ``needle`` features, its BMC also for ``fees`` and ``two``) run in
the same loop, right after the cell they pair with, so the ratio (solvent's wall over
naive's wall) compares runs at the same load.
With ``--hypothesis N``, Hypothesis stateful (``hypo_entry.py``, 3 accounts, 5 steps) runs
N examples on the plain bug and on the needle after the grid, paired with solvent's cell.

    python benchmarks/engine/run.py --quick            # about 3-5 minutes on 2 idle cores
    python benchmarks/engine/run.py                     # the whole grid (hours: see --help)
    python benchmarks/engine/run.py --styles entry --features plain needle \\
        --accounts 1 10 100 --depths 5 --variants bug --timeout 30
    python benchmarks/engine/run.py --variants bug --depths 3 5 10 20 --jobs 2 1 --paths \\
        --naive-max-accounts 10 --timeout 30   # deeper bug cells: same path at every depth?

``--jobs 2 1`` runs each solvent cell with ``--jobs 2`` and again with ``--jobs 1`` (a
column group per extra value), and ``--paths`` adds each counterexample's fingerprint (a
hash of its parameters, initial state and steps) and lists at the end every question
(style, feature, variant, accounts) whose depths or jobs found different paths: a bug
variant must give the same shortest path at every depth and every ``--jobs``; with
``--baseline`` the baseline's path is compared too (a change that should keep the reports
must give the same paths as the baseline).
``--naive-max-accounts N`` skips the naive yardstick above N accounts (it is killed after
the timeout from 30 accounts on, which costs a timeout per cell).

With ``--baseline SRC`` (another version's ``src/``, e.g. a ``git archive`` of main) each
solvent cell is also run with ``PYTHONPATH=SRC`` right after it (paired, same load), and
the row gets the baseline's wall and CPU times and this version's CPU over the
baseline's.

With ``--bytecode`` the solvent sources (and the baseline's) are compiled to bytecode
first and read from it, as an installed solvent is (pip compiles it); without it, under
``PYTHONDONTWRITEBYTECODE=1`` with no ``__pycache__`` beside the sources, every run
compiles the modules it imports (0.03-0.15 s of CPU of a bmc, round 12 of
``benchmarks/results/engine.md``). The ``__pycache__`` folders it made are removed at the
end.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPECS = {"entry": "benchmarks/engine/perp_entry.py", "quote": "benchmarks/engine/perp_quote.py"}
NAIVE = "benchmarks/engine/naive_z3.py"
HYPO = "benchmarks/engine/hypo_entry.py"
FEATURES = {
    "plain": {},
    "lemmas": {"LEMMAS": "1"},
    "fees": {"FEES": "1"},
    "needle": {"NEEDLE": "1"},
    "fixed": {"FIXED": "1"},
    "two": {"MARKETS": "2"},
}


def fingerprint(path: Path) -> str:
    """8 hex digits of a result's counterexample (parameters, initial state, steps), or -."""
    try:
        trace = json.loads(path.read_text()).get("counterexample") or {}
    except (OSError, ValueError):
        return "-"
    if not trace:
        return "-"
    key = {k: trace.get(k) for k in ("params", "init", "steps")}
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:8]


def timed(cmd: list[str], env: dict[str, str], timeout: float) -> tuple[float, float, str]:
    """Wall and CPU seconds (user + sys, waited-for children included) and the first line."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
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
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, out


def load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def verdict(line: str) -> str:
    """``FAIL depth 3/5 (check 1.2s)`` from a verdict line."""
    parts = line.split()
    if len(parts) < 6 or not line.startswith("["):
        return line[:50]
    extra = " (not shown shortest)" if "not ruled out" in line else ""
    return f"{parts[0].strip('[]')} {' '.join(parts[2:5])} (check {parts[5]}){extra}"


QUICK = [  # (style, feature, variant, accounts, depth): the targets' cells, minutes
    *[(s, f, "bug", n, 3) for s in SPECS for f in ("plain", "needle") for n in (1, 3, 10, 30)],
    *[(s, "needle", "bug", 100, 3) for s in SPECS],
    *[(s, "lemmas", "safe", 3, 20) for s in SPECS],
]


def cells(a: argparse.Namespace) -> list[tuple[str, str, str, int, int | None]]:
    if a.quick:
        return list(QUICK)
    out: list[tuple[str, str, str, int, int | None]] = []
    for style in a.styles:
        for feature in a.features:
            for variant in a.variants:
                for n in a.accounts:
                    out += [(style, feature, variant, n, d) for d in a.depths]
                    if a.prove and variant == "safe":
                        out.append((style, feature, variant, n, None))
    return out


def knobs(feature: str, variant: str, n: int) -> dict[str, str]:
    mm = "0.08" if variant == "safe" or feature == "needle" else "0.05"
    env = {**FEATURES[feature], "MM": mm, "ACCOUNTS": str(n)}
    if feature == "needle" and variant == "safe":
        env.pop("NEEDLE")  # no stale bracket: the plain safe spec
    return env


# the features the naive yardstick models in its BMC, and in its 1-induction
NAIVE_FEATURES = ("plain", "needle", "fees", "two")
NAIVE_PROVE = ("plain", "needle")


def naive(env: dict[str, str], depth: int | None, timeout: float) -> str:
    """The naive yardstick's columns for one cell (entry style, NAIVE_FEATURES)."""
    cmd = [sys.executable, NAIVE, "--accounts", env["ACCOUNTS"], "--mm", env["MM"]]
    cmd += ["--depth", str(depth)] if depth is not None else ["--induction"]
    if env.get("NEEDLE"):
        cmd.append("--needle")
    if env.get("FEES"):
        cmd.append("--fees")
    if env.get("MARKETS"):
        cmd += ["--markets", env["MARKETS"]]
    wall, cpu, out = timed(cmd, {}, timeout)
    return f"{wall:.2f} | {cpu:.2f} | {out[:40]}"


def compiled(trees: list[Path]) -> list[Path]:
    """Compile ``trees`` to bytecode beside the sources and let the cells read and write
    it; the ``__pycache__`` folders this made (to remove at the end)."""
    before = {p for t in trees for p in t.rglob("__pycache__")}
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    for tree in trees:
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree)], check=True)
    return sorted({p for t in trees for p in t.rglob("__pycache__")} - before)


def main() -> None:
    ap = argparse.ArgumentParser(
        description="The whole default grid is 576 cells (2 styles x 6 features x 2 variants"
        " x 6 account counts x 4 depths), each at most --timeout for solvent plus as much"
        " for the naive script: hours. --quick runs the targets' cells."
    )
    ap.add_argument("--quick", action="store_true", help="only the cells of the targets")
    ap.add_argument("--styles", nargs="+", default=list(SPECS))
    ap.add_argument("--features", nargs="+", default=list(FEATURES))
    ap.add_argument("--variants", nargs="+", default=["bug", "safe"])
    ap.add_argument("--accounts", nargs="+", type=int, default=[1, 3, 10, 30, 100, 1000])
    ap.add_argument(
        "--depths", nargs="*", type=int, default=[3, 5, 10, 20], help="none: only --prove"
    )
    ap.add_argument("--prove", action="store_true", help="also prove each safe variant")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per cell")
    ap.add_argument("--baseline", metavar="SRC", help="also run each cell on this src/")
    ap.add_argument(
        "--naive-max-accounts",
        type=int,
        metavar="N",
        help="run the naive yardstick only up to N accounts (it is killed from 30 on)",
    )
    ap.add_argument(
        "--jobs",
        type=int,
        nargs="+",
        metavar="J",
        help="run each solvent cell once per --jobs J (a column per extra J) and compare",
    )
    ap.add_argument(
        "--paths",
        action="store_true",
        help="a column with each counterexample's fingerprint; list the questions (style,"
        " feature, variant, accounts) whose depths or jobs gave different paths",
    )
    ap.add_argument(
        "--hypothesis", type=int, default=0, metavar="N", help="Hypothesis with N examples"
    )
    ap.add_argument("--bytecode", action="store_true", help="solvent read from bytecode")
    a = ap.parse_args()
    made: list[Path] = []
    if a.bytecode:
        trees = [ROOT / "src", ROOT / "benchmarks" / "engine"]
        made = compiled(trees + ([Path(a.baseline).resolve()] if a.baseline else []))
    began = time.perf_counter()
    base = " base wall (s) | base cpu (s) | base verdict | cpu / base |" if a.baseline else ""
    jobs = (a.jobs or [None])[1:]
    more = "".join(f" jobs {j} wall (s) | cpu (s) | verdict | path |" for j in jobs)
    path_col = " path |" if a.paths or jobs else ""
    print(
        f"| cell | solvent wall (s) | cpu (s) | verdict |{path_col}{more} naive wall (s) | cpu (s)"
        f" | naive answer | wall ratio | cpu ratio |{base} load |"
    )
    ncols = 10 + 4 * bool(a.baseline) + bool(path_col) + 4 * len(jobs)
    print("| --- " * ncols + "|")
    tmp = Path(tempfile.mkdtemp(prefix="engine-bench-"))
    seen: dict[tuple[str, ...], dict[str, str]] = {}  # same question: fingerprint -> cells
    for style, feature, variant, n, d in cells(a):
        env = knobs(feature, variant, n)
        verb = ["bmc", "--depth", str(d)] if d is not None else ["prove", "--no-slack"]
        cmd = [sys.executable, "-m", "solvent", verb[0], SPECS[style], *verb[1:], "-q"]
        cmd += ["--timeout", f"{a.timeout:g}"]
        label = f"bmc d={d}" if d is not None else "prove"
        cell = f"{style} {feature} {variant} n={n} {label}"
        runs = []
        for j in a.jobs or [None]:
            out_json = tmp / "result.json"
            out_json.unlink(missing_ok=True)
            jcmd = cmd + ([] if j is None else ["--jobs", str(j)]) + ["-o", str(out_json)]
            secs, cpu, out = timed(jcmd, env, a.timeout + 30)
            runs.append((j, secs, cpu, out, fingerprint(out_json)))
            if d is not None and out.startswith("[FAIL]"):
                group = seen.setdefault((style, feature, variant, str(n)), {})
                group.setdefault(runs[-1][4], f"{cell} jobs {j or 'default'}")
        _, secs, cpu, out, fp = runs[0]
        extra = f" {fp} |" if path_col else ""
        extra += "".join(f" {s:.2f} | {c:.2f} | {verdict(o)} | {f} |" for _, s, c, o, f in runs[1:])
        cols, ratio = " | | ", "- | -"
        naive_ok = a.naive_max_accounts is None or n <= a.naive_max_accounts
        prove_ok = NAIVE_FEATURES if d is not None else NAIVE_PROVE
        if style == "entry" and feature in prove_ok and naive_ok:
            cols = naive(env, d, a.timeout)
            nsecs, ncpu = (float(x) for x in cols.split(" | ")[:2])
            if "killed" not in cols:
                ratio = f"{secs / nsecs:.2f} | {cpu / max(ncpu, 0.01):.2f}"
        if a.baseline:
            benv = {**env, "PYTHONPATH": str(Path(a.baseline).resolve())}
            bcmd = cmd + ["-o", str(tmp / "base.json")]  # the same work as this tree's run
            bsecs, bcpu, bout = timed(bcmd, benv, a.timeout + 30)
            if d is not None and bout.startswith("[FAIL]"):  # --paths compares it too
                group = seen.setdefault((style, feature, variant, str(n)), {})
                group.setdefault(fingerprint(tmp / "base.json"), f"{cell} baseline")
            ratio += f" | {bsecs:.2f} | {bcpu:.2f} | {verdict(bout)} | {cpu / max(bcpu, 0.01):.2f}"
        print(
            f"| {cell} | {secs:.2f} | {cpu:.2f} | {verdict(out)} |{extra} {cols} | {ratio}"
            f" | {load()} |",
            flush=True,
        )
    shutil.rmtree(tmp)
    differ = {k: v for k, v in seen.items() if len(v) > 1}
    if path_col:
        print(f"\n{len(differ)} of {len(seen)} questions gave different counterexamples:")
        for key, found in differ.items():
            print(f"- {' '.join(key)}: " + "; ".join(f"{c} ({f})" for f, c in found.items()))
    if a.hypothesis:
        print(
            f"\n| Hypothesis stateful, {a.hypothesis} examples, 3 accounts | wall (s) | cpu (s)"
            " | answer | solvent bmc d=5 wall (s) | cpu (s) | verdict | load |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for feature in ("plain", "needle"):
            env = knobs(feature, "bug", 3)
            cmd = [sys.executable, HYPO, "--accounts", "3", "--mm", env["MM"]]
            cmd += ["--examples", str(a.hypothesis)] + (["--needle"] if "NEEDLE" in env else [])
            hwall, hcpu, hout = timed(cmd, {}, 24 * 3600)
            scmd = [sys.executable, "-m", "solvent", "bmc", SPECS["entry"], "--depth", "5", "-q"]
            swall, scpu, sout = timed(scmd + ["--timeout", f"{a.timeout:g}"], env, a.timeout + 30)
            print(
                f"| entry {feature} bug | {hwall:.2f} | {hcpu:.2f} | {hout[:45]} | {swall:.2f}"
                f" | {scpu:.2f} | {verdict(sout)} | {load()} |",
                flush=True,
            )
    print(f"\n(run took {time.perf_counter() - began:.0f} s; load at the end {load()})")
    for folder in made:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
