"""Which module registers each verb, and the Typer command a command line needs.

``solvent bmc ...`` needs the ``bmc`` command only: :func:`command` imports the module of
that verb's family and builds the command of that one verb (with the app's root options),
not the other families' modules (stress, monitor, conform, ...) nor the other commands'
options. ``solvent --help``, ``solvent --version``, an unknown verb and shell completion
get the whole app, every family imported and the verbs in the order of ``FAMILIES``
(the order ``solvent --help`` lists them in, whichever module was imported first).
"""

from __future__ import annotations

import copy
import importlib
import os
from collections.abc import Sequence
from typing import Any

import typer

from solvent.cli.quick_values import install
from solvent.cli.verbs import app, signed

# the module of each verb family and its verbs, in the order `solvent --help` lists them
FAMILIES: dict[str, tuple[str, ...]] = {
    "solvent.cli.core": ("inspect", "lint", "bmc", "prove", "replay", "check"),
    "solvent.cli.risk": ("frontier", "synth"),
    "solvent.cli.stress": ("stress",),
    "solvent.cli.shrink": ("shrink",),
    "solvent.cli.report": ("report",),
    "solvent.cli.monitor": ("monitor",),
    "solvent.cli.monitor_convert": ("monitor-convert",),
    "solvent.cli.monitor_aggregate": ("monitor-aggregate",),
    "solvent.cli.monitor_route": ("monitor-route",),
    "solvent.cli.models": ("models", "new"),
    "solvent.cli.conform": ("conform",),
}
_ORDER = [v for verbs in FAMILIES.values() for v in verbs]
_COMPLETION = "_SOLVENT_COMPLETE"  # set by the shell while it completes a command line


def load_all() -> typer.Typer:
    """The app with every verb registered, in the order of ``FAMILIES``."""
    for module in FAMILIES:
        importlib.import_module(module)
    rank = {name: i for i, name in enumerate(_ORDER)}
    app.registered_commands.sort(key=lambda c: rank.get(c.name or "", len(rank)))
    signed()
    return app


def command(args: Sequence[str]) -> Any:
    """The Click command that runs the command line ``args`` (``sys.argv[1:]``)."""
    name = args[0] if args else None
    module = next((m for m, verbs in FAMILIES.items() if name in verbs), None)
    if module is None or os.environ.get(_COMPLETION):
        whole = typer.main.get_command(load_all())
        install(whole)
        return whole
    importlib.import_module(module)
    one = copy.copy(app)  # the app's root options and settings, this one command
    one.registered_commands = [c for c in app.registered_commands if c.name == name]
    signed([c.name for c in one.registered_commands if c.name])
    built = typer.main.get_command(one)
    install(built)
    return built
