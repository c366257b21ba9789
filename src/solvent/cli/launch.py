"""The console script ``solvent``: a plain bmc call runs without Typer, every other
command line through it (``cli/plain_bmc.py`` says which is which)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import NoReturn

from solvent.cli.exits import main_with
from solvent.cli.plain_bmc import run as run_plain


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Run the command line (default: ``sys.argv[1:]``) and exit with its code."""
    main_with(_run, argv)


def _run(argv: Sequence[str] | None) -> int:
    args = list(argv) if argv is not None else sys.argv[1:]
    code = run_plain(args)
    if code is not None:
        return code
    from solvent.cli.core import run

    return run(argv)
