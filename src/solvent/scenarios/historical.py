"""Scenarios built from price history: exact replay, crash templates, block bootstrap."""

from __future__ import annotations

import difflib
import math
import os
from typing import Any

import numpy as np

from solvent.scenarios.base import Scenario, integer, number
from solvent.scenarios.errors import ScenarioParameterError
from solvent.scenarios.history import (
    Bars,
    check_intrabar,
    expand,
    max_drawdown,
    read_bars,
    simple_returns,
    window,
)


def _align(name: str, bars: list[Bars]) -> None:
    """Multi-asset histories must share their bar timestamps."""
    first = bars[0]
    for other in bars[1:]:
        if len(other) != len(first) or not np.array_equal(other.timestamps, first.timestamps):
            raise ScenarioParameterError(
                f"scenario {name}: histories {first.label} and {other.label} do not have the "
                "same bar timestamps; give files covering the same bars"
            )


def _source_text(bars: list[Bars], source: str | None) -> str:
    if source:
        return source
    return "; ".join(f"{b.label}: {len(b)} bars {b.first_time()}..{b.last_time()}" for b in bars)


class Replay(Scenario):
    """Exact replay of OHLC history, each bar expanded into sub-steps (see ``expand``).

    Deterministic: every path is the same and ``rng`` is not used. ``prices()`` returns
    the exact price path (``native_steps + 1`` points), whose first point is the first
    bar's open; the returns compound back to it (up to float rounding).
    """

    deterministic = True

    def __init__(
        self,
        bars: list[Bars],
        *,
        name: str = "history",
        intrabar: str = "direction",
        source: str | None = None,
    ) -> None:
        self.name = name
        _align(name, bars)
        self.bars = bars
        self.intrabar = check_intrabar(intrabar, name)
        self.assets = tuple(b.label for b in bars)
        self._prices = np.column_stack([expand(b, intrabar) for b in bars])
        self._returns = simple_returns(self._prices)
        self.native_steps = int(self._returns.shape[0])
        self._source = _source_text(bars, source)

    @property
    def start_prices(self) -> tuple[float, ...]:
        """The first bar's open of each asset."""
        return tuple(float(p) for p in self._prices[0])

    def prices(self) -> np.ndarray:
        """The exact expanded price path: ``(native_steps + 1,)`` or ``(…, n_assets)``."""
        out = self._prices.copy()
        return out[:, 0] if self.n_assets == 1 else out

    def params(self) -> dict[str, Any]:
        bar = self.bars[0].bar_seconds
        return {
            "intrabar": self.intrabar,
            "bars": len(self.bars[0]),
            "bar_seconds": bar,
            "steps_per_bar": 1 if self.intrabar == "close" else 4,
            "start": self.bars[0].first_time(),
            "end": self.bars[0].last_time(),
            "start_prices": list(self.start_prices),
        }

    def source(self) -> str:
        return self._source

    def _sample(self, rng: np.random.Generator, n_paths: int, n_steps: int) -> np.ndarray:
        path = self._returns[:n_steps]
        return np.broadcast_to(path, (n_paths, *path.shape))


class CrashTemplate(Replay):
    """A historical crash path scaled to a chosen peak-to-trough depth.

    Every log return of the (expanded) source path is multiplied by
    ``k = log(1 - depth) / log(1 - source_depth)``, where ``source_depth`` is the source's
    largest peak-to-trough fall (over the expanded path, so bar lows count). Log
    drawdowns scale linearly with ``k``, so the template's largest fall is exactly
    ``depth`` (up to float rounding) while the shape (timing, rebounds, relative sizes of
    moves) is the source's. ``segment="peak-to-trough"`` keeps only the steps from the
    peak to the trough of that fall.
    """

    def __init__(
        self,
        bars: list[Bars],
        *,
        depth: Any,
        name: str = "crash",
        intrabar: str = "direction",
        segment: str = "full",
        source: str | None = None,
    ) -> None:
        d = number(name, "depth", depth)
        if not 0 < d < 1:
            raise ScenarioParameterError(
                f"scenario {name}: depth must be a fraction in (0, 1) (0.5 = a 50% fall from "
                f"peak to trough), got {depth!r}"
            )
        if segment not in ("full", "peak-to-trough"):
            raise ScenarioParameterError(
                f"scenario {name}: segment must be 'full' or 'peak-to-trough', got {segment!r}"
            )
        super().__init__(bars, name=name, intrabar=intrabar, source=source)
        self.depth = d
        self.segment = segment
        self.source_depths = tuple(max_drawdown(self._prices[:, j]) for j in range(self.n_assets))
        for label, sd in zip(self.assets, self.source_depths, strict=True):
            if sd <= 0:
                raise ScenarioParameterError(
                    f"scenario {name}: the source path of {label} never falls, so it cannot be "
                    "scaled to a depth; pick a crash window"
                )
        scale = np.array([math.log1p(-d) / math.log1p(-sd) for sd in self.source_depths])
        self.scales = tuple(float(s) for s in scale)
        logs = np.log(self._prices)
        scaled = (logs - logs[0]) * scale
        start = 0
        if segment == "peak-to-trough":
            # the worst fall of the first asset chooses the window for all of them
            lp = scaled[:, 0]
            trough = int(np.argmin(lp - np.maximum.accumulate(lp)))
            start = int(np.argmax(lp[: trough + 1]))
            scaled = scaled[start : trough + 1]
        # the template starts at the source's price where it starts (its open, or the peak)
        self._prices = np.exp(scaled - scaled[0]) * self._prices[start]
        self._returns = np.expm1(np.diff(scaled, axis=0))
        self.native_steps = int(self._returns.shape[0])

    def params(self) -> dict[str, Any]:
        return {
            **super().params(),
            "depth": self.depth,
            "segment": self.segment,
            "source_depth": list(self.source_depths),
            "scale": list(self.scales),
        }


class BlockBootstrap(Scenario):
    """Circular block bootstrap of historical close-to-close returns.

    Each path is made of blocks of ``block`` consecutive historical returns, each block
    starting at a uniformly drawn bar (wrapping around the end), cut to ``n_steps``. With
    several assets the same blocks are drawn for all of them (cross-correlation kept).
    """

    def __init__(
        self,
        bars: list[Bars],
        *,
        block: Any = 24,
        name: str = "bootstrap",
        source: str | None = None,
    ) -> None:
        self.name = name
        _align(name, bars)
        if len(bars[0]) < 2:
            raise ScenarioParameterError(
                f"scenario {name}: the history needs at least 2 bars to give a return"
            )
        self.block = integer(name, "block", block, minimum=1)
        self.assets = tuple(b.label for b in bars)
        closes = np.column_stack([b.close for b in bars])
        self._returns = simple_returns(closes)
        self._source = _source_text(bars, source)
        self.bar_seconds = bars[0].bar_seconds

    def params(self) -> dict[str, Any]:
        return {
            "block": self.block,
            "history_returns": int(self._returns.shape[0]),
            "bar_seconds": self.bar_seconds,
        }

    def source(self) -> str:
        return self._source

    def _sample(self, rng: np.random.Generator, n_paths: int, n_steps: int) -> np.ndarray:
        n_ret = self._returns.shape[0]
        n_blocks = -(-n_steps // self.block)
        starts = rng.integers(0, n_ret, size=(n_paths, n_blocks))
        index = (starts[:, :, None] + np.arange(self.block)).reshape(n_paths, -1)[:, :n_steps]
        index %= n_ret
        return self._returns[index]


def from_history(path: str | os.PathLike[str], **options: Any) -> Replay:
    """Replay the user's OHLC CSV file exactly (see ``solvent.scenarios.history``).

    Options (names may use ``-`` or ``_``): ``intrabar`` (default ``direction``),
    ``start`` and ``end`` (keep the bars opening in ``[start, end]``) and ``label`` (the
    asset's name; default the file's stem). Raises SV610–SV616 for a file that cannot be
    read or validated and SV602 for an unknown or bad option.
    """
    known = {"intrabar": "direction", "start": None, "end": None, "label": None}
    given = {}
    for key, value in options.items():
        k = key.replace("-", "_")
        if k not in known:
            close = difflib.get_close_matches(k, list(known), n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise ScenarioParameterError(
                f"scenario history: unknown option '{key}'; {hint}known options: {', '.join(known)}"
            )
        given[k] = value
    opts = {**known, **given}
    bars = read_bars(path, label=opts["label"])
    bars = window(bars, opts["start"], opts["end"], "history")
    source = f"file {os.fspath(path)}"
    if opts["start"] is not None or opts["end"] is not None:
        source += f", bars from {opts['start'] or 'the start'} to {opts['end'] or 'the end'}"
    return Replay([bars], name="history", intrabar=str(opts["intrabar"]), source=source)
