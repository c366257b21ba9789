"""Render a stress result: a Rich table of metrics, and the ``solvent-result/1`` JSON."""

from __future__ import annotations

from typing import Any

from solvent.stress.runner import StressResult


def _num(x: Any, digits: int = 4) -> str:
    if x is None:
        return "n/a"
    if isinstance(x, int):
        return f"{x:,}"
    return f"{x:,.{digits}g}"


def headline(m: dict[str, Any]) -> str:
    """P(insolvency) as a risk team can quote it: what it counts, the certain range, and a
    sampled estimate (said so) when lanes were left unchecked; never a bare number whose
    interval is wide."""
    ins = m["p_insolvency"]
    lemmas = sum(ins.get("lemmas", {}).values())
    beside = f"; lemma violations beside it: {lemmas:,} paths" if lemmas else ""
    what = "path breaking an invariant" if ins["paths"] == 1 else "paths breaking an invariant"
    if not ins["unchecked"]:
        return (
            f"P(insolvency) {ins['estimate']:.4g} (95% CI {ins['ci_low']:.3g}..{ins['ci_high']:.3g}; "
            f"{ins['paths']:,} {what}, {ins.get('certain', 0):,} certain by the error bounds, "
            f"{ins.get('confirmed', 0):,} by exact re-run){beside}"
        )
    sampled = ins.get("sampled")
    rng = (
        f"between {ins['estimate']:.4g} and {ins['upper_estimate']:.4g} ({ins['paths']:,} "
        f"{what} known, {ins['unchecked']:,} lanes not re-run; 95% CI {ins['ci_low']:.3g}.."
        f"{ins['ci_high']:.3g})"
    )
    if sampled:
        return (
            f"P(insolvency) estimated {sampled['estimate']:.4g} (95% CI {sampled['ci_low']:.3g}.."
            f"{sampled['ci_high']:.3g}) from a uniform random sample of {sampled['sample']:,} of "
            f"the {sampled['of']:,} lanes to re-run; certain range {rng}{beside}"
        )
    return f"P(insolvency) {rng}{beside}"


def verdict_line(r: StressResult) -> str:
    m = r.metrics
    c = r.confirmation
    bound = f"{m['paths']:,} paths x {m['steps']} steps x {m['accounts']} account{'s' if m['accounts'] != 1 else ''}"
    left = f"; {c['unchecked']:,} not re-run" if c["unchecked"] else ""
    undecided = c.get("undecided", 0)
    rerun = c.get("rerun", c["flagged"])
    lanes = (
        f"{c['flagged']:,} flagged lanes"
        if not undecided
        else f"{rerun:,} lanes to re-run ({c['flagged']:,} flagged, {undecided:,} undecided)"
    )
    if r.verdict == "FAIL":
        detail = f"{headline(m)}; {c['confirmed']:,} of {lanes} confirmed{left}"
    elif r.verdict == "PASS":
        certain = (
            f"{c.get('certified', m['paths']):,} lanes certified (every float64 decision "
            f"certain), {c['checked']:,} re-run exactly"
        )
        detail = (
            f"no violation: {certain}"
            if c["flagged"] == 0
            else f"{c['flagged']:,} flagged lanes, none confirmed by exact re-run; {certain}"
        )
    elif r.verdict == "INTERRUPTED" and r.blocks_done < r.blocks_total:
        detail = f"interrupted after {r.blocks_done}/{r.blocks_total} blocks; --resume to finish"
    elif r.blocks_done < r.blocks_total:  # --timeout ran out while simulating
        detail = (
            f"--timeout ran out: {m['paths']:,} of {r.options['paths']:,} paths simulated "
            f"({r.blocks_done}/{r.blocks_total} blocks), none re-run; --resume to finish"
        )
    else:
        detail = (
            f"{headline(m)}; {c['unchecked']:,} of {lanes} not re-run exactly; "
            f"none of the {c['checked']:,} re-run confirmed"
        )
    return f"[{r.verdict}] stress  {bound}  {r.seconds:.1f}s  {detail}"


def rows(r: StressResult) -> list[tuple[str, str]]:
    m = r.metrics
    c = r.confirmation
    out = [
        ("scenario", str(r.scenario.get("name"))),
        ("engine", r.engine),
        ("P(insolvency)", headline(m)[len("P(insolvency) ") :]),
        (
            "flagged by int64 lanes" if "overflow_lanes" in m else "flagged by float64 lanes",
            f"{c['flagged']:,}  (settled {c['checked']:,}: {c.get('certain', 0):,} certain by the error bounds, "
            f"{c.get('exact_reruns', c['checked']):,} re-run exactly; confirmed {c['confirmed']:,}, "
            f"unconfirmed {c['unconfirmed']:,}, not re-run {c['unchecked']:,}"
            + (f"; {m['overflow_lanes']:,} left int64" if "overflow_lanes" in m else "")
            + ")",
        ),
        (
            "certain violations (no re-run)",
            f"{c.get('certain', 0):,}"
            + (
                "  (" + ", ".join(f"{k} {v:,}" for k, v in c["certain_by_property"].items()) + ")"
                if c.get("certain_by_property")
                else ""
            ),
        ),
        (
            "certified / undecided lanes",
            f"{c.get('certified', m['paths']):,} / {c.get('undecided', 0):,}  (undecided: a "
            "float64 decision within its rounding error bound; re-run exactly with the flagged)",
        ),
        (
            "paths beyond envelope",
            f"{m['beyond_envelope']:,}  ({m['flagged_beyond_envelope']:,} of them flagged; "
            f"{m.get('flagged_inside_envelope', 0):,} flagged inside the envelope up to the "
            "failure)",
        ),
    ]
    bd = m.get("bad_debt")
    if bd:
        out.append(
            (
                "bad debt mean / VaR99 / ES97.5",
                f"{_num(bd['mean'])} / {_num(bd['var_99'])} / {_num(bd['es_975'])}  (max {_num(bd['max'])}, {bd['paths_with_bad_debt']:,} paths)",
            )
        )
    ins_m = m.get("insurance")
    if ins_m:
        tte = ins_m["time_to_exhaustion_median"]
        out.append(
            (
                "insurance drawdown mean / max",
                f"{_num(ins_m['mean_drawdown'])} / {_num(ins_m['max_drawdown'])}  (start {_num(ins_m['mean_start'])})",
            )
        )
        out.append(
            (
                "insurance exhausted",
                f"{_num(ins_m['p_exhausted'])} of paths"
                + (f", median step {tte:g}" if tte is not None else ""),
            )
        )
    for key, label in (("liquidations", "liquidations"), ("adl", "ADL events")):
        v = m.get(key)
        out.append(
            (
                f"{label} mean / total",
                "not in spec" if v is None else f"{_num(v['mean'])} / {_num(v['total'])}",
            )
        )
    c2 = m.get("cover2")
    out.append(
        (
            "Cover-2 loss mean / max",
            "not computed"
            if c2 is None
            else f"{_num(c2['mean'])} / {_num(c2['max'])}  (exceeds fund on {_num(c2['exceeds_insurance'])} paths)",
        )
    )
    return out


def render(
    console: Any, r: StressResult, *, quiet: bool = False, traces: list[str] | None = None
) -> None:
    from rich.table import Table

    console.print(verdict_line(r), soft_wrap=True)
    if quiet:
        return
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column("metric")
    table.add_column("value", overflow="fold")
    for k, v in rows(r):
        table.add_row(k, v)
    console.print(table)
    for note in r.notes:
        console.print(f"  note: {note}", soft_wrap=True)
    for path in traces or []:
        console.print(
            f"  trace written to {path} (solvent replay / solvent shrink read it)", soft_wrap=True
        )


STRESS_SCHEMA = "solvent-stress/1"


def result_json(
    r: StressResult, *, target: str | None = None, traces: list[str] | None = None
) -> dict[str, Any]:
    """The ``solvent-stress/1`` document of a stress run (see docs/json-schema.md)."""
    from solvent.report.json_out import plain

    first = r.traces[0] if r.traces else None
    return {
        "schema": STRESS_SCHEMA,
        "check": "stress",
        "spec": r.spec,
        "target": target,
        "verdict": r.verdict if r.verdict != "INTERRUPTED" else "UNKNOWN",
        "exit_code": r.exit_code,
        "bound": f"{r.metrics['paths']} paths x {r.metrics['steps']} steps",
        "seconds": round(r.seconds, 3),
        "message": verdict_line(r),
        "scenario": str(r.scenario.get("name")),
        "scenario_detail": plain(r.scenario),
        "paths": r.metrics["paths"],
        "steps": r.metrics["steps"],
        "accounts": r.metrics["accounts"],
        "seed": r.options["seed"],
        "engine": r.engine,
        "options": plain(r.options),
        "metrics": plain(r.metrics),
        "confirmation": plain(r.confirmation),
        "worst_paths": [plain(w) for w in r.worst],
        "interrupted": r.interrupted,
        "blocks": {"done": r.blocks_done, "total": r.blocks_total},
        "notes": list(r.notes),
        "timings": {k: round(v, 3) for k, v in r.timings.items()},
        "traces": list(traces or []),
        "invariant": None if first is None else first[1],
        "counterexample": None if first is None else first[0].to_json(),
    }
