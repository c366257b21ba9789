"""Crash templates hit their depth exactly; block bootstrap reuses history in blocks."""

from __future__ import annotations

import numpy as np
import pytest

import solvent.scenarios as sc
from solvent.scenarios import datasets
from solvent.scenarios.history import expand, max_drawdown


def _drawdown_of_sample(s: sc.Scenario) -> float:
    r = s.sample(np.random.default_rng(0), 1, None)[0]
    return max_drawdown(np.concatenate(([1.0], np.cumprod(1 + r))))


@pytest.mark.parametrize("depth", [0.05, 0.3, 0.5, 0.9])
@pytest.mark.parametrize(
    "history", ["btcusdt-perp-1m-2020-03-12", "btcusdt-perp-1m-2025-10-10", "btc-usdt-1h-2021-05"]
)
def test_crash_template_depth_is_exact(depth: float, history: str) -> None:
    s = sc.get("crash", depth=depth, history=history)
    assert max_drawdown(s.prices()) == pytest.approx(depth, abs=1e-12)
    assert _drawdown_of_sample(s) == pytest.approx(depth, abs=1e-12)
    assert s.native_steps == 4 * len(datasets.load(history)) - 1


def test_crash_template_keeps_the_shape_of_the_source() -> None:
    bars = datasets.load("btcusdt-perp-1m-2025-10-10")
    source = expand(bars)
    s = sc.get("crash", depth=0.5, history="btcusdt-perp-1m-2025-10-10")
    # the source fell 13.84% (README: 117825.20 -> 101516.50) and is stretched to 50%
    assert s.describe()["params"]["source_depth"][0] == pytest.approx(1 - 101516.50 / 117825.20)
    p = s.prices()
    assert p[0] == source[0]
    assert np.argmin(p) == np.argmin(source)  # same timing of the trough
    k = s.scales[0]
    np.testing.assert_allclose(np.log(p / p[0]), k * np.log(source / source[0]), atol=1e-12)


def test_peak_to_trough_segment_starts_at_the_peak_and_ends_at_the_trough() -> None:
    s = sc.get("crash", depth=0.4, segment="peak-to-trough")
    p = s.prices()
    assert p[0] == p.max()
    assert p[-1] == p.min()
    assert p[-1] / p[0] == pytest.approx(0.6, abs=1e-12)
    # the perp 2020 window's highest price before its trough (3621.81, 2020-03-13T02:16Z)
    bars = datasets.load("btcusdt-perp-1m-2020-03-12")
    trough = int(np.argmin(bars.low))
    assert p[0] == bars.high[: trough + 1].max()


def test_bootstrap_uses_whole_blocks_of_history() -> None:
    s = sc.get("bootstrap", history="btc-usdt-1h-2021-05", block=6)
    closes = datasets.load("btc-usdt-1h-2021-05").close
    hist = closes[1:] / closes[:-1] - 1
    out = s.sample(np.random.default_rng(3), 50, 30)
    assert out.shape == (50, 30)
    for path in out:
        for b in range(0, 30, 6):
            block = path[b : b + 6]
            starts = np.nonzero(hist == block[0])[0]
            assert any(
                np.array_equal(np.take(hist, np.arange(i, i + 6), mode="wrap"), block)
                for i in starts
            )


def test_bootstrap_of_two_assets_keeps_their_bars_together() -> None:
    s = sc.get("bootstrap", history="btc-usdt-1h-2020-03,eth-usdt-1h-2020-03", block=4)
    btc = datasets.load("btc-usdt-1h-2020-03").close
    eth = datasets.load("eth-usdt-1h-2020-03").close
    pairs = {(a, b) for a, b in zip(btc[1:] / btc[:-1] - 1, eth[1:] / eth[:-1] - 1, strict=True)}
    out = s.sample(np.random.default_rng(4), 20, 17)
    assert out.shape == (20, 17, 2)
    assert all((a, b) in pairs for a, b in out.reshape(-1, 2))
    assert s.describe()["params"]["history_returns"] == 215


def test_window_of_a_crash_has_the_readme_depth() -> None:
    """README 3a: worst 1-hour high-to-low of the 2020 perp file, 7381.00 @ 09:49 -> 5199.17
    @ 10:48 = -29.5601%; a template cut to those bars measures that fall and rescales it."""
    s = sc.get("crash", depth=0.2, start="2020-03-12T09:49:00Z", end="2020-03-12T10:48:00Z")
    assert round(s.describe()["params"]["source_depth"][0] * 100, 4) == 29.5601
    assert s.native_steps == 4 * 60 - 1
    assert max_drawdown(s.prices()) == pytest.approx(0.2, abs=1e-12)


def test_window_of_a_replay() -> None:
    s = sc.get("black-thursday-2020-perp", start="2020-03-12T10:00Z", end=1584010740000)
    p = s.prices()
    assert s.native_steps == 4 * 60 - 1  # 10:00 .. 10:59 inclusive (end in epoch ms)
    assert p[0] == 7358.51 and p.min() == 5199.17  # README verified figure 3
    assert "bars from 2020-03-12T10:00Z" in s.describe()["source"]
    with pytest.raises(sc.ScenarioParameterError, match="no bar of BTC opens between"):
        sc.get("may-2021", start="2022-01-01")
    with pytest.raises(sc.ScenarioParameterError, match="cannot read start 'noon'"):
        sc.get("replay", start="noon")
