"""Throughput of `solvent stress` on the isolated perp with 1,000 accounts per path.

Rows, all on the same GBM moves and account population (seeded):

- solvent kernel: the numba kernel generated from ``solvent.models.perp_isolated`` (kernel
  time only, inputs drawn beforehand), and the whole ``stress()`` simulation phase
  (drawing moves and accounts, the kernel, per-block summaries);
- hand-written numba kernel of the same model (``stress_baselines.perp_kernel``);
- NumPy lanes: the spec's own functions on the vector backend (the fallback engine);
- radCAD: the same model as a radCAD experiment (``stress_radcad.py``, in a separate
  virtual environment because radCAD pins an old NumPy; RADCAD_PYTHON overrides the path).

Usage: python benchmarks/stress_throughput.py [PATHS] [STEPS]  (default 2000 50)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from stress_baselines import perp_kernel  # noqa: E402

from solvent.models import perp_isolated  # noqa: E402
from solvent.scenarios import get  # noqa: E402
from solvent.scenarios.population import Population  # noqa: E402
from solvent.stress.blocks import draw_block, run_kernel  # noqa: E402
from solvent.stress.lanes import run_lanes  # noqa: E402
from solvent.stress.runner import StressOptions, prepare, stress  # noqa: E402

ACCOUNTS = 1000


def main() -> None:
    paths = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    load = os.getloadavg()
    spec = perp_isolated.build(accounts=ACCOUNTS)
    scenario = get("gbm", vol=2.5)
    opts = StressOptions(
        paths=paths, steps=steps, seed=1, block=256, checkpoint_dir=None, confirm=0
    )
    spec_n, job, decls, _notes, engine = prepare(spec, scenario, Population(), opts)
    assert engine == "kernel"
    blocks = [draw_block(job, b) for b in range(job.n_blocks)]
    work = paths * steps * ACCOUNTS
    rows = []

    run_kernel(job, blocks[0])  # load / compile once (cache=True)
    t, c = time.perf_counter(), time.process_time()
    ours = [run_kernel(job, x) for x in blocks]
    rows.append(
        (
            "solvent generated kernel (kernel only)",
            time.perf_counter() - t,
            time.process_time() - c,
            work,
        )
    )

    mm, fee = 0.05, 0.01
    bad = np.zeros(blocks[0].M.shape[0])
    fail = np.zeros(blocks[0].M.shape[0], dtype=np.int64)
    x0 = blocks[0]
    perp_kernel(
        2000.0,
        100.0,
        np.ascontiguousarray(x0.A0[:, 0, :]),
        np.ascontiguousarray(x0.A0[:, 1, :]),
        np.ascontiguousarray(x0.M[:, :, 0]),
        mm,
        fee,
        bad,
        fail,
    )  # compile once, same types
    t, c = time.perf_counter(), time.process_time()
    agree = True
    for x, o in zip(blocks, ours, strict=True):
        n = x.M.shape[0]
        bad, fail = np.zeros(n), np.zeros(n, dtype=np.int64)
        perp_kernel(
            2000.0,
            100.0,
            np.ascontiguousarray(x.A0[:, 0, :]),
            np.ascontiguousarray(x.A0[:, 1, :]),
            np.ascontiguousarray(x.M[:, :, 0]),
            mm,
            fee,
            bad,
            fail,
        )
        agree &= np.array_equal(bad, o["OUT_G"][:, 2]) and np.array_equal(fail, o["FAIL_STEP"])
    h_s, h_c = time.perf_counter() - t, time.process_time() - c
    rows.append(("hand-written numba kernel", h_s, h_c, work))

    c = time.process_time()
    r = stress(spec, scenario, Population(), opts)
    rows.append(
        (
            "solvent stress() call (tracing, kernel load, draws, kernel, summaries)",
            r.seconds,
            time.process_time() - c,
            work,
        )
    )

    # NumPy lanes on a slice (the spec's Python per account per step: slow)
    x = blocks[0]
    n_l, s_l = min(64, x.M.shape[0]), min(5, steps)
    t, c = time.perf_counter(), time.process_time()
    run_lanes(
        spec_n,
        spec_n.param_values(),
        decls,
        job.layout,
        x.G0[:n_l],
        x.A0[:n_l],
        x.M[:n_l, :s_l],
        1,
        0,
        0,
        x.C2[:n_l],
        "account_equity",
    )
    rows.append(
        (
            f"NumPy lanes engine ({n_l} paths x {s_l} steps)",
            time.perf_counter() - t,
            time.process_time() - c,
            n_l * s_l * ACCOUNTS,
        )
    )

    radcad = os.environ.get("RADCAD_PYTHON", "/tmp/radcad-venv/bin/python")
    rc_note = ""
    if Path(radcad).exists():
        runs, rsteps = 4, 20
        out = subprocess.run(
            [
                radcad,
                str(Path(__file__).parent / "stress_radcad.py"),
                str(runs),
                str(ACCOUNTS),
                str(rsteps),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode == 0:
            rc = json.loads(out.stdout.strip().splitlines()[-1])
            rows.append(
                (
                    f"radCAD ({runs} runs x {rsteps} steps, single process)",
                    rc["seconds"],
                    rc["cpu"],
                    runs * rsteps * ACCOUNTS,
                )
            )
        else:
            rc_note = f"radCAD failed: {out.stderr.strip().splitlines()[-1]}"
    else:
        rc_note = f"radCAD not run: {radcad} not found (python -m venv /tmp/radcad-venv && /tmp/radcad-venv/bin/pip install radcad typing_extensions)"

    hand = work / h_c
    print(f"# stress throughput: isolated perp, {ACCOUNTS} accounts per path\n")
    print(
        f"Command: `python benchmarks/stress_throughput.py {paths} {steps}`; "
        f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {os.cpu_count()} cores.\n"
    )
    print(
        "| engine | wall s | CPU s | account-steps | account-steps per CPU s | vs hand-written numba |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for name, wall, cpu, w in rows:
        rate = w / cpu if cpu == cpu else w / wall
        note = "" if cpu == cpu else " (per wall s)"
        cpu_txt = f"{cpu:.3f}" if cpu == cpu else "n/a"
        print(
            f"| {name} | {wall:.3f} | {cpu_txt} | {w:,} | {rate:,.0f}{note} | {rate / hand:.3g}x |"
        )
    print(
        f"\nGenerated and hand-written kernels agree on bad debt and first failing step of every path: {agree}."
    )
    if rc_note:
        print(f"\n{rc_note}")


if __name__ == "__main__":
    main()
