"""What `solvent stress` adds to its result for the report: the percentile bands and the
worst paths' exact traces (:mod:`solvent.stress.bands`), and the ``--sweep`` table as text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from solvent.errors import UsageError
from solvent.report.provenance import portable


def worst_dir(report: str) -> str:
    """Where the worst paths' traces go: ``REPORT-traces/`` beside the report."""
    path = Path(report)
    return str(path.with_name(path.stem + "-traces"))


def add_bands(
    doc: dict[str, Any], result: Any, spec: Any, sc: Any, pop: Any, opts: Any, folder: str | None
) -> None:
    """The report's percentile bands, and the worst paths' exact traces written into
    ``folder`` (linked from the report's worst-paths table)."""
    from solvent.stress.bands import bands

    worst = [int(w["path"]) for w in result.worst]
    meta = {"found_by": "stress", "scenario": doc.get("scenario"), "seed": result.options["seed"]}
    found, traces = bands(spec, sc, pop, opts, worst if folder else (), meta)
    if found is not None:
        doc["bands"] = found
    if not folder:
        return
    out = Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create {folder}: {exc.strerror}") from None
    for rank, (item, trace) in enumerate(zip(doc["worst_paths"], traces, strict=False)):
        p = out / f"stress-worst-{rank + 1}-path-{item['path']}.json"
        try:
            p.write_text(trace.dumps(), encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write traces to {folder}: {exc.strerror}") from None
        item["trace"] = portable(str(p.resolve()))


def render_sweep(console: Any, sweep: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(title=f"sweep {sweep['param']} ({sweep['kind']})", box=None, pad_edge=False)
    for col in (sweep["param"], "P(insolvency)", "95% CI", "VaR 99%", "ES 97.5%", "verdict"):
        table.add_column(col)
    for r in sweep["rows"]:
        table.add_row(
            f"{r['value']}{' (this run)' if r['current'] else ''}",
            f"{r['p_insolvency']:.4g}",
            f"{r['ci_low']:.3g} .. {r['ci_high']:.3g}",
            f"{r['var_99'] or 0:,.4g}",
            f"{r['es_975'] or 0:,.4g}",
            r["verdict"],
        )
    console.print(table)
