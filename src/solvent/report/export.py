"""Regression exports of a replayed trace: a pytest file and a CSV of the path.

``pytest_file`` writes a test that rebuilds the trace (embedded as JSON), replays it
exactly on the spec in-process (``solvent.replay``) and checks the invariant it breaks
still breaks. It passes while the
bug is there; once the spec is fixed it fails with a message saying so, and flipping
``EXPECT_VIOLATION`` to False turns it into a guard that the fix stays fixed. A trace
that breaks nothing exports as that guard directly.

``csv_text`` writes one row per step: the envelope draws, every scalar field and metric,
the action, the keepers that fired, the failures, then every per-account field and metric
as ``name[account]`` columns. Numbers are exact (``1/3`` stays ``1/3``).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from solvent.report.html_parts import exact
from solvent.report.junit import base_name

_TEMPLATE = '''"""Regression test exported by `solvent replay {command} --export-pytest`.

{story}

While EXPECT_VIOLATION is True this test passes as long as the bug is there, and fails
once a fix makes the trace harmless. Then set EXPECT_VIOLATION = False: the test asserts
no invariant breaks along this path and guards the fix against regressions.

It replays the trace in-process with `solvent.replay` (exact arithmetic, the concrete
backend); the spec file is found relative to this file.
"""

import json
from pathlib import Path

import solvent
from solvent.testing import record

EXPECT_VIOLATION = {expect!r}
INVARIANT = {invariant!r}
HERE = Path(__file__).resolve().parent
SPEC_FILE = HERE / {spec_file!r}
SPEC_NAME = {spec_name!r}
PARAMS = {params!r}
TRACE = json.loads(
    r"""
{trace}
"""
)


def _broken_invariants():
    result = record(solvent.replay(str(SPEC_FILE), TRACE, name=SPEC_NAME, params=PARAMS))
    steps = result.to_dict()["replay"]["steps"]
    return sorted({{label.split("[")[0] for step in steps for label in step["failures"]}})


def {test_name}():
    broken = _broken_invariants()
    if EXPECT_VIOLATION:
        assert INVARIANT in broken, (
            f"the exported trace no longer breaks {{INVARIANT}} (broken now: {{broken or 'none'}}): "
            "the bug looks fixed; set EXPECT_VIOLATION = False to keep this test as a regression guard"
        )
    else:
        assert not broken, f"regression: the trace breaks {{', '.join(broken)}} again"
'''


def _identifier(text: str) -> str:
    out = re.sub(r"\W+", "_", text).strip("_").lower()
    return out or "trace"


def pytest_file(
    *,
    trace: Mapping[str, Any],
    replay: Mapping[str, Any],
    spec_file: str,
    out_path: str,
    spec_name: str | None = None,
    params: Mapping[str, str] | None = None,
    command: str = "",
) -> str:
    """The source of a pytest file that replays ``trace`` (its JSON form) on the spec."""
    failures = [f for st in replay.get("steps") or [] for f in st.get("failures") or []]
    first = base_name(failures[0]) if failures else None
    first_step = next(
        (st.get("step") for st in replay.get("steps") or [] if st.get("failures")), None
    )
    spec = trace.get("#meta", {}).get("spec", "spec")
    rel = os.path.relpath(Path(spec_file).resolve(), Path(out_path).resolve().parent)
    if first is not None:
        story = (
            f"The trace below ({len(trace.get('steps') or [])} steps, recorded on spec {spec}) "
            f"breaks invariant {first} at step {first_step}."
        )
        name = f"test_{_identifier(spec)}_{_identifier(first)}_still_breaks"
    else:
        story = (
            f"The trace below ({len(trace.get('steps') or [])} steps, recorded on spec {spec}) "
            "breaks no invariant: this test guards that it stays that way."
        )
        name = f"test_{_identifier(spec)}_trace_stays_safe"
    return _TEMPLATE.format(
        command=command,
        story=story,
        expect=first is not None,
        invariant=first,
        spec_file=Path(rel).as_posix(),
        spec_name=spec_name,
        params=dict(params or {}),
        trace=json.dumps(trace, indent=2),
        test_name=name,
    )


def csv_text(replay: Mapping[str, Any]) -> str:
    """The path and per-step state of a replay as CSV (see the module docstring)."""
    steps: Sequence[Mapping[str, Any]] = replay.get("steps") or []
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if not steps:
        writer.writerow(["step"])
        return out.getvalue()
    draws = sorted({k for st in steps for k in st.get("market", {})})
    state0, metrics0 = steps[0].get("state", {}), steps[0].get("metrics", {})
    scalars = [k for k, v in state0.items() if not isinstance(v, list)]
    scalar_metrics = [k for k, v in metrics0.items() if not isinstance(v, list)]
    per_account = [(k, len(v), "state") for k, v in state0.items() if isinstance(v, list)]
    per_account += [(k, len(v), "metrics") for k, v in metrics0.items() if isinstance(v, list)]
    head = [
        "step",
        *draws,
        *scalars,
        *scalar_metrics,
        "action",
        "action_enabled",
        "keepers",
        "failures",
    ]
    head += [f"{name}[{a}]" for name, n, _ in per_account for a in range(n)]
    writer.writerow(head)
    for st in steps:
        row = [st.get("step", 0)]
        row += [_cell(st.get("market", {}).get(d)) for d in draws]
        row += [_cell(st.get("state", {}).get(n)) for n in scalars]
        row += [_cell(st.get("metrics", {}).get(n)) for n in scalar_metrics]
        enabled = st.get("action_enabled")
        row += [st.get("action") or "", "" if enabled is None else str(enabled).lower()]
        row += [";".join(st.get("keepers") or []), ";".join(st.get("failures") or [])]
        for name, n, part in per_account:
            values = st.get(part, {}).get(name) or []
            row += [_cell(values[a]) if a < len(values) else "" for a in range(n)]
        writer.writerow(row)
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = exact(value)
    return text.split(" (~", 1)[0]
