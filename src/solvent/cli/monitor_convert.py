"""The verb `solvent monitor-convert`: an OHLC CSV as solvent-event/1 price events."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from solvent.cli.common import opt as _opt
from solvent.cli.verbs import verb
from solvent.errors import UsageError


@verb("monitor-convert", epilog=None, json_errors=False)
def convert_command(
    csv_file: Annotated[
        str,
        typer.Argument(
            metavar="OHLC.csv",
            help="Binance kline or timestamp,open,high,low,close[,volume] CSV.",
            show_default=False,
        ),
    ],
    output: Annotated[
        str | None,
        _opt(
            "--output",
            "-o",
            help="Write the events here [default: stdout].",
            metavar="EVENTS.jsonl",
        ),
    ] = None,
    symbol: Annotated[
        str | None, _opt("--symbol", help="Symbol to put in every event.", metavar="NAME")
    ] = None,
) -> int:
    """Convert an OHLC CSV into solvent-event/1 price events (open, low/high, close per bar)."""
    from solvent.monitor.convert import bar_events, convert

    if output:
        parent = os.path.dirname(os.path.abspath(output))
        if not os.path.isdir(parent):
            raise UsageError(
                f"cannot write {output}: directory {parent} does not exist; create it first"
            )
        n = convert(csv_file, output, symbol=symbol)
        sys.stderr.write(f"monitor-convert: {n} price events written to {output}\n")
        return 0
    for line in bar_events(csv_file, symbol=symbol):
        sys.stdout.write(line.decode() + "\n")
    return 0
