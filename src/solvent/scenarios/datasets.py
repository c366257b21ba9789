"""Historical price files shipped inside the package (``solvent/scenarios/data``).

The files are unchanged copies of public data sets (checksums in ``data/SHA256SUMS``); their sources
are listed in ``docs/scenarios.md``. They are read with the same validating loader as a
user's file, once per process.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from solvent.scenarios.errors import UnknownScenarioError
from solvent.scenarios.history import Bars, read_bars


@dataclass(frozen=True, slots=True)
class Dataset:
    name: str
    file: str
    asset: str
    venue: str
    instrument: str
    bar: str
    window: str


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            "btc-usd-daily",
            "btc_usd_daily.csv",
            "BTC",
            "Bitstamp, then Coinbase (2015-07-21)",
            "BTC/USD spot",
            "1d",
            "2011-08-18..2025-09-24",
        ),
        Dataset(
            "btc-usdt-daily",
            "btc_usdt_daily_binance.csv",
            "BTC",
            "Binance",
            "BTC/USDT spot",
            "1d",
            "2017-08-17..2020-12-30",
        ),
        Dataset(
            "eth-usdt-daily",
            "eth_usdt_daily_binance.csv",
            "ETH",
            "Binance",
            "ETH/USDT spot",
            "1d",
            "2017-08-17..2020-12-30",
        ),
        Dataset(
            "btc-usdt-1h-2020-03",
            "btc_usdt_1h_2020-03-black-thursday.csv",
            "BTC",
            "Binance",
            "BTC/USDT spot",
            "1h",
            "2020-03-08T00:00Z..2020-03-16T23:00Z",
        ),
        Dataset(
            "eth-usdt-1h-2020-03",
            "eth_usdt_1h_2020-03-black-thursday.csv",
            "ETH",
            "Binance",
            "ETH/USDT spot",
            "1h",
            "2020-03-08T00:00Z..2020-03-16T23:00Z",
        ),
        Dataset(
            "btc-usdt-1h-2021-05",
            "btc_usdt_1h_2021-05-crash.csv",
            "BTC",
            "Binance",
            "BTC/USDT spot",
            "1h",
            "2021-05-15T00:00Z..2021-05-24T23:00Z",
        ),
        Dataset(
            "eth-usdt-1h-2021-05",
            "eth_usdt_1h_2021-05-crash.csv",
            "ETH",
            "Binance",
            "ETH/USDT spot",
            "1h",
            "2021-05-15T00:00Z..2021-05-24T23:00Z",
        ),
        Dataset(
            "btcusdt-perp-1m-2020-03-12",
            "btcusdt_perp_1m_2020-03-12.csv",
            "BTC",
            "Binance USD-M futures",
            "BTCUSDT perpetual",
            "1m",
            "2020-03-12T00:00Z..2020-03-13T23:59Z",
        ),
        Dataset(
            "btcusdt-perp-1m-2025-10-10",
            "btcusdt_perp_1m_2025-10-10.csv",
            "BTC",
            "Binance USD-M futures",
            "BTCUSDT perpetual",
            "1m",
            "2025-10-10T18:00Z..2025-10-11T06:00Z",
        ),
    )
}


def dataset_names() -> list[str]:
    """Names of the shipped price files."""
    return sorted(DATASETS)


def lookup(name: str) -> Dataset:
    if name not in DATASETS:
        close = difflib.get_close_matches(str(name), dataset_names(), n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise UnknownScenarioError(
            f"unknown dataset '{name}'; {hint}shipped datasets: {', '.join(dataset_names())}; "
            "or give the path of your own OHLC CSV file"
        )
    return DATASETS[name]


@cache
def load(name: str) -> Bars:
    """The bars of a shipped dataset (validated, cached)."""
    ds = lookup(name)
    ref = resources.files("solvent.scenarios").joinpath("data", ds.file)
    with resources.as_file(ref) as path:
        return read_bars(path, label=ds.asset)


def data_path(name: str) -> str:
    """Filesystem path of a shipped dataset's CSV (for reading it with other tools)."""
    ds = lookup(name)
    return str(resources.files("solvent.scenarios").joinpath("data", ds.file))
