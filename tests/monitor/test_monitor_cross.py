"""The cross perpetual's closed-form distance to insolvency (issue 21).

Under a common return ``r`` of both marks a cross account's equity is
``quote + (value_a + value_b) * (1 + r)``: linear in ``1 + r``, so its deficit is
piecewise linear in ``r`` and the monitor keeps it in the isolated perp's ordered book at
the "price" 1. On random event streams (positions in both markets set and changed, the
fund and bad debt changed, accounts liquidated by the spec's keeper, prices moved) the monitor's distance after every event equals
the one found from scratch (a fresh book's Fraction walk over the observed values) and
the definition (the excess computed directly from the values is 0 at each end of the
safe returns and positive just beyond); its alerts equal those of a monitor computing the
distance on every event (the probes off).

Profiles: small and derandomized in CI; ``SOLVENT_HYPOTHESIS=long`` runs 1,000 streams.
"""

from __future__ import annotations

import json
from fractions import Fraction as F
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from monitor_helpers import bad_debt_event, cents, event_line, insurance_event, price_event, profile

from solvent.models import perp_cross
from solvent.monitor.book import PerpBook
from solvent.monitor.core import Monitor, Options
from solvent.monitor.distance import DistanceMixin

PROFILE = profile(30)
N = 5
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "correct" / "perp_cross.py"

money = cents
event = st.one_of(
    st.tuples(st.just("account"), st.integers(0, N - 1), money, money, money),
    st.tuples(st.just("add"), st.integers(0, N - 1), money),
    st.tuples(st.just("liquidation"), st.integers(0, N - 1)),  # the spec's keeper runs
    insurance_event, bad_debt_event, price_event,
)  # fmt: skip


def _line(i: int, e: tuple[Any, ...]) -> bytes:
    return event_line(i, e, fields=("quote", "value_a", "value_b"), add="value_b")


def _monitor() -> Monitor:
    spec = perp_cross.build(name="cross", accounts=N)
    opts = Options(detector="none", move_field="move_a", warn_distance=F(1, 5))
    return Monitor(spec, [], opts)


def _excess(v: dict[str, Any], x: F) -> F:
    """Bad debt beyond the fund if both marks jumped by ``x - 1``, from the values alone."""
    deficits = sum(
        (max(F(0), -(v["quote"][a] + (v["value_a"][a] + v["value_b"][a]) * x)) for a in range(N)),
        F(0),
    )
    return v["bad_debt"] + max(F(0), deficits - v["insurance"])


def _from_scratch(v: dict[str, Any]) -> tuple[F | None, F | None] | None:
    """The safe range of ``1 + r`` by the Fraction walk of a book built from the values."""
    book = PerpBook(N, F(0))
    for a in range(N):
        book.set_account(a, v["quote"][a], v["value_a"][a] + v["value_b"][a])
    book.set_fund(v["insurance"], v["bad_debt"])
    if book.bad_debt > 0:
        return None
    e0, down, up = book._at(F(1))
    if e0 > 0:
        return None
    return book._walk_down(F(1), e0, down), book._walk_up(F(1), e0, up)


@PROFILE
@given(st.lists(event, min_size=1, max_size=50))
def test_cross_distance_equals_the_recomputation_after_every_event(
    stream: list[tuple[Any, ...]],
) -> None:
    fast, full = _monitor(), _monitor()
    assert fast.distance_mode == "closed" and fast.cross_book is not None and fast.book is None
    assert fast.opts.price_field == "price_a"
    eps = F(1, 10**12)
    with pytest.MonkeyPatch.context() as mp:
        for i, e in enumerate(stream):
            line = _line(i, e)
            got = [a.to_json() for a in fast.feed(line)[0]]
            mp.setattr(DistanceMixin, "_probe_level", lambda self: None)
            want = [a.to_json() for a in full.feed(line)[0]]
            mp.undo()
            assert got == want, (i, e)
            assert fast.distance_f == full.distance_f and fast.distance_level == full.distance_level
            d = fast.cross_book.distance(F(1))
            v = fast.values
            iv = _from_scratch(v)
            if iv is None:
                assert (d.down, d.up) == (0, 0) and _excess(v, F(1)) > 0
                assert fast.distance_f == 0.0
                continue
            lo, hi = iv
            assert d.down == (None if lo is None else lo - 1), (i, e)
            assert d.up == (None if hi is None else hi - 1), (i, e)
            assert _excess(v, F(1)) == 0
            if lo is not None:
                assert _excess(v, lo) == 0 and _excess(v, lo * (1 - eps)) > 0
            if hi is not None:
                assert _excess(v, hi) == 0 and _excess(v, hi * (1 + eps)) > 0
            want_f = None if d.value is None else float(d.value)
            assert fast.distance_f == pytest.approx(want_f, rel=1e-12), (i, e)


def test_cross_known_answer_and_checkpoint() -> None:
    """A long worth 1,000 on a quote of -900 is bankrupt after a -10% common move; a fund
    of 100 covers it down to -20%. A short of 1,000 on 1,050 is bankrupt at +5%, beyond
    the fund at +15%: the distance is 15%, up."""
    m = _monitor()
    for raw in (
        '{"type":"insurance","ts":0,"seq":1,"balance":"100"}',
        '{"type":"account","ts":1,"seq":2,"account":0,'
        '"set":{"quote":"-900","value_a":"600","value_b":"400"}}',
        '{"type":"account","ts":2,"seq":3,"account":1,"set":{"quote":"1050","value_a":"-1000"}}',
    ):
        m.feed(raw.encode())
    assert m.cross_book is not None
    d = m.cross_book.distance(F(1))
    assert (d.down, d.up, d.value, d.side) == (F(-1, 5), F(3, 20), F(3, 20), "up")
    assert m.distance_level == "warning" and m.distance_f == pytest.approx(0.15)
    snap = m.snapshot()
    del snap["cross_book"]  # a checkpoint of an older solvent: rebuilt from the values
    again = _monitor()
    again.restore(snap)
    assert again.cross_book is not None and again.cross_book.distance(F(1)) == d


def test_cross_perp_from_the_command_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``solvent monitor`` on the cross perp example: the closed form, price events on
    price_a by default, the distance alerts with their exact values."""
    from solvent.cli.core import run

    events = tmp_path / "cross.jsonl"
    events.write_text(
        "\n".join(
            json.dumps(d)
            for d in (
                {"type": "insurance", "ts": 0, "seq": 1, "balance": "100"},
                {
                    "type": "account",
                    "ts": 1,
                    "seq": 2,
                    "account": 0,
                    "set": {"quote": "-900", "value_a": "600", "value_b": "400"},
                },
                {
                    "type": "account",
                    "ts": 2,
                    "seq": 3,
                    "account": 1,
                    "set": {"quote": "1050", "value_a": "-1000"},
                },
                {"type": "price", "ts": 3, "seq": 4, "price": "2010"},
            )
        )  # fmt: skip
        + "\n"
    )
    code = run(
        ["monitor", str(EXAMPLE), "--source", str(events), "--no-prove", "--move-field",
         "move_a", "--warn-distance", "0.25", "--critical-distance", "0.16",
         "--quarantine", str(tmp_path / "q.jsonl"), "--alerts", str(tmp_path / "a.jsonl")]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert "distance: closed" in err, err
    alerts = [json.loads(x) for x in (tmp_path / "a.jsonl").read_text().splitlines()]
    got = [(a["seq"], a["name"], a["details"].get("distance"), a["details"].get("side"))
           for a in alerts if a["kind"] == "distance"]  # fmt: skip
    assert got == [(2, "distance.warning", "0.2", "down"), (3, "distance.critical", "0.15", "up")]
    assert code == 1  # a critical alert


def test_price_field_option(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """``--price-field NAME`` names the field price events set (docs/monitor.md); a name
    that is not a scalar number field of the spec exits 3 and lists the fields."""
    from solvent.cli.core import run

    events = tmp_path / "p.jsonl"
    events.write_text('{"type":"price","ts":1,"seq":1,"price":"2010"}\n')
    base = ["monitor", str(EXAMPLE), "--source", str(events), "--no-prove",
            "--move-field", "move_a", "--quarantine", str(tmp_path / "q.jsonl")]  # fmt: skip
    assert run([*base, "--price-field", "price_b"]) == 0
    capsys.readouterr()
    assert run([*base, "--price-field", "quote"]) == 3
    err = capsys.readouterr().err
    assert "--price-field 'quote' is not a scalar number field" in err, err
    assert "price_a" in err
