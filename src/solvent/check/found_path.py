"""The report of a path the falsifier found after the capped first attempt gave up.

The portfolio's derivation of any other member's FAIL (``portfolio``: shortening, the
incremental search, ``canonical.canonical``) is capped per check but not as a whole, and
on a spec whose capped attempt gave up (the cross-margin spec on one account: the
canonical unrolling at depth 4 used 59 s of CPU under a cap of 2 million units a check)
it ran to the budget, so the FAIL was printed at the end of it. Here every step is
counted, never timed, so the report is the same on a busy and an idle machine and with
any ``--jobs``:

1. the path is shrunk concretely first (``shrink``: steps deleted, draws and arguments
   made simpler, each candidate replayed; at most ``SHRINK_REPLAYS`` replays);
2. the depths below its violation are asked symbolically (``within.shorten``), each
   query capped at the first attempt's ``FIRST_RLIMIT`` units: a shorter violation's path
   replaces it, an unsatisfiable query makes its depth a shortest one, an undecided one
   stops the shortening (the report names the depths left undecided);
3. at a shortest depth, the one-shot query there (``members.at_depth_path``) under the
   same cap derives the canonical path; the canonical unrolling is not asked again (its
   capped attempt gave up on this spec already).

What does not answer leaves the shrunk path, replayed, with an honest note.
"""

from __future__ import annotations

from solvent.check.canonical import NOT_CANONICAL
from solvent.check.first_attempt import FIRST_RLIMIT, in_child
from solvent.check.members import Answer, at_depth_path
from solvent.check.replay import replay
from solvent.check.results import FAIL, CheckResult
from solvent.check.shrink import shrink
from solvent.check.solving import Deadline
from solvent.check.verdicts import confirmed
from solvent.engine.trace import Trace
from solvent.spec.spec import PredicateDecl, Spec

SHRINK_REPLAYS = 400  # `solvent shrink`'s default: a count, not seconds
# a safety net only: Z3 does not always stop at its resource cap (nonlinear checks); the
# symbolic steps then stop after this many seconds of their process's CPU time
NET_SECONDS = 20.0


def report_found(
    spec: Spec,
    decls: list[PredicateDecl],
    found: Answer,
    depth: int,
    deadline: Deadline,
    result: object,
    simplify: bool,
) -> CheckResult:
    """The replayed report of ``found`` (a falsifier's FAIL, ``found.trace`` set):
    shrunk, shortened as far as decided, canonical when the one-shot query answers."""
    from solvent.check.within import shorten

    assert found.trace is not None
    trace = shrink(spec, found.trace, max_replays=SHRINK_REPLAYS).trace
    t = len(trace.steps)
    cleared = int(str(found.extra.get("cleared", 0)))

    def symbolic() -> tuple[int, bool, Trace | None, CheckResult | None]:
        paths: list[Trace] = []
        e, shortest = shorten(spec, decls, t, deadline, FIRST_RLIMIT, paths)
        shorter = next((p for p in reversed(paths) if _fails_at(spec, p, e)), None)
        if e < t and shorter is None:  # pragma: no cover - a model path that does not replay
            e, shortest = t, False
        shortest = shortest or e - 1 <= cleared  # the capped attempt cleared the depths below
        if not shortest:
            return e, shortest, shorter, None
        one = at_depth_path(spec, decls, e, deadline, simplify, FIRST_RLIMIT)
        if one.verdict == FAIL and one.trace is not None:
            return e, shortest, shorter, confirmed(spec, one.trace, e, one.failed, depth, result)
        return e, shortest, shorter, None

    got = in_child(symbolic, deadline, NET_SECONDS)
    e, shortest, shorter, canon = (t, False, None, None) if got is None else got
    if canon is not None:
        return canon  # type: ignore[no-any-return]
    path = trace if shorter is None else shorter
    replayed = replay(spec, path)
    first = replayed.first_failure
    assert first is not None and first.step == e  # shrunk and shortened paths replay so
    note = "" if shortest else f" (a shorter one was not ruled out: {_undecided(cleared, e)})"
    note += NOT_CANONICAL.format(found.member).replace("own path,", "path, shrunk,")
    names = [x.name for x in replayed.failures if x.step == e]
    return confirmed(spec, path, e, names, depth, result, note)


def _fails_at(spec: Spec, path: Trace, step: int) -> bool:
    first = replay(spec, path).first_failure
    return first is not None and first.step == step and len(path.steps) == step


def _undecided(cleared: int, e: int) -> str:
    lo = min(cleared + 1, e - 1)
    span = f"depth {lo}" if lo == e - 1 else f"depths {lo}-{e - 1}"
    return f"{span} undecided within {FIRST_RLIMIT:,} resource units a query"
