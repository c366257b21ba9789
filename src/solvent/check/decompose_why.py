"""Why bmc through one account did not cover the spec's accounts, in the user's terms.

The shared-accumulator rule (``decompose_shared``) checks one account with a step lemma
per accumulator ("``ins`` never falls in an account's step"). When one account breaks
only that lemma (a liquidation paid a deficit from the fund), the path is not a
violation of the user's spec, and the lemma's name means nothing to the user: the
inconclusive verdict that follows names their property, and this note says what the
one-account path showed (which step action moved which field of theirs, and which of
their properties reads it), what was tried and what to try next.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Sequence
from typing import Any

from solvent.check.replay import replay
from solvent.check.results import UNKNOWN, CheckResult
from solvent.spec.spec import Spec

_WAY = {1: "lowered", -1: "raised", 0: "changed"}


def shared_why(spec: Spec, field: str | None) -> str | None:
    """The sentence naming the shared field ``field`` accounts write; built only when a
    message shows it (``writers`` reads the functions' source: 2.5-4.7 ms of CPU)."""
    if field is None:
        return None
    return (
        f"shared field {field} is updated from accounts' state or actions"
        f"{writers(spec, field)}; accounts interact through it"
    )


def writers(spec: Spec, field: str) -> str:
    """`` (written by keeper liquidate)``: the functions whose source assigns ``field``."""
    names = []
    for decl in (*spec.keepers, *spec.actions, *spec.ticks):
        try:
            source = inspect.getsource(decl.fn)
        except (OSError, TypeError):
            continue
        if re.search(rf"s\.{re.escape(field)}(\[[^\]]*\])?\s*=(?!=)", source):
            names.append(f"{decl.kind if decl.kind != 'user' else 'action'} {decl.name}")
    return f" (written by {', '.join(names)})" if names else ""


def step_lemma_broke(one: Spec, first: CheckResult, rule: Any, names: Sequence[str]) -> str:
    """The sentence for an UNKNOWN after ``first`` (bmc on the one-account spec ``one`` of
    ``rule``) broke only an accumulator's step lemma."""
    fields = ", ".join(rule.fields)
    props = ", ".join(names)
    moved = ""
    trace, replayed = first.counterexample, first.details.get("replay")
    if replayed is None and trace is not None and trace.steps:
        replayed = replay(one, trace)
    if replayed is not None and len(replayed.records) > 1:
        last = replayed.records[-1]
        who = [f"keeper {k}" for k, _a in last.fired]
        if last.action:
            who.append(f"action {last.action.split('(')[0]}")
        ways = sorted({_WAY[d] for d in rule.directions.values()})
        if who:
            moved = (
                f"at step {last.step} of a path on one account, {' and '.join(who)} "
                f"{' or '.join(ways)} {fields}; "
            )
    return (
        f"why not decided through one account: {props} reads {fields}, which every "
        f"account's step may move ({moved}so a path on one account is not a path of the "
        f"spec on every number of accounts and the proof for every number of accounts "
        f"does not apply). Tried: bmc on one account with that rule, then on one account "
        f"without it, then on all accounts. Next: a larger --timeout or --jobs; or a "
        f"lemma bounding what one step may take from {fields} (e.g. the deficit a "
        f"liquidation leaves is at most a share of the position), or --invariant with "
        f"one property at a time"
    )


def explained(result: CheckResult, why: str) -> CheckResult:
    """``result`` with ``why`` added to an inconclusive verdict's message."""
    if why and result.verdict == UNKNOWN:
        result.message = f"{result.message}; {why}"
        result.details["why_not_one_account"] = why
    return result


def bmc_next(result: CheckResult, depth: int, names: Sequence[str]) -> CheckResult:
    """``result`` of ``solvent bmc`` with, when inconclusive, the obligation left open and
    what to try next (issue 13, "say why, not just UNKNOWN"); a message that already says
    what to try (``step_lemma_broke``) is kept as it is."""
    if result.verdict != UNKNOWN or "Next:" in result.message:
        return result
    if result.details.get("reason") == "interrupted":
        return result
    cleared = result.depth or 0
    props = result.invariant or ", ".join(names) or "the properties"
    open_ = f"depth {cleared + 1}" if cleared + 1 >= depth else f"depths {cleared + 1}-{depth}"
    # depth 0 shown means nothing was decided beyond, perhaps, the initial state: the
    # result does not say whether the initial state was checked, so claim nothing of it
    # (it said "no violation within 0 step(s)" of a run stopped before depth 0 was asked)
    undecided = f"at {open_} (no violation within {cleared} step(s))"
    if cleared == 0:
        open_, undecided = f"depths 0-{depth}", f"within {depth} step(s)"
    steps = [
        "a larger --timeout",
        "solvent prove (k-induction with inferred lemmas can decide every path length "
        "where a bounded question is not decided)",
    ]
    if cleared >= 1:
        steps.insert(1, f"--depth {cleared} (decided: no violation within {cleared} step(s))")
    result.details["why"] = {"open": f"{props} at {open_}", "next": steps}
    result.message += f". Undecided: whether {props} can fail {undecided}. Next: {'; '.join(steps)}"
    return result
