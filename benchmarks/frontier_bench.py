"""Benchmark: frontier of the per-step move, to 0.001 absolute, on the 3-account perp.

    python benchmarks/frontier_bench.py            # writes benchmarks/results/frontier.md

Target (issue 4): under 60 s. Three runs on examples/frontier/perp_frontier.py (isolated
perp, 3 accounts, maintenance margin 0.08, no insurance fund; the exact frontier is 0.08),
and the same three with ``--set maintenance_margin=0.05`` (the spec's 8% move is then
unsafe, so the search must come back from it; the exact frontier is 0.05):

1. ``--method both``: the direct symbolic method and bisection over proofs in one run,
   each phase timed with its Z3 queries counted;
2. ``--method auto`` (the default: symbolic, falling back to bisection);
3. ``--method bisection`` alone.

Z3 queries are counted by wrapping ``z3.Solver.check`` and ``z3.Optimize.check`` in this
script only (measurement, not library behaviour).
"""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import z3

import solvent
from solvent.check import frontier as frontier_module
from solvent.check.frontier import FrontierResult, frontier
from solvent.lang.values import format_number
from solvent.spec.load import load_spec

ROOT = Path(__file__).resolve().parents[1]
TARGET = "examples/frontier/perp_frontier.py"
RESULTS = ROOT / "benchmarks" / "results" / "frontier.md"
TOL = "0.001"


@dataclass
class Counter:
    calls: int = 0
    seconds: float = 0.0

    def snapshot(self) -> tuple[int, float]:
        return self.calls, self.seconds


COUNT = Counter()


def _counting(check: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(self: Any, *args: Any) -> Any:
        start = time.perf_counter()
        try:
            return check(self, *args)
        finally:
            COUNT.calls += 1
            COUNT.seconds += time.perf_counter() - start

    return wrapper


z3.Solver.check = _counting(z3.Solver.check)  # type: ignore[method-assign]
z3.Optimize.check = _counting(z3.Optimize.check)  # type: ignore[method-assign]


@dataclass
class Phase:
    name: str
    seconds: float = 0.0
    calls: int = 0
    solver_seconds: float = 0.0


def _timed(phases: dict[str, Phase], name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls0, solver0 = COUNT.snapshot()
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            p = phases.setdefault(name, Phase(name))
            p.seconds += time.perf_counter() - start
            p.calls += COUNT.calls - calls0
            p.solver_seconds += COUNT.seconds - solver0

    return wrapper


def run(
    method: str, overrides: dict[str, str]
) -> tuple[FrontierResult, float, dict[str, Phase], int, float]:
    spec = load_spec(str(ROOT / TARGET)).with_params(**overrides)
    phases: dict[str, Phase] = {}
    saved = {n: getattr(frontier_module, n) for n in ("step_frontier", "bisection", "finish")}
    frontier_module.step_frontier = _timed(phases, "symbolic step query", saved["step_frontier"])
    frontier_module.bisection = _timed(phases, "bisection over proofs", saved["bisection"])
    frontier_module.finish = _timed(phases, "evidence + monotonicity", saved["finish"])
    calls0, solver0 = COUNT.snapshot()
    start = time.perf_counter()
    try:
        result = frontier(spec, "move", tol=TOL, method=method)
    finally:
        for n, fn in saved.items():
            setattr(frontier_module, n, fn)
    return (
        result,
        time.perf_counter() - start,
        phases,
        COUNT.calls - calls0,
        COUNT.seconds - solver0,
    )


def _row(cells: list[Any]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


SCENARIOS = (
    ("spec value is the frontier (maintenance 0.08)", {}),
    ("spec value unsafe (--set maintenance_margin=0.05)", {"maintenance_margin": "0.05"}),
)


def main() -> None:
    lines = [
        "# Frontier benchmark: per-step move of the 3-account isolated perp",
        "",
        f"Command: `python benchmarks/frontier_bench.py`; the CLI equivalent of each run is "
        f"`solvent frontier {TARGET} --param move --tol {TOL} --method METHOD [--set NAME=VALUE]`.",
        "",
        f"Machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"z3 {z3.get_version_string()}, solvent {solvent.__version__}; load average before the run "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}.",
        "",
        "Target: under 60 s to 0.001 absolute precision. Exact answers: |move| <= maintenance "
        "margin (examples/frontier/README.md). `--method both` runs the direct symbolic method "
        "and bisection over proofs in one run and compares them; `auto` is the default.",
        "",
        "Z3 queries counts every `Solver.check`/`Optimize.check` (proofs, bmc, witness "
        "reachability, the symbolic step query, counterexample simplification). prove/bmc "
        "runs counts the checks the search made (each is many Z3 queries).",
        "",
        _row(
            [
                "scenario",
                "run",
                "status",
                "proved up to",
                "counterexample at",
                "method",
                "wall s",
                "prove/bmc runs",
                "Z3 queries",
                "s per Z3 query",
            ]
        ),
        _row(["---"] * 10),
    ]
    details = []
    for scenario, overrides in SCENARIOS:
        for method in ("both", "auto", "bisection"):
            result, seconds, phases, calls, solver_seconds = run(method, overrides)
            print(
                f"{scenario} / {method}: {result.status} {result.message} [{seconds:.1f}s, "
                f"{calls} Z3 queries]",
                file=sys.stderr,
            )
            checks = sum(1 for p in result.probes if p.check in ("prove", "bmc"))
            checks += sum(
                r.checks for r in result.runs if r.method == "bisection" and method == "both"
            )
            lines.append(
                _row(
                    [
                        scenario,
                        f"--method {method}",
                        result.status,
                        format_number(result.safe) if result.safe is not None else "-",
                        format_number(result.unsafe) if result.unsafe is not None else "-",
                        result.method,
                        f"{seconds:.1f}",
                        checks,
                        calls,
                        f"{solver_seconds / calls:.3f}" if calls else "-",
                    ]
                )
            )
            details.append((scenario, method, result, phases))
    lines += [
        "",
        "## Phases of each run",
        "",
        _row(["scenario", "run", "phase", "wall s", "Z3 queries", "s per Z3 query"]),
        _row(["---"] * 6),
    ]
    for scenario, method, _result, phases in details:
        for p in phases.values():
            per = f"{p.solver_seconds / p.calls:.3f}" if p.calls else "-"
            lines.append(
                _row([scenario, f"--method {method}", p.name, f"{p.seconds:.1f}", p.calls, per])
            )
    for scenario, method, both, _phases in details:
        if method != "both":
            continue
        lines += [
            "",
            f"## {scenario}: the two methods in one run (`--method both`)",
            "",
            _row(
                [
                    "method",
                    "answer (proved / beyond)",
                    "prove/bmc runs",
                    "step queries",
                    "wall s",
                    "note",
                ]
            ),
            _row(["---"] * 6),
        ]
        for r in both.runs:
            answer = (
                f"{format_number(r.safe) if r.safe is not None else '-'} / "
                f"{format_number(r.unsafe) if r.unsafe is not None else '-'}"
            )
            lines.append(
                _row(
                    [
                        r.method,
                        answer,
                        r.checks,
                        r.solver_calls,
                        f"{r.seconds:.1f}",
                        r.note.replace("|", "/"),
                    ]
                )
            )
        lines += [
            "",
            f"Answer used: {both.method} ({both.method_reason}).",
            "",
            "Probes (symbolic run, then the shared evidence and monotonicity checks):",
            "",
            _row(["value", "outcome", "check", "bound", "seconds", "purpose"]),
            _row(["---"] * 6),
        ]
        lines += [
            _row(
                [format_number(p.value), p.outcome, p.check, p.bound, f"{p.seconds:.2f}", p.purpose]
            )
            for p in both.probes
        ]
        bis = next((r for r in both.runs if r.method == "bisection"), None)
        if bis is not None:
            lines += [
                "",
                "Probes of the bisection run:",
                "",
                _row(["value", "outcome", "check", "bound", "seconds", "purpose"]),
                _row(["---"] * 6),
            ]
            lines += [
                _row(
                    [
                        format_number(p.value),
                        p.outcome,
                        p.check,
                        p.bound,
                        f"{p.seconds:.2f}",
                        p.purpose,
                    ]
                )
                for p in bis.probes
            ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"written {RESULTS.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
