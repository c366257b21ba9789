"""Benchmark: `solvent conform` throughput and time-to-find of the seeded bugs.

    PYTHONPATH=src python benchmarks/conform.py           # markdown for benchmarks/results/conform.md
    PYTHONPATH=src python benchmarks/conform.py --quick   # fewer traces and repeats

Targets (issue 19): >= 1,000 compared steps/s against the Vyper contract under titanoboa,
>= 100,000/s against a Python adapter; each seeded bug found within 10 s and shrunk to at
most 4 steps. Examples: examples/conform (3 accounts, 12-step random traces, seed 0, no
corner paths for the throughput rows).

Every row is timed with several runs, each fast path **paired with its plain path in the
same run** (alternating, after a warm-up), so the ratio holds on a shared machine; the
table shows the median run of each, its wall and CPU time (CPU: this process plus its
worker processes) and the `uptime` load around it:

* Python engine: the batch adapter protocol (numpy lanes, compared lane-wise) against
  the per-step adapter methods with the spec's int64 lanes (round 2) and against the
  spec on the exact judge only (``--batch 0``); ``--jobs 2`` against ``--jobs 1``;
  "compare only" runs pre-made traces (the random traces' generation excluded);
* Vyper on titanoboa (py-evm): snapshot reset + storage words against a deployment per
  trace + titanoboa's storage decoding; "EVM alone" drives the same traces through the
  adapter without the spec (the bound: conform cannot be faster than the contract);
* Vyper and Solidity on revm for scale;
* the seeded bugs: seconds until found and shrunk, steps of the shrunk trace.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parents[1] / "examples" / "conform"
sys.path.insert(0, str(HERE))

from solvent.conform.adapter import load_adapter  # noqa: E402
from solvent.conform.run import Options, conform  # noqa: E402
from solvent.conform.sources import random_traces  # noqa: E402
from solvent.spec.load import load_spec  # noqa: E402

SPEC_PATH = HERE / "perp_spec.py"
SPEC = load_spec(str(SPEC_PATH))
QUICK = "--quick" in sys.argv
REPEATS = 1 if QUICK else 3


def load() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed(fn: Callable[[], int]) -> tuple[int, float, float]:
    """(steps, wall seconds, CPU seconds) of one call of ``fn`` (which returns steps)."""
    c, w = cpu(), time.perf_counter()
    steps = fn()
    return steps, time.perf_counter() - w, cpu() - c


def run_conform(impl: str, n: int, **opts: Any) -> Callable[[], int]:
    adapter = load_adapter(str(HERE / impl))
    refs = (str(SPEC_PATH), str(HERE / impl))

    def go() -> int:
        r = conform(SPEC, adapter, Options(traces=n, corners=False, **opts), refs=refs)
        assert r.divergence is None, r.message()
        return r.steps

    go_small = conform(SPEC, adapter, Options(traces=3, corners=False, **opts), refs=refs)
    assert go_small.divergence is None  # warm-up: compile, deploy, import
    return go


def run_given(impl: str, n: int) -> Callable[[], int]:
    """Compare pre-made traces (their generation excluded)."""
    adapter = load_adapter(str(HERE / impl))
    traces = list(random_traces(SPEC, n, 12, 0))

    def go() -> int:
        r = conform(SPEC, adapter, traces=traces)
        assert r.divergence is None, r.message()
        return r.steps

    return go


def run_alone(impl: str, n: int) -> Callable[[], int]:
    """Drive the implementation alone through ``n`` random traces (no spec)."""
    adapter = load_adapter(str(HERE / impl))
    traces = list(random_traces(SPEC, n, 12, 0))
    params = SPEC.param_values().as_dict()

    def go() -> int:
        steps = 0
        for tr in traces:
            init = {k: (list(v) if isinstance(v, tuple) else v) for k, v in tr.init.items()}
            adapter.reset(params, init)
            adapter.observe()
            for st in tr.steps:
                adapter.tick(dict(st.market))
                for a in range(SPEC.accounts):
                    adapter.keeper("liquidate", a)
                if st.action is not None:
                    adapter.action(st.action.name, st.action.accounts[0], **dict(st.action.args))
                adapter.observe()
                steps += 1
        return steps

    go()  # warm-up
    return go


def paired(rows: list[tuple[str, str, Callable[[], int]]]) -> list[str]:
    """Time the rows' functions alternately, ``REPEATS`` times; the first row is the plain
    path each ratio is taken against. Markdown rows: the median run of each."""
    runs: dict[str, list[tuple[int, float, float]]] = {label: [] for label, _, _ in rows}
    before = load()
    for _ in range(REPEATS):
        for label, _, fn in rows:
            runs[label].append(timed(fn))
    after = load()
    base = statistics.median(s / c for s, _, c in runs[rows[0][0]])
    out = []
    for label, command, _ in rows:
        steps, wall, cpu_s = sorted(runs[label], key=lambda r: r[1])[len(runs[label]) // 2]
        per_cpu = statistics.median(s / c for s, _, c in runs[label])
        out.append(
            f"| {label} | `{command}` | {steps:,} | {wall:.2f} | {cpu_s:.2f} | "
            f"{steps / wall:,.0f} | {per_cpu:,.0f} | {per_cpu / base:.2f}x | {before} / {after} |"
        )
    return out


def bug(label: str, impl: str) -> str:
    adapter = load_adapter(str(HERE / impl))
    c = cpu()
    r = conform(SPEC, adapter, Options(traces=200))
    c = cpu() - c
    d = r.divergence
    assert d is not None and r.original is not None
    return (
        f"| {label} | {r.traces} | {r.seconds:.2f} | {c:.2f} | {r.original.step} | "
        f"{len(d.trace.steps)} | {d.what} | {load()} |"
    )


def main() -> None:
    n_py = 2000 if QUICK else 8000
    n_boa = 10 if QUICK else 30
    n_revm = 200 if QUICK else 800
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; {REPEATS} paired run(s) per group\n"
    )
    print(
        "| implementation | command | steps | wall s | CPU s | steps/s (wall) "
        "| steps per CPU second | ratio (CPU) to the group's first row | load before / after |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    py = "python_adapter.py"
    base = f"solvent conform examples/conform/perp_spec.py --impl examples/conform/{py}"
    for line in paired(
        [
            (
                "Python engine, per-step methods, spec on int64 lanes (round 2)",
                f"{base} (adapter without the *_batch methods)",
                run_conform("python_adapter.py:PerStepEngineAdapter", n_py // 4),
            ),
            (
                "Python engine, spec on the judge only",
                f"{base} --batch 0",
                run_conform(py, n_py // 40, batch=0),
            ),
            (
                "Python engine, batch protocol (lane-wise)",
                f"{base} --traces {n_py} --no-corners",
                run_conform(py, n_py),
            ),
            (
                "Python engine, batch protocol, --batch 2048",
                f"{base} --traces {n_py} --no-corners --batch 2048",
                run_conform(py, n_py, batch=2048),
            ),
            (
                "Python engine, batch protocol, compare only (traces made beforehand)",
                "conform(spec, adapter, traces=[...])",
                run_given(py, n_py),
            ),
        ]
    ):
        print(line)
    for line in paired(
        [
            (
                "Python engine, batch protocol, --jobs 1",
                f"{base} --traces {2 * n_py} --no-corners --batch 2048 --jobs 1",
                run_conform(py, 2 * n_py, batch=2048),
            ),
            (
                "Python engine, batch protocol, --jobs 2",
                f"{base} --traces {2 * n_py} --no-corners --batch 2048 --jobs 2",
                run_conform(py, 2 * n_py, batch=2048, jobs=2),
            ),
        ]
    ):
        print(line)
    vy = "solvent conform examples/conform/perp_spec.py --impl examples/conform/vyper_adapter.py"
    for line in paired(
        [
            (
                "Vyper on titanoboa, plain (deploy per trace, titanoboa's decoding)",
                f"{vy}:PlainVyperAdapter --traces {n_boa} --no-corners",
                run_conform("vyper_adapter.py:PlainVyperAdapter", n_boa),
            ),
            (
                "Vyper on titanoboa (snapshot reset, storage words)",
                f"{vy} --traces {n_boa} --no-corners",
                run_conform("vyper_adapter.py", n_boa),
            ),
            (
                "Vyper on titanoboa, the EVM alone (no spec, no comparison)",
                "adapter calls only",
                run_alone("vyper_adapter.py", n_boa),
            ),
        ]
    ):
        print(line)
    rv = "solvent conform examples/conform/perp_spec.py --impl examples/conform/revm_adapter.py"
    for line in paired(
        [
            ("Vyper on revm", f"{rv} --traces {n_revm}", run_conform("revm_adapter.py", n_revm)),
            (
                "Solidity on revm",
                f"{rv}:Solidity --traces {n_revm}",
                run_conform("revm_adapter.py:Solidity", n_revm),
            ),
        ]
    ):
        print(line)
    print(
        "\n| seeded bug | traces until found | seconds (found + shrunk) | CPU seconds "
        "| found at step | shrunk steps | diverging value | load |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    print(bug("Python engine, liquidation `<=`", "python_adapter.py:BuggyEngineAdapter"))
    print(bug("Vyper (titanoboa), fee rounded down", "vyper_adapter.py:FeeBugAdapter"))
    print(bug("Vyper (revm), fee rounded down", "revm_adapter.py:VyperFeeBug"))
    print(
        bug("Solidity (revm), withdraw checks maintenance", "revm_adapter.py:SolidityWithdrawBug")
    )


if __name__ == "__main__":
    main()
