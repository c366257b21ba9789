"""Scale of `solvent stress`: wall time and peak memory of whole CLI runs.

Each run is a fresh `solvent stress` process (what a user waits for: imports, kernel
load or compile, sampling, the kernel, exact confirmation of flagged lanes); its peak
resident memory comes from ``os.wait4``. "first run" uses an empty kernel cache folder
(numba compiles the generated kernel), "warm" reuses it (``cache=True``).

Usage: python benchmarks/stress_scale.py [--quick]
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "examples" / "correct" / "perp_isolated.py"


def run_measured(args: list[str], cache: str) -> dict[str, object]:
    """Like :func:`run`, with the child's peak RSS from wait4."""
    env = dict(os.environ, SOLVENT_CACHE_DIR=cache)
    cmd = [
        sys.executable,
        "-m",
        "solvent",
        "stress",
        str(SPEC),
        *args,
        "--quiet",
        "--format",
        "json",
        "--checkpoint-dir",
        os.path.join(cache, "ckpt"),
    ]
    out_f = tempfile.TemporaryFile()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out_f, stderr=subprocess.DEVNULL, env=env)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    out_f.seek(0)
    text = out_f.read()
    doc = json.loads(text) if text.strip() else {}
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mib": usage.ru_maxrss / 1024,
        "doc": doc,
        "code": proc.returncode,
    }


def main() -> None:
    quick = "--quick" in sys.argv
    load = os.getloadavg()
    cache = tempfile.mkdtemp(prefix="solvent-bench-cache-")
    big = [
        "--scenario",
        "gbm",
        "--paths",
        "100000" if quick else "1000000",
        "--steps",
        "100",
        "--accounts",
        "1",
        "--seed",
        "1",
        "--chunk",
        "16384",
    ]
    wide = [
        "--scenario",
        "gbm",
        "--paths",
        "1000" if quick else "10000",
        "--steps",
        "50",
        "--accounts",
        "1000",
        "--seed",
        "1",
        "--chunk",
        "1024",
    ]
    rows = []
    try:
        for label, args in (("1 account", big), ("1,000 accounts", wide)):
            for phase in ("first run (empty kernel cache)", "warm (cached kernel)"):
                r = run_measured(args, cache)
                d = r["doc"]
                rows.append((label, phase, " ".join(args), r, d))
            shutil.rmtree(cache, ignore_errors=True)
            os.makedirs(cache, exist_ok=True)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    print("# stress scale: whole `solvent stress` runs\n")
    print(
        f"Command: `python benchmarks/stress_scale.py{' --quick' if quick else ''}`; load average before: "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {os.cpu_count()} cores; spec `examples/correct/perp_isolated.py`.\n"
    )
    print(
        "| run | phase | paths x steps x accounts | wall s (process) | CPU s (process) | kernel load/compile s | simulate s (wall / CPU) | confirm s | peak RSS MiB | exit | P(insolvency) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for label, phase, _args, r, d in rows:
        m = d.get("metrics", {})
        t = d.get("timings", {})
        dims = (
            f"{m.get('paths', '?'):,} x {m.get('steps', '?')} x {m.get('accounts', '?')}"
            if m
            else "?"
        )
        p = m.get("p_insolvency", {}).get("estimate", "?") if m else "?"
        print(
            f"| {label} | {phase} | {dims} | {r['wall']:.2f} | {r['cpu']:.2f} | {t.get('kernel_load', float('nan')):.2f} | "
            f"{t.get('simulate', float('nan')):.2f} / {t.get('simulate_cpu', float('nan')):.2f} | {t.get('confirm', float('nan')):.2f} | {r['rss_mib']:.0f} | {r['code']} | {p} |"
        )
    print("\nArguments:")
    for label, _phase, args, _r, _d in rows[::2]:
        print(
            f"- {label}: `solvent stress examples/correct/perp_isolated.py {args} --quiet --format json`"
        )


if __name__ == "__main__":
    main()
