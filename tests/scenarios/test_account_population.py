"""Account populations: margin, side, sizes, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from solvent.scenarios.population import Discrete, Lognormal, Pareto, Population


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"leverage": "lognormal(8, 1.5)", "initial_margin": 0.05},
        {"leverage": {2: 0.3, 5: 0.5, 10: 0.2}},  # 10 = exactly 1 / initial_margin
        {"leverage": 10, "notional": "lognormal(50000, 2)"},
    ],
)
def test_every_account_starts_at_or_above_its_initial_margin(options: dict) -> None:
    pop = Population(**options)
    prices = np.array([2000.0, 0.37, 117590.8])
    d = pop.sample_detail(np.random.default_rng(1), 3, 5000, prices)
    equity = d["quote"] + d["size"] * prices[:, None]
    notional = np.abs(d["size"]) * prices[:, None]
    assert np.all(equity >= notional * pop.initial_margin)
    np.testing.assert_allclose(equity, d["notional"] / d["leverage"], rtol=1e-9)
    np.testing.assert_allclose(notional, d["notional"], rtol=1e-12)
    assert d["leverage"].max() <= pop.max_leverage


def test_long_share_and_distributions() -> None:
    pop = Population(
        leverage="discrete(2:0.25, 5:0.75)", notional="pareto(2, 1000)", long_share=0.7
    )
    d = pop.sample_detail(np.random.default_rng(2), 10, 10_000, 100.0)
    assert np.mean(d["side"] > 0) == pytest.approx(0.7, abs=0.01)
    assert np.array_equal(np.sign(d["size"]), d["side"])
    assert set(np.unique(d["leverage"]).tolist()) == {2.0, 5.0}
    assert np.mean(d["leverage"] == 2) == pytest.approx(0.25, abs=0.01)
    assert d["notional"].min() >= 1000
    # Pareto(2, 1000): median 1000 * 2**(1/2)
    assert np.median(d["notional"]) == pytest.approx(1000 * 2**0.5, rel=0.02)
    assert isinstance(pop.leverage, Discrete) and isinstance(pop.notional, Pareto)


def test_all_long_all_short_and_caps() -> None:
    longs = Population(long_share=1).sample(np.random.default_rng(3), 2, 1000, 50.0)
    assert np.all(longs["size"] > 0)
    shorts = Population(long_share=0, max_notional=5000).sample_detail(
        np.random.default_rng(3), 2, 1000, 50.0
    )
    assert np.all(shorts["size"] < 0)
    assert shorts["notional"].max() == 5000
    assert set(Population().sample(np.random.default_rng(3), 2, 3, 1.0)) == {"quote", "size"}


def test_lognormal_leverage_is_capped_below_max() -> None:
    pop = Population(leverage=Lognormal(20, 0.1))  # nearly every draw above 10x
    d = pop.sample_detail(np.random.default_rng(4), 1, 1000, 10.0)
    assert np.all(d["leverage"] == pop.max_leverage * (1 - 1e-9))


def test_same_generator_same_population() -> None:
    pop = Population()
    a = pop.sample(np.random.default_rng(5), 4, 2000, 2000.0)
    b = pop.sample(np.random.default_rng(5), 4, 2000, 2000.0)
    c = pop.sample(np.random.default_rng(6), 4, 2000, 2000.0)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["size"], c["size"])
    assert a["quote"].shape == (4, 2000) and a["quote"].dtype == np.float64
