"""The HTML report: one self-contained file that works offline.

``render(doc)`` turns any result document `solvent` writes (``solvent-result/1``, the
frontier, synth-grid, stress and spec documents) into one HTML page. Charts are inline
SVG (Matplotlib, text as paths), styles are inline, nothing is fetched when the page is
viewed, and the output is deterministic (a function of the document only: the run's UTC
time shown is the document's), so a report can be attached to a ticket or committed.
The page carries no script at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from solvent import __version__
from solvent.report import documents
from solvent.report.html_conform import conform_body
from solvent.report.html_parts import esc
from solvent.report.html_provenance import provenance_section
from solvent.report.html_result import combined_body, result_body
from solvent.report.html_risk import frontier_body, grid_body, spec_body
from solvent.report.html_stress import stress_body

_CSS = """
:root{--pass:#2e7d32;--fail:#c62828;--warn:#ef6c00;--ink:#212121;--muted:#616161;--line:#e0e0e0}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--ink);
margin:0 auto;max-width:1100px;padding:1.2rem 1.5rem 3rem}
header{border-bottom:2px solid var(--line);margin-bottom:1rem}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.2rem;margin:1.6rem 0 .5rem;border-bottom:1px solid var(--line)}
h2.article{font-size:1.3rem;border-bottom:2px solid var(--ink)}h3{font-size:1rem;margin:1rem 0 .3rem}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:.3rem;color:#fff;font-weight:700;font-size:.85rem}
.badge.pass{background:var(--pass)}.badge.fail{background:var(--fail)}.badge.warn{background:var(--warn)}
.verdict{font-size:1rem}.because{background:#f1f8e9;border-left:4px solid var(--pass);padding:.5rem .8rem}
.fail-note{color:var(--fail);font-weight:600}
table{border-collapse:collapse;margin:.4rem 0 1rem;font-size:.85rem}
th,td{border-bottom:1px solid var(--line);padding:.2rem .6rem;text-align:left;vertical-align:top}
thead th{background:#fafafa;border-bottom:2px solid var(--line)}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.kv th{color:var(--muted);font-weight:600;white-space:nowrap}
.cols{display:flex;gap:2rem;flex-wrap:wrap}.cols>div{min-width:16rem}
figure.chart{margin:.6rem 0 1.2rem}figure.chart svg{width:100%;height:auto;max-width:900px;display:block}
figcaption{color:var(--muted);font-size:.85rem}
.scroll{overflow-x:auto}
footer{margin-top:2rem;color:var(--muted);font-size:.8rem;border-top:1px solid var(--line);padding-top:.5rem}
code{font-size:.85em}
@page{size:A4;margin:14mm 12mm}
@media print{
body{max-width:none;padding:0;font-size:10pt}
h2{break-after:avoid}h3{break-after:avoid}
figure.chart,table.kv,tr,.verdict{break-inside:avoid}
figure.chart svg{max-width:100%}
thead{display:table-header-group}
.scroll{overflow:visible}
table{font-size:8.5pt;max-width:100%}
td,th{overflow-wrap:anywhere}
a{color:inherit;text-decoration:none}
.badge{-webkit-print-color-adjust:exact;print-color-adjust:exact}
footer{break-before:avoid}
}
"""


def _title(doc: Mapping[str, Any], kind: str) -> str:
    if kind == documents.SPEC:
        return f"spec {doc.get('spec')}"
    if kind in (documents.FRONTIER, documents.GRID):
        what = doc.get("param") or " x ".join(doc.get("params") or [])
        return f"{doc.get('spec')}: {doc.get('check')} {what}"
    check = doc.get("check") or doc.get("verb") or "stress"
    return f"{doc.get('spec') or doc.get('target') or 'solvent'}: {check}"


def _body(doc: Mapping[str, Any], kind: str) -> str:
    if kind == documents.RESULT:
        return combined_body(doc) if doc.get("check") == "check" else result_body(doc)
    if kind == documents.FRONTIER:
        return frontier_body(doc)
    if kind == documents.GRID:
        return grid_body(doc)
    if kind == documents.STRESS:
        return stress_body(doc)
    if kind == documents.CONFORM:
        return conform_body(doc)
    return spec_body(doc)


def render(doc: Mapping[str, Any]) -> str:
    """The report of one result document as a complete HTML page."""
    kind = documents.kind(doc)
    title = _title(doc, kind)
    verdict = doc.get("verdict") or ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>solvent report: {esc(title)} {esc(verdict)}</title>"
        f"<style>{_CSS}</style></head>\n"
        f'<body data-schema="{esc(doc.get("schema"))}">'
        f"<header><h1>{esc(title)}</h1></header>\n"
        f"<main>{_body(doc, kind)}{provenance_section(doc)}</main>\n"
        f"<footer>solvent {esc(__version__)} · from a {esc(doc.get('schema'))} document · "
        "self-contained: no network access, no external files. Exact numbers are shown "
        "exactly (1/3 as 1/3); charts plot them rounded.</footer>"
        "</body></html>\n"
    )


def render_many(docs: Sequence[Mapping[str, Any]], title: str) -> str:
    """Several result documents (of any kind) as one page: a summary table, then each."""
    from solvent.report.html_parts import badge, table

    rows = [
        [
            badge(d.get("verdict")),
            esc(d.get("spec") or d.get("target")),
            esc(d.get("check")),
            esc(d.get("message")),
            f'<a href="#r{i}">details</a>',
        ]
        for i, d in enumerate(docs)
    ]
    articles = "".join(
        f'<article id="r{i}"><h2 class="article">{esc(_title(d, documents.kind(d)))}</h2>'
        f"{_body(d, documents.kind(d))}</article>"
        for i, d in enumerate(docs)
    )
    summary = table(["verdict", "spec", "check", "message", ""], rows, raw=True)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>solvent report: {esc(title)}</title>"
        f"<style>{_CSS}</style></head>\n"
        f'<body data-schema="solvent-results">'
        f"<header><h1>{esc(title)}</h1></header>\n"
        f"<main><h2>{len(docs)} results</h2>{summary}{articles}</main>\n"
        f"<footer>solvent {esc(__version__)} · self-contained: no network access, no external "
        "files.</footer>"
        "</body></html>\n"
    )
