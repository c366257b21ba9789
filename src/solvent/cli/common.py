"""Pieces every verb module's Typer declarations share (the target argument, quiet options)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from solvent.api.verify import read_trace  # noqa: F401 - the verbs read traces through it

Target = Annotated[
    str,
    typer.Argument(
        metavar="TARGET", help="Spec file, PATH.py or PATH.py:NAME.", show_default=False
    ),
]


def opt(*flags: str, help: str, metavar: str | None = None) -> Any:
    """A Typer option whose default is described in its help text, not printed by Typer."""
    return typer.Option(*flags, help=help, metavar=metavar, show_default=False)


#: ``--source`` of the verbs that read only Redis (monitor-aggregate, monitor-route)
RedisUrl = Annotated[
    str | None,
    opt(
        "--source",
        help="redis[s]://[USER@]HOST:PORT[/DB] [default: $SOLVENT_REDIS_URL].",
        metavar="URL",
    ),
]
