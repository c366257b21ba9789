"""Historical replay: exact prices, the OHLC sub-step rule, and the known answers of
``shared/data/README.md`` ("Verified figures" and "Per-file statistics")."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

import solvent.scenarios as sc
from solvent.scenarios import datasets
from solvent.scenarios.history import expand, read_bars

SHARED = Path("/work/shared/data")


def _index(bars, stamp: str) -> int:  # noqa: ANN001
    from solvent.scenarios.history import _parse_time

    found = np.nonzero(bars.timestamps == _parse_time(stamp))[0]
    assert found.size == 1, stamp
    return int(found[0])


def _path(scenario: sc.Scenario) -> np.ndarray:
    """Prices rebuilt from the sampled returns (what a runner sees)."""
    r = scenario.sample(np.random.default_rng(0), 1, None)[0]
    start = np.asarray(scenario.start_prices)
    growth = np.cumprod(1 + r, axis=0)
    return np.concatenate((start[None] if r.ndim == 2 else start, start * growth))


@pytest.mark.parametrize(
    ("name", "first_open", "last_close", "lowest", "rows"),
    [
        # first/last rows of the files and the lows quoted in the README statistics
        ("btc-perp-2025-10-10", 117590.80, None, 101516.50, 721),
        ("black-thursday-2020-perp", None, None, 3621.81, 2880),
    ],
)
def test_replay_reproduces_first_last_and_lowest_price(
    name: str, first_open: float | None, last_close: float | None, lowest: float, rows: int
) -> None:
    s = sc.get(name)
    bars = s.bars[0]
    assert len(bars) == rows
    assert s.native_steps == 4 * rows - 1
    exact = s.prices()
    rebuilt = _path(s)
    assert exact[0] == bars.open[0]
    if first_open is not None:
        assert exact[0] == first_open
    assert exact[-1] == bars.close[-1]
    assert exact.min() == lowest == bars.low.min()
    assert exact.max() == bars.high.max()
    # the sampled returns compound back to the same prices
    np.testing.assert_allclose(rebuilt, exact, rtol=1e-11)
    assert rebuilt.min() == pytest.approx(lowest, rel=1e-12)


def test_verified_figures_4_and_5_on_the_2025_perp_window() -> None:
    """README verified figures #4, #5 and 5a (btcusdt_perp_1m_2025-10-10.csv)."""
    s = sc.get("btc-perp-2025-10-10")
    bars, p = s.bars[0], s.prices()
    i_2049, i_2120, i_2119 = (
        _index(bars, t)
        for t in ("2025-10-10T20:49:00Z", "2025-10-10T21:20:00Z", "2025-10-10T21:19:00Z")
    )
    close_2049 = p[4 * i_2049 + 3]
    assert close_2049 == 116830.30
    low_2120 = p[4 * i_2120 : 4 * i_2120 + 4].min()
    assert low_2120 == 101516.50  # 4a: the lowest low of the window
    assert round((low_2120 / close_2049 - 1) * 100, 4) == -13.1077
    # 21:19 closes down, so the direction rule visits open -> high -> low -> close
    bar = p[4 * i_2119 : 4 * i_2119 + 4]
    assert bar.tolist() == [108888.00, 109568.20, 102193.60, 103441.30]
    assert round((bar[2] / bar[0] - 1) * 100, 4) == -6.1480  # 5: open -> low
    r = s.sample(np.random.default_rng(0), 1, None)[0]
    # 5a: the worst high -> low candle is the worst single step of the replay
    assert r.min() == pytest.approx(102193.60 / 109568.20 - 1, rel=1e-12)
    assert round(r.min() * 100, 4) == -6.7306


def test_verified_figure_3_and_worst_high_to_low_candle_2020_perp() -> None:
    """README #3, 3a and 5a for btcusdt_perp_1m_2020-03-12.csv."""
    s = sc.get("black-thursday-2020-perp", intrabar="high-first")
    bars, p = s.bars[0], s.prices()
    i10 = _index(bars, "2020-03-12T10:00:00Z")
    assert p[4 * i10] == 7358.51
    hour_low = p[4 * i10 : 4 * (i10 + 60)].min()
    assert hour_low == 5199.17
    assert round((hour_low / 7358.51 - 1) * 100, 4) == -29.3448
    # high-first puts every bar's whole range in one step: the worst is 10:48's
    r = s.sample(np.random.default_rng(0), 1, None)[0]
    worst = int(np.argmin(r))
    assert worst // 4 == _index(bars, "2020-03-12T10:48:00Z")
    assert round(r.min() * 100, 4) == -16.1154


@pytest.mark.parametrize(
    ("name", "pct"),
    [("btc-usdt-daily", -39.5048), ("eth-usdt-daily", -44.5969)],  # README #1 and #2
)
def test_verified_daily_close_to_close_black_thursday(name: str, pct: float) -> None:
    s = sc.get("replay", history=name, intrabar="close")
    bars = s.bars[0]
    i = _index(bars, "2020-03-12T00:00:00Z")
    r = s.sample(np.random.default_rng(0), 1, None)[0]
    # with intrabar=close, step 0 is open[0] -> close[0] and step i is close[i-1] -> close[i]
    assert round(r[i] * 100, 4) == pct
    assert s.native_steps == len(bars)


def _csv_column(file: str, column: str) -> list[float]:
    """A column of a shared CSV, read independently of the loader under test."""
    with open(SHARED / file, newline="") as handle:
        return [float(row[column]) for row in csv.DictReader(handle)]


@pytest.mark.parametrize(
    ("name", "files", "bars"),
    [
        (
            "black-thursday-2020",
            ("btc_usdt_1h_2020-03-black-thursday.csv", "eth_usdt_1h_2020-03-black-thursday.csv"),
            216,
        ),
        ("may-2021", ("btc_usdt_1h_2021-05-crash.csv", "eth_usdt_1h_2021-05-crash.csv"), 240),
    ],
)
def test_two_asset_crash_windows(name: str, files: tuple[str, str], bars: int) -> None:
    s = sc.get(name)
    assert s.assets == ("BTC", "ETH")
    out = s.sample(np.random.default_rng(0), 3, None)
    assert out.shape == (3, 4 * bars - 1, 2)
    assert not out.flags.writeable  # a broadcast view: all paths share the history
    p = s.prices()
    for j, file in enumerate(files):
        assert p[0, j] == _csv_column(file, "open")[0]
        assert p[-1, j] == _csv_column(file, "close")[-1]
        assert p[:, j].min() == min(_csv_column(file, "low"))
        assert p[:, j].max() == max(_csv_column(file, "high"))
    only_eth = sc.get(name, asset="eth")
    assert only_eth.assets == ("ETH",)
    assert only_eth.sample(np.random.default_rng(0), 2, 10).shape == (2, 10)
    np.testing.assert_array_equal(only_eth.prices(), p[:, 1])


def test_black_thursday_lows_from_the_readme() -> None:
    """README per-file statistics: BTC low 3782.13 and ETH low 86 (2020-03-13T02:00Z)."""
    p = sc.get("black-thursday-2020").prices()
    assert p[:, 0].min() == 3782.13 and p[:, 1].min() == 86.0
    may = sc.get("may-2021")
    i = _index(may.bars[0], "2021-05-19T13:00:00Z")
    # README: 24h high-to-low ends at low 30000 (BTC) and 1888 (ETH) in the 13:00 bar
    assert may.prices()[4 * i : 4 * i + 4].min(axis=0).tolist() == [30000.0, 1888.0]


def test_worst_close_to_close_of_hourly_files() -> None:
    """README per-file statistics: worst close-to-close of the hourly files."""
    expected = {
        "btc-usdt-1h-2020-03": -18.21,
        "eth-usdt-1h-2020-03": -20.87,
        "btc-usdt-1h-2021-05": -8.95,
        "eth-usdt-1h-2021-05": -13.08,
    }
    for name, pct in expected.items():
        r = sc.get("replay", history=name, intrabar="close").sample(
            np.random.default_rng(0), 1, None
        )
        assert round(r[0, 1:].min() * 100, 2) == pct, name


def test_sub_step_orders() -> None:
    bars = datasets.load("btcusdt-perp-1m-2025-10-10")
    up = int(np.nonzero(bars.close > bars.open)[0][0])
    down = int(np.nonzero(bars.close < bars.open)[0][0])
    o, h, lo, c = (getattr(bars, k) for k in ("open", "high", "low", "close"))
    d = expand(bars, "direction").reshape(-1, 4)
    assert d[up].tolist() == [o[up], lo[up], h[up], c[up]]
    assert d[down].tolist() == [o[down], h[down], lo[down], c[down]]
    hf = expand(bars, "high-first").reshape(-1, 4)
    lf = expand(bars, "low-first").reshape(-1, 4)
    assert np.array_equal(hf[:, 1], h) and np.array_equal(lf[:, 1], lo)
    cl = expand(bars, "close")
    assert cl.size == len(bars) + 1 and cl[0] == o[0] and np.array_equal(cl[1:], c)


def test_steps_prefix_and_rng_untouched() -> None:
    s = sc.get("btc-perp-2025-10-10")
    rng = np.random.default_rng(5)
    state = rng.bit_generator.state
    full = s.sample(rng, 2, None)
    part = s.sample(rng, 2, 100)
    assert rng.bit_generator.state == state  # a replay draws nothing
    assert np.array_equal(full[:, :100], part)


def test_binance_kline_layouts_parse_to_the_same_bars(tmp_path: Path) -> None:
    """12-column Binance klines: no header, open_time in ms (futures) or µs (spot 2025)."""
    src = datasets.load("btcusdt-perp-1m-2025-10-10")
    text = (SHARED / "btcusdt_perp_1m_2025-10-10.csv").read_text().splitlines()[1:6]
    ms_rows, us_rows = [], []
    for line, t in zip(text, src.timestamps[:5], strict=True):
        _, o, h, lo, c, v = line.split(",")
        ms, us = int(t) // 1000, int(t)
        tail = f"{ms + 59999},1000.0,10,1.0,1000.0,0"
        ms_rows.append(f"{ms},{o},{h},{lo},{c},{v},{tail}")
        us_rows.append(f"{us},{o},{h},{lo},{c},{v},{tail}")
    header = "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore"
    files = {
        "ms.csv": "\n".join(ms_rows),
        "us.csv": "\n".join(us_rows),
        "hdr.csv": header + "\n" + "\n".join(ms_rows),
        "secs.csv": "timestamp,open,high,low,close,volume\n"
        + "\n".join(
            f"{int(t) // 1_000_000},{r.split(',', 1)[1]}"
            for t, r in zip(src.timestamps, text, strict=False)
        ),
    }
    for name, body in files.items():
        (tmp_path / name).write_text(body + "\n")
        b = read_bars(tmp_path / name)
        assert np.array_equal(b.timestamps, src.timestamps[:5]), name
        assert np.array_equal(b.low, src.low[:5]), name
        assert np.array_equal(b.close, src.close[:5]), name
    assert read_bars(tmp_path / "ms.csv").layout == "binance-kline"
    assert read_bars(tmp_path / "hdr.csv").layout == "binance-kline"


def test_from_history_replays_a_user_file(tmp_path: Path) -> None:
    f = tmp_path / "mine.csv"
    f.write_text(
        "timestamp,open,high,low,close,volume\n"
        "2024-01-01T00:00:00Z,100,110,90,95,1\n"
        "2024-01-01T01:00:00Z,95,120,94,118,1\n"
    )
    s = sc.from_history(f)
    assert s.native_steps == 7
    assert s.prices().tolist() == [100, 110, 90, 95, 95, 94, 120, 118]
    assert s.describe()["source"] == f"file {f}"
    r = s.sample(np.random.default_rng(0), 1, None)[0]
    assert r[0] == pytest.approx(0.1) and r[1] == pytest.approx(90 / 110 - 1)
    assert sc.get("replay", history=str(f)).prices().tolist() == s.prices().tolist()


def test_cryptodatadownload_banner_is_skipped_and_newest_first_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "cdd.csv"
    f.write_text(
        "https://www.CryptoDataDownload.com\n"
        "unix,date,symbol,open,high,low,close,Volume BTC,Volume USDT,tradecount\n"
        "1584014400000,2020-03-12 12:00:00,BTC/USDT,6000,6100,5900,6050,1,1,1\n"
        "1584010800000,2020-03-12 11:00:00,BTC/USDT,6100,6200,5950,6000,1,1,1\n"
    )
    with pytest.raises(sc.HistoryOrderError, match=r"cdd.csv:4: .*sort the rows oldest first"):
        sc.from_history(f)
    lines = f.read_text().splitlines()
    f.write_text("\n".join([*lines[:2], lines[3], lines[2]]) + "\n")
    bars = read_bars(f)
    assert bars.close.tolist() == [6000.0, 6050.0]
    assert bars.first_time() == "2020-03-12T11:00:00Z"  # the `date` column, read as UTC


def test_scenarios_pickle_for_worker_processes() -> None:
    import pickle

    for name in sc.names():
        s = sc.get(name)
        steps = None if s.native_steps else 20
        again = pickle.loads(pickle.dumps(s))
        a = s.sample(np.random.default_rng(1), 5, steps)
        b = again.sample(np.random.default_rng(1), 5, steps)
        assert np.array_equal(a, b), name


def test_from_history_options(tmp_path: Path) -> None:
    f = tmp_path / "mine.csv"
    f.write_text(
        "timestamp,open,high,low,close\n"
        "2024-01-01T00:00:00Z,100,110,90,95\n"
        "2024-01-01T01:00:00Z,95,120,94,118\n"
        "2024-01-01T02:00:00Z,118,119,100,101\n"
    )
    s = sc.from_history(
        f, **{"intrabar": "low-first", "start": "2024-01-01T01:00Z", "label": "SOL"}
    )
    assert s.assets == ("SOL",)
    assert s.prices().tolist() == [95, 94, 120, 118, 118, 100, 119, 101]
    assert "bars from 2024-01-01T01:00Z" in s.describe()["source"]
    with pytest.raises(
        sc.ScenarioParameterError, match="unknown option 'intrabr'; did you mean 'intrabar'"
    ):
        sc.from_history(f, intrabr="close")
