"""Bounded liveness: ``@spec.keeper(within=k)`` and ``@spec.oracle(within=k)``.

The keeper may be skipped, as the adversary chooses, for at most ``k`` consecutive steps in
which it is enabled (its ``requires`` hold), per account; in the next such step it runs.
The engine keeps the count in a state field of its own, ``NAME_late`` (per account for a
per-account keeper, starting at 0: reset whenever the keeper runs or is not needed), and
adds the lemma ``NAME_late_bounded`` (the count is one of 0..k), so that ``prove`` needs no
lemma of the user's about the counter. A spec's own lemmas may read ``s.NAME_late`` (how
many steps the keeper has been late) to state what a late keeper leaves.

An oracle update, ``@spec.oracle(within=k)`` on a function ``publish(s, p)`` that writes
the protocol's oracle price from the market (an index, a mid price), is the same bounded
liveness for one global update: the adversary may skip it for at most ``k`` consecutive
steps (in which its ``requires`` hold; with none, in any step), so the price the protocol
reads is at most ``k`` steps stale. It is a keeper in every other respect (traces record
its choice under ``keepers``), runs after the tick and before every keeper, and its bound
is the assumption ``oracle.NAME.within`` (``keeper.NAME.within`` for a keeper).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from solvent.errors import SpecError, UsageError
from solvent.lang.functions import any_of
from solvent.lang.values import NUM
from solvent.spec import recipe as recipe_mod
from solvent.spec.decls import ActionDecl, FieldDecl, PredicateDecl
from solvent.spec.introspect import _arity, _check_decl_name, _check_name, _def_where, _doc

if TYPE_CHECKING:
    from solvent.spec.spec import Spec


def check_within(name: str, within: Any, where: str | None, role: str = "keeper") -> int:
    if isinstance(within, bool) or not isinstance(within, int) or within < 0:
        zero = "every_step=True" if role == "keeper" else "published every step"
        raise SpecError(
            f"{role} {name}: within={within!r} must be a whole number of steps >= 0 (the most "
            f"consecutive steps the {role} may be skipped; 0 is {zero})",
            where=where,
        )
    return within


def declare_oracle(spec: Spec, fn: Callable[..., Any], within: Any) -> ActionDecl:
    """Register ``fn`` as an oracle update that may be skipped ``within`` steps in a row:
    a global ``within`` keeper with the role "oracle", placed after the oracles declared
    before it and before every keeper (a keeper reads the price just published)."""
    where = _def_where(fn)
    check_within(fn.__name__, within, where, "oracle")
    if _arity(fn) != 2:
        raise SpecError(
            f"oracle {fn.__name__} must take (s, p): it publishes one price for every account "
            f"(it takes {_arity(fn)} arguments)",
            where=where,
        )
    _check_decl_name("keeper", fn.__name__, spec.keepers, where)
    decl = ActionDecl(
        fn.__name__, fn, "keeper", {}, 0, True, "within", where, _doc(fn), within, "oracle"
    )
    counter(spec, decl)
    spec.lemmas.append(bound_lemma(decl))
    first_keeper = sum(1 for d in spec.keepers if d.role == "oracle")
    spec.keepers.insert(first_keeper, decl)
    return decl


def lemma_name(decl: ActionDecl) -> str:
    return f"{decl.late}_bounded"


def counter(spec: Spec, decl: ActionDecl) -> None:
    """Declare the counter field of a ``within`` keeper (refusing a clash of names)."""
    old = spec.fields.get(decl.late)
    _check_name("state field", decl.late, spec.fields, old.where if old else None, decl.where)
    per_account = decl.n_accounts == 1
    init = (Fraction(0),) * (spec.accounts if per_account else 1)
    spec.fields[decl.late] = FieldDecl(decl.late, NUM, per_account, init, decl.where)


def bound_lemma(decl: ActionDecl) -> PredicateDecl:
    """The lemma ``NAME_late_bounded``: the counter is one of 0, 1, ..., within."""
    field, k = decl.late, decl.within
    assert k is not None

    def within_range(x: Any) -> Any:
        return any_of(x == j for j in range(k + 1))

    def per_account(s: Any, p: Any, a: int) -> Any:
        return within_range(getattr(s, field)[a])

    def shared(s: Any, p: Any) -> Any:
        return within_range(getattr(s, field))

    fn: Callable[..., Any] = per_account if decl.n_accounts else shared
    fn.__name__ = fn.__qualname__ = lemma_name(decl)
    late = "late" if decl.role == "keeper" else "stale"
    doc = f"{decl.role} {decl.name} is {late} at most {k} steps (added by within={k})"
    return PredicateDecl(fn.__name__, fn, "lemma", bool(decl.n_accounts), True, decl.where, doc)


def with_within(spec: Spec, name: str, k: Any) -> Spec:
    """A copy of ``spec`` in which keeper (or oracle update) ``name`` may be late ``k`` steps.

    A keeper declared ``every_step`` or ``adversarial`` becomes a ``within`` keeper (its
    counter field and lemma are added); one declared ``within`` gets the new bound. A spec
    built by an ``@sv.builder`` with the keyword ``NAME_within`` is built again with ``k``.
    """
    decl = next((d for d in spec.keepers if d.name == name), None)
    if decl is None:
        raise UsageError(f"spec {spec.name} has no keeper {name!r}; {listing(spec)}")
    if isinstance(k, Fraction) and k.denominator == 1:
        k = int(k)
    k = _int(decl, k) if isinstance(k, str) else check_within(name, k, None, decl.role)
    keyword = f"{name}_within"
    if spec.recipe is not None and spec.recipe.keyword(keyword):
        # the builder derives more from the delay (a lemma of what a late keeper leaves):
        # build it again, so that everything derived follows
        return spec.with_params(**{keyword: k})
    new = spec._copy()
    changed = dataclasses.replace(decl, liveness="within", within=k)
    new.keepers = [changed if d is decl else d for d in spec.keepers]
    if decl.within is None:
        counter(new, changed)
        new.lemmas = [*spec.lemmas, bound_lemma(changed)]
        if spec.recipe is not None:  # the counter and its lemma are made again on a rebuild
            new.recipe = dataclasses.replace(spec.recipe, shape=recipe_mod.shape(new))
    else:
        new.lemmas = [
            bound_lemma(changed) if d.name == lemma_name(decl) else d for d in spec.lemmas
        ]
    new.adjustments = (*spec.adjustments, ("within", name, k))
    return new


def listing(spec: Spec, role: str | None = None) -> str:
    """``keepers: a, b; oracles: c`` (only ``role``'s when given)."""
    parts = []
    for r in ("keeper", "oracle") if role is None else (role,):
        names = [d.name for d in spec.keepers if d.role == r]
        parts.append(f"{r}s: {', '.join(names) or '(none)'}")
    return "; ".join(parts)


def _int(decl: ActionDecl, text: str) -> int:
    try:
        return check_within(decl.name, int(text), None, decl.role)
    except (ValueError, SpecError):
        raise UsageError(
            f"{decl.assumption} must be a whole number of steps >= 0, got {text!r}"
        ) from None
