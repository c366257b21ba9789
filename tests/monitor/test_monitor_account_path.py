"""The per-account-change path of the closed-form monitor (issue 21, 100,000 accounts).

An account change checks the invariant on the one account it changed when it held before
(O(1)), a price event asks the deficit index whether any account is under water (no heap
of bankruptcy prices is searched), and the index sums its buckets' totals only when it is
queried. These tests hold each shortcut against the spec's own evaluation or a rebuilt
index on random streams (Hypothesis), and check that the shortcuts are taken.

Profiles: small and derandomized in CI; ``SOLVENT_HYPOTHESIS=long`` runs 1,000 streams.
"""

from __future__ import annotations

import json
import pickle
from fractions import Fraction as F
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from monitor_helpers import (
    bad_debt_event,
    cents,
    event_line,
    insurance_event,
    price_event,
    profile,
    sizes,
)

from solvent.models import perp_isolated
from solvent.monitor import deficit
from solvent.monitor.book import PerpBook
from solvent.monitor.core import Monitor, Options

PROFILE = profile(30)
N = 5

event = st.one_of(
    st.tuples(st.just("account"), st.integers(0, N - 1), cents, sizes),
    st.tuples(st.just("add"), st.integers(0, N - 1), cents),
    st.tuples(st.just("liquidation"), st.integers(0, N - 1), cents),
    insurance_event, bad_debt_event, price_event,
)  # fmt: skip


def _monitor(**kw: Any) -> Monitor:
    spec = perp_isolated.build(name="path", accounts=N, max_move="0.08")
    return Monitor(spec, [], Options(detector="none", distance="none", **kw))


@PROFILE
@given(st.lists(event, min_size=1, max_size=60))
def test_invariant_alerts_equal_the_spec_evaluated_on_every_event(
    stream: list[tuple[Any, ...]],
) -> None:
    fast, judge = _monitor(audit_every=0), _monitor(exact_invariants=True)
    assert fast.perp and not judge.perp
    for i, e in enumerate(stream):
        line = event_line(i, e)
        got = [a.to_json() for a in fast.feed(line)[0]]
        want = [a.to_json() for a in judge.feed(line)[0]]
        assert got == want, (i, e)
        assert fast.violated == judge.violated
        assert fast.book is not None
        price = fast.price()
        every = all(fast.book.equity(a, price) >= 0 for a in range(N))
        assert fast.book.all_equity_nonnegative(price) == every, (i, e)


def test_an_account_change_leaves_the_heap_tops_and_bucket_sums_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    m = _monitor()
    m.feed(b'{"type":"price","ts":0,"seq":1,"price":"2000"}')
    calls = {"tops": 0, "sums": 0}
    refresh, cumulative = PerpBook._refresh_floats, deficit.DeficitIndex._cumulative

    def counted_refresh(self: PerpBook) -> None:
        calls["tops"] += 1
        refresh(self)

    def counted_cumulative(self: deficit.DeficitIndex) -> Any:
        calls["sums"] += 1
        return cumulative(self)

    monkeypatch.setattr(PerpBook, "_refresh_floats", counted_refresh)
    monkeypatch.setattr(deficit.DeficitIndex, "_cumulative", counted_cumulative)
    for seq in range(2, 200):
        size = ("1", "-1", "0.5")[seq % 3]
        line = {"type": "account", "ts": 1, "seq": seq, "account": seq % N,
                "set": {"quote": str(3000 + seq), "size": size}}  # fmt: skip
        assert m.feed(json.dumps(line).encode()) == ([], [])
    assert calls == {"tops": 0, "sums": 0}, calls


def test_an_index_pickled_before_the_float_lists_answers_the_same() -> None:
    book = PerpBook(40, F(8, 100))
    for a in range(40):
        s = F((a % 7) - 3, 4)
        book.set_account(a, -s * 1900 + F(a * 13, 10), s)
    old = pickle.loads(pickle.dumps(book.index))
    for name in ("kf", "mf"):
        del old.__dict__[name]  # what an older checkpoint's index holds
    restored = pickle.loads(pickle.dumps(old))
    for x in (F(1500), F(1900), F(2100), F(3000)):
        key = (float(x), x, -1)
        assert restored.under_water(key) == book.index.under_water(key)
        assert restored.interval(-(10**20), x) == book.index.interval(-(10**20), x)
    restored.add((1.0, F(1), 99), 5, -5)  # and keeps working
    assert restored.size == book.index.size + 1
