"""A model's ``build()`` keywords, written once as a table of names and defaults.

Every model is built by ``build(*, name=..., accounts=..., ...) -> Spec``: `solvent models`
lists its keywords with their defaults, ``sv.model(NAME, **keywords)`` and ``--set`` pass
them. Instead of spelling that signature out, a model names its keywords in
:func:`takes`, and keywords that several models share come from one group defined here
(:data:`PERP`, the linear perpetual's margin, fund, market and collateral), changed where a
model differs with :meth:`Defaults.but`::

    @sv.builder
    @takes(name="perp-keeper-late", accounts=1, **PERP.but(insurance_fund="0"))
    def build(k: Knobs) -> sv.Spec:
        check_count("accounts", k.accounts)
        ...

The decorated ``build`` has the keyword-only signature the table describes (in its order),
so :func:`solvent.spec.recipe.builder`, the registry and the documentation read it as
before; the body receives the given values as the attributes of one :class:`Knobs`. The
body still checks them (:mod:`solvent.models.validate`, :mod:`solvent.models.blocks_perp`):
each model keeps its own rules and messages.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from solvent.spec.spec import Spec


class Defaults(dict[str, Any]):
    """Keywords and their defaults, in the order `solvent models` lists them."""

    def but(self, **changes: Any) -> Defaults:
        """The same keywords in the same order, with the defaults in ``changes``."""
        unknown = sorted(set(changes) - set(self))
        if unknown:
            raise TypeError(f"no keyword {', '.join(unknown)} to change in {list(self)}")
        return Defaults({**self, **changes})


# The linear perpetual's keywords (perp_isolated, perp_keeper_late, insurance_waterfall):
# margin rates, the liquidation fee and the insurance fund, the market's bounds and the
# accounts' collateral range.
PERP = Defaults(
    initial_margin="0.10",
    maintenance_margin="0.05",
    liquidation_fee="0.01",
    insurance_fund="100",
    max_move="0.08",
    max_trade="50",
    start_price="2000",
    collateral=("0", "10000"),
)


class Knobs(SimpleNamespace):
    """The keywords a model's ``build()`` was called with, as attributes."""

    def pick(self, names: Iterable[str]) -> dict[str, Any]:
        """The given values of ``names``, as keywords for another model's ``build()``."""
        return {name: getattr(self, name) for name in names}


Body = Callable[[Knobs], "Spec"]


def takes(**defaults: Any) -> Callable[[Body], Callable[..., Spec]]:
    """Make ``body(k)`` a ``build(*, **defaults)`` whose keywords are ``defaults``."""
    signature = inspect.Signature(
        [
            inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=v)
            for n, v in defaults.items()
        ]
    )

    def decorate(body: Body) -> Callable[..., Spec]:
        @functools.wraps(body)
        def build(**kwargs: Any) -> Spec:
            bound = signature.bind(**kwargs)
            bound.apply_defaults()
            return body(Knobs(**bound.arguments))

        build.__signature__ = signature  # type: ignore[attr-defined]
        return build

    return decorate
