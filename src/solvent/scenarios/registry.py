"""Named scenarios: ``get(name, **options)`` and ``names()``."""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable
from typing import Any

from solvent.scenarios.base import Scenario
from solvent.scenarios.errors import ScenarioParameterError, UnknownScenarioError

_FACTORIES: dict[str, Callable[..., Scenario]] = {}
_SUMMARIES: dict[str, str] = {}


def register(
    name: str, summary: str
) -> Callable[[Callable[..., Scenario]], Callable[..., Scenario]]:
    """Register a scenario factory under ``name`` (keyword-only options)."""

    def deco(factory: Callable[..., Scenario]) -> Callable[..., Scenario]:
        _FACTORIES[name] = factory
        _SUMMARIES[name] = summary
        return factory

    return deco


def names() -> list[str]:
    """Return the names of every built-in scenario, sorted."""
    return sorted(_FACTORIES)


def summaries() -> dict[str, str]:
    """Return ``{name: one-line summary}`` for every built-in scenario."""
    return {n: _SUMMARIES[n] for n in names()}


def options(name: str) -> dict[str, Any]:
    """Return the options of scenario ``name`` with their defaults."""
    factory = _lookup(name)
    return {
        p.name: (None if p.default is inspect.Parameter.empty else p.default)
        for p in inspect.signature(factory).parameters.values()
    }


def _lookup(name: str) -> Callable[..., Scenario]:
    if not isinstance(name, str) or name not in _FACTORIES:
        known = names()
        close = difflib.get_close_matches(str(name), known, n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise UnknownScenarioError(
            f"unknown scenario '{name}'; {hint}known scenarios: {', '.join(known)}; "
            "or replay your own OHLC CSV with --history FILE"
        )
    return _FACTORIES[name]


def get(name: str, **opts: Any) -> Scenario:
    """Build the scenario ``name`` with the given options.

    Option names may use ``-`` or ``_`` (``jump-intensity`` = ``jump_intensity``); values
    may be numbers or strings holding numbers. An unknown name raises SV601 with the
    nearest known name; an unknown or nonsensical option raises SV602.
    """
    factory = _lookup(name)
    known = options(name)
    cleaned: dict[str, Any] = {}
    for key, value in opts.items():
        k = key.replace("-", "_")
        if k not in known:
            close = difflib.get_close_matches(k, list(known), n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'? " if close else ""
            listing = ", ".join(known) if known else "(none)"
            raise ScenarioParameterError(
                f"scenario {name}: unknown option '{key}'; {hint}known options: {listing}"
            )
        cleaned[k] = value
    return factory(**cleaned)
