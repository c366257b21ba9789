"""The live panel shows the last event's time and lag, and never cuts a critical alert."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from solvent.monitor.core import Alert, Counters
from solvent.monitor.outputs import SHORT_ALERT, LiveView, alert_text, event_time


def _alert(severity: str, message: str) -> Alert:
    return Alert("id", severity, "envelope", "envelope.move.hi", message, 7, 1_700_000_000.0)


def test_event_time_and_lag() -> None:
    assert event_time(None) == "- (no event yet)"
    assert event_time(1_700_000_000.0, now=1_700_000_012.5) == (
        "2023-11-14 22:13:20 UTC · lag 12.5s"
    )


def test_critical_alerts_are_never_cut() -> None:
    long = "envelope.move.hi broken: " + "x" * (3 * SHORT_ALERT) + " END"
    assert alert_text(_alert("critical", long)) == long
    cut = alert_text(_alert("warning", long))
    assert len(cut) == SHORT_ALERT and cut.endswith("…")


def test_panel_shows_time_lag_and_the_whole_critical_alert(
    capsys: pytest.CaptureFixture[str],
) -> None:
    monitor = SimpleNamespace(
        counters=Counters(), distance_f=None, distance_side=None, distance_level="ok",
        price_dec="2200", anomaly=0.0, violated=set(), last_ts=1_700_000_000.0,
    )  # fmt: skip
    view = LiveView("perp-isolated", "events.jsonl")
    view.console.width = 400  # one line per row: the message is checked whole
    long = "envelope.move.hi broken by 10% " + "y" * 200 + " END"
    view.alert(_alert("critical", long))
    view.update(monitor)
    view.close()
    err = capsys.readouterr().err
    assert "event time" in err and "2023-11-14 22:13:20 UTC · lag" in err
    assert long in err
