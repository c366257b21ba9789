"""Read OHLC CSV files (generic or Binance kline) and expand bars into price paths.

Accepted layouts (see ``docs/scenarios.md``):

* **generic**, with a header naming at least ``timestamp,open,high,low,close``
  (``volume`` and any other columns are optional and ignored); the timestamp column may
  also be called ``time``, ``date``, ``datetime``, ``open_time`` or ``unix``;
* **Binance kline**, with or without the header: ``open_time, open, high, low, close,
  volume, close_time, …`` (12 columns; only the first six are read);
* without a header, the first five columns are read as ``timestamp,open,high,low,close``.

Timestamps are ISO-8601 (``2020-03-12T10:48:00Z``; no zone means UTC) or Unix epoch
numbers, whose unit is told by their size: seconds (< 1e11), milliseconds (< 1e14),
microseconds (< 1e17, Binance since 2025) or nanoseconds. Rows must be oldest first with
unique timestamps; every price must be a positive finite number with
``low <= open, close <= high``.
"""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from solvent.scenarios import errors

TIMESTAMP_NAMES = ("timestamp", "time", "date", "datetime", "open_time", "open time", "unix", "ts")
PRICE_COLUMNS = ("open", "high", "low", "close")
INTRABAR_ORDERS = ("direction", "high-first", "low-first", "close")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True, eq=False)
class Bars:
    """OHLC bars of one instrument, oldest first.

    ``timestamps`` are bar open times in integer microseconds since the Unix epoch (UTC).
    """

    label: str
    timestamps: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    layout: str

    def __len__(self) -> int:
        return int(self.close.size)

    @property
    def bar_seconds(self) -> float | None:
        """The median bar spacing in seconds (``None`` for a single bar)."""
        if len(self) < 2:
            return None
        return float(np.median(np.diff(self.timestamps))) / 1e6

    def first_time(self) -> str:
        return iso(int(self.timestamps[0]))

    def last_time(self) -> str:
        return iso(int(self.timestamps[-1]))


def iso(micros: int) -> str:
    """Format epoch microseconds as ``YYYY-MM-DDTHH:MM:SSZ``."""
    seconds, rest = divmod(micros, 1_000_000)
    stamp = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{rest:06d}Z" if rest else f"{stamp}Z"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


_LATEST_NS = 253_402_300_799 * 10**9  # 9999-12-31T23:59:59Z in nanoseconds


def _clip(text: str) -> str:
    """A cell as shown in a message: at most 40 characters."""
    return text if len(text) <= 40 else f"{text[:24]}...({len(text):,} characters)"


def _parse_time(text: str) -> int | None:
    """Epoch microseconds, or ``None`` when ``text`` is not a timestamp."""
    t = text.strip()
    if not t:
        return None
    try:
        value = float(t)
    except ValueError:
        try:
            moment = datetime.fromisoformat(t)
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        delta = moment - _EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    if not math.isfinite(value) or value < 0 or value > _LATEST_NS:
        return None  # beyond 9999-12-31 in any unit: not a timestamp (and not an int64)
    if t.isdigit():
        # at most 20 significant digits below the bound: leading zeros only (a 4,301-digit
        # '000...0' is 0, and int() refuses strings past 4,300 digits)
        t = t.lstrip("0") or "0"
    magnitude = abs(value)
    if magnitude < 1e11:
        scale = 1_000_000
    elif magnitude < 1e14:
        scale = 1_000
    elif magnitude < 1e17:
        scale = 1
    else:
        return int(t) // 1000 if t.isdigit() else int(value / 1000)
    if t.isdigit():
        return int(t) * scale
    return round(value * scale)


def _layout(path: str, line: int, first: list[str]) -> tuple[dict[str, int], bool, str]:
    """Column positions, whether ``first`` is a header, and the layout's name."""
    cells = [c.strip() for c in first]
    if cells and not _is_number(cells[0]) and _parse_time(cells[0]) is None:
        lowered = [c.lower() for c in cells]
        columns: dict[str, int] = {}
        for name in TIMESTAMP_NAMES:
            if name in lowered:
                columns["timestamp"] = lowered.index(name)
                break
        for name in (*PRICE_COLUMNS, "volume"):
            if name in lowered:
                columns[name] = lowered.index(name)
        missing = [c for c in ("timestamp", *PRICE_COLUMNS) if c not in columns]
        if missing:
            raise errors.HistoryColumnsError(
                f"missing column(s) {', '.join(missing)} in the header "
                f"({', '.join(cells)}); the file needs timestamp,open,high,low,close"
                "[,volume] (or a Binance kline layout)",
                where=f"{path}:{line}",
            )
        kind = "binance-kline" if lowered[0] == "open_time" else "generic"
        return columns, True, kind
    if len(cells) >= 6:
        names = ("timestamp", *PRICE_COLUMNS, "volume")
        kind = "binance-kline" if len(cells) == 12 else "headerless"
        return {n: i for i, n in enumerate(names)}, False, kind
    if len(cells) == 5:
        return {n: i for i, n in enumerate(("timestamp", *PRICE_COLUMNS))}, False, "headerless"
    raise errors.HistoryColumnsError(
        f"first row has {len(cells)} column(s) and no header; give a header "
        "timestamp,open,high,low,close[,volume] or a Binance kline file (12 columns)",
        where=f"{path}:{line}",
    )


def read_bars(path: str | os.PathLike[str], label: str | None = None) -> Bars:
    """Read and validate an OHLC CSV file.

    Raises
    ------
    HistoryFileError
        SV610–SV616: missing file, empty file, missing columns, bad timestamps, bad
        prices, inconsistent bars or unsorted/duplicate timestamps; every message names
        the file and row (and column).
    """
    shown = str(path)
    try:
        handle = open(path, newline="", encoding="utf-8-sig")  # noqa: SIM115
    except FileNotFoundError:
        raise errors.HistoryFileError(
            f"history file {shown} does not exist; give the path of an OHLC CSV file"
        ) from None
    except OSError as exc:
        raise errors.HistoryFileError(f"cannot read history file {shown}: {exc.strerror}") from None
    with handle:
        try:
            rows = [
                (n, r)
                for n, r in enumerate(csv.reader(handle), start=1)
                if any(c.strip() for c in r)
            ]
        except (UnicodeDecodeError, csv.Error) as exc:
            raise errors.HistoryFileError(
                f"history file {shown} is not a text CSV file ({exc}); give an OHLC CSV file"
            ) from None
    if not rows:
        raise errors.HistoryEmptyError(
            f"history file {shown} is empty; it needs a header and at least one bar "
            "(timestamp,open,high,low,close[,volume])"
        )
    if len(rows) > 1 and len(rows[0][1]) == 1 and len(rows[1][1]) >= 5:
        rows = rows[1:]  # a one-field banner line (CryptoDataDownload puts its URL there)
    columns, has_header, kind = _layout(shown, rows[0][0], rows[0][1])
    data = rows[1:] if has_header else rows
    if not data:
        raise errors.HistoryEmptyError(
            f"history file {shown} has a header but no bars; add at least one row"
        )
    width = max(columns.values()) + 1
    n = len(data)
    stamps: Any = np.empty(n, dtype=np.int64)
    prices = {c: np.empty(n) for c in PRICE_COLUMNS}
    volume = np.full(n, np.nan)
    header = [c.strip() for c in rows[0][1]] if has_header else None

    def col_name(key: str) -> str:
        return header[columns[key]] if header else f"{key} (column {columns[key] + 1})"

    for i, (line, row) in enumerate(data):
        where = f"{shown}:{line}"
        if len(row) < width:
            raise errors.HistoryColumnsError(
                f"row has {len(row)} field(s), the layout needs {width}; fix or remove the row",
                where=where,
            )
        raw = row[columns["timestamp"]].strip()
        stamp = _parse_time(raw)
        if stamp is None:
            raise errors.HistoryTimestampError(
                f"column {col_name('timestamp')}: cannot read timestamp {_clip(raw)!r}; write "
                "ISO-8601 (2020-03-12T10:48:00Z) or Unix seconds/milliseconds/microseconds "
                "(up to the year 9999)",
                where=where,
            )
        stamps[i] = stamp
        for c in PRICE_COLUMNS:
            text = row[columns[c]].strip()
            try:
                value = float(text)
            except ValueError:
                value = math.nan
            if not (math.isfinite(value) and value > 0):
                raise errors.HistoryPriceError(
                    f"column {col_name(c)}: price {_clip(text)!r} is not a positive finite number; "
                    "fix the row or remove it",
                    where=where,
                )
            prices[c][i] = value
        if "volume" in columns:
            try:
                volume[i] = float(row[columns["volume"]])
            except ValueError:
                pass
        lo, hi = float(prices["low"][i]), float(prices["high"][i])
        if hi < lo:
            raise errors.HistoryBarError(
                f"high {hi!r} is below low {lo!r}; swap the columns or fix the row", where=where
            )
        for c in ("open", "close"):
            v = float(prices[c][i])
            if not lo <= v <= hi:
                raise errors.HistoryBarError(
                    f"{c} {v!r} lies outside the bar's [low, high] = [{lo!r}, {hi!r}]; "
                    "fix the row (is a column misplaced?)",
                    where=where,
                )
        if i and stamps[i] <= stamps[i - 1]:
            prev_line = data[i - 1][0]
            if stamps[i] == stamps[i - 1]:
                raise errors.HistoryOrderError(
                    f"duplicate timestamp {iso(int(stamps[i]))} (also on row {prev_line}); "
                    "keep one bar per timestamp",
                    where=where,
                )
            raise errors.HistoryOrderError(
                f"timestamp {iso(int(stamps[i]))} is earlier than row {prev_line}'s "
                f"{iso(int(stamps[i - 1]))}; sort the rows oldest first",
                where=where,
            )
    return Bars(
        label=label or Path(shown).stem,
        timestamps=stamps,
        open=prices["open"],
        high=prices["high"],
        low=prices["low"],
        close=prices["close"],
        volume=volume,
        layout=kind,
    )


def window(bars: Bars, start: object, end: object, scenario: str = "history") -> Bars:
    """The bars whose open time lies in ``[start, end]`` (either bound may be ``None``).

    Bounds are timestamps in any accepted form (ISO-8601 or epoch numbers).
    """
    if start is None and end is None:
        return bars
    keep: Any = np.ones(len(bars), dtype=bool)
    for name, bound, side in (("start", start, 1), ("end", end, -1)):
        if bound is None:
            continue
        stamp = _parse_time(str(bound))
        if stamp is None:
            raise errors.ScenarioParameterError(
                f"scenario {scenario}: cannot read {name} {bound!r}; write a timestamp such "
                "as 2020-03-12T10:00:00Z"
            )
        keep &= (bars.timestamps >= stamp) if side > 0 else (bars.timestamps <= stamp)
    if not keep.any():
        raise errors.ScenarioParameterError(
            f"scenario {scenario}: no bar of {bars.label} opens between start {start!r} and "
            f"end {end!r}; the data covers {bars.first_time()}..{bars.last_time()}"
        )
    return Bars(
        label=bars.label,
        timestamps=bars.timestamps[keep],
        open=bars.open[keep],
        high=bars.high[keep],
        low=bars.low[keep],
        close=bars.close[keep],
        volume=bars.volume[keep],
        layout=bars.layout,
    )


def check_intrabar(intrabar: str, scenario: str = "history") -> str:
    if intrabar not in INTRABAR_ORDERS:
        raise errors.ScenarioParameterError(
            f"scenario {scenario}: intrabar must be one of {', '.join(INTRABAR_ORDERS)}, got {intrabar!r}"
        )
    return intrabar


def expand(bars: Bars, intrabar: str = "direction") -> np.ndarray:
    """The price path the bars imply, as a float64 array.

    With ``intrabar="close"``: ``[open[0], close[0], close[1], …]`` (one step per bar).
    Otherwise four points per bar: ``open, first extreme, second extreme, close``, so a
    path of ``4 * n_bars`` prices and ``4 * n_bars - 1`` steps (the step from a close to
    the next open is the gap between bars, often zero). The order of the extremes:

    * ``high-first``: open → high → low → close (the whole high-to-low range falls in one
      step: the most adverse order for longs);
    * ``low-first``: open → low → high → close (most adverse for shorts);
    * ``direction`` (default): high-first for a bar that closes at or below its open,
      low-first for a bar that closes above it, so the full range moves in the bar's
      direction and lands on the side that loses on the bar.
    """
    check_intrabar(intrabar)
    if intrabar == "close":
        return np.concatenate(([bars.open[0]], bars.close))
    if intrabar == "high-first":
        high_first: Any = np.ones(len(bars), dtype=bool)
    elif intrabar == "low-first":
        high_first = np.zeros(len(bars), dtype=bool)
    else:
        high_first = bars.close <= bars.open
    first = np.where(high_first, bars.high, bars.low)
    second = np.where(high_first, bars.low, bars.high)
    return np.column_stack((bars.open, first, second, bars.close)).ravel()


def simple_returns(prices: np.ndarray) -> np.ndarray:
    """``prices[1:] / prices[:-1] - 1`` along the first axis."""
    return prices[1:] / prices[:-1] - 1.0


def max_drawdown(prices: np.ndarray) -> float:
    """Largest peak-to-trough fall ``1 - trough / peak`` (0 when never falling)."""
    peak = np.maximum.accumulate(prices)
    return float(1.0 - np.min(prices / peak))
