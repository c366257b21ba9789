"""The built-in scenarios, registered by name."""

from __future__ import annotations

import os
from typing import Any

from solvent.scenarios import datasets as _d
from solvent.scenarios import historical as _h
from solvent.scenarios import multi as _m
from solvent.scenarios import processes as _p
from solvent.scenarios.base import Scenario
from solvent.scenarios.errors import ScenarioParameterError
from solvent.scenarios.history import Bars, read_bars, window
from solvent.scenarios.registry import register

# The processes' own keyword options and defaults are the scenarios' options.
register("gbm", "geometric Brownian motion (vol, drift annualised; steps_per_year)")(_p.GBM)
register("merton", "Merton jump-diffusion: GBM plus Poisson jumps of normal log size")(_p.Merton)
register("garch", "GARCH(1,1) volatility clustering around a long-run vol")(_p.GARCH)
register("student-t", "i.i.d. Student-t log returns scaled to vol (fat tails)")(_p.StudentT)

# -- multi-asset --------------------------------------------------------------------------

register("correlated", "correlated multi-asset GBM / Student-t shocks (Cholesky of a matrix)")(
    _m.Correlated
)


# -- history ------------------------------------------------------------------------------


DIRECTION = "direction"  # the intrabar order of a replay: the bar's direction decides


def _bars_from(
    name: str, history: Any, start: Any = None, end: Any = None
) -> tuple[list[Bars], str]:
    """Bars and a source text for dataset names (comma-separated for several) or files."""
    items = history.split(",") if isinstance(history, str) else list(history)
    out, sources = [], []
    for item in items:
        item = str(item).strip()
        if item in _d.DATASETS:
            out.append(_d.load(item))
            sources.append(_source([item]))
        elif os.sep in item or item.lower().endswith(".csv") or os.path.exists(item):
            out.append(read_bars(item))
            sources.append(f"file {item}")
        else:
            _d.lookup(item)  # raises SV601 with the shipped names
    if not out:
        raise ScenarioParameterError(f"scenario {name}: history names no dataset or file")
    out = [window(b, start, end, name) for b in out]
    return out, _windowed("; ".join(sources), start, end)


def _windowed(source: str, start: Any, end: Any) -> str:
    if start is None and end is None:
        return source
    return f"{source}, bars from {start or 'the start'} to {end or 'the end'}"


def _select(name: str, bars: list[Bars], asset: Any) -> list[Bars]:
    if asset is None or str(asset).lower() in ("all", "both"):
        return bars
    wanted = [a.strip().upper() for a in str(asset).split(",")]
    labels = [b.label.upper() for b in bars]
    for w in wanted:
        if w not in labels:
            raise ScenarioParameterError(
                f"scenario {name}: asset must be one of {', '.join(labels)} or 'all', got {asset!r}"
            )
    return [bars[labels.index(w)] for w in wanted]


def _source(datasets: list[str]) -> str:
    parts = []
    for n in datasets:
        ds = _d.DATASETS[n]
        parts.append(f"{ds.instrument} {ds.bar} bars, {ds.venue}, {ds.window} ({ds.file})")
    return "; ".join(parts)


def _named_replay(name: str, datasets: list[str], summary: str) -> None:
    def factory(
        *, asset: Any = "all", intrabar: str = DIRECTION, start: Any = None, end: Any = None
    ) -> Scenario:
        bars = [_d.load(n) for n in datasets]
        chosen = _select(name, bars, asset)
        used = [datasets[bars.index(b)] for b in chosen]
        cut = [window(b, start, end, name) for b in chosen]
        source = _windowed(_source(used), start, end)
        return _h.Replay(cut, name=name, intrabar=intrabar, source=source)

    register(name, summary)(factory)


_named_replay(
    "black-thursday-2020",
    ["btc-usdt-1h-2020-03", "eth-usdt-1h-2020-03"],
    "BTC and ETH (2 assets) Binance spot 1h bars 2020-03-08..16 (Black Thursday 2020-03-12)",
)
_named_replay(
    "black-thursday-2020-perp",
    ["btcusdt-perp-1m-2020-03-12"],
    "BTCUSDT perpetual 1m bars 2020-03-12..13 (Black Thursday, -53% high to low in 24h)",
)
_named_replay(
    "may-2021",
    ["btc-usdt-1h-2021-05", "eth-usdt-1h-2021-05"],
    "BTC and ETH (2 assets) Binance spot 1h bars 2021-05-15..24 (the 2021-05-19 crash)",
)
_named_replay(
    "btc-perp-2025-10-10",
    ["btcusdt-perp-1m-2025-10-10"],
    "BTCUSDT perpetual 1m bars 2025-10-10 18:00..2025-10-11 06:00 (-13.8% in 3 hours)",
)
_named_replay(
    "binance-daily-2017-2020",
    ["btc-usdt-daily", "eth-usdt-daily"],
    "BTC and ETH (2 assets) Binance spot daily bars 2017-08-17..2020-12-30",
)


@register("replay", "exact replay of a shipped dataset or an OHLC CSV file (history=...)")
def _replay(
    *, history: Any = "btc-usd-daily", intrabar: str = DIRECTION, start: Any = None, end: Any = None
) -> Scenario:
    bars, source = _bars_from("replay", history, start, end)
    return _h.Replay(bars, name="replay", intrabar=intrabar, source=source)


@register("crash", "a historical crash path scaled to a peak-to-trough depth (depth=0.5)")
def _crash(
    *,
    depth: Any = 0.5,
    history: Any = "btcusdt-perp-1m-2020-03-12",
    intrabar: str = DIRECTION,
    segment: str = "full",
    start: Any = None,
    end: Any = None,
) -> Scenario:
    bars, source = _bars_from("crash", history, start, end)
    return _h.CrashTemplate(
        bars, depth=depth, name="crash", intrabar=intrabar, segment=segment, source=source
    )


@register("bootstrap", "circular block bootstrap of historical close-to-close returns")
def _bootstrap(
    *, history: Any = "btc-usd-daily", block: Any = 10, start: Any = None, end: Any = None
) -> Scenario:
    bars, source = _bars_from("bootstrap", history, start, end)
    return _h.BlockBootstrap(bars, block=block, name="bootstrap", source=source)
