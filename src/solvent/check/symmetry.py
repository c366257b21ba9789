"""Few active accounts first: bmc's search on a smaller copy of the spec, lifted back.

With many accounts the solver spends its time on accounts that take no part in the
violation. When every account starts alike (uniform per-account initial values, the
condition of ``Spec.with_accounts``), the ``few`` member of the bmc portfolio searches
the same spec with 1, then 2, ... ``MAX_ACTIVE`` accounts and *lifts* what it finds to the
spec's own number of accounts: the found accounts keep their path, the others start from
one of a few fixed quiet states (every symbolic initial value at its domain's low end,
then a copy of account 0's start, then the high end) and take no action, and adversarial
keepers do not fire on them.

This is an under-approximation used only to *find*: a lifted path counts only when the
concrete judge replays it on the full spec and sees the violation at the same step, so it
needs no symmetry argument to be sound, and it never proves anything (a PASS on fewer
accounts says nothing about more). The depth it finds is a shortest one for the smaller
spec only; the portfolio shortens it on the full spec.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from fractions import Fraction
from typing import Any

from solvent.check.replay import replay
from solvent.engine.trace import Trace, TraceStep
from solvent.errors import UsageError
from solvent.lang.domains import AnyBool, Within
from solvent.spec.spec import PredicateDecl, Spec

MAX_ACTIVE = 3  # the largest number of active accounts tried
# up to this many accounts the canonical counterexample is derived on the full spec;
# above it, on the fewest accounts that show the violation (see ``portfolio.canonical``)
FULL_CANONICAL_ACCOUNTS = 3


def smaller(spec: Spec) -> list[tuple[int, Spec]]:
    """The copies of ``spec`` with 1 .. MAX_ACTIVE (fewer than its own) accounts.

    Empty when the spec has one account or its accounts do not all start alike.
    """
    out: list[tuple[int, Spec]] = []
    for m in range(1, min(spec.accounts - 1, MAX_ACTIVE) + 1):
        try:
            out.append((m, spec.with_accounts(m)))
        except UsageError:  # per-account initial values differ: accounts are not alike
            return []
    return out


def same_decls(small: Spec, decls: Sequence[PredicateDecl]) -> list[PredicateDecl]:
    """``decls`` (by name, in their order) as declared in the copy ``small``."""
    mine = {d.name: d for d in (*small.properties(), *small.lemmas)}
    return [mine[d.name] for d in decls if d.name in mine]


def _quiet(init: Any, mode: int, first: Any) -> Any:
    if mode == 1:
        return first
    if isinstance(init, Within):
        return Fraction(init.lo if mode == 0 else init.hi)
    if isinstance(init, AnyBool):
        return mode == 2
    return init


def lifts(spec: Spec, trace: Trace) -> Iterator[Trace]:
    """``trace`` of fewer accounts as traces of ``spec``, one per quiet start tried."""
    m, n = trace.accounts, spec.accounts
    steps = []
    for st in trace.steps:
        keepers = {}
        for kd in spec.keepers:
            fired = st.keepers.get(kd.name)
            if fired is None:
                continue
            keepers[kd.name] = (*fired, *(False,) * (n - m)) if kd.n_accounts else fired
        steps.append(TraceStep(st.market, st.action, keepers))
    for mode in range(3):
        init: dict[str, Any] = {}
        for name, fd in spec.fields.items():
            if not fd.per_account:
                init[name] = trace.init[name]
                continue
            mine = tuple(trace.init[name])
            rest = tuple(_quiet(fd.init[i], mode, mine[0]) for i in range(m, n))
            init[name] = mine + rest
        yield Trace(spec.name, n, init, tuple(steps), trace.params, dict(trace.meta))


def lift(spec: Spec, trace: Trace, step: int, names: Sequence[str]) -> Trace | None:
    """The first lift of ``trace`` whose replay on ``spec`` breaks ``names`` at ``step``."""
    found = lift_replayed(spec, trace, step, names)
    return None if found is None else found[0]


def lift_replayed(
    spec: Spec, trace: Trace, step: int, names: Sequence[str]
) -> tuple[Trace, Any] | None:
    """``lift``, with the concrete replay on ``spec`` that confirmed it."""
    from solvent.check.falsify import _initial_ok

    wanted = set(names)
    for cand in lifts(spec, trace):
        if not _initial_ok(spec, cand):
            continue
        result = replay(spec, cand)
        first = result.first_failure
        if first is not None and first.step == step:
            if any(f.step == step and f.name in wanted for f in result.failures):
                return cand, result
    return None
