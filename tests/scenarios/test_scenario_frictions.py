"""Friction helpers: price paths, oracle delay, keeper outages, price impact."""

from __future__ import annotations

import numpy as np
import pytest

import solvent.scenarios as sc
from solvent.scenarios import frictions as fr
from solvent.scenarios.errors import ScenarioParameterError


def test_prices_from_returns_rebuilds_a_replay() -> None:
    s = sc.get("btc-perp-2025-10-10")
    r = s.sample(np.random.default_rng(0), 2, None)
    p = fr.prices_from_returns(r, s.start_prices[0])
    assert p.shape == (2, s.native_steps + 1)
    np.testing.assert_allclose(p[0], s.prices(), rtol=1e-11)
    per_path = fr.prices_from_returns(r, np.array([1.0, 2.0]))
    np.testing.assert_allclose(per_path[1], 2 * per_path[0])


def test_oracle_delay_lags_by_k_steps() -> None:
    p = np.arange(12.0).reshape(2, 6)
    d = fr.oracle_delay(p, 2)
    assert d.tolist() == [[0, 0, 0, 1, 2, 3], [6, 6, 6, 7, 8, 9]]
    assert np.array_equal(fr.oracle_delay(p, 0), p)
    with pytest.raises(ScenarioParameterError):
        fr.oracle_delay(p, -1)


def test_keeper_outages() -> None:
    m = fr.keeper_outage_mask(
        np.random.default_rng(1), 2000, 200, start_probability=0.01, duration=5
    )
    assert m.dtype == bool and m.shape == (2000, 200)
    # runs of downtime are at least `duration` long unless cut by the end of the path
    row = m[0].astype(int)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], row, [0]))))
    lengths = edges[1::2] - edges[::2]
    ends = edges[1::2]
    assert all(n >= 5 or e == 200 for n, e in zip(lengths, ends, strict=True))
    # P(down at step t >= 4) = 1 - (1 - p)**5
    assert m[:, 10:].mean() == pytest.approx(1 - 0.99**5, abs=0.003)
    assert not fr.keeper_outage_mask(
        np.random.default_rng(1), 3, 9, start_probability=1, duration=0
    ).any()
    w = fr.outage_window(2, 10, 3, 4)
    assert w[0].astype(int).tolist() == [0, 0, 0, 1, 1, 1, 1, 0, 0, 0]


def test_impact_price() -> None:
    # closing 10 BTC long at 50,000 into 1,000,000 of depth: 50% concession
    assert fr.impact_price(50_000.0, 10, 1_000_000) == pytest.approx(25_000)
    assert fr.impact_price(50_000.0, -1, 1_000_000, coefficient=0.5) == pytest.approx(51_250)
    assert fr.impact_price(100.0, 1e9, 1.0) == 0.0  # capped at 100%
    with pytest.raises(ScenarioParameterError):
        fr.impact_price(1.0, 1.0, 0.0)
