"""The event schema solvent-event/1: what decodes, what is refused and why."""

from __future__ import annotations

from decimal import Decimal

import pytest
from monitor_helpers import DATA, line

from solvent.monitor import events as ev
from solvent.monitor.convert import bar_events


def test_price_event_decodes_exactly() -> None:
    event, ts = ev.decode(
        b'{"type":"price","ts":1700000000.5,"seq":7,"price":1234.5678901234567891}'
    )
    assert isinstance(event, ev.PriceEvent)
    assert event.price == Decimal("1234.5678901234567891")  # a JSON number is read as written
    assert ts == 1700000000.5 and event.seq == 7


def test_iso_timestamp_and_string_numbers() -> None:
    event, ts = ev.decode(
        line(
            type="account",
            ts="2020-03-12T10:48:00Z",
            seq=1,
            account=2,
            set={"quote": "-100.5"},
            add={"size": "0.25"},
        )
    )
    assert isinstance(event, ev.AccountEvent)
    assert ts == 1584010080.0
    assert event.set == {"quote": Decimal("-100.5")} and event.add == {"size": Decimal("0.25")}


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"type":"price","ts":1,"seq":1,"price":"10"', "malformed JSON"),
        (b'{"type":"price","ts":1,"price":"10"}', "missing required field `seq`"),
        (b'{"type":"price","ts":1,"seq":1}', "missing required field `price`"),
        (b'{"type":"prise","ts":1,"seq":1,"price":"1"}', "Invalid value 'prise'"),
        (b'{"type":"price","ts":1,"seq":1,"price":"0"}', "not positive"),
        (b'{"type":"price","ts":1,"seq":1,"price":"-3"}', "not positive"),
        (b'{"type":"price","ts":1,"seq":1,"price":"NaN"}', "not a finite number"),
        (b'{"type":"price","ts":1,"seq":1,"price":"abc"}', "Invalid decimal"),
        (
            b'{"type":"price","ts":"yesterday","seq":1,"price":"1"}',
            "neither Unix seconds nor ISO-8601",
        ),
        (b'{"type":"price","ts":-5,"seq":1,"price":"1"}', "non-negative"),
        (
            b'{"schema":"solvent-event/2","type":"price","ts":1,"seq":1,"price":"1"}',
            "not supported",
        ),
        (
            b'{"schema":"other/1","type":"price","ts":1,"seq":1,"price":"1"}',
            "not a solvent event schema",
        ),
        (b'{"type":"account","ts":1,"seq":1,"account":0}', "changes nothing"),
        (b'{"type":"account","ts":1,"seq":1,"account":-1,"set":{"quote":"1"}}', "negative"),
        (b'{"type":"insurance","ts":1,"seq":1,"balance":"Infinity"}', "not a finite number"),
    ],
)
def test_bad_events_have_reasons(raw: bytes, reason: str) -> None:
    with pytest.raises(ev.BadEvent) as info:
        ev.decode(raw)
    assert reason in info.value.reason


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"type":"account","ts":1,"seq":1,"account":-1,"set":{"quote":"1"}}', "negative"),
        (b'{"type":"account","ts":1,"seq":1,"account":0,"set":{}}', "changes nothing"),
        (b'{"type":"account","ts":1,"seq":1,"account":0,"set":{"size":"NaN"}}', "finite"),
        (b'{"type":"liquidation","ts":1,"seq":1,"account":-2,"set":{"size":"0"}}', "negative"),
        (b'{"type":"liquidation","ts":1,"seq":1,"account":0,"set":{"quote":"-Inf"}}', "finite"),
        (b'{"type":"account","ts":1,"seq":1,"account":0,"set":{"quote":"1e999"}}', "range"),
        (b'{"type":"liquidation","ts":1,"seq":1,"account":0,"price":"0"}', "not positive"),
    ],
)
def test_account_lines_on_the_hot_path_keep_their_checks(raw: bytes, reason: str) -> None:
    """With the limits read once (the monitor's way: the hot path of account changes), a
    bad account or liquidation line is refused with the same reason as without them."""
    for limits_in_force in (None, ev.line_limits()):
        with pytest.raises(ev.BadEvent) as info:
            ev.decode(raw, limits_in_force)
        assert reason in info.value.reason


def test_encode_round_trip() -> None:
    e = ev.price_event(3, 12.5, "2000.125", oracle=Decimal("2001"))
    back, ts = ev.decode(ev.encode(e))
    assert back == e and ts == 12.5


def test_convert_emits_open_extremes_close_in_time_order() -> None:
    """2025-10-10T21:19Z: open 108888.00, high 109568.20, low 102193.60, close 103441.30
    (shared/data/README.md, verified figures 5 and 5a): a down bar, so high comes before low."""
    events = [ev.decode(x) for x in bar_events(DATA / "btcusdt_perp_1m_2025-10-10.csv")]
    assert len(events) == 4 * 721
    stamps = [ts for _, ts in events]
    assert stamps == sorted(stamps)
    assert [e.seq for e, _ in events] == list(range(1, len(events) + 1))
    first = 4 * 199  # 21:19 is bar 199 of the file (it starts at 18:00)
    assert events[first][1] == 1760131140.0  # 2025-10-10T21:19:00Z
    bar = [e.price for e, _ in events[first : first + 4]]
    assert bar == [
        Decimal("108888.0"),
        Decimal("109568.2"),
        Decimal("102193.6"),
        Decimal("103441.3"),
    ]
