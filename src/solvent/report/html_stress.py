"""Report sections of a stress run (``solvent-stress/1``): P(insolvency) with its interval,
the bad-debt distribution with VaR/ES, insurance-fund paths, the worst paths, and the other
metric groups as tables."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from solvent.report import charts_stress as charts
from solvent.report.html_parts import badge, esc, exact, figure, kv, para, section, table
from solvent.report.series import num


def _floats(values: Any) -> list[float]:
    out = []
    for v in values or []:
        q = num(v) if not isinstance(v, float) else v
        out.append(float(q) if q is not None else float("nan"))
    return out


def _metric(doc: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        cur: Any = doc
        for part in name.split("."):
            cur = cur.get(part) if isinstance(cur, Mapping) else None
        if cur is not None:
            return cur
    return None


def _f(value: Any) -> float | None:
    if isinstance(value, float):
        return value
    q = num(value)
    return None if q is None else float(q)


def stress_body(doc: Mapping[str, Any]) -> str:
    """P(insolvency) with its interval, bad-debt distribution with VaR/ES, insurance drawdown
    paths and the worst paths (``docs/report.md`` lists the fields read)."""
    message = re.sub(r"^\[[A-Z ]+\]\s*", "", str(doc.get("message") or ""))
    head = (
        f'<p class="verdict">{badge(doc.get("verdict"))} <b>{esc(doc.get("spec"))}</b> stress '
        f"{esc(doc.get('scenario'))}: {esc(message)}</p>"
    )
    metrics = doc.get("metrics") if isinstance(doc.get("metrics"), Mapping) else doc
    scalars = [
        (k, v)
        for k, v in metrics.items()
        if isinstance(v, str | int | float) and not isinstance(v, bool)
    ]
    scalars += [
        (k, v)
        for k, v in doc.items()
        if k in ("paths", "steps", "seed", "scenario") and (k, v) not in scalars
    ]
    parts = [
        section(
            "summary",
            "Verdict",
            head
            + kv((k, exact(v) if not isinstance(v, float) else f"{v:.6g}") for k, v in scalars),
        )
    ]
    body = []
    p = _metric(metrics, "p_insolvency", "insolvency")
    if isinstance(p, Mapping):
        est = _f(p.get("estimate", p.get("p")))
        lo, hi = _f(p.get("ci_low", p.get("lo"))), _f(p.get("ci_high", p.get("hi")))
        if est is not None and lo is not None and hi is not None:
            level = p.get("level", p.get("confidence"))
            body.append(
                figure(
                    "p-insolvency",
                    charts.interval(
                        "P(insolvency)",
                        est,
                        lo,
                        hi,
                        title=f"P(insolvency) with its {exact(level) or ''} confidence interval",
                    ),
                    f"Estimated probability that a path ends insolvent: {est:.6g}, interval "
                    f"[{lo:.6g}, {hi:.6g}] ({p.get('method', 'interval')}); it counts violations "
                    "confirmed by exact re-run"
                    + (
                        f", and {p['unchecked']:,} flagged paths not re-run only in its upper end."
                        if p.get("unchecked")
                        else "."
                    ),
                )
            )
    bad = _metric(metrics, "bad_debt")
    if isinstance(bad, Mapping):
        hist = bad.get("histogram") or {}
        edges, counts = _floats(hist.get("edges")), _floats(hist.get("counts"))
        marks = []
        for label, keys, color in (
            ("VaR 99%", ("var_99", "var99", "VaR_99"), charts.AMBER),
            ("ES 97.5%", ("es_975", "es97.5", "ES_97.5", "es_97_5"), charts.RED),
            ("mean", ("mean",), charts.GREY),
        ):
            value = next((_f(bad[k]) for k in keys if k in bad), None)
            if value is not None:
                marks.append((label, value, color))
        if edges and len(counts) == len(edges) - 1:
            body.append(
                figure(
                    "bad-debt",
                    charts.histogram(
                        edges,
                        counts,
                        title="bad-debt distribution",
                        xlabel="bad debt per path",
                        marks=marks,
                    ),
                    "Bad debt per simulated path, with VaR 99% and ES 97.5% marked.",
                )
            )
        body.append(
            kv(
                (k, exact(v) if not isinstance(v, float) else f"{v:.6g}")
                for k, v in bad.items()
                if not isinstance(v, Mapping | list)
            )
        )
    drawdown = _metric(metrics, "insurance_paths", "insurance.paths", "insurance_drawdown.paths")
    if isinstance(drawdown, list) and drawdown:
        body.append(
            figure(
                "insurance",
                charts.paths(
                    [_floats(x) for x in drawdown[:20]],
                    title="insurance fund along the worst paths",
                    ylabel="insurance fund",
                ),
                "Insurance-fund balance along simulated paths; a line reaching zero is an exhausted fund.",
            )
        )
    worst = _metric(doc, "worst_paths", "metrics.worst_paths")
    if isinstance(worst, list) and worst:
        series, labels = [], []
        for i, w in enumerate(worst[:10]):
            prices = w.get("prices") or w.get("price") if isinstance(w, Mapping) else w
            series.append(_floats(prices))
            labels.append(
                f"path {w.get('path', i)}: bad debt {exact(w.get('bad_debt'))}"
                if isinstance(w, Mapping)
                else f"path {i}"
            )
        if any(series):
            body.append(
                figure(
                    "worst-paths",
                    charts.paths(
                        series, title="worst paths (price)", ylabel="price", labels=labels
                    ),
                    "The price paths with the largest bad debt.",
                )
            )
        rows = [
            [w.get("path", i), exact(w.get("bad_debt")), w.get("seed", ""), w.get("trace", "")]
            for i, w in enumerate(worst)
            if isinstance(w, Mapping)
        ]
        if rows:
            body.append(table(["path", "bad debt", "seed", "trace"], rows))
    if not body:
        body.append(para("This stress result carries no distribution data to plot."))
    body.append(_stress_tables(doc, metrics))
    parts.append(section("stress", "Tail risk", "".join(body)))
    return "".join(parts)


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
                (k, f"{v:.6g}" if isinstance(v, float) else exact(v))
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
