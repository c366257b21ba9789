"""Pieces every verb module's Typer declarations share (the target argument, quiet options)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from solvent.errors import TraceFormatError

Target = Annotated[
    str,
    typer.Argument(
        metavar="TARGET", help="Spec file, PATH.py or PATH.py:NAME.", show_default=False
    ),
]


def opt(*flags: str, help: str, metavar: str | None = None) -> Any:
    """A Typer option whose default is described in its help text, not printed by Typer."""
    return typer.Option(*flags, help=help, metavar=metavar, show_default=False)


def read_trace(path: str) -> Any:
    """Load a trace file (or a bmc result file) for replay, with a message for bad input."""
    from solvent.engine.trace import loads

    file = Path(path)
    if not file.is_file():
        what = "is a directory" if file.is_dir() else "does not exist"
        raise TraceFormatError(
            f"trace file {path!r} {what}; give a JSON trace or a result file "
            "written by `solvent bmc -o`"
        )
    try:
        content = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TraceFormatError(f"cannot read trace file {path}: {exc}") from None
    return loads(content, source=path)
