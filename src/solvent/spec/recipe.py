"""How a spec was built, so that a changed parameter rebuilds it instead of patching it.

A model's ``build(**params)`` uses a parameter twice: once to shape the spec (envelope
bounds, scan points, tiers, which lemmas exist) and once as the spec's ``p.NAME``. Changing
only the second (``--set``) would check a spec that mixes the old and the new value. A
function decorated with :func:`builder` records its call on the spec it returns (a
:class:`Recipe`); :meth:`solvent.Spec.with_params` then calls it again with the new value,
so every derived quantity and every validation of the builder follows, and a value the
builder refuses is refused (SV801, exit 3).
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from solvent.errors import _short

if TYPE_CHECKING:
    from solvent.spec.spec import Spec

# A parameter of the spec that is not a keyword of its builder: how a new value of it
# becomes the builder's keywords (e.g. initial_margin -> max_leverage = 1 / initial_margin).
Setter = Callable[[dict[str, Any], Any], dict[str, Any]]

# keyword types `--set NAME=VALUE` can give; others (tuples, None: a feature left off, whose
# value's shape is unknown) are written in the spec file
_SCALAR = (str, int, bool, Fraction)
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclass(frozen=True, slots=True)
class Recipe:
    """The call that built a spec: ``builder(**kwargs)``.

    ``shape`` names every declaration the builder made; a spec whose declarations differ
    was extended after the builder returned, and a rebuild would drop the additions.
    """

    builder: Callable[..., Spec]
    kwargs: Mapping[str, Any]
    setters: Mapping[str, Setter] = field(default_factory=dict)
    shape: tuple[tuple[str, ...], ...] = ()
    original: Mapping[str, Any] | None = None  # the first call's keywords, before any --set
    called_at: str | None = None  # file:line of the first call outside solvent (the spec file)

    @property
    def label(self) -> str:
        """``solvent.models.span.build()``, or ``build() in my_spec.py`` for a spec file."""
        fn = inspect.unwrap(self.builder)
        if fn.__module__.startswith("_solvent_spec_"):  # a spec file solvent imported
            from solvent.errors import _short

            return f"{fn.__qualname__}() in {_short(fn.__code__.co_filename)}"
        return f"{fn.__module__}.{fn.__qualname__}()"

    def changed(self) -> dict[str, Any]:
        """The keywords that differ from the first call (what ``--set`` changed)."""
        first = self.kwargs if self.original is None else self.original
        return {k: v for k, v in self.kwargs.items() if k not in first or not _same(first[k], v)}

    def keyword(self, name: str) -> bool:
        """Whether ``--set name=...`` can be passed to the builder as a keyword."""
        return name != "name" and name in self.kwargs and isinstance(self.kwargs[name], _SCALAR)

    def sets(self, name: str) -> bool:
        """Whether the builder can take a new value of ``name`` (a keyword or a setter)."""
        return name in self.setters or self.keyword(name)

    def call(self, values: Mapping[str, Any]) -> Spec:
        """The spec built with ``values`` in place of the recorded keywords."""
        kwargs = dict(self.kwargs)
        for name, value in values.items():
            if name in self.setters:
                kwargs = self.setters[name](kwargs, value)
            else:
                kwargs[name] = value
        return self.builder(**kwargs)


def caller() -> str | None:
    """``file:line`` of the innermost frame outside the solvent package (models included):
    the line of the user's spec file that called the builder."""
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_code.co_filename
        if not name.startswith("<") and not os.path.abspath(name).startswith(_PACKAGE):
            return f"{_short(os.path.abspath(name))}:{frame.f_lineno}"
        frame = frame.f_back  # type: ignore[assignment]
    return None


def _same(a: Any, b: Any) -> bool:
    """Equal values, numbers compared exactly whatever their spelling ("0.05", 1/20)."""
    if a == b:
        return True
    try:
        return not isinstance(a, bool | tuple) and Fraction(a) == Fraction(b)
    except (TypeError, ValueError, ZeroDivisionError):
        return False


def shape(spec: Spec) -> tuple[tuple[str, ...], ...]:
    """The names of everything ``spec`` declares (not their values)."""
    return (
        tuple(spec.param_decls),
        tuple(spec.fields),
        tuple(spec.bounds),
        tuple(spec.scenarios),
        *(tuple(d.name for d in group) for group in _groups(spec)),
    )


def _groups(spec: Spec) -> tuple[list[Any], ...]:
    return (
        spec.ticks,
        spec.actions,
        spec.keepers,
        spec.invariants,
        spec.lemmas,
        spec.witnesses,
        spec.initials,
        spec.metrics,
    )


def builder(
    fn: Callable[..., Spec] | None = None, *, setters: Mapping[str, Setter] | None = None
) -> Any:
    """Mark ``fn(**params) -> Spec`` as the one source of a spec's parameters.

    The spec ``fn`` returns remembers the call; ``--set NAME=VALUE``, ``[tool.solvent]``
    params and :meth:`~solvent.Spec.with_params` rebuild it through ``fn`` with the new
    value (``NAME`` a declared parameter or a keyword of ``fn`` with a scalar value).
    ``setters`` maps a declared parameter that is not a keyword of ``fn`` to a function
    ``(kwargs, value) -> kwargs``.

    Examples
    --------
    >>> @sv.builder
    ... def build(max_move="0.08"):
    ...     perp = sv.Spec("perp", accounts=2)
    ...     ...
    ...     return perp
    >>> spec = build()
    """

    def decorate(f: Callable[..., Spec]) -> Callable[..., Spec]:
        signature = inspect.signature(f)

        @functools.wraps(f)
        def build(*args: Any, **kwargs: Any) -> Spec:
            from solvent.errors import SpecError
            from solvent.spec.spec import Spec

            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            spec = f(*bound.args, **bound.kwargs)
            arguments = dict(bound.arguments)
            for name, p in signature.parameters.items():
                if p.kind is p.VAR_KEYWORD:  # build(**params): its keywords, one by one
                    arguments.update(arguments.pop(name, {}))
                elif p.kind in (p.VAR_POSITIONAL, p.POSITIONAL_ONLY):
                    arguments.pop(name, None)  # cannot be given by name: not settable
            if not isinstance(spec, Spec):
                raise SpecError(
                    f"builder {f.__qualname__} returned {type(spec).__name__}, not a "
                    "solvent.Spec; end it with `return spec`"
                )
            spec.recipe = Recipe(
                build, arguments, dict(setters or {}), shape(spec), called_at=caller()
            )
            return spec

        return build

    return decorate(fn) if fn is not None else decorate
