"""``solvent stress --sweep PARAM=a,b,c``: the same run at each value of one parameter.

``PARAM`` is a spec parameter (what ``--set`` takes) or a scenario option (what ``--opt``
takes, e.g. the volatility ``vol`` of ``gbm``). Each value re-runs the stress with every
other option unchanged (same seed, so the same random draws); the result document gets a
``sweep`` block with P(insolvency) and its interval, bad-debt VaR 99% / ES 97.5% and the
share of paths exhausting the insurance fund per value, which the report shows as one
sensitivity table.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

from solvent.errors import UsageError


def parse(text: str | None) -> tuple[str, list[str]] | None:
    """``PARAM=a,b,c`` as ``(PARAM, [a, b, c])``; exit 3 on anything else."""
    if text is None:
        return None
    name, sep, values = text.partition("=")
    items = [v.strip() for v in values.split(",") if v.strip()]
    if not sep or not name.strip() or not items:
        raise UsageError(
            f"--sweep expects PARAM=VALUE,VALUE,... (e.g. --sweep maintenance_margin=0.03,0.05), "
            f"got {text!r}"
        )
    if len(set(items)) != len(items):
        raise UsageError(f"--sweep {name.strip()}: a value is listed twice in {values!r}")
    return name.strip(), items


def kind(spec: Any, name: str, scenario_opts: dict[str, str], scenario: Any) -> str:
    """``"param"`` (a spec parameter) or ``"opt"`` (a scenario option); exit 3 otherwise."""
    if name in spec.param_decls:
        return "param"
    describe = getattr(scenario, "describe", None)
    params = (describe() or {}).get("params", {}) if callable(describe) else {}
    if name in params or name in scenario_opts:
        return "opt"
    raise UsageError(
        f"--sweep {name}: neither a parameter of spec {spec.name} "
        f"({', '.join(spec.param_decls) or 'none'}) nor an option of the scenario "
        f"({', '.join(params) or 'none'}); name one of them"
    )


def _same(a: Any, b: str) -> bool:
    try:
        return Fraction(str(a)) == Fraction(b)
    except (ValueError, ZeroDivisionError):
        return str(a) == b


def _key(value: str) -> tuple[int, Any]:
    try:
        return (0, Fraction(value))
    except (ValueError, ZeroDivisionError):
        return (1, value)


def row(value: str, result: Any, current: bool) -> dict[str, Any]:
    m = result.metrics
    p = m["p_insolvency"]
    bad = m.get("bad_debt") or {}
    ins = m.get("insurance") or {}
    return {
        "value": value,
        "current": current,
        "verdict": result.verdict if result.verdict != "INTERRUPTED" else "UNKNOWN",
        "p_insolvency": p["estimate"],
        "upper_estimate": p.get("upper_estimate", p["estimate"]),
        "ci_low": p["ci_low"],
        "ci_high": p["ci_high"],
        "unchecked": p.get("unchecked", 0),
        "var_99": bad.get("var_99"),
        "es_975": bad.get("es_975"),
        "p_exhausted": ins.get("p_exhausted"),
    }


def run(
    name: str,
    values: list[str],
    how: str,
    current: Any,
    main: Any,
    rerun: Callable[[str], Any],
) -> dict[str, Any]:
    """The ``sweep`` block: ``main`` is the run as given (its value ``current``), ``rerun``
    runs the stress at another value."""
    from solvent.report.json_out import plain

    rows = []
    for value in values:
        same = current is not None and _same(current, value)
        result = main if same else rerun(value)
        rows.append(row(value, result, same))
    if current is not None and not any(r["current"] for r in rows):
        rows.append(row(str(current), main, True))  # the run as given, in its place
        rows.sort(key=lambda r: _key(r["value"]))
    return plain(
        {
            "param": name,
            "kind": "spec parameter" if how == "param" else "scenario option",
            "current": None if current is None else str(current),
            "values": values,
            "paths": main.metrics["paths"],
            "seed": main.options["seed"],
            "rows": rows,
        }
    )
