"""What `prove` adds to its verdict: a PASS's assumptions and their slack, an UNKNOWN's why
and a CTI's checked lemma suggestions (the same for the CLI and the Python API)."""

from __future__ import annotations

import time

from solvent.check.results import PASS, CheckResult
from solvent.settings import Settings
from solvent.spec.spec import Spec


def attributed(spec: Spec, settings: Settings, result: CheckResult) -> CheckResult:
    """A PASS of prove with its assumptions explained (and their slack, unless slack=False).

    The slack search is a frontier per used envelope bound; a bound whose frontier cannot
    be found says so in its text, the proof itself is unaffected. Each solver call of the
    search is capped by ``probes.COUNTED_RLIMIT`` units of Z3's resource counter, not by time, so
    the slack does not depend on the machine's load. The search as a whole gets what the
    proof left of the budget (timeout, or the default budget), so the whole check keeps to
    it; a slack search that budget stops says its answer is a bound (``attribution``). The
    result's time is then the whole wall time, the slack search's own is in details
    (``slack_seconds``) and on the verdict line.
    """
    if result.verdict != PASS or result.check != "prove":
        return result
    from solvent.check import progress
    from solvent.check.attribution import attribute, attribution_json
    from solvent.check.lemma_reuse import proved_lemmas
    from solvent.check.probes import (
        COUNTED_CPU_NET,
        COUNTED_REFUTE_CPU_NET,
        COUNTED_RLIMIT,
        ProbeOptions,
    )

    began = time.perf_counter()
    deadline = began + max(0.001, settings.budget - result.seconds)
    options = ProbeOptions(
        k=result.k or settings.k,  # the depth that proved it: lets the bound be solved for
        timeout=None,  # no wall-clock cap per probe: counted (rlimit), and the deadline
        rlimit=COUNTED_RLIMIT,
        cpu_net=COUNTED_CPU_NET,
        refute_cpu_net=COUNTED_REFUTE_CPU_NET,
        witness_depth=settings.witness_depth,
        invariants=settings.invariants,
        deadline=deadline,
        # a probe at the spec's own values is this proof; the probes need only verdicts
        spec_proved=result,
        minimize=False,
        # each probe tries the lemmas this proof inferred first, before inferring its own
        lemmas=proved_lemmas(spec, result),
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
