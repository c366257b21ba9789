"""What the stress report shows, independent of the output format (HTML, PNG, Markdown).

:func:`charts` lists the charts of a ``solvent-stress/1`` document (each a name, a
caption and a function drawing the Matplotlib figure); :func:`headline`,
:func:`parameter_rows` and :func:`leverage_rows` give the executive summary's numbers.
Historical replays get dated time axes and real price levels (the spec's price rebased
to the data's first open, said in the caption).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from solvent.report import charts_stress as cs
from solvent.report.html_parts import exact
from solvent.report.series import num

amount = cs.amount
BARS = 60  # at most this many bars over time


def _duration(seconds: float) -> str:
    if seconds >= 86400 and seconds % 86400 == 0:
        return f"{seconds / 86400:g} d"
    if seconds >= 3600:
        return f"{seconds / 3600:g} h"
    return f"{seconds / 60:g} min"


@dataclass(frozen=True)
class Chart:
    name: str  # also the PNG file's stem
    caption: str
    make: Callable[[], Any]  # draws the Matplotlib figure


def f(value: Any) -> float | None:
    if isinstance(value, float | int) and not isinstance(value, bool):
        return float(value)
    q = num(value)
    return None if q is None else float(q)


def pct(p: float | None) -> str:
    """A probability as a percentage with enough digits to be honest."""
    if p is None:
        return "n/a"
    if p == 0:
        return "0%"
    return f"{100 * p:.3g}%"


def _metrics(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    m = doc.get("metrics")
    return m if isinstance(m, Mapping) else doc


def scenario_params(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    detail = doc.get("scenario_detail") or (doc.get("provenance") or {}).get("scenario") or {}
    params = detail.get("params") if isinstance(detail, Mapping) else None
    return params if isinstance(params, Mapping) else {}


def timeline(doc: Mapping[str, Any], steps: Sequence[int]) -> list[datetime] | None:
    """The UTC time of each step of a historical replay (None for a model scenario)."""
    p = scenario_params(doc)
    start, bar, per = p.get("start"), f(p.get("bar_seconds")), f(p.get("steps_per_bar"))
    if not isinstance(start, str) or not bar or not per or p.get("segment", "full") != "full":
        return None
    try:
        t0 = datetime.fromisoformat(start.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None
    dt = bar / per
    return [(t0 + timedelta(seconds=dt * s)).replace(tzinfo=None) for s in steps]


def rebase(doc: Mapping[str, Any], p0: float | None) -> tuple[float, str] | None:
    """``(factor, note)`` turning the spec's price into the data's real level, or None."""
    p = scenario_params(doc)
    starts = p.get("start_prices")
    if not starts or not p0 or "depth" in p or timeline(doc, [0]) is None:
        return None
    detail = doc.get("scenario_detail") or {}
    assets = detail.get("assets") or ["asset"]
    real = f(starts[0])
    if not real:
        return None
    note = (
        f"prices rebased: the spec starts at {amount(p0)}, the data ({assets[0]}) at "
        f"{amount(real)}; shown at the data's level (spec price x {real / p0:.6g})"
    )
    return real / p0, note


def _part(m: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    """The metric group ``key`` of the result, None when absent."""
    part = m.get(key)
    return part if isinstance(part, Mapping) else None


def _amt(part: Mapping[str, Any], key: str) -> str:
    """An amount of a metric group, with thousands separators (0 when absent)."""
    return amount(f(part.get(key)) or 0)


def headline(doc: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The executive summary's numbers, in words a risk committee can quote."""
    m = _metrics(doc)
    rows: list[tuple[str, str]] = []
    p = m.get("p_insolvency") if isinstance(m.get("p_insolvency"), Mapping) else None
    if p:
        est, lo, hi = f(p.get("estimate")), f(p.get("ci_low")), f(p.get("ci_high"))
        up = f(p.get("upper_estimate"))
        text = f"{pct(est)} of paths (95% interval {pct(lo)} to {pct(hi)}, {p.get('method')})"
        if p.get("unchecked"):
            text = (
                f"between {pct(est)} (confirmed) and {pct(up)} (if all {p['unchecked']:,} "
                f"paths not re-run break); 95% interval {pct(lo)} to {pct(hi)}"
            )
        rows.append(("P(insolvency)", text))
    bad, ins, liq = (_part(m, k) for k in ("bad_debt", "insurance", "liquidations"))
    if bad:
        text = (
            f"VaR 99% {_amt(bad, 'var_99')} · ES 97.5% {_amt(bad, 'es_975')} · mean "
            f"{_amt(bad, 'mean')} · worst {_amt(bad, 'max')} · "
            f"{int(bad.get('paths_with_bad_debt') or 0):,} paths with bad debt"
        )
        rows.append(("bad debt (quote units)", text))
    if ins:
        text = (
            f"exhausted on {pct(f(ins.get('p_exhausted')))} of paths; mean drawdown "
            f"{_amt(ins, 'mean_drawdown')} of {_amt(ins, 'mean_start')}, worst "
            f"{_amt(ins, 'max_drawdown')}"
        )
        rows.append(("insurance fund", text))
    if liq:
        text = (
            f"{_amt(liq, 'total')} in all, {_amt(liq, 'mean')} per path, on "
            f"{int(liq.get('paths') or 0):,} paths"
        )
        rows.append(("liquidations", text))
    paths, steps, acc = doc.get("paths"), doc.get("steps"), doc.get("accounts")
    if isinstance(paths, int):
        rows.append(
            (
                "run",
                f"{paths:,} paths x {steps or '?'} steps x {acc or '?'} accounts, seed "
                f"{doc.get('seed')}, scenario {doc.get('scenario')}",
            )
        )
    source = (doc.get("scenario_detail") or {}).get("source")
    if source:
        rows.append(("data source", str(source)))
    return rows


def parameter_rows(doc: Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Parameters: current (the spec's) and proposed (``--set``) side by side."""
    prov = doc.get("provenance") or {}
    params, defaults, changed = (
        prov.get("params") or {},
        prov.get("defaults") or {},
        prov.get("set") or {},
    )
    if not changed:
        return ["parameter", "value"], [[k, exact(v)] for k, v in params.items()]
    rows = []
    for name, value in params.items():
        cur = defaults.get(name, value)
        rows.append([name, exact(cur), exact(value), "changed" if name in changed else ""])
    return ["parameter", "current", "proposed (--set)", ""], rows


def exceedance_points(doc: Mapping[str, Any]) -> tuple[list[float], list[float]] | None:
    """P(bad debt >= x) at the histogram's edges (all paths counted, zero losses too)."""
    bad = _metrics(doc).get("bad_debt")
    if not isinstance(bad, Mapping):
        return None
    hist = bad.get("histogram") or {}
    edges = [f(e) for e in hist.get("edges") or []]
    counts = [f(c) or 0.0 for c in hist.get("counts") or []]
    if len(edges) < 2 or len(counts) != len(edges) - 1 or None in edges:
        return None
    n = sum(counts)
    losing = bad.get("paths_with_bad_debt")
    if not n or not losing:
        return None
    xs = [0.0]
    ps = [min(1.0, int(losing) / n)]
    for i in range(1, len(counts)):
        tail = sum(counts[i:])
        if tail > 0:
            xs.append(float(edges[i]))  # type: ignore[arg-type]
            ps.append(min(1.0, tail / n))
    xs.append(float(f(bad.get("max")) or edges[-1]))  # type: ignore[arg-type]
    ps.append(ps[-1])
    return xs, ps


def leverage_rows(doc: Mapping[str, Any]) -> list[list[str]]:
    lev = (doc.get("bands") or {}).get("leverage") or {}
    rows = []
    for b in lev.get("buckets") or []:
        hi = b.get("hi")
        name = f"{b['lo']:g}x-{hi:g}x" if hi is not None else f"{b['lo']:g}x and more"
        rows.append(
            [
                name,
                f"{b['accounts']:,}",
                amount(b["notional"]),
                pct(b["notional_share"]),
                _move(b["lo"], hi),
            ]
        )
    return rows


def _move(lo: float, hi: float | None) -> str:
    """The adverse price move that wipes out the equity of an account of leverage in
    ``[lo, hi)``: 1 / leverage (a linear position, no fees)."""
    if lo <= 0:
        return f"more than {pct(1 / hi)}" if hi else "any"
    if hi is None:
        return f"{pct(1 / lo)} or less"
    return f"{pct(1 / hi)} to {pct(1 / lo)}"


def _marks(bad: Mapping[str, Any]) -> list[tuple[str, float, str]]:
    out = []
    for label, key, color in (
        ("VaR 99%", "var_99", cs.AMBER),
        ("ES 97.5%", "es_975", cs.RED),
        ("mean", "mean", cs.GREY),
    ):
        value = f(bad.get(key))
        if value is not None:
            out.append((label, value, color))
    return out


def charts(doc: Mapping[str, Any]) -> list[Chart]:
    """Every chart the document has data for, in page order."""
    m = _metrics(doc)
    out: list[Chart] = []
    p = m.get("p_insolvency")
    if isinstance(p, Mapping):
        est, lo, hi = f(p.get("estimate")), f(p.get("ci_low")), f(p.get("ci_high"))
        if est is not None and lo is not None and hi is not None:
            caption = (
                f"Probability that a path breaks an invariant: {est:.6g}, interval [{lo:.6g}, "
                f"{hi:.6g}] ({p.get('method', 'interval')}); it counts violations certain by the "
                "error bounds or confirmed by exact re-run"
                + (
                    f", and the {p['unchecked']:,} flagged paths not re-run only in its upper end."
                    if p.get("unchecked")
                    else "."
                )
            )
            lv = f(p.get("level"))
            level = f"{100 * lv:g}%" if lv is not None else ""
            out.append(Chart("p-insolvency", caption, lambda: cs.interval(
                "P(insolvency)", est, lo, hi,
                title=f"P(insolvency) with its {level} confidence interval")))  # fmt: skip
    bad = m.get("bad_debt")
    if isinstance(bad, Mapping):
        marks = _marks(bad)
        hist = bad.get("histogram") or {}
        edges = [f(e) or 0.0 for e in hist.get("edges") or []]
        counts = [f(c) or 0.0 for c in hist.get("counts") or []]
        if edges and len(counts) == len(edges) - 1:
            out.append(Chart(
                "bad-debt",
                "Bad debt per simulated path, with VaR 99% and ES 97.5% marked.",
                lambda: cs.histogram(edges, counts, title="bad-debt distribution",
                                     xlabel="bad debt per path (quote units)", marks=marks),
            ))  # fmt: skip
        points = exceedance_points(doc)
        if points is not None:
            xs, ps = points
            out.append(Chart(
                "loss-exceedance",
                "Loss exceedance: the share of paths whose bad debt reaches at least x "
                "(quote units), from the histogram of all paths; log scale, capped at 1.",
                lambda: cs.exceedance(xs, ps, title="loss exceedance curve",
                                      xlabel="bad debt per path (quote units)", marks=marks),
            ))  # fmt: skip
    out += _band_charts(doc)
    out += _worst_charts(doc)
    return out


def all_charts(doc: Mapping[str, Any]) -> list[Chart]:
    """The page's charts and the sweep's (``--png``, ``--markdown``)."""
    extra = sweep_chart(doc)
    return charts(doc) + ([extra] if extra is not None else [])


def _band_charts(doc: Mapping[str, Any]) -> list[Chart]:
    b = doc.get("bands")
    if not isinstance(b, Mapping) or not b.get("step"):
        return []
    out: list[Chart] = []
    steps = list(b["step"])
    dates = timeline(doc, steps)
    x: Any = dates or steps
    pcts = b.get("percentiles") or [5, 25, 50, 75, 95]
    sample = f"the run's first {b.get('paths', 0):,} of {b.get('of', 0):,} paths"
    price = b.get("price")
    if price:
        base = rebase(doc, f(price[2][0]))
        factor, note = base if base else (1.0, "")
        q = [[v * factor if v is not None else math.nan for v in row] for row in price]
        unit = "price (data's level)" if base else "price (spec units)"
        out.append(Chart(
            "price-fan",
            f"Price percentile bands over {sample}."
            + (f" A historical replay: every path is the same history; {note}." if base else ""),
            lambda: cs.fan(x, q, pcts, title="price: percentile bands", ylabel=unit),
        ))  # fmt: skip
    ins = b.get("insurance")
    if ins:
        q2 = [[v if v is not None else math.nan for v in row] for row in ins]
        out.append(Chart(
            "insurance-fan",
            f"Insurance fund percentile bands over {sample} (quote units); the 5th percentile "
            "at zero means at least 5% of paths exhausted the fund.",
            lambda: cs.fan(x, q2, pcts, title="insurance fund: percentile bands",
                           ylabel="insurance fund (quote units)"),
        ))  # fmt: skip
    liq = b.get("liquidations")
    if isinstance(liq, Mapping) and liq.get("start"):
        group = max(1, math.ceil(len(liq["start"]) / BARS))  # at most BARS bars
        every = int(liq.get("every") or 1) * group
        starts = list(liq["start"])[::group]
        raw = [v or 0.0 for v in liq.get("mean") or []]
        mean = [sum(raw[i : i + group]) for i in range(0, len(raw), group)]
        lx: Any = timeline(doc, starts) or starts
        per = "step" if every == 1 else f"{every} steps"
        if dates and len(dates) > 1:
            minutes = (timeline(doc, [every]) or [])[0] - (timeline(doc, [0]) or [])[0]
            per += f" ({_duration(minutes.total_seconds())})"
        out.append(Chart(
            "liquidations",
            f"Liquidations per {per}: the mean number per path over {sample}.",
            lambda: cs.bars(lx, [("liquidations per path (mean)", mean, cs.BLUE)],
                            title=f"liquidations per {per}", ylabel="liquidations (count)",
                            xlabel="step", dated=True),
        ))  # fmt: skip
    lev = b.get("leverage")
    if isinstance(lev, Mapping) and lev.get("buckets"):
        rows = leverage_rows(doc)
        names = [r[0] for r in rows]
        total = max(1, int(lev.get("accounts") or 1))
        acc = [bk["accounts"] / total for bk in lev["buckets"]]
        notional = [bk["notional_share"] for bk in lev["buckets"]]
        out.append(Chart(
            "leverage",
            f"Concentration by start leverage (notional / equity) of the {total:,} sampled "
            "accounts: their share of accounts and of notional.",
            lambda: cs.bars(names, [("share of accounts", acc, cs.BLUE),
                                    ("share of notional", notional, cs.AMBER)],
                            title="concentration by leverage bucket", ylabel="share",
                            xlabel="start leverage", share=True),
        ))  # fmt: skip
    return out


def worst(doc: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The worst paths, largest bad debt first."""
    items = [w for w in doc.get("worst_paths") or [] if isinstance(w, Mapping)]
    return sorted(items, key=lambda w: -(f(w.get("bad_debt")) or 0.0))


def _worst_charts(doc: Mapping[str, Any]) -> list[Chart]:
    out: list[Chart] = []
    drawdown = _metrics(doc).get("insurance_paths")
    if isinstance(drawdown, list) and drawdown:
        fund = [[f(v) or 0.0 for v in row] for row in drawdown[:10]]
        order = worst(doc)
        names = [
            f"path {order[i].get('path')}" if i < len(order) else f"worst path {i + 1}"
            for i in range(len(fund))
        ]
        fdates = timeline(doc, list(range(max(len(r) for r in fund))))
        out.append(Chart(
            "insurance",
            "Insurance-fund balance along the worst paths (quote units); a line reaching zero "
            "is an exhausted fund.",
            lambda: cs.paths(fund, title="insurance fund along the worst paths",
                             ylabel="insurance fund (quote units)", labels=names, x=fdates),
        ))  # fmt: skip
    return out + _worst_prices(doc)


def _worst_prices(doc: Mapping[str, Any]) -> list[Chart]:
    items = worst(doc)[:10]
    series = [[f(v) or math.nan for v in w.get("prices") or w.get("price") or []] for w in items]
    if not any(series):
        return []
    labels = [f"path {w.get('path')}: bad debt {amount(f(w.get('bad_debt')) or 0)}" for w in items]
    n = max(len(s) for s in series)
    dates = timeline(doc, list(range(n)))
    base = rebase(doc, series[0][0] if series[0] else None)
    if base:
        series = [[v * base[0] for v in s] for s in series]
    caption = "The price paths with the largest bad debt (worst first)." + (
        f" {base[1]}." if base else ""
    )
    return [
        Chart(
            "worst-paths",
            caption,
            lambda: cs.paths(
                series,
                title="worst paths (price)",
                labels=labels,
                x=dates,
                ylabel="price (data's level)" if base else "price (spec units)",
            ),
        )  # fmt: skip
    ]


def sweep_chart(doc: Mapping[str, Any]) -> Chart | None:
    """P(insolvency) against the swept parameter (``--sweep``)."""
    sweep = doc.get("sweep")
    if not isinstance(sweep, Mapping) or not sweep.get("rows"):
        return None
    rows = sweep["rows"]
    values = [str(r["value"]) for r in rows]
    est = [f(r.get("p_insolvency")) or 0.0 for r in rows]
    lo = [f(r.get("ci_low")) or 0.0 for r in rows]
    hi = [f(r.get("ci_high")) or 0.0 for r in rows]
    param = str(sweep.get("param"))
    return Chart(
        "sweep",
        f"P(insolvency) with its 95% interval at each value of {param}.",
        lambda: cs.sweep(values, est, lo, hi, param=param),
    )
