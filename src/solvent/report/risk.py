"""Output of the risk answers (``frontier``, ``synth``): text, JSON, CSV and Markdown.

JSON schemas: ``solvent-frontier/1`` (one boundary with its evidence) and
``solvent-synth-grid/1`` (a two-parameter safe region). As in ``solvent-result/1``, exact
numbers are strings (``"0.05"``, ``"1/3"``) and ``seconds`` are JSON numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from solvent.check.attribution import attribute
from solvent.check.frontier import FrontierResult
from solvent.check.probes import (
    COUNTEREXAMPLE,
    INCONCLUSIVE_PROBE,
    NOT_PROVED,
    PROVED,
    REFUSED,
    VACUOUS_PROOF,
    Probe,
)
from solvent.check.results import PASS
from solvent.check.synth import GridCell, GridResult
from solvent.lang.values import format_number
from solvent.report.json_out import plain, replay_json
from solvent.report.text import number, render_replay
from solvent.spec.spec import Spec

FRONTIER_SCHEMA = "solvent-frontier/1"
GRID_SCHEMA = "solvent-synth-grid/1"
_STYLE = {"PASS": "bold green", "FAIL": "bold red"}
CELL_MARK = {
    PROVED: "safe",
    COUNTEREXAMPLE: "FAIL",
    NOT_PROVED: "no proof",
    VACUOUS_PROOF: "vacuous",
    INCONCLUSIVE_PROBE: "?",
    REFUSED: "refused",
}
LEGEND = (
    "safe = proved (k-induction, every path length); FAIL = replay-confirmed counterexample; "
    "no proof = not proved (a CTI, or a lemma fails) and no counterexample within the bmc "
    "depth; no proof? = not proved and the counterexample search gave up (its resource cap "
    "or the budget); ? = the solver gave up on the proof; refused = the spec's builder "
    "refuses the value (SV801)"
)


def cell_mark(cell: GridCell) -> str:
    """The table entry of one grid point (see ``LEGEND``)."""
    mark = CELL_MARK[cell.outcome]
    if (
        cell.outcome == NOT_PROVED
        and cell.refutation is not None
        and cell.refutation.outcome == INCONCLUSIVE_PROBE
    ):
        mark += "?"
    return mark


def _table() -> Table:
    return Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)


def _num(x: Fraction | None) -> str | None:
    return None if x is None else format_number(x)


# ---------------------------------------------------------------------------- frontier
def frontier_sentence(spec: Spec, result: FrontierResult) -> str | None:
    """ "proved because ..." for the boundary proof (no slack: the frontier is the slack)."""
    b = result.boundary
    if b is None or b.result is None or b.result.verdict != PASS or b.result.check != "prove":
        return None
    at = result.knob.apply(spec, b.value)
    return attribute(at, b.result, slack=False).sentence


def render_frontier(
    console: Console, spec: Spec, result: FrontierResult, *, quiet: bool = False
) -> None:
    """The verdict line, then the method, both sides of the evidence and the probes."""
    k = result.knob
    console.print(
        Text.assemble(
            (f"[{result.verdict:<4}]", _STYLE.get(result.verdict, "bold yellow")),
            f" {k.name}  {result.check} {result.direction}  {result.seconds:.1f}s  {result.message}",
        ),
        soft_wrap=True,
    )
    if quiet:
        return
    console.print(
        f"  status: {result.status} (tolerance {format_number(result.tol)}); "
        f"method: {result.method}: {result.method_reason}",
        soft_wrap=True,
    )
    sentence = frontier_sentence(spec, result)
    if sentence:
        console.print(f"  at the boundary: {sentence}", soft_wrap=True)
    if result.monotone is None:  # inconclusive: no boundary whose monotonicity matters
        if result.status != "inconclusive":
            console.print(
                "  monotonicity: not probed (--checks 0, or every check was UNKNOWN): "
                "assumed, not checked",
                soft_wrap=True,
            )
    elif result.monotone:
        shown = [p for p in result.probes if p.purpose == "monotonicity"]
        console.print(
            "  monotonicity: consistent at "
            + ", ".join(f"{format_number(p.value)} ({p.outcome})" for p in shown),
            soft_wrap=True,
        )
    else:
        console.print(
            Text(
                "  monotonicity: NOT monotone: "
                + "; ".join(
                    f"proved at {format_number(a)}, not at {format_number(b)}"
                    for a, b in result.non_monotone
                ),
                style="bold yellow",
            ),
            soft_wrap=True,
        )
    for run in result.runs:
        console.print(
            f"  {run.method}: {'answer' if run.ok else 'no answer'} "
            f"{_num(run.safe) or '-'} / {_num(run.unsafe) or '-'}, {run.checks} checks, "
            f"{run.solver_calls} step queries, {run.seconds:.1f}s",
            soft_wrap=True,
        )
    console.print(Text("probes", style="bold"))
    table = _table()
    for col in ("value", "outcome", "check", "bound", "seconds", "purpose"):
        table.add_column(col, justify="right" if col in ("value", "seconds") else "left")
    for p in result.probes:
        table.add_row(number(p.value), p.outcome, p.check, p.bound, f"{p.seconds:.2f}", p.purpose)
    console.print(table)
    beyond = result.beyond
    replayed = beyond.result.details.get("replay") if beyond and beyond.result else None
    if beyond is not None and beyond.outcome == COUNTEREXAMPLE and replayed is not None:
        console.print(Text(f"counterexample at {k.describe(beyond.value)}", style="bold"))
        render_replay(console, replayed, k.apply(spec, beyond.value))


def _probe_json(p: Probe | None, *, full: bool = False) -> dict[str, Any] | None:
    if p is None:
        return None
    doc: dict[str, Any] = {
        "value": format_number(p.value),
        "outcome": p.outcome,
        "check": p.check,
        "verdict": p.verdict,
        "bound": p.bound,
        "seconds": round(p.seconds, 3),
        "purpose": p.purpose,
        "message": p.message,
    }
    r = p.result
    if full and r is not None:
        for key in ("assumptions_used", "assumptions_unused", "assumptions_minimized"):
            if key in r.details:
                doc[key] = plain(r.details[key])
        if r.counterexample is not None:
            doc["counterexample"] = r.counterexample.to_json()
            replayed = r.details.get("replay")
            if replayed is not None:
                doc["replay"] = replay_json(replayed)
        if r.cti_state is not None:
            doc["cti"] = {"invariant": r.invariant, "state": plain(r.cti_state)}
    return doc


def frontier_json(
    spec: Spec, result: FrontierResult, *, target: str | None = None
) -> dict[str, Any]:
    """The ``solvent-frontier/1`` document."""
    k, sym = result.knob, result.symbolic
    return {
        "schema": FRONTIER_SCHEMA,
        "check": result.check,
        "spec": result.spec,
        "target": target,
        "param": k.name,
        "kind": k.kind,
        "name": k.target,
        "side": k.side,
        "spec_value": format_number(k.current),
        "direction": result.direction,
        "tol": format_number(result.tol),
        "range": [_num(result.search_range[0]), _num(result.search_range[1])],
        "status": result.status,
        "verdict": result.verdict,
        "exit_code": result.exit_code,
        "message": result.message,
        "safe": _num(result.safe),
        "unsafe": _num(result.unsafe),
        "because": frontier_sentence(spec, result),
        "boundary": _probe_json(result.boundary, full=True),
        "beyond": _probe_json(result.beyond, full=True),
        "method": result.method,
        "method_reason": result.method_reason,
        "runs": [
            {
                "method": r.method,
                "ok": r.ok,
                "safe": _num(r.safe),
                "unsafe": _num(r.unsafe),
                "checks": r.checks,
                "solver_calls": r.solver_calls,
                "seconds": round(r.seconds, 3),
                "note": r.note,
            }
            for r in result.runs
        ],
        "symbolic": None
        if sym is None
        else {
            "status": sym.status,
            "reason": sym.reason,
            "safe": _num(sym.safe),
            "unsafe": _num(sym.unsafe),
            "exact": sym.exact,
            "attained": sym.attained,
            "engine": sym.engine,
            "solver_calls": sym.solver_calls,
            "seconds": round(sym.seconds, 3),
            "obligation": sym.obligation,
        },
        "monotone": result.monotone,
        "non_monotone": [[format_number(a), format_number(b)] for a, b in result.non_monotone],
        "probes": [_probe_json(p) for p in result.probes],
        "seconds": round(result.seconds, 3),
        "accounts": result.accounts,
    }


def probes_csv(result: FrontierResult) -> str:
    """One row per probe: value, outcome, check, verdict, bound, seconds, purpose."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([result.knob.name, "outcome", "check", "verdict", "bound", "seconds", "purpose"])
    for p in result.probes:
        w.writerow(
            [
                format_number(p.value),
                p.outcome,
                p.check,
                p.verdict,
                p.bound,
                f"{p.seconds:.3f}",
                p.purpose,
            ]
        )
    return out.getvalue()


# ---------------------------------------------------------------------------- grid
def render_grid(console: Console, result: GridResult, *, quiet: bool = False) -> None:
    """Verdict line, the grid (rows: first parameter) and the cheapest safe point per row."""
    a, b = result.knobs
    verdict = {0: "PASS", 2: "UNKNOWN"}.get(result.exit_code, "UNKNOWN")
    console.print(
        Text.assemble(
            (f"[{verdict:<4}]", _STYLE.get(verdict, "bold yellow")),
            f" {a.name} x {b.name}  synth grid  {result.seconds:.1f}s  {result.message}",
        ),
        soft_wrap=True,
    )
    if quiet:
        return
    table = _table()
    table.add_column(f"{a.name} \\ {b.name}", justify="right")
    for v in result.axes[1]:
        table.add_column(format_number(v), justify="center")
    for i, av in enumerate(result.axes[0]):
        table.add_row(
            format_number(av), *(cell_mark(result.cell(i, j)) for j in range(len(result.axes[1])))
        )
    console.print(table)
    console.print(f"  {LEGEND}", soft_wrap=True)
    word = "smallest" if result.direction == "down" else "largest"
    for av, best in result.cheapest():
        console.print(
            f"  {a.name} = {format_number(av)}: {word} proved {b.name} = "
            f"{format_number(best) if best is not None else 'none in the grid'}",
            soft_wrap=True,
        )
    for good, bad in result.non_monotone[:5]:
        console.print(
            Text(
                f"  non-monotone: proved at {_pair(good)} but not at the more "
                f"conservative {_pair(bad)}",
                style="bold yellow",
            ),
            soft_wrap=True,
        )


def _pair(v: Sequence[Fraction]) -> str:
    return "(" + ", ".join(format_number(x) for x in v) + ")"


def grid_json(result: GridResult, *, target: str | None = None) -> dict[str, Any]:
    """The ``solvent-synth-grid/1`` document (``cells`` are the data for a plot)."""
    a, b = result.knobs
    return {
        "schema": GRID_SCHEMA,
        "check": result.check,
        "spec": result.spec,
        "target": target,
        "params": [a.name, b.name],
        "axes": [[format_number(v) for v in axis] for axis in result.axes],
        "direction": result.direction,
        "directions": list(result.directions),
        "exit_code": result.exit_code,
        "verdict": "PASS" if result.exit_code == 0 else "UNKNOWN",
        "message": result.message,
        "cells": [
            {
                a.name: format_number(c.values[0]),
                b.name: format_number(c.values[1]),
                "outcome": c.outcome,
                "proof": _probe_json(c.proof),
                "refutation": _probe_json(c.refutation),
                "seconds": round(c.seconds, 3),
            }
            for c in result.cells
        ],
        "cheapest": [
            {a.name: format_number(av), b.name: _num(best)} for av, best in result.cheapest()
        ],
        "non_monotone": [
            [[format_number(x) for x in g], [format_number(x) for x in f]]
            for g, f in result.non_monotone
        ],
        "seconds": round(result.seconds, 3),
        "accounts": result.accounts,
    }


def grid_csv(result: GridResult) -> str:
    """One row per grid point: both parameter values, outcome, safe (1/0). Deterministic."""
    a, b = result.knobs
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([a.name, b.name, "outcome", "mark", "safe"])
    for c in result.cells:
        w.writerow(
            [
                format_number(c.values[0]),
                format_number(c.values[1]),
                c.outcome,
                cell_mark(c),
                1 if c.outcome == PROVED else 0,
            ]
        )
    return out.getvalue()


def grid_markdown(result: GridResult) -> str:
    """The safe region as a Markdown table (rows: first parameter)."""
    a, b = result.knobs
    head = [f"{a.name} \\ {b.name}", *(format_number(v) for v in result.axes[1])]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for i, av in enumerate(result.axes[0]):
        cells = [cell_mark(result.cell(i, j)) for j in range(len(result.axes[1]))]
        lines.append("| " + " | ".join([format_number(av), *cells]) + " |")
    return "\n".join(lines) + "\n"
