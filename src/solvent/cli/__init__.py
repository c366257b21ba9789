"""The `solvent` command: one module per verb family, all on one Typer app.

``core`` holds the app, the ``verb()`` decorator driven by :class:`solvent.config.Settings`
and the core verbs (inspect, lint, bmc, prove, replay, check); every other module adds its
family of verbs through ``register(app)``. :func:`run` and :func:`main` are the entry points.
"""

from solvent.cli import conform, models, monitor, report, risk, stress
from solvent.cli.core import EPILOG, app, main, run

for _family in (risk, stress, report, monitor, models, conform):
    _family.register(app)

__all__ = ["EPILOG", "app", "main", "run"]
