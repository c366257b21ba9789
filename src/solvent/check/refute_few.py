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

from collections.abc import Callable, Sequence
from typing import Any, cast

from solvent.check.decompose_one import lifted
from solvent.check.results import FAIL, PASS, CheckResult
from solvent.errors import UsageError
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
