"""Dask LocalCluster (2 workers) vs a single process on the same `stress` run.

The same seed, paths and chunks run three ways: in this process, on 2 local worker
processes (``--workers 2``), and on a Dask LocalCluster of 2 single-threaded workers
(``--scheduler local:2``, which also starts and stops the cluster). The numbers must be
identical; the table gives the wall time of the simulation phase, the speed-up, and the
overhead of each parallel mode (its wall time minus single / 2).

Also shown: the nanny's ``MALLOC_TRIM_THRESHOLD_`` effect, by running the Dask mode once
more with the setting left at Dask's default (65536).

Usage: python benchmarks/stress_dask.py [PATHS]  (default 500000; 100 steps, 10 accounts)
"""

from __future__ import annotations

import json
import os
import sys
import time

from solvent.models import perp_isolated
from solvent.scenarios import get
from solvent.scenarios.population import Population
from solvent.stress import execute as runner  # connect() reads its dask_config
from solvent.stress.runner import StressOptions, stress


def one(spec, paths: int, **kw):  # type: ignore[no-untyped-def]
    opts = StressOptions(
        paths=paths,
        steps=100,
        seed=3,
        accounts=10,
        chunk=16384,
        checkpoint_dir=None,
        confirm=5,
        **kw,
    )
    start = time.perf_counter()
    r = stress(spec, get("gbm", vol=1.5), Population(), opts)
    wall = time.perf_counter() - start
    counts = {k: v for k, v in r.confirmation.items() if k != "seconds"}
    return wall, r.timings["simulate"], json.dumps([r.metrics, counts], sort_keys=True, default=str)


MODES = (
    ("single process", {}),
    ("--workers 2 (processes)", {"workers": 2}),
    (
        "--scheduler local:2 (Dask LocalCluster, MALLOC_TRIM_THRESHOLD_ unset)",
        {"scheduler": "local:2"},
    ),
)


def main() -> None:
    paths = int(sys.argv[1]) if len(sys.argv) > 1 else 500_000
    load = os.getloadavg()
    spec = perp_isolated.build(accounts=10)
    one(spec, 2048)  # compile / load the kernel once
    base_numbers = None
    rows = []
    for label, kw in MODES:
        _w, tiny, _n = one(spec, 2048, **kw)
        _w, sim, numbers = one(spec, paths, **kw)
        base_numbers = base_numbers or numbers
        rows.append((label, tiny, sim, numbers == base_numbers))
    original = runner.dask_config
    runner.dask_config = lambda: {}  # Dask's default nanny environment
    try:
        _w, tiny, _n = one(spec, 2048, scheduler="local:2")
        _w, sim, numbers = one(spec, paths, scheduler="local:2")
        rows.append(
            (
                "--scheduler local:2 with Dask's default MALLOC_TRIM_THRESHOLD_=65536",
                tiny,
                sim,
                numbers == base_numbers,
            )
        )
    finally:
        runner.dask_config = original
    base = rows[0][2]
    print("# stress on Dask: LocalCluster(2 workers) vs one process\n")
    print(
        f"Command: `python benchmarks/stress_dask.py {paths}` ({paths:,} paths x 100 steps x 10 accounts, "
        f"chunks of 16,384 paths); load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
        f"{os.cpu_count()} cores.\n"
    )
    print(
        "Fixed overhead = the simulate phase of a 2,048-path run in that mode (process or cluster start, "
        "imports, kernel load from cache, stop); the big run's simulate phase includes it too.\n"
    )
    print(
        "| mode | fixed overhead s | simulate s | speed-up vs single | numbers identical to single |"
    )
    print("| --- | --- | --- | --- | --- |")
    for label, tiny, sim, same in rows:
        print(f"| {label} | {tiny:.2f} | {sim:.2f} | {base / sim:.2f}x | {same} |")


if __name__ == "__main__":
    main()
