"""The aggregator's batch intake (round 22): ``Aggregator.add_all`` queues one entry's
records at once, and the probe sums read a shard's ``Ne-18`` amounts inline.

``add_all`` must keep exactly what one ``add`` per record kept before it: the records a
shard that took over publishes again (at or below the last queued from that shard, or
the last combined) dropped, marks raising the shard's water, everything else queued in
order. Checked on random record streams with republished stretches, marks and drains in
between, against the earlier ``add`` written out here (the reference), and through
``drain`` (the same events combined, the same alerts). The inline amounts are checked
against ``probe_sums._amount`` on decimal texts of every form a record may carry.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from monitor_helpers import profile

from solvent.models import perp_isolated
from solvent.monitor.aggregate import Aggregator
from solvent.monitor.core import Options
from solvent.monitor.probe_sums import ProbeSums, _amount

N = 6
SPEC = perp_isolated.build(
    name="batch", accounts=N, initial_margin="0.10", maintenance_margin="0.08",
    max_move="0.08",
)  # fmt: skip
USED = ["envelope.move.lo", "envelope.move.hi"]


class Reference:
    """``Aggregator.add`` as it was before round 22 (one record at a time)."""

    def __init__(self, shards: int) -> None:
        self.queues: list[list[dict[str, Any]]] = [[] for _ in range(shards)]
        self.water = [-1] * shards
        self.last = [-1] * shards
        self.done: int | None = None

    def add(self, k: int, rec: dict[str, Any]) -> None:
        if "mark" in rec:
            self.water[k] = max(self.water[k], int(rec["mark"]))
            return
        seq = int(rec["seq"])
        self.water[k] = max(self.water[k], seq)
        if seq <= self.last[k] or (self.done is not None and seq <= self.done):
            return
        self.last[k] = seq
        self.queues[k].append(rec)


def _record(seq: int) -> dict[str, Any]:
    return {"seq": seq, "ts": float(seq), "type": "alerts"}


#: per step: (shard, [record seqs or ("mark", seq)], drain up to this seq or None)
step = st.tuples(
    st.integers(0, 1),
    st.lists(st.one_of(st.integers(0, 40), st.tuples(st.just("mark"), st.integers(0, 40))),
             max_size=8),
    st.one_of(st.none(), st.integers(0, 40)),
)  # fmt: skip


@profile(60)
@given(st.lists(step, max_size=12))
def test_add_all_keeps_what_add_kept(steps: list[Any]) -> None:
    agg = Aggregator(SPEC, USED, 2, Options())
    ref = Reference(2)
    for k, items, done in steps:
        recs = [{"mark": x[1]} if isinstance(x, tuple) else _record(x) for x in items]
        for r in recs:
            ref.add(k, r)
        agg.add_all(k, recs)
        assert agg.queues == ref.queues
        assert agg.water == ref.water and agg.last == ref.last
        if done is not None:  # a drain combined up to here (as drain sets it)
            agg.done = ref.done = max(done, ref.done or -1)
    # and one record at a time through add (now a batch of one) the same again
    one = Aggregator(SPEC, USED, 2, Options())
    for k, items, done in steps:
        for x in items:
            one.add(k, {"mark": x[1]} if isinstance(x, tuple) else _record(x))
        if done is not None:
            one.done = max(done, one.done or -1)
    assert one.queues == ref.queues and one.water == ref.water and one.last == ref.last


def _account(a: int, seq: int, q: str, s: str) -> dict[str, Any]:
    return {"seq": seq, "ts": float(seq), "type": "account", "account": a, "quote": q, "size": s}


@profile(60)
@given(st.lists(st.tuples(st.integers(0, N - 1), st.integers(-10**6, 10**6),
                          st.integers(-10**4, 10**4)), min_size=1, max_size=20),
       st.integers(1, 3))  # fmt: skip
def test_drain_of_batches_equals_drain_of_single_records(
    changes: list[tuple[int, int, int]], batch: int
) -> None:
    """The same records, added in batches of ``batch`` or one by one: the same events
    combined, the same distance and amounts."""
    recs = [{"seq": 1, "ts": 0.0, "type": "price", "price": "1000"}]
    recs += [_account(a, i + 2, f"{q}e-16", f"{s}e-16") for i, (a, q, s) in enumerate(changes)]
    out = []
    for by in (batch, None):
        agg = Aggregator(SPEC, USED, 1, Options())
        if by is None:
            for r in recs:
                agg.add(0, r)
        else:
            for i in range(0, len(recs), by):
                agg.add_all(0, recs[i : i + by])
        agg.drain()
        agg.sync()
        m = agg.monitor
        out.append((m.counters.events, agg.done, m.book.distance(m.price()).value,  # type: ignore[union-attr]
                    dict(m.values["quote"]) if isinstance(m.values["quote"], dict)
                    else list(m.values["quote"])))  # fmt: skip
    assert out[0] == out[1]


amount_text = st.one_of(
    st.integers(-10**30, 10**30).map(lambda n: f"{n}e-18"),
    st.decimals(allow_nan=False, allow_infinity=False, places=6,
                min_value=Decimal(-10**9), max_value=Decimal(10**9)).map(str),
    st.sampled_from(["1.5e-18", "0e-18", "-0e-18", "12_000e-18", " 7e-18", "1E-18", "3e-19"]),
)  # fmt: skip


@profile(60)
@given(amount_text, amount_text)
def test_inline_amounts_equal_amount(tq: str, ts: str) -> None:
    """The probe sums read a record's amounts as ``_amount`` does (None: the sums turn off)."""
    agg = Aggregator(SPEC, USED, 1, Options())
    fast: ProbeSums = agg.fast
    assert fast.on
    ok = fast._account(_account(0, 2, tq, ts))
    want_q, want_s = _amount(tq), _amount(ts)
    if want_q is None or want_s is None:
        assert not ok and not fast.on
    else:
        assert ok and (fast.q[0], fast.s[0]) == (want_q, want_s)
