"""What a spec declares: fields, actions, predicates, instances and the parameter view."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from solvent.errors import SpecError
from solvent.lang.domains import AnyBool, Within

LIVENESS = ("every_step", "adversarial", "within")

# Attribute names of the views a spec reads through (``s``, ``p``, ``m``): a state field,
# parameter or envelope draw of one of these names could not be read or written
RESERVED = {
    "state field": ("accounts",),  # s.accounts is the range of account indices
    "parameter": ("as_dict",),  # p.as_dict() lists the parameters
    "envelope draw": (),
}


@dataclass(frozen=True, slots=True)
class FieldDecl:
    """A state field; ``init`` holds one entry per account for per-account fields."""

    name: str
    sort: str
    per_account: bool
    init: tuple[Fraction | bool | Within | AnyBool, ...]
    where: str | None = None

    def symbolic(self) -> bool:
        return any(isinstance(x, Within | AnyBool) for x in self.init)

    def number_ends(self) -> list[Fraction] | None:
        """The numbers ``init`` names, in order: a range's two ends, a value itself; None
        when an entry is not a number (a Bool field's)."""
        ends: list[Fraction] = []
        for x in self.init:
            if isinstance(x, Within):
                ends += [Fraction(x.lo), Fraction(x.hi)]
            elif isinstance(x, Fraction | int) and not isinstance(x, bool):
                ends.append(Fraction(x))
            else:
                return None
        return ends

    def lowest(self) -> Fraction | None:
        """The least number ``init`` allows, None when it names none or not only numbers."""
        ends = self.number_ends()
        return min(ends) if ends else None


@dataclass(frozen=True, slots=True)
class ActionDecl:
    """A user action, keeper or market tick."""

    name: str
    fn: Callable[..., Any]
    kind: str  # "user" | "keeper" | "tick"
    args: Mapping[str, Within | AnyBool]
    n_accounts: int
    takes_params: bool
    liveness: str | None = None
    where: str | None = None
    doc: str = ""
    # liveness "within": the keeper may be skipped at most this many consecutive steps in
    # which it is enabled (per account); the engine counts them in the field ``late``
    within: int | None = None
    # "keeper", or "oracle" for an oracle update declared with ``@spec.oracle(within=k)``
    # (a keeper in every other respect: it runs before the keepers)
    role: str = "keeper"

    @property
    def late(self) -> str:
        """The state field counting this keeper's consecutive skipped steps (``within``)."""
        return f"{self.name}_late"

    @property
    def assumption(self) -> str:
        """The named assumption of its ``within`` bound: ``keeper.NAME.within`` (or
        ``oracle.NAME.within`` for an oracle update)."""
        return f"{self.role}.{self.name}.within"


@dataclass(frozen=True, slots=True)
class PredicateDecl:
    """An invariant, lemma, witness, initial condition or metric."""

    name: str
    fn: Callable[..., Any]
    kind: str  # "invariant" | "lemma" | "witness" | "initial" | "metric"
    per_account: bool
    takes_params: bool
    where: str | None = None
    doc: str = ""


@dataclass(frozen=True, slots=True)
class Instance:
    """One user-action instance: an action with its account indices."""

    action: ActionDecl
    accounts: tuple[int, ...]

    def label(self) -> str:
        acc = ", ".join(str(a) for a in self.accounts)
        return f"{self.action.name}({acc})" if self.accounts else self.action.name


class Params:
    """Read-only view of static parameters (``p.maintenance_margin``)."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise SpecError(
                f"unknown parameter {name!r}; known: {', '.join(self._values) or '(none)'}"
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise SpecError(f"parameters are static; cannot assign p.{name} inside a spec")

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)
