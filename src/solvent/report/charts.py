"""Charts as inline SVG (Matplotlib's SVG backend, text drawn as paths).

Each function returns one ``<svg>`` element as text, ready to paste into an HTML page:
no fonts to load, no scripts, nothing fetched at view time. Output is deterministic (a
fixed hash salt, no date) and every ``id`` is prefixed per chart so several charts can
share one page.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from solvent.lang.values import format_number
from solvent.report.series import Story, WaterfallRow, waterfall_totals

GREEN, RED, GREY, AMBER, BLUE = "#2e7d32", "#c62828", "#9e9e9e", "#ef6c00", "#1565c0"
PALETTE = ("#1565c0", "#6a1b9a", "#00838f", "#ad1457", "#558b2f", "#4e342e")
OUTCOME_COLOR = {
    "proved": GREEN,
    "counterexample": RED,
    "not proved": GREY,
    "vacuous": AMBER,
    "unknown": "#fbc02d",
    "no counterexample": "#81c784",
    "refused": "#90a4ae",  # outside the model: its builder refuses the value
}
_RC = {
    "svg.fonttype": "path",
    "svg.hashsalt": "solvent",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
}


def _figure(rows: int = 1, height: float = 3.0, *, sharex: bool = True) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.0, height), layout="constrained")
    axes = fig.subplots(rows, 1, sharex=sharex, squeeze=False)[:, 0]
    return fig, axes


def to_svg(fig: Any) -> str:
    """The figure as one ``<svg>`` element with ids unique on the page."""
    import matplotlib

    with matplotlib.rc_context(_RC):
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "solvent"})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.S)
    # ids from the content: deterministic, and distinct charts never share one
    prefix = "c" + hashlib.sha1(svg.encode()).hexdigest()[:8] + "-"
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    if ids:
        pattern = re.compile(
            r'(\bid="|#)('
            + "|".join(map(re.escape, sorted(ids, key=len, reverse=True)))
            + r')(?=["\)])'
        )
        svg = pattern.sub(lambda m: m.group(1) + prefix + m.group(2), svg)
    # let the page scale it: keep the viewBox, drop the fixed size
    svg = re.sub(r'<svg([^>]*?) width="[^"]+" height="[^"]+"', r"<svg\1", svg, count=1)
    return svg


def _f(values: Sequence[Fraction | None]) -> list[float]:
    return [_float(v) for v in values]


def _float(v: Fraction | None) -> float:
    """A chart coordinate: NaN for none, +-inf beyond float64 (the tables keep it exact)."""
    if v is None:
        return float("nan")
    try:
        return float(v)
    except OverflowError:
        return math.inf if v > 0 else -math.inf


def _rc(fn: Any) -> Any:
    """Build the figure under the house rc settings (fonts, grid) too."""

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        import matplotlib

        with matplotlib.rc_context(_RC):
            return fn(*args, **kwargs)

    wrapped.__name__ = fn.__name__
    wrapped.__doc__ = fn.__doc__
    return wrapped


# ------------------------------------------------------------------ counterexample
@_rc
def price_path(s: Story) -> str:
    """Price per step with liquidation markers and the failing step; the draws below.

    A spec without a price field gets the draws panel only (with the same markers).
    """
    panels = (["price"] if s.prices else []) + (["draws"] if s.market else [])
    fig, axes = _figure(len(panels), 1.2 + 1.2 * len(panels) if len(panels) > 1 else 2.6)
    first_price = next(iter(s.prices.values()), None)
    for ax, panel in zip(axes, panels, strict=True):
        if panel == "price":
            for i, (name, values) in enumerate(s.prices.items()):
                ax.plot(
                    s.steps,
                    _f(values),
                    marker="o",
                    ms=4,
                    color=PALETTE[i % len(PALETTE)],
                    label=name,
                )
            ax.set_ylabel("price")
            ax.legend(loc="upper left", fontsize=8, frameon=False)
        else:
            width = 0.8 / max(1, len(s.market))
            for i, (name, values) in enumerate(s.market.items()):
                xs = [x + (i - (len(s.market) - 1) / 2) * width for x in s.steps]
                vals = _f(values)
                colors = [RED if v < 0 else GREEN for v in vals]
                ax.bar(
                    xs, [0 if v != v else v for v in vals], width=width, color=colors, label=name
                )
            ax.axhline(0, color="black", lw=0.6)
            ax.set_ylabel(", ".join(s.market) if len(s.market) <= 2 else "draws")
    top = axes[0]
    for step, labels in s.keeper_steps:
        y = _f([first_price[s.steps.index(step)]])[0] if first_price else 0.0
        top.plot([step], [y], marker="v", ms=11, color=RED, ls="none", zorder=5)
        top.annotate(
            ", ".join(labels),
            (step, y),
            textcoords="offset points",
            xytext=(6, -14),
            color=RED,
            fontsize=8,
        )
    if s.first_failure:
        step, labels = s.first_failure
        top.axvline(step, color=RED, ls="--", lw=1)
        top.annotate(
            f"{', '.join(labels)} fails",
            (step, 0),
            xycoords=("data", "axes fraction"),
            xytext=(-4, 4),
            textcoords="offset points",
            ha="right",
            va="bottom",
            color=RED,
            fontsize=8,
        )
    what = "price path" if s.prices else "envelope draws"
    top.set_title(f"{what} (▼ liquidation)", loc="left", fontsize=10)
    axes[-1].set_xlabel("step")
    axes[-1].set_xticks(s.steps)
    return to_svg(fig)


@_rc
def equity_paths(s: Story, *, limit: int = 6) -> str:
    """Each involved account's equity against its maintenance requirement."""
    shown = s.accounts[:limit]
    fig, axes = _figure(len(shown), 1.2 + 1.5 * len(shown))
    for ax, a in zip(axes, shown, strict=True):
        eq = _f(s.equity.get(a, []))
        req = _f(s.requirement.get(a, []))
        if eq:
            ax.plot(s.steps, eq, marker="o", ms=4, color=BLUE, label=s.equity_metric or "equity")
        if req:
            ax.plot(s.steps, req, ls="--", color=AMBER, label=s.requirement_metric or "requirement")
        if eq and req:
            below = [e < r for e, r in zip(eq, req, strict=True)]
            ax.fill_between(s.steps, eq, req, where=below, color=RED, alpha=0.15, interpolate=True)
        ax.axhline(0, color="black", lw=0.6)
        for step, labels in s.keeper_steps:
            if any(f"({a})" in lab or f"({a}," in lab for lab in labels):
                ax.axvline(step, color=RED, lw=1, ls=":")
        ax.set_ylabel(f"account {a}")
        ax.legend(loc="upper right", fontsize=8, frameon=False)
    axes[0].set_title("equity and maintenance requirement per account", loc="left", fontsize=10)
    axes[-1].set_xlabel("step")
    axes[-1].set_xticks(s.steps)
    return to_svg(fig)


@_rc
def waterfall(rows: Sequence[WaterfallRow]) -> str:
    """Collateral, then the insurance fund, then socialized loss: a cumulative bar chart."""
    collateral, insurance, socialized = waterfall_totals(rows)
    parts = [
        ("trader collateral", collateral, BLUE),
        ("insurance fund", insurance, AMBER),
        ("socialized loss / ADL", socialized, RED),
    ]
    fig, axes = _figure(1, 2.4)
    ax = axes[0]
    start = Fraction(0)
    labels = []
    for i, (label, value, color) in enumerate(parts):
        ax.barh(i, float(value), left=float(start), color=color, height=0.6)
        ax.annotate(
            format_number(value),
            (float(start + value), i),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
        start += value
        labels.append(label)
    ax.barh(len(parts), float(start), color="#424242", height=0.6)
    ax.annotate(
        format_number(start),
        (float(start), len(parts)),
        xytext=(4, 0),
        textcoords="offset points",
        va="center",
        fontsize=8,
    )
    labels.append("loss realised")
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xlabel("amount (quote currency)")
    ax.set_title("loss waterfall: who absorbed the loss", loc="left", fontsize=10)
    ax.margins(x=0.15)
    return to_svg(fig)


# ------------------------------------------------------------------ frontier / grid
@_rc
def frontier(
    probes: Sequence[dict[str, Any]],
    *,
    param: str,
    safe: Fraction | None,
    unsafe: Fraction | None,
    spec_value: Fraction | None,
) -> str:
    """Every probe on the parameter axis, coloured by outcome, with the boundary."""
    from solvent.report.series import num

    fig, axes = _figure(1, 2.2)
    ax = axes[0]
    values = [(num(p.get("value")), p.get("outcome", "")) for p in probes]
    xs = [float(v) for v, _ in values if v is not None]
    lo = min(xs + [float(x) for x in (safe, unsafe, spec_value) if x is not None], default=0.0)
    hi = max(xs + [float(x) for x in (safe, unsafe, spec_value) if x is not None], default=1.0)
    pad = (hi - lo) * 0.08 or 0.01
    if safe is not None:
        s = float(safe)
        ax.axvspan(
            lo - pad if (unsafe is None or unsafe > safe) else s,
            s if (unsafe is None or unsafe > safe) else hi + pad,
            color=GREEN,
            alpha=0.12,
            lw=0,
        )
        ax.axvline(s, color=GREEN, lw=1.5)
        ax.annotate(
            f"proved {format_number(safe)}",
            (s, 1),
            xycoords=("data", "axes fraction"),
            xytext=(0, -10),
            textcoords="offset points",
            ha="center",
            color=GREEN,
            fontsize=8,
        )
    if unsafe is not None:
        u = float(unsafe)
        ax.axvline(u, color=RED, lw=1.5)
        ax.annotate(
            f"broken {format_number(unsafe)}",
            (u, 0),
            xycoords=("data", "axes fraction"),
            xytext=(0, 4),
            textcoords="offset points",
            ha="center",
            color=RED,
            fontsize=8,
        )
    seen = set()
    for v, outcome in values:
        if v is None:
            continue
        label = outcome if outcome not in seen else None
        seen.add(outcome)
        _point(ax, v, 0.5, "o", 8, OUTCOME_COLOR.get(outcome, GREY), label)
    if spec_value is not None:
        _point(ax, spec_value, 0.25, "^", 9, "black", "spec's value")
    ax.set_ylim(0, 1)
    ax.set_yticks([])
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_xlabel(param)
    ax.set_title(f"frontier of {param}: probes by outcome", loc="left", fontsize=10)
    ax.legend(loc="upper left", fontsize=8, frameon=False, ncol=4, bbox_to_anchor=(0, -0.35))
    return to_svg(fig)


def _point(ax: Any, x: Any, y: float, marker: str, ms: int, color: str, label: Any) -> None:
    """One marker at (x, y) of a one-row strip chart."""
    ax.plot([float(x)], [y], marker=marker, ms=ms, ls="none", color=color, label=label)


@_rc
def heat_map(
    axes_values: Sequence[Sequence[str]],
    params: Sequence[str],
    outcomes: Sequence[Sequence[str]],
    cheapest: Sequence[tuple[str, str | None]],
) -> str:
    """The safe region: one cell per grid point, the cheapest safe point of each row."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    kinds = list(OUTCOME_COLOR)
    codes = [
        [kinds.index(o) if o in kinds else kinds.index("unknown") for o in row] for row in outcomes
    ]
    rows, cols = len(axes_values[0]), len(axes_values[1])
    fig, axs = _figure(1, 1.6 + 0.45 * rows)
    ax = axs[0]
    ax.imshow(
        codes,
        cmap=ListedColormap([OUTCOME_COLOR[k] for k in kinds]),
        vmin=0,
        vmax=len(kinds) - 1,
        aspect="auto",
        origin="lower",
        alpha=0.85,
    )
    marks = {"proved": "✓", "counterexample": "✗"}
    for i in range(rows):
        for j in range(cols):
            ax.text(
                j,
                i,
                marks.get(outcomes[i][j], "?"),
                ha="center",
                va="center",
                color="white",
                fontsize=11,
                fontweight="bold",
            )
    xs, ys = [], []
    for i, (_, best) in enumerate(cheapest):
        if best is not None and best in axes_values[1]:
            xs.append(list(axes_values[1]).index(best))
            ys.append(i)
    if xs:
        ax.plot(xs, ys, color="black", lw=2, marker="D", ms=5, label="cheapest safe value")
    ax.set_xticks(range(cols), list(axes_values[1]), rotation=45 if cols > 8 else 0)
    ax.set_yticks(range(rows), list(axes_values[0]))
    ax.set_xlabel(params[1])
    ax.set_ylabel(params[0])
    ax.grid(False)
    ax.set_title(f"safe region: {params[0]} × {params[1]}", loc="left", fontsize=10)
    handles = [
        Patch(color=OUTCOME_COLOR[k], label=k) for k in kinds if any(k in r for r in outcomes)
    ]
    if xs:
        handles.append(ax.get_lines()[0])
    ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False
    )
    return to_svg(fig)
