"""What the one-account proof of an any-N decomposition gives, beyond a PASS.

- A **CTI**: ``infer.strengthen`` looks for lemmas the spec implies (its keepers' and
  actions' guards, sign facts of the initial condition, the CTI's templates), proves them
  inductive and proves the spec with them: a PASS for every number of accounts that says
  which lemmas it inferred (``inferred_pass``).
- A **counterexample** on one account (the base case, or a real path found after a CTI):
  it is lifted to the spec's own N accounts, the other accounts starting at a state the
  initial condition allows and taking no action (``symmetry.lifts``), and replayed on the
  concrete backend at N. Only when that replay breaks a property of the spec at the same
  step is it reported, as a FAIL on N accounts (``lifted``). The lift needs no argument
  about the accounts: the replay on N accounts is the judge.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from solvent.check import progress
from solvent.check.results import CTI, FAIL, PASS, UNKNOWN, CheckResult
from solvent.check.solving import Deadline, searched_properties
from solvent.check.symmetry import FULL_CANONICAL_ACCOUNTS, lift_replayed
from solvent.check.verdicts import inductive
from solvent.engine.trace import Trace
from solvent.spec.spec import Spec

if TYPE_CHECKING:  # the inference only runs in a proof: a bmc run does not import it
    from solvent.check.infer import Inferred


def inferred_pass(
    one_spec: Spec,
    failed: CheckResult,
    prove: Callable[..., CheckResult],
    exclude: Sequence[str],
    timeout: float | None,
    kwargs: dict[str, Any],
) -> tuple[CheckResult, list[Inferred]] | None:
    """The one-account proof with inferred lemmas (and them), or None when none held.

    Its verdict is PASS (then ``details["inferred_lemmas"]`` lists them), or what the
    proof with them gave: a FAIL there is a real path (the caller lifts it only when it
    breaks a property of the spec, never just an inferred lemma)."""
    if failed.verdict not in (CTI, UNKNOWN):
        return None
    from solvent.check.infer import strengthen

    rest = {k: v for k, v in kwargs.items() if k != "timeout"}
    rest["search_depth"] = 1  # a failure here is the lemmas', not the spec's: no search
    found = strengthen(one_spec, failed, prove, exclude=exclude, timeout=timeout, **rest)
    if found is None:
        return None
    result, lemmas = found
    if result.verdict == PASS:
        result.details["inferred_lemmas"] = [i.to_json() for i in lemmas]
    return result, lemmas


def inferred_note(lemmas: Sequence[Inferred]) -> str:
    """``; with 2 lemmas inferred from the spec, proved with it: a (...), b (...)``."""
    what = "lemma" if len(lemmas) == 1 else f"{len(lemmas)} lemmas"
    names = ", ".join(f"{i.decl.name} ({i.text})" for i in lemmas)
    return f"; with {what} inferred from the spec, each proved with it by induction: {names}"


def lifted(spec: Spec, one: CheckResult, names: Sequence[str], how: str = "") -> CheckResult | None:
    """``one`` (a FAIL on one account) as a FAIL on ``spec``'s accounts, or None.

    ``names``: the properties of ``spec`` the lifted path may break (a property of the
    one-account spec only, such as an accumulator's step lemma, does not count). The
    lift is replayed on ``spec`` (all its accounts); it counts only when that replay
    breaks one of ``names`` at the step where the one-account path did.
    """
    trace, d = one.counterexample, one.depth
    if one.verdict != FAIL or trace is None or d is None:
        return None
    replayed = one.details.get("replay")
    broken = [f.name for f in getattr(replayed, "failures", ()) if f.step == d]
    wanted = [n for n in names if n in broken]
    if not wanted:
        return None
    if spec.accounts == 1:
        init = {f: v for f, v in trace.init.items() if f in spec.fields}
        plain = Trace(spec.name, 1, init, trace.steps, trace.params, dict(trace.meta))
        from solvent.check.replay import replay

        again = replay(spec, plain)
        if not any(f.step == d and f.name in wanted for f in again.failures):
            return None
        found: tuple[Trace, Any] | None = (plain, again)
    else:
        found = lift_replayed(spec, trace, d, wanted)
    if found is None:
        return None
    path, replay_n = found
    hit = next(f for f in replay_n.failures if f.step == d and f.name in wanted)
    meta = {
        "found_by": trace.meta.get("found_by", one.check),
        "violation": {"step": d, "invariant": hit.label()},
        "lifted_from_accounts": trace.accounts,
    }
    n, m = spec.accounts, trace.accounts
    path = Trace(path.spec, n, path.init, path.steps, path.params, meta)
    message = one.message
    if n > m:
        others = (
            "the other account starts at a state the initial condition allows and takes"
            if n - m == 1
            else f"the other {n - m} start at a state the initial condition allows and take"
        )
        on = "one account" if m == 1 else f"{m} accounts"
        message += (
            f"; found on {on} and lifted to {n} ({others} no action), confirmed by "
            f"concrete replay on {n} accounts"
        )
    details = {k: v for k, v in one.details.items() if k != "replay"}
    return CheckResult(
        one.check,
        spec.name,
        FAIL,
        one.bound + how,
        one.seconds,
        n,
        invariant=hit.label(),
        message=message,
        counterexample=path,
        depth=d,
        k=one.k,
        details={**details, "replay": replay_n},
    )


# the search on the spec's own accounts gets this share of what is left, the proof the
# rest: on a safe spec that search only costs time
OWN_SEARCH_SHARE = 0.5
# up to this many accounts a 1-inductive spec is not searched (the check costs 0.5-2.4 s
# of CPU at 3 accounts; at 100 accounts 3.2 s, on every coupled spec's search: skipped)
INDUCTIVE_FIRST_ACCOUNTS = 10


def search_one(
    spec: Spec,
    bmc: Callable[..., CheckResult],
    depth: int,
    names: Sequence[str],
    timeout: float | None,
    jobs: int | None,
    proved_first: bool = True,
) -> CheckResult | None:
    """A real path of ``spec`` found on one account (bmc), lifted to its accounts, or one
    found by bmc on its own accounts when the one-account search gave up; else None.

    ``proved_first``: whether a proof on one account ran (and did not pass) before the
    search; the message says so only then (the needle's decomposition is refused and no
    proof on one account runs).

    The one-account search is the bmc portfolio's capped first attempt alone (each of its
    solver checks capped by Z3's resource counter, ``first_attempt.FIRST_RLIMIT``, with
    ``FIRST_SECONDS`` of the attempt's CPU time, not wall time, as the safety net for a
    check Z3 runs past its cap, as on the needle; its counterexample derived canonically);
    the race is not run there (``before_race`` ends it). So whether it answers depends on
    the spec, not on the machine's load:
    round 18 gave it 20 s of wall clock, and on a busy machine a path it would have found
    after 20 s went to the search on the spec's accounts instead. On one account the
    stale-bracket needle (examples/bugs_detected/perp_needle.py) is UNKNOWN after 100 s of
    bmc at depth 3 while its 3 accounts give the path, and the search on one account took
    prove's whole budget (600 s): when the attempt gives up, bmc runs on the spec's own
    accounts (its whole portfolio, which also searches one active account) with the rest.
    The search on the spec's own accounts then gets ``OWN_SEARCH_SHARE`` of what is left,
    so the proof after it keeps the rest. A spec of at most ``INDUCTIVE_FIRST_ACCOUNTS``
    accounts whose properties and lemmas are already 1-inductive on them
    (``verdicts.inductive``, capped by Z3's resource counter) is not searched at all: the
    covered-call vault of
    tests/check/specs/call_vault.py with its lemmas spent 76 s of `prove --timeout 120`
    on 3 accounts in this search, and the proof after it ran out of time (UNKNOWN).
    """
    began = time.perf_counter()
    props = searched_properties(spec, list(names) or None)
    if spec.accounts <= INDUCTIVE_FIRST_ACCOUNTS and inductive(spec, props, Deadline(timeout)):
        return None  # no real path to find: the proof after the search proves it at k=1
    one = spec.with_accounts(1)
    real = bmc(
        one,
        depth,
        timeout=timeout,
        invariants=list(names) or None,
        jobs=1 if jobs is None else jobs,
        before_race=_gave_up(one, depth),
    )
    found = lifted(spec, real, [*names, *(d.name for d in spec.lemmas)], " on one account")
    if found is not None:
        first = "the proof did not pass on one account and " if proved_first else ""
        found.message = f"{first}bmc found a real path on one account: {found.message}"
        return found
    left = None if timeout is None else timeout - (time.perf_counter() - began)
    if real.verdict != UNKNOWN or (left is not None and left < 1.0):
        return None
    progress.note(phase=f"prove: bmc on {spec.accounts} accounts, depth {depth}")
    own_share = None if left is None else left * OWN_SEARCH_SHARE
    own = bmc(spec, depth, timeout=own_share, invariants=list(names) or None, jobs=jobs)
    if own.verdict != FAIL or own.counterexample is None:  # bmc's FAIL is replayed
        return None
    first = "the proof did not pass on one account, " if proved_first else ""
    own.message = (
        f"{first}the capped search on one account gave up and bmc "
        f"found a real path on {spec.accounts} accounts: {own.message}"
    )
    return own


# the spec's own proof infers lemmas after a CTI up to this many accounts (Houdini's queries
# grow with them), and gives the inference at most this share of what is left
INFER_ACCOUNTS = 10
INFER_SHARE = 0.5


def own_first(
    spec: Spec,
    prove: Callable[..., CheckResult],
    kwargs: dict[str, Any],
    began: float,
    why: str,
    one_account: str = "",
    coupled: str | None = None,
) -> CheckResult | None:
    """The spec's proof on its own accounts with lemmas ``infer`` finds there, when it
    passes (or finds a real path of the spec); else None (the search and the proof as
    asked run next). Its first step, the proof at k, is the verdict when it passes or
    finds a real path (a base case's, or bmc's at depth 1, replayed): round 20 dropped
    it and the proof as asked asked the same again.

    The decomposition infers lemmas on one account only; a spec whose accounts share a
    field it cannot abstract (the covered-call vault of tests/check/specs/call_vault.py:
    its locked ETH and open calls) got none, and its CTI stood after a search for a real
    path that took half of the budget (one that scales with the budget: 38 s of 60, 74 s
    of 120). Only for a spec without lemmas of its own, of at most ``INFER_ACCOUNTS``
    accounts: k = ``k`` (no search after its CTI), then, after a CTI, the inference with
    ``INFER_SHARE`` of what is left and its proof at k = ``k``, each step query capped by
    Z3's resource counter (``kwargs`` are the capped ones of the one-account proof: on the
    vault's bug the uncapped proof with the lemmas ran for its whole share, 28 s). A PASS rests on the proof with the lemmas
    (k-induction proves them with the properties); a FAIL there counts only when its
    replay breaks a property of the spec. Not when the proof on one account ran
    (``one_account``, its verdict): the inference was tried there, and on the spec's 3
    accounts its Houdini took 33 s of the late keeper's bug (load 12), whose search then
    ran out of a 60 s budget (UNKNOWN where main's FAIL came at 28 s).

    ``coupled``: why the accounts interact (``decompose.Plan.coupled``), when they do other
    than through shared accumulators; a real path is then first looked for on one account
    and lifted (``lifted_coupled``), before anything on the spec's own accounts.
    """
    budget = kwargs.get("timeout")

    def left() -> float | None:
        return None if budget is None else budget - (time.perf_counter() - began)

    start = left()
    if coupled and spec.accounts > 1 and (start is None or start >= 2.0):
        real = lifted_coupled(spec, prove, kwargs, began, why)
        if real is not None:
            return real
    if one_account or spec.lemmas:
        return None
    if start is not None and start < 2.0:
        return None
    if spec.accounts > INFER_ACCOUNTS:
        return inferred_on_fewer(spec, prove, kwargs, began, why)
    k = int(kwargs.get("k") or 1)
    progress.note(phase=f"prove: k={k} on {spec.accounts} accounts, then lemmas inferred there")
    first = prove(spec, **{**kwargs, "max_k": k, "search_depth": 1, "timeout": left()})
    if first.verdict in (PASS, FAIL):  # the proof as asked would find it again: keep it
        first.seconds = time.perf_counter() - began
        first.details["decomposition"] = f"not applied: {why}"
        return first
    rest = left()
    if first.verdict != CTI or (rest is not None and rest < 1.0):
        return None
    share = None if rest is None else rest * INFER_SHARE
    found = inferred_pass(spec, first, prove, (), share, {**kwargs, "max_k": k})
    if found is None:
        return None
    result, lemmas = found
    names = {d.name for d in searched_properties(spec, kwargs.get("invariants"))}
    broken = [f.name for f in getattr(result.details.get("replay"), "failures", ())]
    if result.verdict == PASS:
        result.message += inferred_note(lemmas)
    elif result.verdict != FAIL or not names & set(broken):
        return None  # only an inferred lemma broke, or no answer: not the spec's verdict
    result.seconds = time.perf_counter() - began
    result.details["decomposition"] = f"not applied: {why}"
    return result


def inferred_on_fewer(
    spec: Spec,
    prove: Callable[..., CheckResult],
    kwargs: dict[str, Any],
    began: float,
    why: str,
) -> CheckResult | None:
    """The proof of ``spec`` (more than ``INFER_ACCOUNTS`` accounts) with lemmas inferred
    on ``FEWER_ACCOUNTS`` of them, when it passes; else None.

    Houdini's queries grow with the accounts (tests/check/specs/zero_sum_funding.py on 30:
    no lemma was looked for, the proof stayed UNKNOWN at k=2), but its candidates say the
    same on any number of accounts (a total over ``s.accounts``, a fact of each account):
    they are found on ``FEWER_ACCOUNTS`` (a CTI there, then ``infer``), and the proof on
    the spec's own accounts at k, each step query capped, proves them again together with
    the properties: its PASS rests on nothing unproved on ``spec``. Anything else (no CTI
    on the fewer accounts, lemmas that do not hold on the spec's): None, the proof as
    asked runs next."""
    budget = kwargs.get("timeout")

    def left() -> float | None:
        return None if budget is None else budget - (time.perf_counter() - began)

    k = int(kwargs.get("k") or 1)
    fewer = spec.with_accounts(FEWER_ACCOUNTS)
    progress.note(phase=f"prove: k={k} on {FEWER_ACCOUNTS} accounts, lemmas inferred there")
    first = prove(fewer, **{**kwargs, "max_k": k, "search_depth": 1, "timeout": left()})
    rest = left()
    if first.verdict != CTI or (rest is not None and rest < 1.0):
        return None
    share = None if rest is None else rest * INFER_SHARE
    found = inferred_pass(fewer, first, prove, (), share, {**kwargs, "max_k": k})
    rest = left()
    if found is None or found[0].verdict != PASS or (rest is not None and rest < 1.0):
        return None
    from solvent.check.infer import with_lemmas
    from solvent.check.symmetric_step import by_action

    lemmas = found[1]
    progress.note(phase=f"prove: k={k} on {spec.accounts} accounts with the lemmas inferred")
    # a stop by the budget says which lemmas the proof there was proving: each closes
    # the proof on the fewer accounts (``progress.describe``)
    names = ", ".join(i.decl.name for i in lemmas)
    # one instance per action when renaming the accounts is checked to map the others'
    # obligations onto it (930 trades on zero-sum funding's 30 accounts: ``symmetric_step``)
    result = by_action(
        with_lemmas(spec, lemmas),
        prove,
        {**kwargs, "max_k": k, "search_depth": 1, "timeout": left()},
        f"with {names}, inferred and proved inductive on {FEWER_ACCOUNTS} accounts",
    )
    progress.note(lemmas=None)
    if result.verdict != PASS:
        return None
    result.details["inferred_lemmas"] = [i.to_json() for i in lemmas]
    result.message += inferred_note(lemmas) + (
        f" (the lemmas found on {FEWER_ACCOUNTS} accounts, proved on {spec.accounts})"
    )
    result.seconds = time.perf_counter() - began
    result.details["decomposition"] = f"not applied: {why}"
    return result


# the accounts ``inferred_on_fewer`` looks for lemmas on
FEWER_ACCOUNTS = 3

# the depth of the search for a real path on one account of a coupled spec (at least
# prove's --max-k; each depth's solver call capped by induction.EARLY_SEARCH_RLIMIT)
COUPLED_SEARCH_DEPTH = 5


def lifted_coupled(
    spec: Spec,
    prove: Callable[..., CheckResult],
    kwargs: dict[str, Any],
    began: float,
    why: str,
) -> CheckResult | None:
    """A real path of a coupled ``spec`` found on one account and lifted to its accounts
    (a FAIL, replayed there), or None.

    The accounts interact (``why``), so nothing proved on one account holds for the spec's
    and the decomposition is refused; but a path of one account, the other accounts
    starting at a state the initial condition allows and taking no action, is often a path
    of the spec: the replay on the spec's accounts is the judge (``lifted``). The proof
    on one account at k (each step query capped by Z3's resource counter) comes first: a
    PASS there means no path of one account breaks a property, so nothing is searched
    (every safe example among the coupled ones: 0.03-0.1 s of CPU); its FAIL is lifted;
    after its CTI (or a step at its cap) the search is bmc on one account, each depth
    capped by Z3's resource counter (``induction.counted_search``: a count, not a clock,
    so the answer does not depend on the machine's load). tests/check/specs/gmx_pool.py's
    bug on 3 accounts: the uncapped k=1 step on the 3 accounts does not stop by itself
    (UNKNOWN at 60 s); on one account the capped step gives a CTI in 0.1 s and the search
    the depth-3 path (the open, two rises) in 0.4 s, which breaks the pool's invariant on
    the 3 accounts at the same step. On at most 3 accounts the depths below it are then
    searched on the spec's own accounts (``_shorter``, capped the same way: 0.6 s on
    gmx_pool's 3): a PASS there makes the lifted path a shortest one, a FAIL is reported
    instead; otherwise the message says a shorter one was not ruled out.
    """
    from solvent.check.induction import counted_search
    from solvent.errors import UsageError

    budget = kwargs.get("timeout")

    def left() -> float | None:
        return None if budget is None else max(0.001, budget - (time.perf_counter() - began))

    try:
        one = spec.with_accounts(1)
    except UsageError:  # the accounts do not start alike: no account is "the other"
        return None
    k = int(kwargs.get("k") or 1)
    progress.note(phase=f"prove: k={k} on one account, a real path there lifted")
    first = prove(one, **{**kwargs, "max_k": k, "search_depth": 1, "timeout": left()})
    real: CheckResult | None = first if first.verdict == FAIL else None
    if first.verdict == CTI or capped_out(first):
        searched = [d.name for d in searched_properties(one, kwargs.get("invariants"))]
        depth = max(COUPLED_SEARCH_DEPTH, int(kwargs.get("max_k") or k))
        real = counted_search(one, None, searched, depth, left())
    if real is None:
        return None
    names = [d.name for d in searched_properties(spec, kwargs.get("invariants"))]
    found = lifted(spec, real, names, " on one account")
    if found is None:
        return None
    n = spec.accounts
    head = "the accounts interact, so the proof was not decomposed; bmc found a real path on"
    how = f"the counterexample found on one account was lifted to {n} account(s)"
    shorter = _shorter(spec, found, names, left())
    bound = f"k={k}, bmc {found.bound}" if real is not first else found.bound
    if shorter is not None and shorter.verdict == FAIL:  # bmc's own, replayed
        head = f"{head} one account at depth {found.depth}, and a shorter one on {n} accounts"
        found, bound, how = shorter, f"k={k}, bmc {shorter.bound}", f"a shorter one found on {n}"
        found.message = f"{head}: {found.message}"
    elif shorter is not None:
        found.message = f"{head} one account: {found.message}; no shorter one: {shorter.message}"
        found.ran_out = shorter.ran_out  # the shorter search's timeout, said in its words
    else:
        found.message = (
            f"{head} one account: {found.message} (a shorter one on {n} accounts was not "
            "ruled out: only one account was searched)"
        )
    found.check, found.k, found.bound = "prove", k, bound
    found.seconds = time.perf_counter() - began
    found.details["decomposition"] = f"not applied: {why}; {how} and replayed there"
    return found


def capped_out(result: CheckResult) -> bool:
    """An UNKNOWN of a proof on one account because a step query reached its resource cap
    (not the budget, not the user)."""
    return bool(
        result.verdict == UNKNOWN
        and result.details.get("obligation")
        and result.details.get("reason") not in ("interrupted", "timeout")
    )


def _shorter(
    spec: Spec, found: CheckResult, names: Sequence[str], timeout: float | None
) -> CheckResult | None:
    """bmc on ``spec``'s own accounts below the depth of the lifted path ``found``, each
    depth capped by Z3's resource counter, on at most ``FULL_CANONICAL_ACCOUNTS``
    accounts (as ``decompose_bmc``, whose report on few accounts never loses its
    "shortest"); None above that, at depth 0, or when the capped search gave up.
    gmx_pool's bug on 3 accounts: depths 0-2 cleared in 0.6 s of CPU; on 5 accounts the
    capped depth 2 does not answer."""
    from solvent.check.bmc import bmc
    from solvent.check.induction import EARLY_SEARCH_RLIMIT

    d = found.depth or 0
    if spec.accounts > FULL_CANONICAL_ACCOUNTS or d < 1:
        return None
    cap = EARLY_SEARCH_RLIMIT
    out = bmc(spec, d - 1, timeout=timeout, invariants=names, induction=False, rlimit=cap)
    return out if out.verdict in (PASS, FAIL) else None


def _gave_up(one: Spec, depth: int) -> Callable[[float | None], CheckResult]:
    """The one-account search's ``before_race``: its capped first attempt did not answer,
    so the search ends there (UNKNOWN) instead of racing on the wall clock."""

    def stop(_left: float | None) -> CheckResult:
        return CheckResult(
            "bmc",
            one.name,
            UNKNOWN,
            f"depth ?/{depth}",
            0.0,
            1,
            message="the capped first attempt on one account gave up; no race there",
            details={"reason": "one-account share"},
        )

    return stop
