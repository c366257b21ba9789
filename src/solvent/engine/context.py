"""The guard context, kept here for old imports: it lives in :mod:`solvent.lang.guards`.

The spec language records ``requires`` conditions while an action runs, so the context
belongs to the language layer; the engine opens and closes its frames.
"""

from solvent.lang.guards import (
    GuardFrame,
    add_requires,
    current_frame,
    guard_frame,
    implicit_requires,
    no_guards,
)

__all__ = [
    "GuardFrame",
    "add_requires",
    "current_frame",
    "guard_frame",
    "implicit_requires",
    "no_guards",
]
