"""The registry: names, options, summaries."""

from __future__ import annotations

import solvent.scenarios as sc

REQUIRED = {  # issue 5: the processes and the named historical crashes
    "gbm",
    "merton",
    "garch",
    "student-t",
    "bootstrap",
    "replay",
    "crash",
    "correlated",
    "black-thursday-2020",
    "may-2021",
    "btc-perp-2025-10-10",
}


def test_names_are_sorted_and_complete() -> None:
    names = sc.names()
    assert names == sorted(names)
    assert REQUIRED <= set(names)
    assert set(sc.summaries()) == set(names)
    assert all(sc.summaries().values())


def test_options_list_defaults_and_match_describe() -> None:
    assert sc.options("gbm") == {"vol": 0.8, "drift": 0.0, "steps_per_year": 8760}
    assert sc.options("crash")["depth"] == 0.5
    for name in sc.names():
        s = sc.get(name)
        assert s.describe()["name"] == name
        # every option either shows up in params or selects data (history, asset, window)
        params = s.describe()["params"]
        for option in sc.options(name):
            assert option in params or option in {
                "history",
                "asset",
                "start",
                "end",
                "drifts",
                "assets",
            }, (name, option)


def test_random_and_historical_kinds() -> None:
    for name in sc.names():
        s = sc.get(name)
        assert s.deterministic == (s.native_steps is not None), name
