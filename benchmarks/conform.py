"""Benchmark: `solvent conform` throughput and time-to-find of the seeded bugs.

    PYTHONPATH=src python benchmarks/conform.py      # prints markdown (benchmarks/results/conform.md)

Targets (issue 19): >= 1,000 compared steps/s against the Vyper contract under titanoboa,
>= 100,000/s against a Python adapter; each seeded bug found within 10 s and shrunk to at
most 4 steps. Measured on examples/conform (3 accounts, 12-step traces, seed 0):

1. compared steps per second, end to end (spec on the exact fixed-point judge + the
   implementation + comparison), for the Python engine, the Vyper and the Solidity perp;
   the implementation's own share is measured by replaying the same traces on it alone;
2. the seeded bugs (Python engine: liquidation check `<=`; Vyper: fee rounded down):
   seconds until found (from the start of the run), steps of the shrunk trace.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1] / "examples" / "conform"
sys.path.insert(0, str(HERE))

from solvent.conform.adapter import load_adapter  # noqa: E402
from solvent.conform.batch import BATCH  # noqa: E402
from solvent.conform.run import Options, conform  # noqa: E402
from solvent.conform.sources import random_traces  # noqa: E402
from solvent.spec.load import load_spec  # noqa: E402

SPEC = load_spec(str(HERE / "perp_spec.py"))


def impl_only(adapter, traces) -> tuple[int, float]:
    """Drive the implementation alone through ``traces`` (no spec): steps, seconds."""
    start = time.perf_counter()
    steps = 0
    for tr in traces:
        init = {k: (list(v) if isinstance(v, tuple) else v) for k, v in tr.init.items()}
        adapter.reset(SPEC.param_values().as_dict(), init)
        adapter.observe()
        for st in tr.steps:
            adapter.tick(dict(st.market))
            for a in range(SPEC.accounts):
                adapter.keeper("liquidate", a)
            if st.action is not None:
                adapter.action(st.action.name, st.action.accounts[0], **dict(st.action.args))
            adapter.observe()
            steps += 1
    return steps, time.perf_counter() - start


def throughput(label: str, impl: str, n: int, batch: int = BATCH) -> str:
    adapter = load_adapter(str(HERE / impl))
    cpu = time.process_time()
    r = conform(SPEC, adapter, Options(traces=n, corners=False, batch=batch))
    cpu = time.process_time() - cpu
    assert r.divergence is None, r.message()
    traces = list(random_traces(SPEC, n, 12, 0))
    cpu_impl = time.process_time()
    steps, secs = impl_only(adapter, traces)
    cpu_impl = time.process_time() - cpu_impl
    return (
        f"| {label} | {r.traces} | {r.steps} | {r.seconds:.2f} | {r.steps / r.seconds:,.0f} "
        f"| {r.steps / cpu:,.0f} | {steps / secs:,.0f} | {steps / cpu_impl:,.0f} |"
    )


def bug(label: str, impl: str) -> str:
    adapter = load_adapter(str(HERE / impl))
    cpu = time.process_time()
    r = conform(SPEC, adapter, Options(traces=200))
    cpu = time.process_time() - cpu
    d = r.divergence
    assert d is not None
    return (
        f"| {label} | {r.traces} | {r.seconds:.2f} | {cpu:.2f} | {r.original.step} | "
        f"{len(d.trace.steps)} | {d.what} |"
    )


def main() -> None:
    with open("/proc/loadavg") as fh:
        load = fh.read().split()[:3]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; load average before the run: {' '.join(load)}\n"
    )
    print(
        "| implementation | traces | steps compared | seconds | steps/s end to end (wall) "
        "| steps per CPU second | implementation alone steps/s (wall) | alone, per CPU second |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    print(
        throughput(
            "Python engine, spec on the judge only (`batch=0`)", "python_adapter.py", 100, batch=0
        )
    )
    print(throughput("Python engine", "python_adapter.py", 4000))
    print(throughput("Vyper (titanoboa, py-evm)", "vyper_adapter.py", 10))
    print(throughput("Vyper (revm)", "revm_adapter.py", 1000))
    print(throughput("Solidity (solc-js, titanoboa, py-evm)", "solidity_adapter.py", 5))
    print(throughput("Solidity (solc-js, revm)", "revm_adapter.py:Solidity", 1000))
    print(
        "\n| seeded bug | traces until found | seconds (found + shrunk) | CPU seconds "
        "| found at step | shrunk steps | diverging value |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    print(bug("Python engine, liquidation `<=`", "python_adapter.py:BuggyEngineAdapter"))
    print(bug("Vyper (titanoboa), fee rounded down", "vyper_adapter.py:FeeBugAdapter"))
    print(bug("Vyper (revm), fee rounded down", "revm_adapter.py:VyperFeeBug"))
    print(
        bug("Solidity (revm), withdraw checks maintenance", "revm_adapter.py:SolidityWithdrawBug")
    )


if __name__ == "__main__":
    main()
