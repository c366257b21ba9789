"""What `prove` adds to its verdict: a PASS's assumptions and their slack, an UNKNOWN's why
and a CTI's checked lemma suggestions (the same for the CLI and the Python API)."""

from __future__ import annotations

import time

from solvent.check.results import PASS, CheckResult
from solvent.settings import Settings
from solvent.spec.spec import Spec

SLACK_PROBE_TIMEOUT = 10.0  # seconds per probe of a slack search without a timeout


def attributed(spec: Spec, settings: Settings, result: CheckResult) -> CheckResult:
    """A PASS of prove with its assumptions explained (and their slack, unless slack=False).

    The slack search is a frontier per used envelope bound; a bound whose frontier cannot
    be found says so in its text, the proof itself is unaffected. The slack search gets what
    the proof left of the budget (timeout, or the default budget), so the whole check
    keeps to it; the result's time is then the whole wall time, the slack search's own is
    in details (``slack_seconds``) and on the verdict line.
    """
    if result.verdict != PASS or result.check != "prove":
        return result
    from solvent.check import progress
    from solvent.check.attribution import attribute, attribution_json
    from solvent.check.probes import ProbeOptions

    began = time.perf_counter()
    deadline = began + max(0.001, settings.budget - result.seconds)
    options = ProbeOptions(
        k=result.k or settings.k,  # the depth that proved it: lets the bound be solved for
        timeout=settings.timeout or SLACK_PROBE_TIMEOUT,
        witness_depth=settings.witness_depth,
        invariants=settings.invariants,
        deadline=deadline,
        # a probe at the spec's own values is this proof; the probes need only verdicts
        spec_proved=result,
        minimize=False,
    )
    progress.note(phase="slack search (a frontier per envelope bound used)", depth=None)
    explained = attribute(spec, result, slack=settings.slack, options=options)
    result.details["attribution"] = attribution_json(explained)
    if settings.slack and explained.slacks:
        took = time.perf_counter() - began
        result.details["slack_seconds"] = round(took, 3)
        result.seconds += took
    return result


def explained(spec: Spec, settings: Settings, result: CheckResult) -> CheckResult:
    """An UNKNOWN with its why, a CTI with checked lemma suggestions (check/suggest.py)."""
    from solvent.check.induction import prove as run_prove
    from solvent.check.suggest import explain

    left = max(0.001, settings.budget - result.seconds)
    return explain(
        spec,
        result,
        run_prove,
        k=settings.k,
        max_k=settings.effective_max_k,
        timeout=left,
        budget=settings.timeout,
        invariants=list(settings.invariants) or None,
        jobs=settings.jobs,
    )
