"""Charts of a stress run as inline SVG (see :mod:`solvent.report.charts`)."""

from __future__ import annotations

from collections.abc import Sequence

from solvent.report.charts import AMBER, BLUE, GREY, PALETTE, RED, _figure, _rc, to_svg

__all__ = ["AMBER", "GREY", "RED", "histogram", "interval", "paths"]


@_rc
def histogram(
    edges: Sequence[float],
    counts: Sequence[float],
    *,
    title: str,
    xlabel: str,
    marks: Sequence[tuple[str, float, str]] = (),
) -> str:
    """A histogram from bin edges and counts, with labelled vertical marks (VaR, ES...)."""
    fig, axes = _figure(1, 2.6)
    ax = axes[0]
    widths = [b - a for a, b in zip(edges, edges[1:], strict=False)]
    ax.bar(list(edges[:-1]), list(counts), width=widths, align="edge", color=BLUE, alpha=0.8)
    for label, x, color in marks:
        ax.axvline(x, color=color, lw=1.5, ls="--", label=f"{label} = {x:.6g}")
    if marks:
        ax.legend(loc="upper right", fontsize=8, frameon=False)
    positive = sorted(c for c in counts if c > 0)
    if len(positive) > 1 and positive[-1] > 20 * positive[-2]:
        ax.set_yscale("log")  # one bar (usually "no loss") dwarfs the tail
    ax.set_xlabel(xlabel)
    ax.set_ylabel("paths")
    ax.set_title(title, loc="left", fontsize=10)
    return to_svg(fig)


@_rc
def interval(label: str, estimate: float, lo: float, hi: float, *, title: str) -> str:
    """One estimate with its confidence interval (e.g. P(insolvency))."""
    fig, axes = _figure(1, 1.3)
    ax = axes[0]
    ax.errorbar(
        [estimate],
        [0],
        xerr=[[max(0.0, estimate - lo)], [max(0.0, hi - estimate)]],
        fmt="o",
        color=RED,
        capsize=6,
        ms=7,
    )
    ax.annotate(
        f"{estimate:.4g}  [{lo:.4g}, {hi:.4g}]",
        (estimate, 0),
        xytext=(0, 8),
        textcoords="offset points",
        ha="center",
        fontsize=8,
    )
    ax.set_yticks([0], [label])
    span = max(hi, estimate) - min(lo, estimate)
    ax.set_xlim(max(0.0, min(lo, estimate) - span - 1e-9), max(hi, estimate) + span + 1e-9)
    ax.set_title(title, loc="left", fontsize=10)
    return to_svg(fig)


@_rc
def paths(
    series: Sequence[Sequence[float]],
    *,
    title: str,
    ylabel: str,
    labels: Sequence[str] | None = None,
) -> str:
    """Several paths over steps (insurance-fund drawdown, worst price paths)."""
    fig, axes = _figure(1, 2.8)
    ax = axes[0]
    for i, ys in enumerate(series):
        label = labels[i] if labels and i < len(labels) else None
        ax.plot(
            range(len(ys)),
            list(ys),
            lw=1.2,
            color=PALETTE[i % len(PALETTE)],
            label=label,
            alpha=0.9,
        )
    if labels:
        ax.legend(loc="best", fontsize=7, frameon=False)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    ax.set_title(title, loc="left", fontsize=10)
    return to_svg(fig)
