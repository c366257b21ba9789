"""``with_params`` for specs that must be rebuilt, and the record of static parameter reads.

A spec with a :class:`~solvent.spec.recipe.Recipe` is built again with the new values
(:func:`rebuilt`). A spec without one can only take new values for parameters that its
rules read as ``p.NAME``; a parameter read as ``Params.NAME`` while the spec was built
(an envelope bound, a Python ``if``) is recorded here and ``--set`` on it is refused
(:func:`refuse_static`, SV804).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from solvent.errors import (
    ModelParameterError,
    SpecError,
    StaticParameterError,
    UsageError,
    user_location,
)
from solvent.lang.values import format_number, to_fraction
from solvent.spec.recipe import shape

if TYPE_CHECKING:
    from solvent.spec.spec import PredicateDecl, Spec

HOW = "see `--set` in docs/verbs.md"


class StaticReads:
    """Where each parameter was read as a plain value; one record shared by a spec's copies."""

    __slots__ = ("where",)

    def __init__(self) -> None:
        self.where: dict[str, str | None] = {}

    def record(self, name: str, where: str | None) -> None:
        self.where.setdefault(name, where)


class StaticParam:
    """A field of a ``@spec.params`` class after declaration: reading ``Params.NAME``
    still gives the value, and is recorded (the value then shapes the spec statically)."""

    __slots__ = ("name", "reads", "value")

    def __init__(self, reads: StaticReads, name: str, value: Any) -> None:
        self.reads, self.name, self.value = reads, name, value

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        self.reads.record(self.name, user_location())
        return self.value


def with_lemmas_added(spec: Spec, lemmas: Sequence[PredicateDecl]) -> Spec:
    """A copy of ``spec`` (``with_params()``) whose lemmas are its own and then ``lemmas``."""
    new = spec.with_params()
    new.lemmas = [*spec.lemmas, *lemmas]
    return new


def refuse_static(spec: Spec, name: str) -> None:
    """Refuse a new value for ``name`` if the spec read it as a plain value when built."""
    if name not in spec.static_reads.where:
        return
    where = spec.static_reads.where[name]
    raise StaticParameterError(
        f"parameter {name} of spec {spec.name} is read as a plain value (Params.{name}) while "
        "the spec is built, so a new value would reach only the rules that read "
        f"p.{name} and the check would mix two values; read it as p.{name} inside the "
        "rules, or build the spec in a function decorated with @sv.builder that takes "
        f"{name} as a keyword ({HOW})",
        where=where,
    )


def rebuilt(spec: Spec, values: dict[str, Any]) -> Spec:
    """``spec`` built again by its recipe with ``values``; adjustments made after the build
    (envelope bounds, accounts) are made again, and set parameters show as overrides."""
    recipe = spec.recipe
    assert recipe is not None
    for name in values:
        if recipe.sets(name):
            continue
        if name in spec.param_decls:
            keywords = ", ".join(k for k in recipe.kwargs if recipe.keyword(k))
            raise StaticParameterError(
                f"parameter {name} of spec {spec.name} is derived by its builder "
                f"{recipe.label} from its keywords; set the keyword it comes from instead "
                f"(one of: {keywords})",
                where=spec.where,
            )
        if name in recipe.kwargs and name != "name":
            raise UsageError(
                f"keyword {name} of {recipe.label} is {recipe.kwargs[name]!r}, not a number, "
                "string or bool, so --set cannot give it; change it in the spec file"
            )
        raise UsageError(
            f"unknown parameter {name!r} for spec {spec.name}; known: "
            f"{', '.join(_settable(spec)) or '(none)'}"
        )
    if shape(spec) != recipe.shape:
        raise StaticParameterError(
            f"spec {spec.name} was built by {recipe.label} and then extended "
            f"({_extension(spec)}); building it again with the new values would drop what "
            "was added; make the additions inside a function decorated with @sv.builder "
            f"that calls {recipe.label} and returns the spec ({HOW})",
            where=recipe.called_at or spec.where,
        )
    typed = {name: _typed(spec, name, value) for name, value in values.items()}
    try:
        new = recipe.call(typed)
    except ModelParameterError as exc:
        given = ", ".join(f"{k}={_show(v)}" for k, v in values.items())
        raise ModelParameterError(
            f"{exc.message}; given as {given} for spec {spec.name}, which {recipe.label} "
            "builds again with it and refuses, as it refuses the same value written in the "
            "spec file",
            where=recipe.called_at or spec.where,
        ) from None
    assert new.recipe is not None
    new.recipe = dataclasses.replace(
        new.recipe, original=dict(recipe.original or recipe.kwargs), called_at=recipe.called_at
    )
    for adjustment in spec.adjustments:
        if adjustment[0] == "envelope":
            new = new.with_envelope(*adjustment[1:])
        elif adjustment[0] == "within":
            new = new.with_within(*adjustment[1:])
        else:
            new = new.with_accounts(adjustment[1])
    # parameters keep the value of the spec as loaded as their default; the new ones show set
    real = dict(new.param_decls)
    for name, value in real.items():
        if name not in spec.param_decls:
            continue
        default = spec.param_decls[name]
        if name in spec.overrides or name in typed or value != default:
            new.param_decls[name] = default
            new.overrides[name] = value
    new.where = spec.where
    return new


def _settable(spec: Spec) -> list[str]:
    names = list(spec.param_decls)
    if spec.recipe is not None:
        names += [k for k in spec.recipe.kwargs if spec.recipe.keyword(k) and k not in names]
    return names


def _typed(spec: Spec, name: str, value: Any) -> Any:
    """A declared parameter's value as the parameter's type; a builder keyword's value as
    the type of the keyword's current value (bool, int; numbers stay as given)."""
    if name in spec.param_decls:
        return spec.param_value(name, value)
    assert spec.recipe is not None
    current = spec.recipe.kwargs[name]
    if isinstance(current, bool):
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if not isinstance(value, bool):
            raise UsageError(f"keyword {name} of {spec.recipe.label} is a bool; give true or false")
        return value
    if isinstance(current, int):
        try:
            return int(value)
        except (TypeError, ValueError):
            raise UsageError(
                f"keyword {name} of {spec.recipe.label} is an int; got {value!r}"
            ) from None
    if isinstance(current, Fraction):
        try:
            return to_fraction(value, what=f"value of {name}")
        except SpecError as exc:
            raise UsageError(exc.message) from None
    return value


def _show(value: Any) -> str:
    text = format_number(value) if isinstance(value, Fraction) else str(value)
    return text if len(text) <= 40 else f"{text[:20]}... ({len(text)} characters)"


def _extension(spec: Spec) -> str:
    assert spec.recipe is not None
    labels = (
        "params",
        "state",
        "envelope",
        "scenarios",
        "ticks",
        "actions",
        "keepers",
        "invariants",
        "lemmas",
        "witnesses",
        "initial",
        "metrics",
    )
    added = []
    for label, now, built in zip(labels, shape(spec), spec.recipe.shape, strict=True):
        extra = [n for n in now if n not in built]
        if extra:
            added.append(f"{label} {', '.join(extra)}")
    return "; ".join(added) or "declarations changed"
