"""Charts of a stress run (Matplotlib figures; :func:`solvent.report.charts.to_svg` inlines
them in the HTML page, :func:`to_png` writes them for ``--png``).

Every chart has a legend, thousands separators on its amount axes, a probability axis
capped at 1, and, for a historical replay, dates on its time axis.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from solvent.report.charts import _RC, AMBER, BLUE, GREY, PALETTE, RED, _figure, _rc

__all__ = [
    "AMBER",
    "GREY",
    "RED",
    "bars",
    "exceedance",
    "fan",
    "histogram",
    "interval",
    "paths",
    "to_png",
]

Times = Sequence[int] | Sequence[datetime]
Floats = Sequence[float]
Marks = Sequence[tuple[str, float, str]]  # (label, x, colour) of a vertical mark


def amount(value: float) -> str:
    """A number with thousands separators and at most 4 significant decimals."""
    if value != value:  # NaN
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:,.4g}"


def _amounts(axis: Any) -> None:
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda v, _pos: amount(v)))


def _time_axis(ax: Any, x: Times, xlabel: str) -> None:
    if x and isinstance(x[0], datetime):
        import matplotlib.dates as mdates

        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.set_xlabel("date (UTC)")
    else:
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        _amounts(ax.xaxis)
        ax.set_xlabel(xlabel)


def _marks(ax: Any, marks: Marks, lw: float) -> None:
    """Dashed vertical lines at each mark, labelled with its value."""
    for label, x, color in marks:
        ax.axvline(x, color=color, lw=lw, ls="--", label=f"{label} = {amount(x)}")


def to_png(fig: Any, path: Path) -> None:
    """Write ``fig`` as a PNG (150 dpi) under the house style."""
    import matplotlib

    with matplotlib.rc_context(_RC):
        fig.savefig(path, format="png", dpi=150, metadata={"Software": "solvent"})


@_rc
def histogram(edges: Floats, counts: Floats, *, title: str, xlabel: str, marks: Marks = ()) -> Any:
    """A histogram from bin edges and counts, with labelled vertical marks (VaR, ES...)."""
    fig, axes = _figure(1, 2.6)
    ax = axes[0]
    widths = [b - a for a, b in zip(edges, edges[1:], strict=False)]
    ax.bar(
        list(edges[:-1]), list(counts), width=widths, align="edge", color=BLUE, alpha=0.8,
        label="paths per bin",
    )  # fmt: skip
    _marks(ax, marks, 1.5)
    ax.legend(loc="upper right", fontsize=8, frameon=False)
    positive = sorted(c for c in counts if c > 0)
    if len(positive) > 1 and positive[-1] > 20 * positive[-2]:
        ax.set_yscale("log")  # one bar (usually "no loss") dwarfs the tail
    else:
        _amounts(ax.yaxis)
    _amounts(ax.xaxis)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("paths")
    ax.set_title(title, loc="left", fontsize=10)
    return fig


@_rc
def interval(label: str, estimate: float, lo: float, hi: float, *, title: str) -> Any:
    """One probability with its confidence interval (e.g. P(insolvency)); axis within [0, 1]."""
    fig, axes = _figure(1, 1.5)
    ax = axes[0]
    ax.errorbar(
        [estimate], [0], xerr=[[max(0.0, estimate - lo)], [max(0.0, hi - estimate)]],
        fmt="o", color=RED, capsize=6, ms=7, label=f"{label} {estimate:.4g}",
    )  # fmt: skip
    ax.plot([], [], color=RED, lw=1.5, label=f"interval [{lo:.4g}, {hi:.4g}]")
    ax.set_yticks([0], [label])
    span = max(hi, estimate) - min(lo, estimate)
    left = max(0.0, min(lo, estimate) - span - 1e-9)
    ax.set_xlim(left, min(1.0, max(hi, estimate) + span + 1e-9))
    ax.set_xlabel("probability (of a path)")
    ax.legend(loc="upper right", fontsize=8, frameon=False)
    ax.set_title(title, loc="left", fontsize=10)
    return fig


@_rc
def exceedance(xs: Floats, ps: Floats, *, title: str, xlabel: str, marks: Marks = ()) -> Any:
    """A loss exceedance curve: P(loss >= x) against x, log probability axis capped at 1."""
    fig, axes = _figure(1, 2.8)
    ax = axes[0]
    ax.step(list(xs), list(ps), where="post", color=RED, lw=1.6, label="P(bad debt ≥ x)")
    _marks(ax, marks, 1.2)
    ax.set_yscale("log")
    low = min((p for p in ps if p > 0), default=1e-3)
    ax.set_ylim(low / 2, 1.0)
    _amounts(ax.xaxis)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("probability (log scale)")
    ax.legend(loc="upper right", fontsize=8, frameon=False)
    ax.set_title(title, loc="left", fontsize=10)
    return fig


@_rc
def fan(
    x: Times,
    q: Sequence[Sequence[float]],
    percentiles: Sequence[int],
    *,
    title: str,
    ylabel: str,
    xlabel: str = "step",
    extra: Sequence[tuple[str, Sequence[float], str]] = (),
) -> Any:
    """Percentile bands over time: outer band (5-95), inner band (25-75), the median."""
    fig, axes = _figure(1, 2.8)
    ax = axes[0]
    lo, q1, mid, q3, hi = q
    p = list(percentiles)
    ax.fill_between(x, lo, hi, color=BLUE, alpha=0.15, lw=0, label=f"{p[0]}th-{p[4]}th pct")
    ax.fill_between(x, q1, q3, color=BLUE, alpha=0.3, lw=0, label=f"{p[1]}th-{p[3]}th pct")
    ax.plot(x, mid, color=BLUE, lw=1.4, label="median")
    for label, ys, color in extra:
        ax.plot(x[: len(ys)], ys, color=color, lw=1.0, ls="--", label=label)
    _time_axis(ax, x, xlabel)
    _amounts(ax.yaxis)
    ax.set_ylabel(ylabel)
    ax.legend(loc="best", fontsize=7, frameon=False)
    ax.set_title(title, loc="left", fontsize=10)
    return fig


@_rc
def bars(
    x: Sequence[Any],
    series: Sequence[tuple[str, Sequence[float], str]],
    *,
    title: str,
    ylabel: str,
    xlabel: str,
    dated: bool = False,
    share: bool = False,
) -> Any:
    """Bars (one series) or grouped bars; ``share``: a share axis in [0, 1]."""
    fig, axes = _figure(1, 2.6)
    ax = axes[0]
    k = len(series)
    if dated:
        for label, ys, color in series:
            ax.bar(x, ys, width=_width(x), color=color, alpha=0.8, label=label, align="edge")
        _time_axis(ax, x, xlabel)
    else:
        positions = range(len(x))
        w = 0.8 / max(k, 1)
        for i, (label, ys, color) in enumerate(series):
            ax.bar([j + i * w - 0.4 + w / 2 for j in positions], ys, width=w, color=color,
                   label=label)  # fmt: skip
        ax.set_xticks(list(positions), [str(v) for v in x])
        ax.set_xlabel(xlabel)
    if share:
        ax.set_ylim(0, 1.0)
    else:
        _amounts(ax.yaxis)
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper right", fontsize=8, frameon=False)
    ax.set_title(title, loc="left", fontsize=10)
    return fig


def _width(x: Sequence[Any]) -> Any:
    return (x[1] - x[0]) * 0.9 if len(x) > 1 else 1


@_rc
def paths(
    series: Sequence[Sequence[float]],
    *,
    title: str,
    ylabel: str,
    labels: Sequence[str],
    x: Times | None = None,
) -> Any:
    """Several paths over time (the worst paths' prices or insurance fund)."""
    fig, axes = _figure(1, 2.8)
    ax = axes[0]
    for i, ys in enumerate(series):
        xs = list(x)[: len(ys)] if x is not None else list(range(len(ys)))
        ax.plot(xs, list(ys), lw=1.2, color=PALETTE[i % len(PALETTE)], label=labels[i], alpha=0.9)
    ax.legend(loc="best", fontsize=7, frameon=False)
    _time_axis(ax, x if x is not None else [0], "step")
    _amounts(ax.yaxis)
    ax.set_ylabel(ylabel)
    ax.set_title(title, loc="left", fontsize=10)
    return fig


@_rc
def sweep(
    values: Sequence[str],
    est: Sequence[float],
    lo: Sequence[float],
    hi: Sequence[float],
    *,
    param: str,
) -> Any:
    """P(insolvency) with its interval at each value of a swept parameter (axis within [0, 1])."""
    fig, axes = _figure(1, 2.6)
    ax = axes[0]
    xs = list(range(len(values)))
    below = [max(0.0, e - a) for e, a in zip(est, lo, strict=True)]
    above = [max(0.0, b - e) for e, b in zip(est, hi, strict=True)]
    ax.errorbar(xs, est, yerr=[below, above], fmt="o-", color=RED, capsize=5,
                label="P(insolvency) and its 95% interval")  # fmt: skip
    ax.set_xticks(xs, list(values))
    ax.set_xlabel(param)
    ax.set_ylabel("probability (of a path)")
    ax.set_ylim(0, min(1.0, max([*hi, 1e-6]) * 1.15))
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.set_title(f"P(insolvency) against {param}", loc="left", fontsize=10)
    return fig
