"""The package ships the crash windows of shared/data unchanged."""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

import numpy as np

import solvent.scenarios as sc
from solvent.scenarios import datasets

SHARED = Path("/work/shared/data")


def _sums(text: str) -> dict[str, str]:
    return {name: digest for digest, name in (line.split() for line in text.splitlines() if line)}


def test_package_data_matches_checksums_and_shared_data() -> None:
    data = resources.files("solvent.scenarios").joinpath("data")
    sums = _sums(data.joinpath("SHA256SUMS").read_text())
    assert sums == _sums((SHARED / "SHA256SUMS").read_text())
    for ds in datasets.DATASETS.values():
        raw = data.joinpath(ds.file).read_bytes()
        assert hashlib.sha256(raw).hexdigest() == sums[ds.file], ds.file
        assert raw == (SHARED / ds.file).read_bytes()
    assert set(sums) == {ds.file for ds in datasets.DATASETS.values()}


def test_every_shipped_dataset_loads_with_the_readme_row_counts() -> None:
    rows = {  # shared/data/README.md, table "Files"
        "btc-usd-daily": 5152,
        "btc-usdt-daily": 1232,
        "eth-usdt-daily": 1232,
        "btc-usdt-1h-2020-03": 216,
        "eth-usdt-1h-2020-03": 216,
        "btc-usdt-1h-2021-05": 240,
        "eth-usdt-1h-2021-05": 240,
        "btcusdt-perp-1m-2020-03-12": 2880,
        "btcusdt-perp-1m-2025-10-10": 721,
    }
    assert sorted(rows) == sc.dataset_names()
    for name, n in rows.items():
        bars = datasets.load(name)
        assert len(bars) == n, name
        first, last = datasets.DATASETS[name].window.split("..")
        assert bars.first_time().startswith(first.rstrip("Z")), name
        assert bars.last_time().startswith(last.rstrip("Z")), name


def test_named_crash_scenarios_exist() -> None:
    for name in (
        "black-thursday-2020",
        "may-2021",
        "btc-perp-2025-10-10",
        "black-thursday-2020-perp",
    ):
        s = sc.get(name)
        assert s.deterministic and s.native_steps
        assert "Binance" in s.describe()["source"]
        out = s.sample(np.random.default_rng(0), 2, None)
        assert np.all(np.isfinite(out)) and np.all(out > -1)
