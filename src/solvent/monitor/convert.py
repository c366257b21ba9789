"""OHLC CSV (Binance kline or generic) → ``solvent-event/1`` price events.

Each bar becomes four price events in time order: the open at the bar's open time, the
two extremes (low then high for a bar that closed up, high then low for one that closed
down: the usual open→low→high→close / open→high→low→close path) at one third and two
thirds of the bar, and the close at the bar's end. So a monitor sees the bar's low and
high, not only its close, and a per-update envelope check sees every leg of the bar.

The CSV is read and validated by :func:`solvent.scenarios.history.read_bars` (errors
SV610–SV616 name the file and row). Prices are written as the shortest decimal that
reads back to the parsed value, which is the text of the file for prices with at most 15
significant digits (every file in ``solvent/scenarios/data``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from solvent.monitor.events import SCHEMA


def _num(x: Any) -> str:
    return repr(float(x))


def _ts(x: float) -> str:
    text = f"{x:.6f}".rstrip("0").rstrip(".")
    return text or "0"


def bar_events(
    path: str | os.PathLike[str], *, symbol: str | None = None, start_seq: int = 1
) -> Iterator[bytes]:
    """JSON lines (without newline) of price events for every bar of an OHLC file."""
    from solvent.scenarios.history import read_bars

    bars = read_bars(path)
    step = bars.bar_seconds or 60.0
    seq = start_seq
    sym = f',"symbol":"{symbol}"' if symbol else ""
    for i in range(len(bars)):
        t0 = int(bars.timestamps[i]) / 1e6
        o, h, lo, c = bars.open[i], bars.high[i], bars.low[i], bars.close[i]
        legs = (lo, h) if c >= o else (h, lo)
        points = ((t0, o), (t0 + step / 3, legs[0]), (t0 + 2 * step / 3, legs[1]), (t0 + step, c))
        for ts, price in points:
            yield (
                f'{{"schema":"{SCHEMA}","type":"price","ts":{_ts(ts)},"seq":{seq},'
                f'"price":"{_num(price)}"{sym}}}'
            ).encode()
            seq += 1


def convert(src: str, dest: str, *, symbol: str | None = None) -> int:
    """Write the events of ``src`` to ``dest`` (atomically); return how many."""
    lines = list(bar_events(src, symbol=symbol))
    from solvent.report.outputs import write_atomic

    write_atomic(dest, "".join(line.decode() + "\n" for line in lines))
    return len(lines)
