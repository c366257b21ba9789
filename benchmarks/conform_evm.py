"""Benchmark: the ceiling of `solvent conform` against the Vyper contract under titanoboa.

    PYTHONPATH=src python benchmarks/conform_evm.py           # markdown rows for conform.md
    PYTHONPATH=src python benchmarks/conform_evm.py --quick   # fewer traces

titanoboa 0.2.8 runs contracts on py-evm, an EVM written in Python. This measures, on the
same random traces of examples/conform (seed 0, 12 steps, 3 accounts):

* the EVM work of one step as the adapter drives it today (examples/conform/perp.vy: an
  oracle update, three liquidation calls, the action when the step has one, fields read
  from storage): CPU seconds per step, EVM calls and opcodes per step, per call;
* the same step in ONE call (benchmarks/conform_evm/perp_step.vy: perp.vy with
  check-then-apply actions and a harness entry point ``step()`` returning the observed
  fields) and a whole 12-step trace in one call (``run()``), whose observed fields are
  checked against the per-call run (the same numbers);
* py-evm's own speed: opcodes per CPU second of one long call (benchmarks/conform_evm/
  spin.vy, a loop of arithmetic), i.e. with no per-call cost at all;
* the ceiling: py-evm's speed / opcodes per step.

Opcodes are counted by wrapping titanoboa's code stream iterator (a separate, slower run);
CPU seconds come from runs without it. Each row is the median of the paired runs, the
`uptime` load is printed beside it.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EX = ROOT / "examples" / "conform"
sys.path.insert(0, str(EX))

import boa  # noqa: E402
import boa.vm.py_evm as boa_evm  # noqa: E402

from solvent.conform.adapter import load_adapter  # noqa: E402
from solvent.conform.contracts import units  # noqa: E402
from solvent.conform.sources import random_traces  # noqa: E402
from solvent.spec.load import load_spec  # noqa: E402

QUICK = "--quick" in sys.argv
N = 8 if QUICK else 30
REPEATS = 1 if QUICK else 3
SPEC = load_spec(str(EX / "perp_spec.py"))
TRACES = list(random_traces(SPEC, N, 12, 0))
PARAMS = SPEC.param_values().as_dict()
D = 6

COUNT = {"ops": 0}
_plain_iter = boa_evm.TracingCodeStream.__iter__


def _counting_iter(self: Any) -> Any:
    for op in _plain_iter(self):
        COUNT["ops"] += 1
        yield op


def load() -> str:
    return " ".join(open("/proc/loadavg").read().split()[:3])


def cpu() -> float:
    t = os.times()
    return t.user + t.system


class Calls:
    """Count EVM calls (top-level) per kind while counting opcodes."""

    def __init__(self) -> None:
        self.calls: dict[str, list[int]] = {}

    def call(self, kind: str, fn: Any, *args: Any, **kw: Any) -> Any:
        before = COUNT["ops"]
        try:
            return fn(*args, **kw)
        except boa.BoaError:
            kind += " (reverted)"
            return False
        finally:
            self.calls.setdefault(kind, []).append(COUNT["ops"] - before)


def per_call_run(adapter: Any, calls: Calls | None = None) -> list[Any]:
    """Today's adapter, step by step; the observed fields after every step."""
    seen = []
    for tr in TRACES:
        init = {k: (list(v) if isinstance(v, tuple) else v) for k, v in tr.init.items()}
        adapter.reset(PARAMS, init)
        c = adapter.c
        for st in tr.steps:
            adapter.price = adapter.price * (10**D + units(st.market["move"], D)) // 10**D
            if calls:
                calls.call("set_price", c.set_price, adapter.price)
            else:
                c.set_price(adapter.price)
            for a in range(3):
                if calls:
                    calls.call("liquidate", c.liquidate, adapter.accounts[a])
                else:
                    adapter.keeper("liquidate", a)
            act = st.action
            if act is not None:
                if calls:
                    fn = c.trade if act.name == "trade" else c.withdraw
                    arg = act.args["qty" if act.name == "trade" else "amount"]
                    calls.call(
                        act.name, fn, units(arg, D), sender=adapter.accounts[act.accounts[0]]
                    )
                else:
                    adapter.action(act.name, act.accounts[0], **dict(act.args))
            seen.append(adapter.observe())
    return seen


def _steps_of(tr: Any) -> list[tuple[int, int, int, int]]:
    out = []
    price = units(tr.init["price"], D)
    for st in tr.steps:
        price = price * (10**D + units(st.market["move"], D)) // 10**D
        act = st.action
        if act is None:
            out.append((price, 0, 0, 0))
        else:
            arg = act.args["qty" if act.name == "trade" else "amount"]
            kind = 1 if act.name == "trade" else 2
            out.append((price, kind, act.accounts[0], units(arg, D)))
    return out


class Harness:
    """perp_step.vy: a step, or a whole trace, in one call."""

    def __init__(self) -> None:
        from solvent.conform.contracts import FreshDeployment, address_of, vyper_deployer

        self.deployer = vyper_deployer(ROOT / "benchmarks" / "conform_evm" / "perp_step.vy")
        self.fresh = FreshDeployment(self.deployer)
        self.accounts = [address_of(a) for a in range(3)]

    def reset(self, tr: Any) -> Any:
        c = self.fresh(units(tr.init["price"], D), units(tr.init["insurance"], D))
        for who, q in zip(self.accounts, tr.init["quote"], strict=True):
            c.deposit_for(who, units(q, D))
        return c

    def one_call_per_step(self) -> list[Any]:
        seen = []
        for tr in TRACES:
            c = self.reset(tr)
            for step in _steps_of(tr):
                seen.append(c.step(step, self.accounts))
        return seen

    def one_call_per_trace(self) -> list[Any]:
        seen = []
        for tr in TRACES:
            c = self.reset(tr)
            seen += list(c.run(_steps_of(tr), self.accounts))
        return seen


def same(per_call: list[Any], harness: list[Any]) -> None:
    assert len(per_call) == len(harness)
    for a, b in zip(per_call, harness, strict=True):
        got = (b.insurance, b.bad_debt, b.liquidations * 10**D, list(b.quote), list(b.size))
        want = (a["insurance"], a["bad_debt"], a["liquidations"], a["quote"], a["size"])
        assert got == want, (got, want)


def timed(fn: Any) -> tuple[float, float]:
    c, w = cpu(), time.perf_counter()
    fn()
    return cpu() - c, time.perf_counter() - w


def main() -> None:
    steps = sum(len(t.steps) for t in TRACES)
    adapter = load_adapter(str(EX / "vyper_adapter.py"))
    harness = Harness()
    spin = boa.loads_partial((ROOT / "benchmarks" / "conform_evm" / "spin.vy").read_text()).deploy()

    # -- opcodes (counting run) -----------------------------------------------------------
    boa_evm.TracingCodeStream.__iter__ = _counting_iter
    calls = Calls()
    per_call = per_call_run(adapter, calls)
    COUNT["ops"] = 0
    one = harness.one_call_per_step()
    ops_one = COUNT["ops"]
    COUNT["ops"] = 0
    whole = harness.one_call_per_trace()
    ops_run = COUNT["ops"]
    COUNT["ops"] = 0
    spin.spin(20000)
    ops_spin = COUNT["ops"]
    boa_evm.TracingCodeStream.__iter__ = _plain_iter
    same(per_call, one)
    same(per_call, whole)
    ops_today = sum(sum(v) for k, v in calls.calls.items())
    n_calls = sum(len(v) for v in calls.calls.values())

    # -- CPU (paired runs, no counting) ------------------------------------------------------
    rows = {
        "per-call": lambda: per_call_run(adapter),
        "step": harness.one_call_per_step,
        "trace": harness.one_call_per_trace,
        "spin": lambda: spin.spin(20000),
    }
    for fn in rows.values():
        fn()  # warm-up
    runs: dict[str, list[tuple[float, float]]] = {k: [] for k in rows}
    before = load()
    for _ in range(REPEATS):
        for k, fn in rows.items():
            runs[k].append(timed(fn))
    after = load()
    med = {k: statistics.median(c for c, _ in v) for k, v in runs.items()}
    wall = {k: statistics.median(w for _, w in v) for k, v in runs.items()}
    rate = ops_spin / med["spin"]
    print(f"{N} traces, {steps} steps; load before / after: {before} / {after}\n")
    print("| EVM calls per step | call | calls | opcodes per call (mean) |")
    print("| --- | --- | --- | --- |")
    for k, v in sorted(calls.calls.items()):
        print(f"| | {k} | {len(v)} | {statistics.mean(v):,.0f} |")
    print(
        f"| {n_calls / steps:.2f} | all | {n_calls} | {ops_today / n_calls:,.0f} |\n"
        "\n| design | opcodes per step | CPU s | wall s | steps per CPU second "
        "| ratio to per-call | ceiling at py-evm's speed (steps/s) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    base = steps / med["per-call"]
    for label, key, ops in (
        ("per call (the adapter today: set_price, 3 x liquidate, action)", "per-call", ops_today),
        ("one call per step (`step()`)", "step", ops_one),
        ("one call per trace (`run()`, 12 steps)", "trace", ops_run),
    ):
        per = steps / med[key]
        print(
            f"| {label} | {ops / steps:,.0f} | {med[key]:.2f} | {wall[key]:.2f} | {per:,.0f} "
            f"| {per / base:.2f}x | {rate / (ops / steps):,.0f} |"
        )
    print(
        f"\npy-evm alone (spin.vy, one call of {ops_spin:,} opcodes): {med['spin']:.3f} CPU s, "
        f"{rate:,.0f} opcodes per CPU second (wall {wall['spin']:.3f} s)"
    )


if __name__ == "__main__":
    main()
