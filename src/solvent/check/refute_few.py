"""A frontier's counterexample search on the fewest accounts first, lifted back.

A probe beyond a proved value asks bmc for a replay-confirmed counterexample. On the
spec's own accounts that search grows with them: the close-factor perp of
tests/check/specs/close_factor.py at 10 and 30 accounts stalled at depth 1 of 3 for the
whole 60 s budget (round 22), while one account gives the path in under a second. So the
search runs first on the fewest accounts every action can take (one, or the most
accounts an action names: a trade between two), ``EXTRA_DEPTH`` steps deeper than the
search asked for (hlp_backstop's and the close-factor bug's shortest paths have four
steps; the default depth is three), each solver call capped tighter than the probe's own search (``FEW_RLIMIT``).

This only *finds*: what it finds counts when the lift to the spec's accounts (the other
accounts start at a state the initial condition allows and take no action) replays on
the spec and breaks a target at the same step (``decompose_one.lifted``), exactly as
every other counterexample. Nothing it does not find is concluded from it: the search
on the spec's own accounts then runs as before.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, cast

from solvent.check.decompose_one import lifted
from solvent.check.replay import replay
from solvent.check.results import FAIL, PASS, CheckResult
from solvent.errors import ModelParameterError, UsageError
from solvent.spec.spec import Spec

# steps beyond the asked depth searched on the fewest accounts
EXTRA_DEPTH = 2
# each depth's solver call capped by this many units of Z3's resource counter (a count,
# not a clock: the same answer at any load), with this many seconds of CPU as the net
# behind it: a search to find, not to clear a value; the safe zero-sum funding's
# nonlinear depths (positions x funding) ran the whole 60 s budget under the probe's own
# caps (50 million units, 30 s a call) and found nothing
FEW_RLIMIT = 10_000_000
FEW_CPU_NET = 2.0


def fewest(spec: Spec) -> Spec:
    """The copy of ``spec`` on the fewest accounts every action can take (``spec`` itself
    when it has no more, or when its accounts do not all start alike), without lemmas
    (proof aids only: a bounded search without them is sound and reports no lemma)."""
    m = max([1, *(d.n_accounts for d in (*spec.actions, *spec.keepers))])
    small = spec
    if spec.accounts > m:
        try:
            small = spec.with_accounts(m)
        except UsageError:  # per-account initial values differ: no account is "the other"
            small = spec
    alone = small.with_params()
    alone.lemmas = []
    return alone


def search_few(
    spec: Spec,
    depth: int,
    targets: Sequence[str],
    search: Callable[[Spec, int], CheckResult],
) -> tuple[CheckResult, CheckResult | None]:
    """``search(fewest(spec), depth + EXTRA_DEPTH)`` and its counterexample as one of
    ``spec``'s (a FAIL on ``spec``'s accounts, replayed there, breaking one of
    ``targets``), or None."""
    small = fewest(spec)
    found = search(small, depth + EXTRA_DEPTH)
    if found.verdict != FAIL or found.counterexample is None:
        return found, None
    if small.accounts == spec.accounts:
        name = (found.invariant or "").split("[", 1)[0]
        return found, (found if name in targets else None)
    how = f" on {small.accounts} account(s)"
    return found, lifted(spec, found, list(targets), how)


def refuted_few(
    spec: Spec, o: Any, targets: Sequence[str], cap: float | None, counted: dict[str, Any]
) -> CheckResult | None:
    """A probe's first counterexample search (``Prober.refute``) with the options ``o``
    (``probes.ProbeOptions``; ``counted``: the probe's own caps for bmc): the
    counterexample of ``search_few`` on ``spec``, or None; also its PASS when the fewest
    accounts are the spec's own (a deeper search than the asked one: no need to ask
    again)."""
    from solvent.check.bmc import bmc

    if o.rlimit is not None:  # a search to find, capped tighter than the probe's own
        counted = {"rlimit": min(o.rlimit, FEW_RLIMIT), "cpu_cap": FEW_CPU_NET}

    def run(small: Spec, depth: int) -> CheckResult:
        return cast(
            CheckResult,
            o.stopped(
                lambda: bmc(
                    small,
                    depth,
                    timeout=o.budget(cap),
                    invariants=list(targets),
                    simplify=o.simplify,
                    **counted,
                ),
                lambda phase: o.ran_out("bmc", phase),
            ),
        )

    searched, found = search_few(spec, o.depth, targets, run)
    if found is None and searched.accounts == spec.accounts and searched.verdict == PASS:
        return searched
    return found


def falsified_start(p: Any, value: Any) -> Any:
    """``p``'s (a ``probes.Prober``) refutation of ``value`` by the falsifier's paths
    (``falsified_few``), recorded like ``Prober.refute``'s, or None: bisection's "is the
    start unsafe?" asks it before the solver's search, whose depths can cost minutes."""
    o, start = p.options, time.perf_counter()
    if o.expired():
        return None
    try:
        spec = p.at(value)
    except ModelParameterError:
        return None
    found = o.stopped(lambda: falsified_few(spec, o.depth, p.targets), lambda _: None)
    if found is None:
        return None
    p.few.add(value)
    return p._record(p.refutations, value, "bmc", "is the start unsafe?", found, start)


def falsified_few(spec: Spec, depth: int, targets: Sequence[str]) -> CheckResult | None:
    """Concrete paths of up to ``FALSIFY_DEPTH`` steps on the fewest accounts (the
    portfolio's falsifier, ``falsify``: seeded, ``FALSIFY_PATHS`` of them, counted, not
    timed), the first that breaks a target shrunk concretely and lifted to ``spec``'s
    accounts like the solver's (a FAIL replayed there), or None.

    The solver's depths grow costly on nonlinear steps: the close-factor bug at
    maintenance 5% (tests/check/specs/close_factor.py) breaks at depth 6, which neither
    the search here (depth 5, capped) nor bmc on the spec's 3 accounts (depth 3) reached
    in 113 s, so synth answered UNKNOWN at its conservative end (round 23); 192 paths
    (0.8 s of CPU) find it."""
    from solvent.check.falsify import falsify
    from solvent.check.found_path import SHRINK_REPLAYS
    from solvent.check.shrink import shrink
    from solvent.check.solving import Deadline, result_maker
    from solvent.check.verdicts import confirmed

    small = fewest(spec)
    names = [n for n in targets if n in {d.name for d in small.properties()}]
    far = max(FALSIFY_DEPTH, depth + EXTRA_DEPTH + 1)
    trace, _tried = falsify(small, names, far, seconds=None, max_paths=FALSIFY_PATHS)
    if trace is None:
        return None
    trace = shrink(small, trace, max_replays=SHRINK_REPLAYS).trace
    replayed = replay(small, trace).first_failure
    if replayed is None:
        return None
    t = len(trace.steps)
    result = result_maker("bmc", small, Deadline(None))
    found = confirmed(small, trace, t, [replayed.name], far, result, FALSIFIED)
    if small.accounts == spec.accounts:
        return found
    return lifted(spec, found, list(targets), f" on {small.accounts} account(s)")


# the falsifier's paths: how many, and how deep (at least; one step deeper than the
# solver's search here when that is deeper)
FALSIFY_PATHS = 1000
FALSIFY_DEPTH = 8


FALSIFIED = (
    " (a concrete path of the falsifier, shrunk: not necessarily a shortest one, the "
    "solver's depths did not answer within their caps)"
)
