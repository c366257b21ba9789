"""Live progress of the running check: its phase, depth and portfolio members.

Checks note what they are doing (``note(phase="race", members=[...])``); the CLI's
spinner on stderr shows it with the elapsed time (only on a terminal, never under
``CI=true`` or with ``--format json``/``-q``). Checks never print; this is a plain record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_state: dict[str, Any] = {}
_sink: Callable[[dict[str, Any]], None] | None = None  # a forked check's parent


def forward_to(sink: Callable[[dict[str, Any]], None] | None) -> None:
    """Also send each new state to ``sink`` (a check in a forked process: its parent)."""
    global _sink
    _sink = sink


def note(**fields: Any) -> None:
    """Record what the check is doing now (None removes a field)."""
    for key, value in fields.items():
        if value is None:
            _state.pop(key, None)
        else:
            _state[key] = value
    if _sink is not None:
        _sink(dict(_state))


def clear() -> None:
    _state.clear()


def phase() -> str:
    """The phase noted last ("" when none)."""
    return str(_state.get("phase", ""))


def describe() -> str:
    """One line: ``phase · depth D · members a, b`` (empty when nothing was noted)."""
    parts = []
    if "phase" in _state:
        parts.append(str(_state["phase"]))
    if "depth" in _state:
        parts.append(f"depth {_state['depth']}")
    if _state.get("members"):
        parts.append("running " + ", ".join(_state["members"]))
    if "lemmas" in _state:  # what the proof assumes beyond the spec (decompose_one)
        parts.append(str(_state["lemmas"]))
    return " · ".join(parts)
