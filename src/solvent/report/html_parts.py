"""Small HTML building blocks shared by the report pages (escaping, tables, figures)."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from solvent.lang.values import format_number
from solvent.report.series import num

VERDICT_CLASS = {
    "PASS": "pass",
    "FAIL": "fail",
    "ERROR": "fail",
    "CTI": "warn",
    "UNKNOWN": "warn",
    "VACUOUS": "warn",
}


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def exact(value: Any) -> str:
    """An exact number as text (``1/3`` also shows ``~0.333333``); other values as given."""
    q = num(value)
    if q is None:
        if isinstance(value, bool):
            return "true" if value else "false"
        return "" if value is None else str(value)
    text = format_number(q)
    if "/" in text:
        return f"{text} (~{_approx(q, 6)})"
    if len(text) > 24:  # e.g. a float64 converted exactly: the digits say nothing
        return f"~{_approx(q, 12)}"
    return text


def _approx(q: Any, digits: int) -> str:
    """``q`` to ``digits`` significant digits, also beyond float64's range."""
    try:
        return f"{float(q):.{digits}g}"
    except OverflowError:
        from decimal import Decimal, localcontext

        with localcontext() as ctx:
            ctx.prec = digits
            return f"{Decimal(q.numerator) / Decimal(q.denominator):.{digits}g}"


def badge(verdict: str | None) -> str:
    v = verdict or "?"
    return f'<span class="badge {VERDICT_CLASS.get(v, "warn")}">{esc(v)}</span>'


def table(
    head: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    cls: str = "",
    numeric: Callable[[int], bool] | None = None,
    raw: bool = False,
) -> str:
    """An HTML table; cells are escaped unless ``raw`` (then they are trusted HTML)."""
    out = [f'<table class="{esc(cls)}"><thead><tr>']
    out += [f"<th>{esc(h)}</th>" for h in head]
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>")
        for i, cell in enumerate(row):
            align = ' class="num"' if numeric is not None and numeric(i) else ""
            out.append(f"<td{align}>{cell if raw else esc(cell)}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def kv(rows: Iterable[tuple[str, Any]]) -> str:
    """A two-column definition table; values are escaped."""
    body = "".join(
        f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows if v not in (None, "")
    )
    return f'<table class="kv"><tbody>{body}</tbody></table>'


def figure(name: str, svg: str, caption: str) -> str:
    """A chart: the inline SVG with a caption; ``data-chart`` names it for tests/scripts."""
    return (
        f'<figure class="chart" data-chart="{esc(name)}">{svg}'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )


def section(anchor: str, title: str, body: str) -> str:
    return f'<section id="{esc(anchor)}"><h2>{esc(title)}</h2>{body}</section>'


def para(text: str, cls: str = "") -> str:
    klass = f' class="{esc(cls)}"' if cls else ""
    return f"<p{klass}>{esc(text)}</p>"


def items(values: Iterable[Any]) -> str:
    inner = "".join(f"<li><code>{esc(v)}</code></li>" for v in values)
    return f"<ul>{inner}</ul>" if inner else "<p>none</p>"
