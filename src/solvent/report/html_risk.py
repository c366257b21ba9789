"""Report sections of the risk answers: frontier / synth (``solvent-frontier/1``), the
two-parameter safe region (``solvent-synth-grid/1``), and the spec listing
(``solvent-spec/1``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from solvent.report import charts
from solvent.report.html_parts import badge, esc, exact, figure, items, kv, para, section, table
from solvent.report.html_result import counterexample
from solvent.report.series import num


# ------------------------------------------------------------------ frontier / synth
def frontier_body(doc: Mapping[str, Any]) -> str:
    param = doc.get("param", "?")
    head = (
        f'<p class="verdict">{badge(doc.get("verdict"))} <b>{esc(param)}</b> '
        f"{esc(doc.get('check'))} {esc(doc.get('direction'))} {esc(doc.get('message'))}</p>"
    )
    rows = [
        ("spec", doc.get("spec")),
        ("target", doc.get("target")),
        ("parameter", f"{param} ({doc.get('kind')}, {doc.get('side')})"),
        ("spec's value", exact(doc.get("spec_value"))),
        ("direction", doc.get("direction")),
        ("status", doc.get("status")),
        (
            "largest proved value" if doc.get("direction") == "up" else "proved value",
            exact(doc.get("safe")),
        ),
        ("first counterexample", exact(doc.get("unsafe"))),
        ("tolerance", exact(doc.get("tol"))),
        (
            "search range",
            " .. ".join(exact(x) if x is not None else "open" for x in doc.get("range") or []),
        ),
        ("method", doc.get("method")),
        ("why this method", doc.get("method_reason")),
        (
            "monotone",
            {True: "consistent at every probe", False: "NOT monotone", None: "not checked"}.get(
                doc.get("monotone")
            ),
        ),
        ("exit code", doc.get("exit_code")),
    ]
    parts = [section("summary", "Answer", head + kv(rows))]
    if doc.get("because"):
        parts.append(section("assumptions", "What the boundary proof rests on", _boundary(doc)))
    probes = doc.get("probes") or []
    chart = figure(
        "frontier",
        charts.frontier(
            probes,
            param=str(param),
            safe=num(doc.get("safe")),
            unsafe=num(doc.get("unsafe")),
            spec_value=num(doc.get("spec_value")),
        ),
        "Every probe on the parameter axis, coloured by outcome (green: proved for every path "
        "length; red: replay-confirmed counterexample); the shaded side is proved safe.",
    )
    non_mono = doc.get("non_monotone") or []
    warn = ""
    if non_mono:
        warn = para(
            "Not monotone: "
            + "; ".join(f"proved at {a}, not at {b}" for a, b in non_mono)
            + ". The boundary above is one of several.",
            "fail-note",
        )
    parts.append(
        section(
            "frontier",
            "Frontier",
            warn
            + chart
            + table(
                ["value", "outcome", "check", "verdict", "bound", "seconds", "purpose"],
                [
                    [
                        exact(p.get("value")),
                        p.get("outcome"),
                        p.get("check"),
                        p.get("verdict"),
                        p.get("bound"),
                        p.get("seconds"),
                        p.get("purpose"),
                    ]
                    for p in probes
                ],
                numeric=lambda i: i in (0, 5),
            ),
        )
    )
    runs = doc.get("runs") or []
    if runs:
        parts.append(
            section(
                "methods",
                "Methods run",
                table(
                    [
                        "method",
                        "answer",
                        "safe",
                        "unsafe",
                        "checks",
                        "solver calls",
                        "seconds",
                        "note",
                    ],
                    [
                        [
                            r.get("method"),
                            "yes" if r.get("ok") else "no",
                            exact(r.get("safe")),
                            exact(r.get("unsafe")),
                            r.get("checks"),
                            r.get("solver_calls"),
                            r.get("seconds"),
                            r.get("note"),
                        ]
                        for r in runs
                    ],
                ),
            )
        )
    beyond = doc.get("beyond") or {}
    if beyond.get("replay"):
        parts.append(
            counterexample(
                beyond["replay"],
                title=f"Counterexample just beyond: {param} = {exact(beyond.get('value'))}",
                anchor="counterexample",
            )
        )
    return "".join(parts)


def _boundary(doc: Mapping[str, Any]) -> str:
    b = doc.get("boundary") or {}
    body = para(doc.get("because") or "", "because")
    body += '<div class="cols"><div><h3>assumptions used</h3>' + items(
        b.get("assumptions_used") or []
    )
    body += "</div><div><h3>not needed</h3>" + items(b.get("assumptions_unused") or [])
    return body + "</div></div>"


# ------------------------------------------------------------------ grid
def grid_body(doc: Mapping[str, Any]) -> str:
    a, b = (doc.get("params") or ["?", "?"])[:2]
    axes = doc.get("axes") or [[], []]
    cells = {(c.get(a), c.get(b)): c for c in doc.get("cells") or []}
    outcomes = [
        [(cells.get((x, y)) or {}).get("outcome", "unknown") for y in axes[1]] for x in axes[0]
    ]
    cheapest = [(c.get(a), c.get(b)) for c in doc.get("cheapest") or []]
    head = (
        f'<p class="verdict">{badge(doc.get("verdict"))} <b>{esc(a)} × {esc(b)}</b> synth grid '
        f"{esc(doc.get('message'))}</p>"
    )
    parts = [
        section(
            "summary",
            "Answer",
            head
            + kv(
                [
                    ("spec", doc.get("spec")),
                    ("target", doc.get("target")),
                    ("direction", doc.get("direction")),
                    ("exit code", doc.get("exit_code")),
                    ("seconds", doc.get("seconds")),
                ]
            ),
        )
    ]
    body = ""
    if doc.get("non_monotone"):
        body += para(
            "Not monotone: "
            + "; ".join(
                f"proved at ({', '.join(map(str, g))}), not at the more conservative "
                f"({', '.join(map(str, f))})"
                for g, f in doc["non_monotone"][:5]
            ),
            "fail-note",
        )
    if axes[0] and axes[1]:
        body += figure(
            "heat-map",
            charts.heat_map(axes, [a, b], outcomes, cheapest),
            "One cell per grid point: ✓ proved for every path length, ✗ replay-confirmed "
            "counterexample, ? neither; the line joins the cheapest proved value of each row.",
        )
    body += table(
        [f"{a} \\ {b}", *axes[1]],
        [[x, *outcomes[i]] for i, x in enumerate(axes[0])],
        cls="grid",
    )
    word = "smallest" if doc.get("direction") == "down" else "largest"
    body += "<h3>cheapest safe point per row</h3>" + table(
        [a, f"{word} proved {b}"],
        [[x, y if y is not None else "none in the grid"] for x, y in cheapest],
    )
    parts.append(section("region", "Safe region", body))
    return "".join(parts)


# ------------------------------------------------------------------ spec
def spec_body(doc: Mapping[str, Any]) -> str:
    def decls(title: str, key: str) -> str:
        rows = [[d.get("name"), d.get("doc", ""), d.get("where") or ""] for d in doc.get(key) or []]
        return (
            f"<h3>{esc(title)}</h3>" + table(["name", "description", "where"], rows) if rows else ""
        )

    body = kv(
        [
            ("spec", doc.get("spec")),
            ("target", doc.get("target")),
            ("where", doc.get("where")),
            ("accounts", doc.get("accounts")),
            ("arithmetic", doc.get("arithmetic")),
        ]
    )
    body += "<h3>params</h3>" + table(
        ["name", "value", "default", "where"],
        [
            [n, exact(p.get("value")), exact(p.get("default")), p.get("where") or ""]
            for n, p in (doc.get("params") or {}).items()
        ],
    )
    body += "<h3>envelope</h3>" + table(
        ["bound", "lo", "hi", "where"],
        [
            [n, exact(e.get("lo")), exact(e.get("hi")), e.get("where") or ""]
            for n, e in (doc.get("envelope") or {}).items()
        ],
    )
    body += "<h3>state</h3>" + table(
        ["field", "sort", "per account", "initial", "where"],
        [
            [
                n,
                f.get("sort"),
                "yes" if f.get("per_account") else "no",
                _init(f.get("init")),
                f.get("where") or "",
            ]
            for n, f in (doc.get("state") or {}).items()
        ],
    )
    for title, key in (
        ("actions", "actions"),
        ("keepers", "keepers"),
        ("invariants", "invariants"),
        ("lemmas", "lemmas"),
        ("witnesses", "witnesses"),
        ("metrics", "metrics"),
    ):
        body += decls(title, key)
    return section("spec", f"Spec {doc.get('spec')}", body)


def _init(value: Any) -> str:
    if isinstance(value, Mapping):
        return f"within [{exact(value.get('lo'))}, {exact(value.get('hi'))}]"
    if isinstance(value, Sequence) and not isinstance(value, str):
        return ", ".join(_init(v) for v in value)
    return exact(value)
