"""Lemmas inferred for the reader of a shared accumulator (the rule of ``decompose_shared``).

The shared-accumulator rule asks that the one body reading an accumulator (the keeper
whose fund pays ``min(deficit, fund)``) update an account the same way for every value
of the accumulator the properties allow. A user's spec often states only the invariant
(``bad_debt == 0``) and no lemma that makes the deficit 0, so the rule refused it before
any proof ran, and the lemmas inference finds after a CTI (``infer.strengthen``: the
keeper's guard does not hold after the keepers, the fund starts and stays at or above 0)
never reached the rule.

``lemmas_for_reader`` runs the one-account proof of the spec as written; after its CTI
it infers lemmas (each proved inductive with the properties on one account), and
returns the spec with them added, as if the user had written them. The caller then asks
the whole rule again on that spec (every check of ``shared_rule``: each property on an
accumulator monotone, the reader's update independent of it) and proves its one-account
spec by k-induction, lemmas included: a PASS there is a proof of the spec's properties
for every number of accounts that rests on no unproved lemma.
"""

from __future__ import annotations

import time
from typing import Any

from solvent.check.decompose_one import inferred_pass
from solvent.check.decompose_shared import READER_MATTERS
from solvent.check.results import PASS
from solvent.spec.spec import Spec


def reader_refused(p: Any) -> bool:
    """Whether the plan ``p`` (``decompose.Plan``) refused only by the rule's reader check."""
    return p.why is not None and p.coupled is None and READER_MATTERS in p.why


def lemmas_for_reader(
    spec: Spec, prove: Any, capped: dict[str, Any], timeout: float | None
) -> tuple[Spec, list[Any]] | None:
    """``spec`` with the lemmas inferred on its one-account proof, and those lemmas; None
    when the proof needs none (it passes, or fails for real) or none could be inferred.

    ``capped``: the one-account proof's settings (resource caps per step query)."""
    from solvent.check.infer import with_lemmas

    one_spec = spec.with_accounts(1)
    kwargs = {**capped, "max_k": 1, "timeout": timeout}
    began = time.perf_counter()
    one = prove(one_spec, **kwargs)
    if one.verdict == PASS:
        return None  # no CTI to start from: the reader needs a lemma the user must state
    left = None if timeout is None else timeout - (time.perf_counter() - began)
    if left is not None and left <= 0.01:
        return None  # the budget is spent: the caller's fallback says so
    found = inferred_pass(one_spec, one, prove, (), left, {**capped, "max_k": 1})
    if found is None or found[0].verdict != PASS or not found[1]:
        return None
    return with_lemmas(spec, found[1]), list(found[1])


def any_with_reader_lemmas(
    spec: Spec, prove: Any, kwargs: dict[str, Any], began: float, names: list[str], steps: Any
) -> Any:
    """``decompose.prove_any_accounts``'s PASS for every number of accounts with the lemmas
    of ``lemmas_for_reader`` (the rule asked again on the spec with them), or None.

    ``steps``: decompose's (plan, one-account proof, any-N result, capped settings, time
    left, budget spent), passed in (decompose imports this module)."""
    plan, one_account, any_n, capped, left, spent = steps
    with_lemmas = lemmas_for_reader(spec, prove, capped, left(kwargs, began))
    if with_lemmas is None or spent(kwargs.get("timeout"), began):  # none, or no time left
        return None
    p = plan(with_lemmas[0], kwargs.get("invariants"))
    if p.why is not None:
        return None
    one, more, _real = one_account(with_lemmas[0], p, prove, kwargs, began, names)
    if one.verdict != PASS:
        return None
    lemmas = [*with_lemmas[1], *(more[1] if more else [])]
    one.details["inferred_lemmas"] = [i.to_json() for i in lemmas]
    return any_n(one, p, began, lemmas)
