"""Exports of a stress result for forums and papers: ``--png DIR`` and ``--markdown DIR``.

``--png DIR`` writes every chart of the report as ``DIR/<chart>.png`` (150 dpi).
``--markdown DIR`` writes ``DIR/summary.md`` (the executive summary, parameters, worst
paths, leverage concentration, the sweep and provenance as Markdown tables, each chart
embedded as an image) beside the same PNG files, ready to paste into a governance forum
post. Both read only the result document, so ``solvent report RESULT.json --png DIR``
gives the same files as the run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from solvent.errors import UsageError
from solvent.report import documents
from solvent.report import stress_view as view


def _folder(path: str, flag: str) -> Path:
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{flag} {path}: a file of that name exists; give a directory")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{flag} {path}: cannot create the directory: {exc.strerror}") from None
    return folder


def check_stress(doc: Mapping[str, Any], flag: str) -> None:
    if documents.kind(doc) != documents.STRESS:
        raise UsageError(
            f"{flag} exports the charts of a stress result (solvent-stress/1); this is a "
            f"{doc.get('schema')} document: use --report for its HTML page"
        )


def write_png(doc: Mapping[str, Any], path: str, flag: str = "--png") -> list[str]:
    """Every chart as a PNG in ``path``; return the files written."""
    from solvent.report.charts_stress import to_png

    check_stress(doc, flag)
    folder = _folder(path, flag)
    written = []
    for chart in view.all_charts(doc):
        out = folder / f"{chart.name}.png"
        try:
            to_png(chart.make(), out)
        except OSError as exc:
            raise UsageError(f"{flag}: cannot write {out}: {exc.strerror}") from None
        written.append(str(out))
    return written


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def md_table(head: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    out = ["| " + " | ".join(_cell(h) for h in head) + " |"]
    out.append("| " + " | ".join("---" for _ in head) + " |")
    out += ["| " + " | ".join(_cell(c) for c in r) + " |" for r in rows]
    return "\n".join(out) + "\n"


def markdown(doc: Mapping[str, Any], images: bool = True) -> str:
    """The summary of a stress result as Markdown (charts as ``<name>.png`` images)."""
    parts = [
        f"# {doc.get('spec')}: stress {doc.get('scenario')} ({doc.get('verdict')})\n",
        md_table(["", ""], view.headline(doc)),
    ]
    head, rows = view.parameter_rows(doc)
    if rows:
        parts += ["## Parameters\n", md_table(head, rows)]
    if images:
        parts.append("## Charts\n")
        for chart in view.all_charts(doc):
            parts.append(f"![{chart.name}]({chart.name}.png)\n\n*{_cell(chart.caption)}*\n")
    worst = view.worst(doc)
    if worst:
        parts += [
            "## Worst paths (largest bad debt first)\n",
            md_table(
                ["path", "bad debt (quote units)", "trace"],
                [
                    [
                        w.get("path"),
                        view.amount(view.f(w.get("bad_debt")) or 0.0),
                        w.get("trace") or "not written (stress --report writes it)",
                    ]
                    for w in worst
                ],
            ),  # fmt: skip
        ]
    lev = view.leverage_rows(doc)
    if lev:
        head = ["leverage", "accounts", "notional", "share of notional", "move to zero equity"]
        parts += ["## Concentration by start leverage\n", md_table(head, lev)]
    sweep = doc.get("sweep")
    if isinstance(sweep, Mapping) and sweep.get("rows"):
        rows = [
            [
                f"{r['value']}{' (this run)' if r.get('current') else ''}",
                view.pct(r.get("p_insolvency")),
                f"{view.pct(r.get('ci_low'))} to {view.pct(r.get('ci_high'))}",
                view.amount(r.get("var_99") or 0.0),
                view.amount(r.get("es_975") or 0.0),
                view.pct(r.get("p_exhausted")),
                r.get("verdict"),
            ]
            for r in sweep["rows"]
        ]
        head = [str(sweep.get("param")), "P(insolvency)", "95% interval", "VaR 99%", "ES 97.5%",
                "insurance exhausted", "verdict"]  # fmt: skip
        parts += [f"## Sensitivity to {sweep.get('param')}\n", md_table(head, rows)]
    prov = doc.get("provenance") or {}
    if prov:
        facts = [
            ("command", "`" + " ".join(prov.get("command") or []) + "`"),
            ("run at (UTC)", prov.get("utc")),
            ("versions", ", ".join(f"{k} {v}" for k, v in (prov.get("versions") or {}).items())),
            ("spec file SHA-256", prov.get("spec_sha256")),
            ("git commit", (prov.get("git") or {}).get("commit", "not in a git repository")),
        ]
        parts += ["## Provenance\n", md_table(["", ""], [(k, v) for k, v in facts if v])]
    return "\n".join(parts)


def write_markdown(doc: Mapping[str, Any], path: str) -> list[str]:
    """``summary.md`` and the charts' PNG files in ``path``; return the files written."""
    from solvent.report.outputs import write_atomic

    check_stress(doc, "--markdown")
    written = write_png(doc, path, "--markdown")
    summary = str(Path(path) / "summary.md")
    write_atomic(summary, markdown(doc))
    return [summary, *written]
