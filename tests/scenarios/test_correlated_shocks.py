"""Correlated multi-asset shocks."""

from __future__ import annotations

import math

import numpy as np

import solvent.scenarios as sc
from solvent.scenarios.multi import correlation_root


def test_sample_correlation_and_vols_match() -> None:
    corr = [[1, 0.7, -0.3], [0.7, 1, 0.1], [-0.3, 0.1, 1]]
    s = sc.get("correlated", vols=[0.5, 0.8, 1.2], correlation=corr, steps_per_year=365)
    x = np.log1p(s.sample(np.random.default_rng(8), 20_000, 20)).reshape(-1, 3)
    # 400k draws: the standard error of a correlation is below 0.002
    np.testing.assert_allclose(np.corrcoef(x.T), corr, atol=0.01)
    np.testing.assert_allclose(x.std(axis=0), np.array([0.5, 0.8, 1.2]) / math.sqrt(365), rtol=0.01)
    assert s.assets == ("asset0", "asset1", "asset2")


def test_student_t_shocks_crash_together() -> None:
    corr = [[1, 0.5], [0.5, 1]]
    t = sc.get("correlated", correlation=corr, df=3, assets="BTC,ETH")
    g = sc.get("correlated", correlation=corr)
    xt = np.log1p(t.sample(np.random.default_rng(9), 20_000, 20)).reshape(-1, 2)
    xg = np.log1p(g.sample(np.random.default_rng(9), 20_000, 20)).reshape(-1, 2)
    assert t.assets == ("BTC", "ETH")

    def joint_tail(x: np.ndarray) -> float:
        cut = np.quantile(x, 0.001, axis=0)
        return float(np.mean((x[:, 0] < cut[0]) & (x[:, 1] < cut[1])))

    # a shared chi-square scale makes joint crashes far likelier than under a Gaussian
    assert joint_tail(xt) > 3 * joint_tail(xg)


def test_string_options_as_a_command_line_gives_them() -> None:
    s = sc.get("correlated", vols="0.5,0.6", correlation="1,0.2;0.2,1", drifts="0.1,0")
    assert s.describe()["params"]["correlation"] == [[1.0, 0.2], [0.2, 1.0]]
    s2 = sc.get("correlated", vols="[0.5, 0.6]", correlation="[[1, 0.2], [0.2, 1]]")
    assert s2.describe()["params"]["vols"] == [0.5, 0.6]


def test_singular_but_psd_matrix_is_accepted() -> None:
    root = correlation_root([[1, 1], [1, 1]], 2)
    np.testing.assert_allclose(root @ root.T, [[1, 1], [1, 1]], atol=1e-12)
    s = sc.get("correlated", vols=[0.5, 0.5], correlation=[[1, 1], [1, 1]])
    x = s.sample(np.random.default_rng(0), 10, 5)
    np.testing.assert_allclose(x[..., 0], x[..., 1], rtol=1e-12)


def test_single_asset_correlated_is_two_dimensional() -> None:
    s = sc.get("correlated", vols=[0.5], correlation=[[1]])
    assert s.sample(np.random.default_rng(0), 4, 6).shape == (4, 6)


def test_describe_is_json_ready() -> None:
    import json

    for name in sc.names():
        d = sc.get(name).describe()
        assert set(d) >= {"name", "params", "source"}
        assert d["name"] == name
        json.dumps(d)
