"""The guard context: where `requires` conditions of the running action are collected."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from solvent.errors import SpecError, user_location


@dataclass(slots=True)
class GuardFrame:
    """Conditions collected while one action instance runs."""

    what: str
    conditions: list[Any] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


_STACK: list[GuardFrame | None] = []


@contextmanager
def guard_frame(what: str) -> Iterator[GuardFrame]:
    frame = GuardFrame(what)
    _STACK.append(frame)
    try:
        yield frame
    finally:
        _STACK.pop()


@contextmanager
def no_guards(what: str) -> Iterator[None]:
    """Code (invariants, witnesses, ticks) where `requires` is not allowed."""
    _STACK.append(None)
    try:
        yield
    finally:
        _STACK.pop()
    del what


def current_frame() -> GuardFrame | None:
    return _STACK[-1] if _STACK else None


def add_requires(cond: Any, reason: str) -> None:
    frame = current_frame()
    if frame is None:
        raise SpecError(
            "sv.requires() is only allowed inside a user action or a keeper; the market "
            "tick always runs (bound its draws in the envelope), and invariants and "
            "witnesses return a condition instead (use sv.implies(a, b))",
            where=user_location(),
        )
    frame.conditions.append(cond)
    frame.reasons.append(reason)


def implicit_requires(cond: Any, reason: str) -> None:
    """Partial ops (division) guard the enclosing action; outside one they are total."""
    frame = current_frame()
    if frame is not None:
        frame.conditions.append(cond)
        frame.reasons.append(reason)
