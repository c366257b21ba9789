"""While the invariant stays broken the spec's verdict stands until something it read
changes (issue 21, round 24; ``monitor/witness.py``, ``Verdict``).

The reference is round 23's path, the same monitor judging again at every event
(``keep_verdict = False``), and the per-account concrete path (lanes out of reach): on
random books and event streams (crashes, liquidations by ``set`` and by the spec's own
keeper, account changes, the fund, bad debt, the liquidation counter, recoveries) the
alerts (ids, severities, the accounts they name) are the same.
"""

from __future__ import annotations

import json
from fractions import Fraction as F
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solvent.lang.values import format_number
from solvent.models import perp_isolated
from solvent.monitor import witness
from solvent.monitor.core import Monitor, Options

USED = ["envelope.move.hi", "envelope.move.lo"]


def monitor(n: int, *, lanes: bool, keep: bool, audit_every: int) -> Monitor:
    spec = perp_isolated.build(accounts=n, maintenance_margin="0.08", max_move="0.5")
    m = Monitor(spec, USED, Options(detector="none", distance="none"))
    m.lanes_from = 0 if lanes else 10**9
    m.keep_verdict = keep
    m._audit_every = audit_every
    return m


def cents(x: int) -> str:
    return format_number(F(x, 100))


def account(a: int, lev: int, size: int, price: int) -> dict[str, Any]:
    """Account ``a`` opened at ``price`` with ``size`` hundredths and leverage ``lev``/10."""
    s = F(size, 100)
    quote = abs(s) * price * 10 / lev - s * price
    return {"type": "account", "account": a,
            "set": {"quote": format_number(F(round(quote * 100), 100)), "size": format_number(s)}}  # fmt: skip


def events(draw: Any, n: int) -> list[dict[str, Any]]:
    sizes = st.integers(-500, 500)
    levs = st.integers(15, 250)  # 1.5x to 25x: a 10% crash puts the highest ones under water
    out: list[dict[str, Any]] = [{"type": "price", "price": "100"}]
    out += [account(a, draw(levs), draw(sizes), 100) for a in range(n)]
    price = 100
    for _ in range(draw(st.integers(5, 60))):
        kind = draw(st.sampled_from(
            ["price", "crash", "account", "account", "liq", "liq", "liq0", "keeper", "fund",
             "bad_debt", "count", "recover"]))  # fmt: skip
        a = draw(st.integers(0, n - 1))
        if kind == "price":
            price = max(50, price + draw(st.integers(-4, 4)))
            out.append({"type": "price", "price": str(price)})
        elif kind == "crash":
            price = draw(st.sampled_from([80, 88, 92, 112, 120]))
            out.append({"type": "price", "price": str(price)})
        elif kind == "recover":
            price = 100
            out.append({"type": "price", "price": "100"})
        elif kind == "account":
            out.append(account(a, draw(levs), draw(sizes), price))
        elif kind == "liq":  # closed with what it has left (a negative quote: flat, below 0)
            out.append({"type": "liquidation", "account": a,
                        "set": {"quote": cents(draw(st.integers(-300, 3000))), "size": "0"}})  # fmt: skip
        elif kind == "liq0":
            out.append({"type": "liquidation", "account": a, "set": {"quote": "0", "size": "0"}})
        elif kind == "keeper":  # the spec's keeper runs (the fund, bad debt, the counter)
            out.append({"type": "liquidation", "account": a})
        elif kind == "fund":
            out.append({"type": "insurance", "balance": cents(draw(st.integers(0, 10**6)))})
        elif kind == "bad_debt":
            out.append({"type": "state", "set": {"bad_debt": draw(st.sampled_from(["0", "3"]))}})
        else:
            out.append({"type": "state", "set": {"liquidations": str(draw(st.integers(0, 9)))}})
    for i, e in enumerate(out):
        e["seq"], e["ts"] = i + 1, i
    return out


def run(m: Monitor, evs: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    out = []
    for e in evs:
        alerts, bad = m.feed(json.dumps(e).encode())
        assert not bad
        out += [(a.id, a.severity, (a.details or {}).get("accounts")) for a in alerts]
    assert not [x for x in out if ":internal:" in x[0]], out
    return out


@st.composite
def streams(draw: Any) -> tuple[int, list[dict[str, Any]], int]:
    n = draw(st.integers(3, 24))
    return n, events(draw, n), draw(st.sampled_from([10**9, 7, 31]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams())
def test_the_kept_verdict_gives_the_alerts_of_judging_at_every_event(case: Any) -> None:
    n, evs, audit_every = case
    kept = monitor(n, lanes=True, keep=True, audit_every=audit_every)
    every = monitor(n, lanes=True, keep=False, audit_every=audit_every)
    concrete = monitor(n, lanes=False, keep=False, audit_every=audit_every)
    got = run(kept, evs)
    assert got == run(every, evs)
    assert [x[:2] for x in got] == [x[:2] for x in run(concrete, evs)]
    assert kept.violated == every.violated == concrete.violated


def test_a_verdict_stands_through_events_that_change_nothing_it_read(monkeypatch: Any) -> None:
    """Other accounts' changes and liquidations, the fund and the liquidation counter do not
    judge again; the price, bad debt and the account it failed on do, and the same account
    is judged first (one evaluation), then the deepest below zero."""
    n = 12
    m = monitor(n, lanes=True, keep=True, audit_every=10**9)
    evs = [{"type": "price", "price": "100"}]
    evs += [account(a, 200 if a == 5 else 20, 100, 100) for a in range(n)]  # 5 at 20x
    evs.append({"type": "price", "price": "94"})  # only account 5 is below zero
    calls: list[list[int]] = []
    judge = witness.judge

    def counting(one: Any, values: Any, backend: Any, accounts: list[int], reads: Any) -> Any:
        calls.append(list(accounts))
        return judge(one, values, backend, accounts, reads)

    monkeypatch.setattr(witness, "judge", counting)
    seq = 0

    def feed(*more: dict[str, Any]) -> list[Any]:
        nonlocal seq
        out = []
        for e in more:
            seq += 1
            e["seq"], e["ts"] = seq, seq
            out += m.feed(json.dumps(e).encode())[0]
        return out

    alerts = feed(*evs)
    assert [a.id.split(":", 1)[1] for a in alerts] == ["invariant:solvent"]
    assert calls == [[5]] and m._reads == ("price", "bad_debt")
    calls.clear()
    feed(account(3, 30, -50, 94), {"type": "liquidation", "account": 7, "set": {"quote": "1", "size": "0"}},
         {"type": "insurance", "balance": "123"}, {"type": "state", "set": {"liquidations": "4"}})  # fmt: skip
    assert calls == []  # nothing the verdict read changed: it stood
    feed({"type": "price", "price": "93"})
    assert calls == [[5]]  # the price: judged again on account 5 alone
    calls.clear()
    feed(account(9, 200, 100, 100), {"type": "liquidation", "account": 5, "set": {"quote": "0", "size": "0"}})  # fmt: skip
    assert calls == [[5], [9]]  # 5 is whole again: then the deepest below zero, account 9
    alerts = feed({"type": "liquidation", "account": 9, "set": {"quote": "0", "size": "0"}})
    assert [a.id.split(":", 1)[1] for a in alerts] == ["invariant:solvent.resolved"]
    assert m._verdict is None
