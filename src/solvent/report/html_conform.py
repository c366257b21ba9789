"""The HTML report of `solvent conform` (a ``solvent-conform/1`` document).

What was compared (traces, steps, sources, fields), and for a divergence: the step, the
field, both values, the spec rule that wrote it, and the shrunk trace step by step with
the diverging step marked. Testing, not a proof: the page says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from solvent.report.html_parts import badge, esc, kv, para, section, table

# the rows of a divergence: (label, key of the divergence), then (label, key of the document)
DIVERGENCE = (
    ("step", "step"),
    ("what", "what"),
    ("the spec says", "spec"),
    ("the implementation says", "implementation"),
    ("written by (spec)", "written_by"),
    ("action of the step", "action"),
)
FOUND = (("found in", "found_in"), ("found at step", "found_at_step"))


def conform_body(doc: Mapping[str, Any]) -> str:
    verdict = doc.get("verdict")
    parts = [
        section(
            "summary",
            "Verdict",
            f'<p class="verdict">{badge(verdict)} {esc(doc.get("message"))}</p>'
            + kv(
                [
                    ("spec", f"{doc.get('spec')} ({doc.get('target', '')})"),
                    ("implementation", doc.get("impl")),
                    ("traces compared", f"{doc.get('traces', 0):,}"),
                    ("steps compared", f"{doc.get('steps', 0):,}"),
                    (
                        "sources",
                        ", ".join(f"{k}: {v:,}" for k, v in (doc.get("sources") or {}).items()),
                    ),
                    ("fields compared", ", ".join(doc.get("compared") or [])),
                ]
            )
            + para(
                "Testing, not a proof: only the traces run were compared. A proof of the "
                "spec covers the spec, not the implementation."
            ),
        )
    ]
    div = doc.get("divergence")
    if div:
        parts.append(
            section(
                "divergence",
                "Divergence",
                kv(
                    [(label, div.get(key)) for label, key in DIVERGENCE]
                    + [(label, doc.get(key)) for label, key in FOUND]
                    + [("shrunk to", f"{div.get('steps')} step(s), {doc.get('shrink_runs')} runs")]
                ),
            )
        )
        trace = doc.get("counterexample")
        if isinstance(trace, Mapping):
            parts.append(section("trace", "Shrunk trace", _trace(trace, div.get("step"))))
    return "".join(parts)


def _trace(trace: Mapping[str, Any], bad: Any) -> str:
    init = trace.get("init") or {}
    start = table(
        ["field", "initial value"],
        [[k, ", ".join(map(str, v)) if isinstance(v, list) else v] for k, v in init.items()],
    )
    rows = []
    for t, st in enumerate(trace.get("steps") or [], start=1):
        market = ", ".join(f"{k} = {v}" for k, v in (st.get("market") or {}).items())
        act = st.get("action")
        if isinstance(act, Mapping):
            args = ", ".join(f"{k}={v}" for k, v in (act.get("args") or {}).items())
            who = ", ".join(str(a) for a in act.get("accounts") or [])
            action = f"{act.get('name')}({who}{', ' + args if args else ''})"
        else:
            action = "no action"
        mark = "← diverges here" if t == bad else ""
        rows.append([str(t), market, action, mark])
    steps = table(["step", "market", "action", ""], rows)
    return (
        start
        + steps
        + para(
            "Replay it on the spec with `solvent replay SPEC TRACE.json` or re-run it on the "
            "implementation with `solvent conform SPEC --impl ADAPTER --trace TRACE.json` "
            "(write it with -o)."
        )
    )
