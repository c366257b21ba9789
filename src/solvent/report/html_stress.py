"""Report sections of a stress run (``solvent-stress/1``): an executive summary (headline
numbers, parameters current vs proposed), the charts of :mod:`solvent.report.stress_view`,
the worst paths with their traces, the ``--sweep`` sensitivity table, and the other metric
groups as tables."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from solvent.report import stress_view as view
from solvent.report.html_parts import badge, esc, exact, figure, kv, para, section, table


def stress_body(doc: Mapping[str, Any]) -> str:
    """The executive summary, the charts (:func:`solvent.report.stress_view.charts`), the
    worst paths with their traces, the sweep and the metric tables (``docs/report.md``)."""
    from solvent.report.charts import to_svg

    message = re.sub(r"^\[[A-Z ]+\]\s*", "", str(doc.get("message") or ""))
    head = (
        f'<p class="verdict">{badge(doc.get("verdict"))} <b>{esc(doc.get("spec"))}</b> stress '
        f"{esc(doc.get('scenario'))}: {esc(message)}</p>"
    )
    phead, prows = view.parameter_rows(doc)
    summary = head + kv(view.headline(doc))
    if prows:
        summary += "<h3>Parameters</h3>" + table(phead, prows)
    parts = [section("summary", "Executive summary", summary)]
    body = [figure(c.name, to_svg(c.make()), c.caption) for c in view.charts(doc)]
    body.append(_worst_table(doc))
    if not any(body):
        body.append(para("This stress result carries no distribution data to plot."))
    lev = view.leverage_rows(doc)
    if lev:
        body.append(
            "<h3>Concentration by start leverage</h3>"
            + table(
                [
                    "leverage",
                    "accounts",
                    "notional (quote units)",
                    "share of notional",
                    "adverse move to zero equity",
                ],
                lev,
                numeric=lambda i: i > 0,
            )  # fmt: skip
        )
    parts.append(section("stress", "Tail risk", "".join(body)))
    sweep = sweep_section(doc)
    if sweep:
        parts.append(sweep)
    parts.append(
        section(
            "metrics", "All metrics", _scalars(doc) + _stress_tables(doc, doc.get("metrics") or {})
        )
    )
    return "".join(parts)


def _scalars(doc: Mapping[str, Any]) -> str:
    found = doc.get("metrics")
    metrics: Mapping[str, Any] = found if isinstance(found, Mapping) else doc
    rows = [
        (k, view.amount(v) if isinstance(v, float | int) else exact(v))
        for k, v in metrics.items()
        if isinstance(v, str | int | float) and not isinstance(v, bool)
    ]
    bad = metrics.get("bad_debt")
    if isinstance(bad, Mapping):
        rows += [
            (f"bad_debt.{k}", view.amount(v) if isinstance(v, float | int) else exact(v))
            for k, v in bad.items()
            if not isinstance(v, Mapping | list)
        ]
    return kv(rows)


def _worst_table(doc: Mapping[str, Any]) -> str:
    """The worst paths (largest bad debt first), each linked to its trace file when written."""
    rows = []
    for w in view.worst(doc):
        link = _trace_link(w.get("trace"))
        rows.append(
            [
                esc(w.get("path", "")),
                esc(view.amount(view.f(w.get("bad_debt")) or 0.0)),
                esc("yes" if w.get("beyond_envelope") else "no"),
                esc(w.get("seed", "")),
                link,
            ]
        )
    if not rows:
        return ""
    return "<h3>Worst paths (largest bad debt first)</h3>" + table(
        ["path", "bad debt (quote units)", "beyond envelope", "seed", "trace"],
        rows,
        raw=True,
        numeric=lambda i: i == 1,
    )


TRACE_EMBED_LIMIT = 512 * 1024  # bytes: larger trace files are named, not embedded


def _trace_link(path: Any) -> str:
    """The worst path's trace: its file name, and a download link with the trace inline
    (a ``data:`` URI, so the page stays self-contained) while the file is there and small."""
    if not path:
        return "not written (stress --report writes it)"
    import base64
    from pathlib import Path

    file = Path(str(path))
    try:
        data = file.read_bytes() if file.stat().st_size <= TRACE_EMBED_LIMIT else None
    except OSError:
        data = None
    if data is None:
        return f"<code>{esc(path)}</code>"
    uri = "data:application/json;base64," + base64.b64encode(data).decode("ascii")
    return f'<a download="{esc(file.name)}" href="{uri}">{esc(path)}</a>'


def sweep_section(doc: Mapping[str, Any]) -> str:
    """``--sweep``: P(insolvency), VaR and ES against the swept parameter, on one table."""
    sweep = doc.get("sweep")
    if not isinstance(sweep, Mapping) or not sweep.get("rows"):
        return ""
    from solvent.report.charts import to_svg

    rows = [
        [
            esc(r["value"]) + (" (this run)" if r.get("current") else ""),
            esc(view.pct(r.get("p_insolvency"))),
            esc(f"{view.pct(r.get('ci_low'))} to {view.pct(r.get('ci_high'))}"),
            esc(view.amount(r.get("var_99") or 0.0)),
            esc(view.amount(r.get("es_975") or 0.0)),
            esc(view.pct(r.get("p_exhausted"))),
            badge(r.get("verdict")),
        ]
        for r in sweep["rows"]
    ]
    head = [
        str(sweep.get("param")), "P(insolvency)", "95% interval", "VaR 99% (bad debt)",
        "ES 97.5% (bad debt)", "insurance exhausted", "verdict",
    ]  # fmt: skip
    chart = view.sweep_chart(doc)
    body = para(
        f"Sensitivity: the same run ({sweep.get('paths', 0):,} paths, seed {sweep.get('seed')}) "
        f"with {sweep.get('param')} set to each value; every other option unchanged."
    ) + table(head, rows, raw=True, numeric=lambda i: 0 < i < 6)
    if chart is not None:
        body += figure(chart.name, to_svg(chart.make()), chart.caption)
    return section("sweep", f"Sensitivity to {sweep.get('param')}", body)


_STRESS_TABLES = {
    "confirmation": "flagged paths re-run exactly",
    "insurance": "insurance fund",
    "liquidations": "liquidations",
    "adl": "auto-deleveraging (ADL) events",
    "cover2": "Cover-2 (the two largest accounts default)",
}


def _stress_tables(doc: Mapping[str, Any], metrics: Mapping[str, Any]) -> str:
    """The remaining metric groups as small tables; the first confirmed failing path."""
    out = []
    for key, title in _STRESS_TABLES.items():
        group = doc.get(key) if key == "confirmation" else metrics.get(key)
        if key in metrics and group is None:
            out.append(f"<h3>{esc(title)}</h3>" + para("not in this spec"))
        elif isinstance(group, Mapping):
            rows = [
                (
                    k,
                    view.amount(v)
                    if isinstance(v, int | float) and not isinstance(v, bool)
                    else exact(v),
                )
                for k, v in group.items()
                if not isinstance(v, Mapping | list)
            ]
            out.append(f"<h3>{esc(title)}</h3>" + kv(rows))
    if doc.get("counterexample"):
        out.append(
            para(
                f"The first confirmed failing path ({doc.get('invariant')}) is in this result as "
                "a trace: `solvent replay SPEC RESULT.json` replays it step by step, "
                "`solvent replay ... --report` draws its price path and loss waterfall."
            )
        )
    for note in doc.get("notes") or []:
        out.append(para(f"note: {note}"))
    return "".join(out)
