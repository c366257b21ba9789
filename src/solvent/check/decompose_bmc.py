"""bmc on many accounts through one account, when the accounts decouple (``decompose.plan``).

With more than ``symmetry.FULL_CANONICAL_ACCOUNTS`` accounts, encoding every account costs
far more than solving (one step of a 1,000-account spec is tens of seconds of Python). In
fixed-point arithmetic (``corners.applies``) from 2 accounts on: each account adds
nonlinear integer products the solver stalls on (the corpus's fixed-point perpetual, bug
at depth 3: 0.24 million resource units on one account, none within 20 million on 3).
On 2-3 accounts the full spec's unrolling can stall too (the corpus's entry-style perp
with fees on 3 accounts: its depth-3 check ran past its resource cap for 30 s, where one
account answers in 0.5 s). When the accounts interact at most through shared
accumulators, ``bmc_any_accounts`` searches one account instead (on 2-3 accounts only
when a check on one account covers every number, ``Plan.why`` None, and only while it
shows a shortest depth for N: otherwise the full search runs, as before, so the report
on few accounts never loses its "shortest"):

- it runs ``bmc`` (the portfolio: its first attempt capped by Z3's resource counter, its
  counterexample derived canonically, so the same on every machine and ``--jobs``) on the
  one-account spec of the decomposition (``Plan.spec``: with the accumulators' step
  lemmas when the accumulator rule applies);
- a counterexample is lifted to the spec's accounts, the others starting at a state the
  initial condition allows and taking no action, and replayed on the concrete backend on
  all of them (``decompose_one.lifted``); only a replay that breaks a property of the
  spec at the same step counts. Its depth is a shortest one for every number of accounts
  when the accounts never interact (a violation on N accounts projects onto one account
  at the same step) or when the accumulator rule applies and a property of the spec (not
  only an accumulator's step lemma) is what broke first on one account: before that step
  no account moved an accumulator against its properties, so none failed on N accounts.
  Otherwise the report says a shorter one was not ruled out;
- a PASS on one account is a PASS for the spec's accounts when a check on one account
  covers every number (``Plan.why`` is None), by the same projection;
- when only an accumulator's step lemma broke on one account (a liquidation paid a
  deficit from the fund), the fall per account step is bounded on one account
  (``decompose_fall.bounded_fall``): its PASS answers the question to the depth asked;
- anything else (a lift the replay does not confirm, an UNKNOWN) falls back to ``bmc``
  on all the accounts with what is left of the budget.

A deep question (``depth >= portfolio.INDUCTION_FIRST_DEPTH``, any number of accounts) is
first asked of the proof for every number of accounts (``decompose.proved_for_any``: one
account, lemmas inferred from the spec) when the accounts decouple and the properties are
not already 1-inductive on one account: the unrollings of a safe spec stall there (the
corpus's plain entry-style perp on 3 accounts was UNKNOWN after 60 s at depth 20), and its
PASS answers every depth. It is capped by Z3's resource counter like the proof itself; when
it does not pass, nothing of it is reported and ``bmc`` runs as above.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from solvent.check.corners import applies
from solvent.check.decompose_fall import bounded_fall
from solvent.check.decompose_why import bmc_next, explained, step_lemma_broke
from solvent.check.portfolio import INDUCTION_FIRST_DEPTH
from solvent.check.results import FAIL, PASS, CheckResult
from solvent.check.solving import Deadline, searched_properties
from solvent.check.symmetry import FULL_CANONICAL_ACCOUNTS, smaller
from solvent.check.verdicts import accounts, inductive, steps
from solvent.spec.spec import Spec


def bmc_any_accounts(
    spec: Spec, bmc: Callable[..., CheckResult], depth: int, **kw: Any
) -> CheckResult:
    """``bmc(spec, depth, **kw)``, through one account when the accounts decouple; an
    UNKNOWN names the depths left open and what to try next (``bmc_next``)."""
    names = [d.name for d in searched_properties(spec, kw.get("invariants"))]
    return bmc_next(_any_accounts(spec, bmc, depth, **kw), depth, names)


def _any_accounts(
    spec: Spec,
    bmc: Callable[..., CheckResult],
    depth: int,
    *,
    timeout: float | None = None,
    invariants: Sequence[str] | None = None,
    **kwargs: Any,
) -> CheckResult:
    began = time.perf_counter()
    if depth >= INDUCTION_FIRST_DEPTH and kwargs.get("induction", True):
        deep = _deep_pass(spec, depth, invariants, _left(timeout, began))
        if deep is not None:
            deep.seconds = time.perf_counter() - began
            return deep
    proof: dict[str, CheckResult | None] = {}  # asked after the first attempt, once
    if 2 <= depth < INDUCTION_FIRST_DEPTH and kwargs.get("induction", True):

        def before_race(left: float | None) -> CheckResult | None:
            if "asked" not in proof:
                proof["asked"] = _deep_pass(spec, depth, invariants, left)
                return proof["asked"]
            return None

        kwargs = {**kwargs, "before_race": before_race}

    def proved() -> CheckResult | None:
        """The proof's PASS when it answered inside a ``bmc`` call."""
        found = proof.get("asked")
        if found is not None:
            found.seconds = time.perf_counter() - began
        return found

    if spec.accounts < 2 or not smaller(spec):
        result = bmc(spec, depth, timeout=timeout, invariants=invariants, **kwargs)
        return proved() or result
    # the decomposition's analysis: imported only by a bmc of 2 accounts or more
    from solvent.check.decompose import plan, spent, timed_out, whole
    from solvent.check.decompose_one import lifted

    # 2-3 accounts (not fixed point): through one account only when it covers every
    # number of accounts, so its depth is shown shortest as the full search's is
    few = spec.accounts <= FULL_CANONICAL_ACCOUNTS and not applies(spec)
    p = plan(spec, invariants)
    names = [d.name for d in searched_properties(spec, invariants)]
    found: CheckResult | None = None
    first: CheckResult | None = None
    why_not = ""  # why the search on one account did not cover the spec's accounts
    if p.coupled is None and not (few and p.why is not None):
        one = p.spec(spec) if p.why is None else spec.with_accounts(1)
        first = bmc(one, depth, timeout=_left(timeout, began), invariants=invariants, **kwargs)
        if (done := proved()) is not None:
            return done
        if first.verdict == PASS and p.why is None:
            return _passed(first, spec, began, p.rule)
        # shortest on N: a property of the spec broke first on one account, and one
        # account covers N (no accumulator moved against its properties before)
        shortest = p.why is None
        found = lifted(spec, first, names)
        if found is None and first.verdict == FAIL and p.rule is not None:
            shortest = False  # only a step lemma broke: search the spec's own properties
            why_not = step_lemma_broke(one, first, p.rule, names)
            fell = bounded_fall(spec, p.rule, depth, invariants, _left(timeout, began), first)
            if fell is not None:  # the fall per step bounded on one account: a PASS
                fell.seconds = time.perf_counter() - began
                return fell
            plain = spec.with_accounts(1)
            again = bmc(
                plain, depth, timeout=_left(timeout, began), invariants=invariants, **kwargs
            )
            found = lifted(spec, again, names)
            shortest = found is not None and found.depth == first.depth
            first = again  # an UNKNOWN names the user's property, never the step lemma
        if found is not None and not shortest and few:
            found = None  # the full search on 2-3 accounts gives a shortest one (below)
        if found is not None:
            if not shortest:
                found.message += (
                    f" (a shorter one on {spec.accounts} accounts was not ruled out: only "
                    "one account was searched)"
                )
            found.seconds = time.perf_counter() - began
            found.bound = f"depth {found.depth}/{depth}"
            found.details["decomposition"] = (
                f"a counterexample found on one account, lifted to {spec.accounts} accounts "
                "and replayed there"
            )
            return found
    if timeout is not None and spent(timeout, began) and first is not None:
        return explained(timed_out(first, spec, began, timeout), why_not)
    given = _left(timeout, began)
    result = bmc(spec, depth, timeout=given, invariants=invariants, **kwargs)
    whole(result, began, timeout, given)
    return proved() or explained(result, why_not)


def _deep_pass(
    spec: Spec, depth: int, invariants: Sequence[str] | None, timeout: float | None
) -> CheckResult | None:
    """A question answered for every depth by the proof for every number of accounts (from
    ``INDUCTION_FIRST_DEPTH`` first; below it, once the capped first attempt did not
    answer), when the accounts decouple and the properties are not 1-inductive on one
    account as they stand (then the portfolio's 1-induction member words the PASS, as
    before); None otherwise (module doc)."""
    from solvent.check.decompose import plan, proved_for_any
    from solvent.check.decompose_reader import reader_refused
    from solvent.check.induction import prove

    p = plan(spec, invariants)
    if p.why is not None and not reader_refused(p):  # refused: lemmas may be inferred
        return None
    one = p.spec(spec)
    decls = searched_properties(one, invariants)
    if inductive(one, decls, Deadline(timeout)):
        return None
    found = proved_for_any(spec, prove, invariants=invariants, timeout=timeout)
    if found is None:
        return None
    n = spec.accounts
    head = f"no violation in any path of up to {steps(depth)} ({accounts(n)})"
    lemmas = [i["name"] for i in found.details.get("inferred_lemmas", [])]
    return CheckResult(
        "bmc",
        spec.name,
        PASS,
        f"depth {depth}/{depth}",
        found.seconds,
        n,
        message=f"{head}, so none at any depth: {found.message}",
        depth=depth,
        details={
            "method": "proof for every number of accounts",
            "inferred_lemmas": lemmas,
            "decomposition": found.details.get("decomposition"),
        },
    )


def _passed(first: CheckResult, spec: Spec, began: float, rule: Any) -> CheckResult:
    """A PASS on one account as the PASS of ``spec``'s accounts."""
    n = spec.accounts
    how = (
        "the accounts never interact"
        if rule is None
        else f"the accounts interact only through {', '.join(rule.fields)}, which each "
        "account's step moves only in the direction its properties allow"
    )
    first.accounts = n
    first.spec = spec.name
    first.seconds = time.perf_counter() - began
    first.message = first.message.replace("(1 account", f"({n} accounts, {how}: checked on one", 1)
    first.details["decomposition"] = "applied: checked on one account"
    return first


def _left(timeout: float | None, began: float) -> float | None:
    if timeout is None:
        return None
    return max(0.001, timeout - (time.perf_counter() - began))
