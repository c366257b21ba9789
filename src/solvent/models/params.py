"""A model's ``build()`` keywords, written once as a table of names and defaults.

Every model is built by ``build(*, name=..., accounts=..., ...) -> Spec``: `solvent models`
lists its keywords with their defaults, ``sv.model(NAME, **keywords)`` and ``--set`` pass
them. Instead of spelling that signature out, a model names its keywords in
:func:`takes`, and keywords that several models share come from one group defined here
(:data:`PERP`, the linear perpetual's margin, fund, market and collateral; :data:`MARKET`,
:data:`MARGINS`, :data:`LONG`), changed where a model differs with :meth:`Defaults.but`,
cut with :meth:`Defaults.only` and repeated per market with :meth:`Defaults.per`::

    @sv.builder
    @takes(name="perp-keeper-late", accounts=1, **PERP.but(insurance_fund="0"))
    def build(k: Knobs) -> sv.Spec:
        check_count("accounts", k.accounts)
        ...

A keyword's entry is its default, or the default with the rule its value must follow:
``rate("0.05", positive=True)``, ``number("100", nonnegative=True)``, ``count(3)``,
``ends(("0", "10000"))`` (the
checks of :mod:`solvent.models.validate`, named by the keyword: a value that breaks the
rule is refused with SV801, exit 3). The decorated ``build`` has the keyword-only
signature the table describes, in its order, so :func:`solvent.spec.recipe.builder`, the
registry and the documentation read it as before; it checks the values in table order and
calls the body with them (checked: exact fractions) as the attributes of one
:class:`Knobs`. What involves several keywords (maintenance at most initial margin, a
choice among names) the body checks itself, with the same helpers.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from solvent.models.validate import check_count, check_ends, check_fraction, check_rate

if TYPE_CHECKING:
    from solvent.spec.spec import Spec


@dataclass(frozen=True, slots=True)
class Param:
    """A keyword's default and the check its value must pass: ``check(name, value)``
    returns the checked value or refuses it (SV801)."""

    default: Any
    check: Callable[[str, Any], Any]


def count(default: int, *, minimum: int = 1) -> Param:
    """An int of at least ``minimum`` (``accounts``)."""
    return Param(default, lambda name, v: check_count(name, v, minimum=minimum))


def number(default: Any, *, positive: bool = False, nonnegative: bool = False) -> Param:
    """An exact number, optionally ``> 0`` or ``>= 0`` (a price, an amount)."""
    return Param(
        default, lambda name, v: check_fraction(name, v, positive=positive, nonnegative=nonnegative)
    )


def rate(default: Any, *, positive: bool = False, upper_open: bool = False) -> Param:
    """A fraction of notional in ``[0, 1]`` (``(0, 1]`` if ``positive``, ``1`` excluded if
    ``upper_open``): a margin, a fee, a per-step move."""
    return Param(
        default, lambda name, v: check_rate(name, v, positive=positive, upper_open=upper_open)
    )


def ends(default: tuple[Any, Any]) -> Param:
    """A range ``(low, high)`` of initial holdings, both ends ``>= 0`` (``collateral``)."""
    return Param(default, check_ends)


def _with_default(entry: Any, default: Any) -> Any:
    return Param(default, entry.check) if isinstance(entry, Param) else default


class Defaults(dict[str, Any]):
    """Keywords and their defaults, in the order `solvent models` lists them."""

    def but(self, **changes: Any) -> Defaults:
        """The same keywords in the same order and with the same rules, with the defaults
        in ``changes``."""
        unknown = sorted(set(changes) - set(self))
        if unknown:
            raise TypeError(f"no keyword {', '.join(unknown)} to change in {list(self)}")
        return Defaults(
            {n: _with_default(e, changes[n]) if n in changes else e for n, e in self.items()}
        )

    def only(self, *names: str) -> Defaults:
        """The keywords ``names`` alone, in this group's order."""
        unknown = sorted(set(names) - set(self))
        if unknown:
            raise TypeError(f"no keyword {', '.join(unknown)} in {list(self)}")
        return Defaults({n: e for n, e in self.items() if n in names})

    def per(self, *suffixes: str) -> Defaults:
        """The keywords once for each market or asset: ``NAME_a``, ``NAME_b``... for
        ``per("_a", "_b")``, market by market, with the same defaults and rules."""
        return Defaults({n + x: e for x in suffixes for n, e in self.items()})


# A market's bounds: the largest per-step move, the largest trade and the start price.
MARKET = Defaults(
    max_move=rate("0.08", positive=True, upper_open=True),
    max_trade=number("50", positive=True),
    start_price=number("2000", positive=True),
)

# A margin pair, each rate in (0, 1] (maintenance at most initial is the body's check:
# blocks_perp.check_margins).
MARGINS = Defaults(
    initial_margin=rate("0.10", positive=True),
    maintenance_margin=rate("0.05", positive=True),
)

# Accounts that start holding a long: its size and the collateral behind it.
LONG = Defaults(
    position=number("1000", positive=True),
    collateral=number("100", nonnegative=True),
)

# The linear perpetual's keywords (perp_isolated, perp_keeper_late, insurance_waterfall):
# margin rates (checked together by blocks_perp.check_margins: isolated may replace the
# initial margin by a leverage cap), the liquidation fee and the insurance fund, the
# market's bounds and the accounts' collateral range.
PERP = Defaults(
    initial_margin="0.10",
    maintenance_margin="0.05",
    liquidation_fee=rate("0.01"),
    insurance_fund=number("100", nonnegative=True),
    **MARKET,
    collateral=("0", "10000"),
)


class Knobs(SimpleNamespace):
    """The keywords a model's ``build()`` was called with, as attributes."""

    def pick(self, names: Iterable[str]) -> dict[str, Any]:
        """The given values of ``names``, as keywords for another model's ``build()``."""
        return {name: getattr(self, name) for name in names}


Body = Callable[[Knobs], "Spec"]


def takes(**table: Any) -> Callable[[Body], Callable[..., Spec]]:
    """Make ``body(k)`` a ``build(*, ...)`` whose keywords are the keys of ``table``, each
    with its default (a :class:`Param`'s ``default``, checked by its ``check``)."""
    checks = {n: e.check for n, e in table.items() if isinstance(e, Param)}
    signature = inspect.Signature(
        [
            inspect.Parameter(
                n, inspect.Parameter.KEYWORD_ONLY, default=e.default if n in checks else e
            )
            for n, e in table.items()
        ]
    )

    def decorate(body: Body) -> Callable[..., Spec]:
        @functools.wraps(body)
        def build(**kwargs: Any) -> Spec:
            bound = signature.bind(**kwargs)
            bound.apply_defaults()
            given = bound.arguments
            return body(
                Knobs(**{n: checks[n](n, v) if n in checks else v for n, v in given.items()})
            )

        build.__signature__ = signature  # type: ignore[attr-defined]
        return build

    return decorate
