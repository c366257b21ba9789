"""The `solvent` command: one module per verb family, all on one Typer app.

:mod:`solvent.cli.verbs` holds the app and the ``verb()`` decorator driven by
:class:`solvent.config.Settings`; ``core`` the core verbs (inspect, lint, bmc, prove,
replay, check) and the entry point :func:`run`; every other module is one family of
verbs, registered on the app by ``@verb`` when it is imported.
:mod:`solvent.cli.families` lists them: a command line imports only its verb's family
(``solvent bmc`` does not import stress or monitor), and ``solvent.cli.app`` is the app
with every family registered. The console script :func:`main` (``cli/launch.py``) runs a
plain ``bmc`` call without importing Typer (``cli/plain_bmc.py``).
"""

from typing import Any

from solvent.cli.launch import main

__all__ = ["EPILOG", "app", "main", "run"]


def __getattr__(name: str) -> Any:
    """``run``, ``EPILOG`` (Typer's), ``app``: the app with every verb; ``risk``,
    ``stress``...: a family's module."""
    import importlib

    if name == "run":
        from solvent.cli.core import run

        return run
    if name == "EPILOG":
        from solvent.cli.verbs import EPILOG

        return EPILOG
    from solvent.cli.families import FAMILIES, load_all

    if name == "app":
        return load_all()
    if f"solvent.cli.{name}" in FAMILIES:
        return importlib.import_module(f"solvent.cli.{name}")
    raise AttributeError(f"module 'solvent.cli' has no attribute {name!r}")
