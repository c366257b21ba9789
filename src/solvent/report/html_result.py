"""Report sections of ``solvent-result/1`` documents: verdict, assumptions, counterexample."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from solvent.lang.values import format_number
from solvent.report import charts
from solvent.report.html_parts import (
    badge,
    esc,
    exact,
    figure,
    items,
    kv,
    para,
    section,
    table,
)
from solvent.report.series import story, waterfall_totals


def verdict_line(doc: Mapping[str, Any]) -> str:
    subject = doc.get("invariant") or ", ".join(doc.get("properties") or []) or doc.get("spec")
    seconds = doc.get("seconds")
    timing = f"{seconds:.1f}s" if isinstance(seconds, int | float) else ""
    return (
        f'<p class="verdict">{badge(doc.get("verdict"))} <b>{esc(subject)}</b> '
        f"{esc(doc.get('check'))} {esc(doc.get('bound') or '')} {esc(timing)} "
        f"{esc(doc.get('message'))}</p>"
    )


def summary(doc: Mapping[str, Any]) -> str:
    rows = [
        ("spec", doc.get("spec")),
        ("target", doc.get("target")),
        ("check", doc.get("check")),
        ("verdict", doc.get("verdict")),
        ("bound", doc.get("bound")),
        ("exit code", doc.get("exit_code")),
        ("accounts", doc.get("accounts")),
        ("properties checked", ", ".join(doc.get("properties") or [])),
        ("violated / CTI invariant", doc.get("invariant")),
        ("k", doc.get("k")),
        ("seconds", doc.get("seconds")),
    ]
    return verdict_line(doc) + kv(rows)


def assumptions(doc: Mapping[str, Any]) -> str:
    """What a PASS rests on: the attribution sentence, used/unused lists and slack."""
    details = doc.get("details") or {}
    explained = details.get("attribution") or {}
    used = explained.get("used") or details.get("assumptions_used") or []
    unused = explained.get("unused") or details.get("assumptions_unused") or []
    if not (used or unused or explained):
        return ""
    body = []
    if explained.get("sentence"):
        body.append(para(explained["sentence"], "because"))
    body.append('<div class="cols"><div><h3>assumptions used</h3>')
    body.append(items(used))
    body.append("</div><div><h3>not needed</h3>")
    body.append(items(unused))
    body.append("</div></div>")
    minimized = explained.get("minimized", details.get("assumptions_minimized"))
    if minimized is not None:
        body.append(
            para(
                "Minimized: each assumption listed was tried without, and the inductive "
                "step needed it (a solver query that ran out of time counts as needed)."
                if minimized
                else "Not minimized (its time budget ran out): the list is the union of the "
                "solver's unsat cores and may include assumptions the proof does not need."
            )
        )
    slack = explained.get("slack") or []
    if slack:
        body.append("<h3>slack of each numeric bound the proof used</h3>")
        body.append(
            table(
                ["bound", "now", "proved up to", "slack", "first counterexample", "status"],
                [
                    [
                        s.get("bound"),
                        exact(s.get("current")),
                        exact(s.get("limit")),
                        exact(s.get("slack")),
                        exact(s.get("first_counterexample")),
                        s.get("status"),
                    ]
                    for s in slack
                ],
                numeric=lambda i: 1 <= i <= 4,
            )
        )
        body += [para(s.get("text", "")) for s in slack if s.get("text")]
    return section("assumptions", "What the proof rests on", "".join(body))


def cti(doc: Mapping[str, Any]) -> str:
    found = doc.get("cti")
    if not found:
        return ""
    rows = []
    for name, value in (found.get("state") or {}).items():
        shown = (
            "  ".join(f"[{a}] {exact(v)}" for a, v in enumerate(value))
            if isinstance(value, list)
            else exact(value)
        )
        rows.append([name, shown])
    body = para(
        f"The induction step fails for {found.get('invariant')} from this state, which may be "
        "unreachable; a lemma that rules it out, or a larger k, may give a proof."
    )
    body += table(["field", "value"], rows)
    choices = found.get("choices") or {}
    if choices:
        body += "<h3>choices in the window</h3>" + table(
            ["choice", "value"], [[k, exact(v)] for k, v in choices.items()]
        )
    if found.get("suggestion"):
        body += para(f"suggestion: {found['suggestion']}")
    return section("cti", "Counterexample to induction (CTI)", body)


def counterexample(replay: Mapping[str, Any], *, title: str, anchor: str) -> str:
    """Price path, equity vs requirement per account, loss waterfall, step tables."""
    s = story(replay)
    if not s.steps:
        return ""
    body = []
    first = s.first_failure
    if first:
        body.append(para(f"{', '.join(first[1])} fails at step {first[0]}.", "fail-note"))
    if s.prices or s.market:
        body.append(
            figure(
                "price-path",
                charts.price_path(s),
                "Price per step; ▼ marks a keeper action (liquidation); the dashed line is "
                "the step where an invariant fails. Below: the envelope draws of each step.",
            )
        )
    if s.accounts and (s.equity or s.requirement):
        note = f" (first 6 of {len(s.accounts)} shown)" if len(s.accounts) > 6 else ""
        body.append(
            figure(
                "equity",
                charts.equity_paths(s),
                f"Equity (solid) against the maintenance requirement (dashed) of each account "
                f"the trace involves{note}; shaded: below requirement.",
            )
        )
    body.append(_waterfall(s))
    body.append("<h3>steps</h3>")
    body.append(step_table(replay))
    accounts = account_table(replay, s.accounts)
    if accounts:
        body.append("<h3>accounts</h3>" + accounts)
    notes = replay.get("notes") or []
    if notes:
        body.append("<h3>notes</h3>" + "".join(para(n) for n in notes))
    return section(anchor, title, "".join(body))


def _waterfall(s: Any) -> str:
    if not s.waterfall:
        return "<h3>loss waterfall</h3>" + para(
            "No keeper acted and no insurance fund or socialized-loss field changed in "
            "this trace, so there is no loss waterfall to show."
        )
    missing = []
    if s.equity_metric is None:
        missing.append("a per-account metric named like 'equity'")
    if s.insurance_field is None:
        missing.append("a state field named like 'insurance'")
    if not s.socialized_fields:
        missing.append("a state field named like 'bad_debt', 'socialized' or 'adl'")
    collateral, insurance, socialized = waterfall_totals(s.waterfall)
    out = ["<h3>loss waterfall</h3>"]
    out.append(
        figure(
            "waterfall",
            charts.waterfall(s.waterfall),
            "Who absorbed the losses of the liquidations: the accounts' own collateral first, "
            "then the insurance fund, then socialized loss (bad debt / auto-deleveraging).",
        )
    )
    rows = [
        [
            r.step,
            ", ".join(r.keepers) or "",
            "" if r.collateral is None else format_number(r.collateral),
            format_number(r.insurance),
            format_number(r.socialized),
            format_number(r.total),
            "" if r.insurance_after is None else format_number(r.insurance_after),
        ]
        for r in s.waterfall
    ]
    rows.append(
        [
            "total",
            "",
            format_number(collateral),
            format_number(insurance),
            format_number(socialized),
            format_number(collateral + insurance + socialized),
            "",
        ]
    )
    out.append(
        table(
            [
                "step",
                "keepers",
                "collateral absorbed",
                "insurance fund drawn",
                "socialized loss / ADL",
                "loss realised",
                "insurance fund after",
            ],
            rows,
            cls="waterfall",
            numeric=lambda i: i >= 2,
        )
    )
    if missing:
        out.append(para("Not shown, because the spec has no " + "; no ".join(missing) + "."))
    return "".join(out)


def step_table(replay: Mapping[str, Any]) -> str:
    steps = replay.get("steps") or []
    if not steps:
        return ""
    draws = sorted({k for s in steps for k in s.get("market", {})})
    scalars = [k for k, v in steps[0].get("state", {}).items() if not isinstance(v, list)]
    metrics = [k for k, v in steps[0].get("metrics", {}).items() if not isinstance(v, list)]
    head = ["step", *draws, *scalars, *metrics, "action", "keepers fired", "violated"]
    rows = []
    for st in steps:
        step = st.get("step", 0)
        action = st.get("action") or ""
        if action and st.get("action_enabled") is False:
            action += " (not enabled: no effect)"
        rows.append(
            [
                "init" if step == 0 else step,
                *[exact(st.get("market", {}).get(d)) if step else "" for d in draws],
                *[exact(st.get("state", {}).get(n)) for n in scalars],
                *[exact(st.get("metrics", {}).get(n)) for n in metrics],
                action,
                ", ".join(st.get("keepers", [])),
                ", ".join(st.get("failures", [])),
            ]
        )
    last = len(head) - 3
    return table(head, rows, cls="steps", numeric=lambda i: 0 < i < last)


def account_table(replay: Mapping[str, Any], accounts: Sequence[int]) -> str:
    steps = replay.get("steps") or []
    if not steps or not accounts:
        return ""
    fields = [k for k, v in steps[0].get("state", {}).items() if isinstance(v, list)]
    metrics = [k for k, v in steps[0].get("metrics", {}).items() if isinstance(v, list)]
    rows = []
    for st in steps:
        for i, a in enumerate(accounts):
            step = st.get("step", 0)
            cells = [exact(_at(st.get("state", {}).get(n), a)) for n in fields]
            cells += [exact(_at(st.get("metrics", {}).get(n), a)) for n in metrics]
            rows.append([("init" if step == 0 else step) if i == 0 else "", a, *cells])
    return table(["step", "account", *fields, *metrics], rows, cls="steps", numeric=lambda i: i > 1)


def _at(values: Any, a: int) -> Any:
    return values[a] if isinstance(values, list) and a < len(values) else None


def error(doc: Mapping[str, Any]) -> str:
    err = doc.get("error") or {}
    return section(
        "error",
        "The check could not run",
        kv(
            [
                ("code", err.get("code")),
                ("kind", err.get("kind")),
                ("where", err.get("where")),
                ("message", err.get("message") or doc.get("message")),
            ]
        ),
    )


def result_body(doc: Mapping[str, Any], prefix: str = "") -> str:
    """All sections of one single-check document."""
    if doc.get("verdict") == "ERROR" and "error" in doc:
        return verdict_line(doc) + error(doc)
    parts = [section(f"{prefix}summary", "Verdict", summary(doc))]
    parts.append(assumptions(doc))
    parts.append(cti(doc))
    if doc.get("replay"):
        title = "Counterexample" if doc.get("counterexample") else "Replayed trace"
        parts.append(counterexample(doc["replay"], title=title, anchor=f"{prefix}counterexample"))
    lemmas = (doc.get("details") or {}).get("lemma_failures")
    if lemmas:
        parts.append(section(f"{prefix}lemmas", "Lemma failures", items(lemmas)))
    return "".join(p for p in parts if p)


def combined_body(doc: Mapping[str, Any]) -> str:
    """``solvent check``: a table of every check, then each check's sections."""
    results = doc.get("results") or []
    rows = [
        [
            badge(r.get("verdict")),
            esc(r.get("spec") or r.get("target")),
            esc(r.get("check")),
            esc(r.get("bound") or ""),
            esc(r.get("message")),
            f'<a href="#r{i}">details</a>',
        ]
        for i, r in enumerate(results)
    ]
    parts = [
        section(
            "summary",
            "Checks",
            verdict_line(doc)
            + table(["verdict", "spec", "check", "bound", "message", ""], rows, raw=True),
        )
    ]
    for i, r in enumerate(results):
        title = f"{r.get('spec') or r.get('target')}: {r.get('check')}"
        parts.append(
            f'<article id="r{i}"><h2 class="article">{esc(title)}</h2>'
            f"{result_body(r, prefix=f'r{i}-')}</article>"
        )
    return "".join(parts)
