"""Statistical sanity of the random price processes, with fixed seeds.

Bounds are 5 standard errors wide: with fixed seeds the tests are deterministic, and a
wrong drift, scale or dt convention misses them by far more than that.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import solvent.scenarios as sc
from solvent.scenarios.processes import GARCH, GBM, Merton, StudentT


def _acf(x: np.ndarray, lag: int) -> float:
    """Mean over paths of the lag autocorrelation of each row."""
    x = x - x.mean(axis=1, keepdims=True)
    num = (x[:, lag:] * x[:, :-lag]).sum(axis=1)
    den = (x * x).sum(axis=1)
    return float(np.mean(num / den))


def test_gbm_log_return_mean_and_variance_match_the_parameters() -> None:
    vol, drift, spy = 0.8, 0.3, 365.0
    g = GBM(vol=vol, drift=drift, steps_per_year=spy)
    x = np.log1p(g.sample(np.random.default_rng(1), 20_000, 50)).ravel()
    n, dt = x.size, 1 / spy
    mean, var = (drift - vol**2 / 2) * dt, vol**2 * dt
    assert abs(x.mean() - mean) < 5 * math.sqrt(var / n)
    assert abs(x.var() - var) < 5 * var * math.sqrt(2 / n)
    # drift is the arithmetic drift: E[1 + r] = exp(drift * dt)
    simple = np.expm1(x)
    assert abs(simple.mean() - math.expm1(drift * dt)) < 5 * simple.std() / math.sqrt(n)


def test_gbm_per_step_vol_is_vol_times_sqrt_dt() -> None:
    g = sc.get("gbm", vol="0.5", steps_per_year="8760")
    assert g.describe()["params"]["step_vol"] == pytest.approx(0.5 / math.sqrt(8760))
    x = np.log1p(g.sample(np.random.default_rng(2), 10_000, 20))
    assert x.std() == pytest.approx(0.5 / math.sqrt(8760), rel=0.01)


def test_student_t_is_scaled_to_vol_and_has_heavier_tails_than_normal() -> None:
    rng = np.random.default_rng(3)
    vol, spy = 0.8, 8760
    t = np.log1p(StudentT(vol=vol, steps_per_year=spy, df=6).sample(rng, 20_000, 50)).ravel()
    g = np.log1p(GBM(vol=vol, steps_per_year=spy).sample(rng, 20_000, 50)).ravel()
    step_vol = vol / math.sqrt(spy)
    assert t.std() == pytest.approx(step_vol, rel=0.02)
    beyond_t = np.mean(np.abs(t - t.mean()) > 4 * step_vol)
    beyond_g = np.mean(np.abs(g - g.mean()) > 4 * step_vol)
    # normal: 6.3e-5 beyond 4 sd; Student-t(6) scaled to unit variance: about 1.7e-3
    assert beyond_g < 2e-4
    assert beyond_t > 10 * beyond_g
    kurt_t = np.mean((t - t.mean()) ** 4) / t.var() ** 2
    assert kurt_t > 4.5  # excess kurtosis of t(6) is 3; the normal's is 0


def test_garch_clusters_volatility_and_keeps_its_long_run_vol() -> None:
    rng = np.random.default_rng(4)
    vol, spy = 0.8, 8760
    x = np.log1p(GARCH(vol=vol, steps_per_year=spy, alpha=0.15, beta=0.8).sample(rng, 2_000, 500))
    g = np.log1p(GBM(vol=vol, steps_per_year=spy).sample(rng, 2_000, 500))
    acf_garch, acf_gbm = _acf(x**2, 1), _acf(g**2, 1)
    assert abs(acf_gbm) < 0.01
    assert acf_garch > 0.08
    assert x.std() == pytest.approx(vol / math.sqrt(spy), rel=0.05)


def test_garch_with_zero_alpha_and_beta_is_iid_normal() -> None:
    x = np.log1p(GARCH(vol=0.8, alpha=0, beta=0).sample(np.random.default_rng(5), 2_000, 200))
    assert abs(_acf(x**2, 1)) < 0.01


def test_merton_jump_counts_are_poisson() -> None:
    lam, spy = 876.0, 8760  # 0.1 expected jumps per step
    m = Merton(vol=0, jump_intensity=lam, jump_mean=-0.1, jump_std=0, steps_per_year=spy)
    returns, counts = m.sample_with_jumps(np.random.default_rng(6), 10_000, 100)
    # with no diffusion and fixed jump sizes the count is readable from the return
    base = -m.compensator / spy
    assert np.array_equal(np.rint((np.log1p(returns) - base) / -0.1), counts)
    n, rate = counts.size, lam / spy
    assert abs(counts.mean() - rate) < 5 * math.sqrt(rate / n)
    assert counts.var() == pytest.approx(rate, rel=0.02)  # Poisson: variance = mean
    assert np.mean(counts == 0) == pytest.approx(math.exp(-rate), abs=0.002)
    assert np.mean(counts == 2) == pytest.approx(math.exp(-rate) * rate**2 / 2, abs=0.001)


def test_merton_drift_is_compensated_and_sample_matches_sample_with_jumps() -> None:
    m = Merton(vol=0.5, jump_intensity=2000, jump_mean=-0.02, jump_std=0.03)
    r = m.sample(np.random.default_rng(7), 20_000, 50)
    r2, _ = m.sample_with_jumps(np.random.default_rng(7), 20_000, 50)
    assert np.array_equal(r, r2)
    assert abs(r.mean()) < 5 * r.std() / math.sqrt(r.size)
    assert m.describe()["params"]["step_jump_probability"] == pytest.approx(
        -math.expm1(-2000 / 8760)
    )


RANDOM = ["gbm", "merton", "garch", "student-t", "bootstrap", "correlated"]


@pytest.mark.parametrize("name", RANDOM)
def test_same_seed_same_output_and_another_seed_differs(name: str) -> None:
    s = sc.get(name)
    a = s.sample(np.random.default_rng(11), 64, 40)
    b = s.sample(np.random.default_rng(11), 64, 40)
    c = s.sample(np.random.default_rng(12), 64, 40)
    assert a.dtype == np.float64
    assert a.shape == ((64, 40) if s.n_assets == 1 else (64, 40, s.n_assets))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    assert np.all(a > -1)  # prices stay positive


@pytest.mark.parametrize("name", RANDOM)
def test_blocks_with_their_own_generators_do_not_depend_on_chunking(name: str) -> None:
    """A runner gives each fixed block of paths its own generator (spawned from one seed).

    Sampling the blocks one by one, in another order, or in a fresh scenario object gives
    the same arrays: nothing but the block's generator feeds the output.
    """
    blocks = np.random.SeedSequence(2024).spawn(4)
    s = sc.get(name)
    forward = [s.sample(np.random.default_rng(b), 50, 30) for b in blocks]
    s2 = sc.get(name)
    backward = [s2.sample(np.random.default_rng(b), 50, 30) for b in reversed(blocks)][::-1]
    assert all(np.array_equal(x, y) for x, y in zip(forward, backward, strict=True))
    assert not np.array_equal(forward[0], forward[1])
