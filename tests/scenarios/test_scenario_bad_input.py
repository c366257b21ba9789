"""Every bad input gets its own SV6xx code, exit 3, and a message naming the offender."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import solvent.scenarios as sc
from solvent.errors import EXIT_USAGE, SolventError
from solvent.scenarios.history import read_bars
from solvent.scenarios.population import Population

HEADER = "timestamp,open,high,low,close,volume\n"
GOOD = "2024-01-01T00:00:00Z,100,110,90,95,1\n2024-01-01T01:00:00Z,95,120,94,118,1\n"


def _raises(code: str, fn, *needles: str) -> str:  # noqa: ANN001
    with pytest.raises(SolventError) as info:
        fn()
    err = info.value
    assert err.code == code, str(err)
    assert err.exit_code == EXIT_USAGE
    text = str(err)
    for needle in needles:
        assert needle in text, (needle, text)
    assert text.endswith(f"[{code}]")
    return text


CSV_CASES = {
    # name: (file body, code, words the message must contain)
    "empty": ("", "SV611", ["empty"]),
    "blank lines only": ("\n\n", "SV611", ["empty"]),
    "header only": (HEADER, "SV611", ["no bars"]),
    "missing column": (
        "timestamp,open,high,close\n2024-01-01,1,2,1\n",
        "SV612",
        [":1:", "missing column(s) low"],
    ),
    "short row": (HEADER + "2024-01-01T00:00:00Z,100,110\n", "SV612", [":2:", "field"]),
    "bad timestamp": (
        HEADER + GOOD + "yesterday,1,2,1,1,1\n",
        "SV613",
        [":4:", "column timestamp", "'yesterday'"],
    ),
    "zero price": (
        HEADER + "2024-01-01T00:00:00Z,100,110,0,95,1\n",
        "SV614",
        [":2:", "column low", "'0'"],
    ),
    "negative price": (HEADER + "2024-01-01,-5,110,90,95,1\n", "SV614", ["column open", "'-5'"]),
    "nan price": (HEADER + "2024-01-01,100,110,90,nan,1\n", "SV614", ["column close", "'nan'"]),
    "empty price": (HEADER + "2024-01-01,100,,90,95,1\n", "SV614", ["column high", "''"]),
    "high below low": (
        HEADER + GOOD + "2024-01-01T02:00:00Z,100,90,110,95,1\n",
        "SV615",
        [":4:", "high 90.0 is below low 110.0"],
    ),
    "close outside range": (
        HEADER + "2024-01-01,100,110,90,111,1\n",
        "SV615",
        [":2:", "close 111.0 lies outside"],
    ),
    "open outside range": (HEADER + "2024-01-01,89,110,90,95,1\n", "SV615", ["open 89.0"]),
    "unsorted": (
        HEADER + "2024-01-02T00:00:00Z,1,1,1,1,1\n2024-01-01T00:00:00Z,1,1,1,1,1\n",
        "SV616",
        [":3:", "earlier than row 2", "sort the rows oldest first"],
    ),
    "duplicate": (
        HEADER + "1704067200000,1,1,1,1,1\n2024-01-01T00:00:00Z,1,1,1,1,1\n",
        "SV616",
        [":3:", "duplicate timestamp 2024-01-01T00:00:00Z", "row 2"],
    ),
    "headerless too narrow": ("1704067200,1,1,1\n", "SV612", ["no header"]),
}


@pytest.mark.parametrize("case", sorted(CSV_CASES))
def test_bad_csv(case: str, tmp_path: Path) -> None:
    body, code, needles = CSV_CASES[case]
    f = tmp_path / "prices.csv"
    f.write_text(body)
    text = _raises(code, lambda: sc.from_history(f), *needles)
    assert str(f) in text


def test_missing_and_binary_files(tmp_path: Path) -> None:
    _raises("SV610", lambda: sc.from_history(tmp_path / "nope.csv"), "does not exist", "nope.csv")
    blob = tmp_path / "blob.csv"
    blob.write_bytes(b"\xff\xfe\x00\x81binary")
    _raises("SV610", lambda: read_bars(blob), "blob.csv", "not a text CSV")


def test_unknown_scenario_lists_known_and_suggests_nearest() -> None:
    text = _raises(
        "SV601", lambda: sc.get("black-thurday-2020"), "did you mean 'black-thursday-2020'"
    )
    for name in sc.names():
        assert name in text
    _raises("SV601", lambda: sc.get("zzz"), "known scenarios:", "--history FILE")
    _raises(
        "SV601", lambda: sc.get("replay", history="btc-usd-dayly"), "did you mean 'btc-usd-daily'"
    )


def test_unknown_option_is_named_with_the_known_ones() -> None:
    _raises(
        "SV602", lambda: sc.get("gbm", volatility=0.5), "unknown option 'volatility'", "vol, drift"
    )
    # dashes and underscores are the same option
    assert sc.get("merton", **{"jump-intensity": 3}).jump_intensity == 3


@pytest.mark.parametrize(
    ("name", "options", "needle"),
    [
        ("gbm", {"vol": -0.1}, "vol must be >= 0"),
        ("gbm", {"vol": "abc"}, "vol must be a number"),
        ("gbm", {"vol": float("nan")}, "vol must be finite"),
        ("gbm", {"steps_per_year": 0}, "steps_per_year must be > 0"),
        ("merton", {"jump_intensity": -1}, "jump_intensity must be >= 0"),
        ("merton", {"jump_std": -0.1}, "jump_std must be >= 0"),
        ("garch", {"alpha": 0.2, "beta": 0.8}, "alpha + beta must be < 1"),
        ("garch", {"alpha": -0.1}, "alpha must be >= 0"),
        ("garch", {"df": 2}, "df (degrees of freedom) must be > 2"),
        ("student-t", {"df": 1.5}, "must be > 2"),
        ("crash", {"depth": 1.2}, "depth must be a fraction in (0, 1)"),
        ("crash", {"depth": 0}, "depth must be a fraction in (0, 1)"),
        ("crash", {"segment": "middle"}, "segment must be"),
        ("bootstrap", {"block": 0}, "block must be >= 1"),
        ("bootstrap", {"block": 2.5}, "block must be an integer"),
        ("btc-perp-2025-10-10", {"intrabar": "random"}, "intrabar must be one of"),
        ("black-thursday-2020", {"asset": "sol"}, "asset must be one of BTC, ETH"),
        (
            "correlated",
            {"vols": [0.5, -1], "correlation": [[1, 0], [0, 1]]},
            "vols[1] must be >= 0",
        ),
        ("correlated", {"drifts": [0.1]}, "drifts has 1 entries"),
    ],
)
def test_nonsensical_parameters(name: str, options: dict, needle: str) -> None:
    text = _raises("SV602", lambda: sc.get(name, **options), needle)
    assert name in text


@pytest.mark.parametrize(
    ("correlation", "needle"),
    [
        ([[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]], "not positive semi-definite"),
        ([[1, 0.5], [0.5, 1]], "shape (2, 2), expected (3, 3)"),
        ([[1, 0.5, 0], [0.4, 1, 0], [0, 0, 1]], "not symmetric"),
        ([[2, 0, 0], [0, 1, 0], [0, 0, 1]], "1 on the diagonal"),
        ("1,2,3", "shape (1, 3), expected (3, 3)"),
        ([[1, "x", 0], [0, 1, 0], [0, 0, 1]], "square matrix of numbers"),
    ],
)
def test_bad_correlation_matrix_names_the_argument(correlation: object, needle: str) -> None:
    text = _raises(
        "SV604", lambda: sc.get("correlated", vols=[0.5, 0.6, 0.7], correlation=correlation), needle
    )
    assert text.startswith("correlation ")


@pytest.mark.parametrize("bad", [0, -3, 2.5, "ten", True])
def test_paths_and_steps_must_be_positive_integers(bad: object) -> None:
    g = sc.get("gbm")
    rng = np.random.default_rng(0)
    _raises("SV603", lambda: g.sample(rng, bad, 10), "number of paths")
    _raises("SV603", lambda: g.sample(rng, 10, bad), "number of steps")
    _raises("SV603", lambda: Population().sample(rng, 2, bad, 100.0), "number of accounts")


def test_steps_none_and_steps_beyond_the_history() -> None:
    rng = np.random.default_rng(0)
    _raises("SV603", lambda: sc.get("gbm").sample(rng, 10, None), "no native length", "--steps")
    s = sc.get("btc-perp-2025-10-10")
    _raises("SV603", lambda: s.sample(rng, 1, 2884), "has 2883 steps, 2884 were asked")


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        ({"leverage": "lognormal(-1, 0.5)"}, "median > 0"),
        ({"leverage": "normal(5, 1)"}, "cannot read distribution"),
        ({"leverage": {5: 0.5, 20: 0.5}}, "exceeds the maximum leverage 10"),
        ({"leverage": 12}, "exceeds the maximum leverage"),
        ({"notional": "pareto(0, 100)"}, "alpha > 0"),
        ({"long_share": 1.5}, "long_share"),
        ({"initial_margin": 0}, "initial_margin"),
    ],
)
def test_bad_population(options: dict, needle: str) -> None:
    _raises("SV602", lambda: Population(**options), "population", needle)


def test_rng_must_be_a_generator() -> None:
    _raises("SV602", lambda: sc.get("gbm").sample(np.random.RandomState(0), 1, 1), "Generator")
