"""The spec's sample start state on the judge, shared by ``lint`` and the float64 lint."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from solvent.backends.modes import concrete_for
from solvent.engine.state import StateDict
from solvent.lang.values import Value
from solvent.spec.spec import Spec


def num(backend: Any, q: Any) -> Value:
    """The exact number ``q`` as a value of ``backend``."""
    return Value(backend, backend.const(Fraction(q)), "num")


def sample_state(spec: Spec) -> StateDict:
    """The spec's start (domains at their lower end, free flags False) on the judge."""
    from solvent.engine.start import concrete_start

    backend = concrete_for(spec)

    def one(x: Any, sort: str) -> Value:
        return Value(backend, x, sort) if isinstance(x, bool) else num(backend, x)

    state: StateDict = {}
    for name, v in concrete_start(spec).items():
        sort = spec.fields[name].sort
        state[name] = [one(x, sort) for x in v] if isinstance(v, tuple) else one(v, sort)
    return state
