"""``replay``: re-execute a recorded trace on the concrete backend, as a verdict.

The command line's ``solvent replay`` calls :func:`replay_run`; the options are those of
:mod:`solvent.api.verify`'s verbs (``settings_of``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from solvent.api.results import VerdictResult
from solvent.api.verify import SpecLike, prepared, read_trace, settings_of, verdict_result
from solvent.check.results import FAIL, PASS, CheckResult
from solvent.config import Settings
from solvent.engine.trace import Trace
from solvent.errors import EXIT_PASS, EXIT_VIOLATION
from solvent.spec.spec import Spec


def replay(
    spec: SpecLike,
    trace: Trace | Mapping[str, Any] | str | Path,
    *,
    expect_violation: bool = False,
    **options: Any,
) -> VerdictResult:
    """Re-execute a trace exactly on the concrete backend; FAIL at the first broken invariant.

    ``trace`` is a :class:`solvent.Trace`, its JSON form (a dict), or a file (a trace, or
    a result file with a counterexample). With ``expect_violation`` the exit code is 0 when the violation the
    trace records still happens, 1 when it does not (for CI).
    """
    return replay_run(spec, trace, settings_of(options), expect_violation=expect_violation)


def replay_run(
    spec: SpecLike,
    trace: Trace | Mapping[str, Any] | str | Path,
    settings: Settings,
    *,
    expect_violation: bool,
) -> VerdictResult:
    """The body of `solvent replay` (see :func:`replay`)."""
    from solvent.check.replay import replay as run_replay
    from solvent.engine.trace import from_json

    loaded, target = prepared(spec, settings)
    if isinstance(trace, Mapping):  # a trace's JSON form (what Trace.to_json gives)
        trace = from_json(trace, source="the trace given")
    recorded = trace if isinstance(trace, Trace) else read_trace(trace)
    start = time.perf_counter()
    resized = recorded.accounts != loaded.accounts and recorded.meta.get("found_by") == "stress"
    if resized:  # `solvent stress --accounts N` runs the spec with N accounts
        loaded = loaded.with_accounts(recorded.accounts)
    replayed = run_replay(loaded, recorded)
    edited = None if isinstance(trace, Trace | Mapping) else _edited_warning(str(trace))
    if edited is not None:
        replayed.notes.insert(0, edited)
    if recorded.spec != loaded.name:
        note = f"the trace was recorded on spec {recorded.spec}; replaying it on {loaded.name}"
        replayed.notes.insert(0, note)
    result = _replay_result(loaded, recorded, replayed, time.perf_counter() - start)
    recorded_violation, reproduced = _reproduced(recorded, replayed)
    if recorded_violation is not None and not reproduced:
        found = replayed.first_failure
        what = (
            f"the replay finds {found.label()} at step {found.step} instead"
            if found is not None
            else "the replay breaks no invariant"
        )
        note = (
            f"the violation recorded in the trace's #meta ({recorded_violation}) did not "
            f"reproduce: {what}; was the trace edited, or the spec changed?"
            + _forced_hint(loaded, recorded, replayed)
        )
        replayed.notes.insert(0, note)
        result.message += f"; the recorded violation ({recorded_violation}) did not reproduce"
    code = result.exit_code
    if expect_violation:
        code = EXIT_PASS if reproduced else EXIT_VIOLATION
        if not reproduced:
            result.message += " (--expect-violation: exit 1)"
    out = verdict_result(loaded, target, result, settings)
    out.doc["exit_code"] = code
    if expect_violation or (recorded_violation is not None and not reproduced):
        out.doc["details"]["expected_violation"] = {
            "recorded": recorded_violation,
            "reproduced": reproduced,
            "expected": expect_violation,
        }
    return out


def _edited_warning(path: str) -> str | None:
    """A note when the result file ``path`` was edited after solvent wrote it."""
    from solvent.integrity import result_warning_text

    try:
        return result_warning_text(Path(path).read_text(encoding="utf-8"), path)
    except (OSError, UnicodeDecodeError):
        return None


def _forced_hint(spec: Any, trace: Trace, replayed: Any) -> str:
    """Where a ``within=K`` declaration ran a keeper (or oracle update) the trace does not
    choose: the trace was likely recorded with a longer delay than the spec declares."""
    for record, step in zip(replayed.records[1:], trace.steps, strict=False):
        for name, account in record.fired:
            chosen = step.keepers.get(name)
            decl = next((k for k in spec.keepers if k.name == name), None)
            if chosen is None or decl is None or decl.within is None:
                continue
            if not chosen[0 if account is None else account]:
                return (
                    f" {decl.role} {name} ran at step {record.step} although the trace does not "
                    f"choose it: the spec declares within={decl.within}, which forces it then; "
                    f"a trace recorded with a longer delay replays on a spec with that delay "
                    f"({decl.assumption})"
                )
    return ""


def _reproduced(recorded: Trace, replayed: Any) -> tuple[str | None, bool]:
    """The violation a trace's ``#meta`` records ("NAME at step N"), and whether it recurs.

    Without a recorded violation any failure counts as reproducing it.
    """
    meta = recorded.meta.get("violation")
    if not isinstance(meta, dict):
        return None, replayed.first_failure is not None
    name, step = meta.get("invariant"), meta.get("step")
    label = f"{name} at step {step}"
    for failure in replayed.failures:
        if failure.step == step and (failure.name == name or failure.label() == name):
            return label, True
    return label, False


def _replay_result(spec: Spec, trace: Trace, replayed: Any, seconds: float) -> CheckResult:
    """A replay as a verdict: FAIL at the first failed invariant, else PASS."""
    steps = len(trace.steps)
    bound = f"{steps} step{'s' if steps != 1 else ''}"
    first = replayed.first_failure
    if first is None:
        return CheckResult(
            "replay", spec.name, PASS, bound, seconds, spec.accounts,
            message=f"no invariant violated in {bound}", details={"replay": replayed},
        )  # fmt: skip
    return CheckResult(
        "replay", spec.name, FAIL, bound, seconds, spec.accounts, invariant=first.label(),
        message=f"trace violates {first.label()} at step {first.step}",
        counterexample=trace, depth=first.step, details={"replay": replayed},
    )  # fmt: skip
