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
import os
import pickle
from fractions import Fraction as F
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solvent.models import perp_isolated
from solvent.monitor import deficit
from solvent.monitor.book import PerpBook
from solvent.monitor.core import Monitor, Options

LONG = os.environ.get("SOLVENT_HYPOTHESIS") == "long"
PROFILE = settings(
    max_examples=1000 if LONG else 30, deadline=None, database=None, derandomize=not LONG
)
N = 5

cents = st.integers(-300_000, 300_000).map(lambda k: f"{k / 100:.2f}")
sizes = st.sampled_from(["0", "0.5", "-0.5", "1.25", "-2", "3", "-0.01"])
event = st.one_of(
    st.tuples(st.just("account"), st.integers(0, N - 1), cents, sizes),
    st.tuples(st.just("add"), st.integers(0, N - 1), cents),
    st.tuples(st.just("liquidation"), st.integers(0, N - 1), cents),
    st.tuples(st.just("insurance"), st.integers(0, 400_000).map(lambda k: f"{k / 100:.2f}")),
    st.tuples(st.just("state"), st.sampled_from(["0", "0", "0", "12.5"])),
    st.tuples(st.just("price"), st.integers(50_000, 400_000).map(lambda k: f"{k / 100:.2f}")),
)  # fmt: skip


def _line(i: int, e: tuple[Any, ...]) -> bytes:
    doc: dict[str, Any] = {"type": e[0], "seq": i + 1, "ts": float(i)}
    if e[0] == "account":
        doc.update(account=e[1], set={"quote": e[2], "size": e[3]})
    elif e[0] == "add":
        doc.update(type="account", account=e[1], add={"quote": e[2]})
    elif e[0] == "liquidation":
        doc.update(account=e[1], set={"quote": e[2].lstrip("-"), "size": "0"})
    elif e[0] == "insurance":
        doc["balance"] = e[1]
    elif e[0] == "state":
        doc["set"] = {"bad_debt": e[1]}
    else:
        doc["price"] = e[1]
    return json.dumps(doc).encode()


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
        line = _line(i, e)
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
