"""The lemmas a proof inferred, kept for the probes of the slack search that explains it.

``solvent prove`` on a spec without lemmas of its own infers some (``infer``) and proves
the spec with them; its slack search then proves the spec again at a dozen other values
of a bound. Each probe inferred the same lemmas again, from scratch: on the safe put vault
of tests/check/specs/put_vault.py (six lemmas, among them a linear relation) 3-11 s of
wall a probe, 15 probes, 68 s of slack search after a 5 s proof (round 23). Without them
the symbolic step query failed already at the spec's value, so the search bisected.

``recording(prove)`` is ``prove`` that remembers the lemmas of every spec it proves
(PASS); ``proved_lemmas`` gives back those a PASS names in ``inferred_lemmas``, when it
was proved on the spec's own accounts (not through the one-account decomposition, whose
spec has other fields). A probe tries the spec at its value with them first
(``probes.Prober``): k-induction proves a lemma together with the properties, so a PASS
there is a proof whatever the lemmas are, and a lemma that does not hold at that value
only makes the attempt fail (the probe then runs its own route). The lemmas' functions are
closures: they stay in this process (the check's, where the slack search runs), never in
a result.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

from solvent.check.results import PASS, CheckResult
from solvent.spec.rebuild import with_lemmas_added
from solvent.spec.spec import PredicateDecl, Spec

# (spec name, accounts, lemma name) -> the lemma of the last spec proved with it
_PROVED: dict[tuple[str, int, str], PredicateDecl] = {}


def recording(prove: Callable[..., CheckResult]) -> Callable[..., CheckResult]:
    """``prove``, remembering the lemmas of each spec it proves."""

    def run(spec: Spec, **kwargs: Any) -> CheckResult:
        result = prove(spec, **kwargs)
        if result.verdict == PASS:
            for decl in spec.lemmas:
                _PROVED[(spec.name, spec.accounts, decl.name)] = decl
        return result

    return run


def proved_lemmas(spec: Spec, proof: CheckResult) -> tuple[PredicateDecl, ...]:
    """The lemmas ``proof`` (a PASS of ``spec``) inferred and was proved with on
    ``spec``'s own accounts, each one recorded; () when any is missing."""
    names = [
        str(i.get("name") if isinstance(i, dict) else i)
        for i in proof.details.get("inferred_lemmas", ())
    ]
    if (
        proof.verdict != PASS
        or not names
        or str(proof.details.get("decomposition", "not applied")).startswith("applied")
    ):
        return ()
    found = [_PROVED.get((spec.name, spec.accounts, n)) for n in names]
    if any(d is None for d in found):
        return ()
    return tuple(d for d in found if d is not None)


def with_proved(spec: Spec, lemmas: tuple[PredicateDecl, ...]) -> Spec | None:
    """``spec`` with ``lemmas`` added (those it has not), or None when it has them all."""
    have = {d.name for d in spec.all_predicates()}
    extra = [d for d in lemmas if d.name not in have]
    if not extra:
        return None
    return with_lemmas_added(spec, extra)


def first_try(
    prober: Any,
    spec: Spec,
    cap: float | None,
    value: Fraction | None,
    is_target: Callable[[CheckResult], bool],
) -> CheckResult | None:
    """A probe's first attempt (``probes.Prober``) with the lemmas of the proof being
    explained (``options.lemmas``): the PASS of k-induction on ``spec`` with them; when it
    does not pass, a replayed counterexample of a target (``is_target``: its own, or the
    fewest accounts' search beyond, ``Prober.refute``'s first); None when neither (or no
    lemma to add): the probe's own route (lemmas inferred at this value) decides."""
    from solvent.check.induction import prove

    lemmas = prober.options.lemmas
    helped = with_proved(spec, lemmas) if lemmas else None
    if helped is None:
        return None
    result = prober.stopped(lambda: prove(helped, **prober.prove_kwargs(cap)))
    if result.verdict == PASS:
        what = "lemma" if len(lemmas) == 1 else f"{len(lemmas)} lemmas"
        result.message += (
            f"; with the {what} the proof at the spec's own values inferred "
            f"({', '.join(d.name for d in lemmas)}), proved with it again here"
        )
        return result

    def found(r: CheckResult | None) -> bool:
        return r is not None and is_target(r)

    if found(result) or prober.options.expired():
        return result if found(result) else None
    if value is not None:
        prober.few.add(value)  # ``refute`` does not search there again
    beyond = prober.few_search(spec, cap)
    return beyond if found(beyond) else None
