"""The `solvent` command: one module per verb family, all on one Typer app.

:mod:`solvent.cli.verbs` holds the app and the ``verb()`` decorator driven by
:class:`solvent.config.Settings`; ``core`` the core verbs (inspect, lint, bmc, prove,
replay, check) and the entry points :func:`run` and :func:`main`; every other module is one
family of verbs, registered on the app by ``@verb`` when it is imported here.
"""

from solvent.cli.core import main, run
from solvent.cli.verbs import EPILOG, app

# isort: split
# the other families, in the order `solvent --help` lists them
from solvent.cli import risk, stress, shrink, report, monitor  # noqa: F401, I001
from solvent.cli import monitor_convert, monitor_aggregate, models, conform  # noqa: F401, I001

__all__ = ["EPILOG", "app", "main", "run"]
