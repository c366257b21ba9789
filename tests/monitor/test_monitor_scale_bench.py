"""The venue-scale benchmarks' own pieces (issue 21): ``benchmarks/monitor_scale.py
--index-only`` on decimal amounts, and ``benchmarks/monitor_coalesce.py``'s coalescing.

``--index-only`` did not finish at 100,000 accounts: its positions had quotes like
``7900/3``, not decimals, so the book answered every change by its O(N) walk. The
coalescing benchmark must keep each account's last record per run in ``seq`` order, and
the aggregator fed the coalesced records must end at the venue-wide distance of one
unsharded monitor (the same final state). ``benchmarks/monitor_stages.py --paired-with``
alternates which tree runs first within a pair (round 21: always the other first biased
every ratio the same way).
"""

from __future__ import annotations

import random
import sys
from typing import Any

from monitor_helpers import REPO

from solvent.models import perp_isolated
from solvent.monitor.book import scaled
from solvent.monitor.core import Monitor, Options

sys.path.insert(0, str(REPO / "benchmarks"))
import monitor_coalesce  # noqa: E402
import monitor_scale  # noqa: E402
import monitor_stages  # noqa: E402


def test_index_positions_are_decimals() -> None:
    rng = random.Random(5)
    for _ in range(2000):
        q, s = monitor_scale.index_position(rng)
        assert scaled(q) is not None and scaled(s) is not None, (q, s)


def test_index_cost_incremental_equals_walk() -> None:
    rows = monitor_scale.index_cost([300], changes=40)
    assert [r["accounts"] for r in rows] == [300]
    assert rows[0]["not_scaled"] == 0
    assert rows[0]["equal"] is True


def _rec(seq: int, kind: str, account: int | None = None) -> dict[str, Any]:
    r: dict[str, Any] = {"seq": seq, "ts": seq, "type": kind}
    if account is not None:
        r.update(account=account, quote=f"{seq}", size="1")
    return r


def test_coalesce_keeps_last_record_per_account_per_run() -> None:
    recs = [_rec(1, "account", 7), _rec(2, "account", 8), _rec(3, "account", 7),
            _rec(4, "price"), _rec(5, "account", 7), _rec(6, "account", 7),
            _rec(7, "account", 9)]  # fmt: skip
    got = [r["seq"] for r in monitor_coalesce.coalesce(recs, batch=100)]
    assert got == [2, 3, 4, 6, 7]
    across = [r["seq"] for r in monitor_coalesce.coalesce(recs, batch=100, across=True)]
    assert across == [2, 4, 6, 7]
    # a batch boundary ends a run: account 7's records in two batches are both kept
    assert [r["seq"] for r in monitor_coalesce.coalesce(recs[:3], batch=2)] == [1, 2, 3]


def test_coalesced_records_end_at_the_single_monitors_distance() -> None:
    lines, setup = monitor_scale.venue(300, 400)
    spec = perp_isolated.build(
        name="venue", accounts=300, initial_margin="0.10", maintenance_margin="0.08",
        max_move="0.08",
    )  # fmt: skip
    single = Monitor(spec, monitor_scale.USED, Options(detector="none", distance="closed"))
    for line in lines:
        single.feed(line)
    assert single.book is not None
    want = str(single.book.distance(single.price()).value)
    recs = monitor_scale.shard_records(spec, lines, 2)
    for across in (False, True):
        got = monitor_coalesce.aggregate(
            spec, [monitor_coalesce.coalesce(q, 50, across) for q in recs], setup
        )
        assert got["distance"] == want
        assert got["account_records"] <= sum(1 for q in recs for r in q if "account" in r)


def test_paired_stages_alternate_which_runs_first() -> None:
    order = monitor_stages.pair_order(5)
    assert [o[0] for o in order] == ["other", "this", "other", "this", "other"]
    assert all(sorted(o) == ["other", "this"] for o in order)


def test_the_alerting_venue_breaches_the_envelope_and_nothing_else() -> None:
    """``benchmarks/monitor_alerts.py``'s venue: every gap (where the crash moves under 1%)
    breaches the 4.5% envelope down then up, each move under the 8% maintenance, so the
    timed part raises envelope alerts only (no account below zero equity: the invariant's
    report would time the whole state's copy, not the alert path), two per gap."""
    import json

    import monitor_alerts

    lines, setup = monitor_scale.venue(300, 4000, gap_every=10, gap=0.06)
    prices = [float(json.loads(x)["price"]) for x in lines[setup:] if b'"price"' in x]
    moves = [b / a - 1 for a, b in zip(prices, prices[1:], strict=False)]
    gaps = sum(m < -0.045 for m in moves)
    assert gaps >= 10 and max(abs(m) for m in moves) < 0.08
    m = Monitor(monitor_alerts.spec_of(300, "0.045"), monitor_scale.USED, Options(detector="none"))
    kinds = [a.name for i, x in enumerate(lines) for a in m.feed(x)[0] if i >= setup]
    assert set(kinds) == {"envelope.move.lo", "envelope.move.hi"}
    assert kinds.count("envelope.move.lo") == gaps


def test_an_event_is_stamped_when_written() -> None:
    import monitor_alerts

    line = b'{"type":"price","ts":1.019,"seq":7,"price":"7900.00"}'
    (got,) = monitor_alerts.stamped([line], 1765000000.123456)
    assert got == b'{"type":"price","ts":1765000000.123456,"seq":7,"price":"7900.00"}'
