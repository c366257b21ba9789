"""The invariant's critical alert at venue scale (issue 21, round 23).

The alert names the accounts that break the invariant and their values, and its size does
not grow with the book; the whole state follows as its report (written after the alert);
while the invariant stays broken each event is judged by the spec on the accounts that
break it, not on every account. The reference is a monitor judging every account one by
one on the concrete backend (``lanes_from`` out of reach), the path of rounds before.
"""

from __future__ import annotations

import json
import random
from fractions import Fraction as F
from pathlib import Path
from typing import Any

from solvent.lang.values import format_number
from solvent.models import perp_isolated
from solvent.monitor.core import Monitor, Options
from solvent.monitor.runner import RunConfig, run
from solvent.monitor.sources import FileSource

USED = ["envelope.move.hi", "envelope.move.lo"]


def monitor(n: int, lanes_from: int | None) -> Monitor:
    spec = perp_isolated.build(accounts=n, maintenance_margin="0.08", max_move="0.5")
    m = Monitor(spec, USED, Options(detector="none", distance="none"))
    if lanes_from is not None:
        m.lanes_from = lanes_from
    return m


def book(n: int, seed: int) -> list[tuple[F, F]]:
    """(quote, size) of every account at the price 100, decimals: longs and shorts at 2x
    to 20x."""
    rng = random.Random(seed)
    out = []
    for a in range(n):
        size = F(rng.choice((-1, 1)) * rng.randint(1, 500), 100)
        lev = F(rng.randint(200, 2000), 100) + F(a, 10**6)
        quote = abs(size) * 100 / lev - size * 100
        out.append((F(round(quote * 10**4), 10**4), size))
    return out


def stream(accounts: list[tuple[F, F]], crash: str) -> list[dict[str, Any]]:
    """The set-up at 100, a price of ``crash``, each account below zero equity liquidated
    (quote 0, size 0, lowest first), then the price back at 100."""
    ev: list[dict[str, Any]] = [{"type": "price", "ts": 0, "seq": 1, "price": "100"}]
    for a, (q, s) in enumerate(accounts):
        ev.append({"type": "account", "ts": 0, "seq": len(ev) + 1, "account": a,
                   "set": {"quote": format_number(q), "size": format_number(s)}})  # fmt: skip
    ev.append({"type": "price", "ts": 1, "seq": len(ev) + 1, "price": crash})
    for a in under(accounts, F(crash)):
        ev.append({"type": "liquidation", "ts": 1, "seq": len(ev) + 1, "account": a,
                   "set": {"quote": "0", "size": "0"}})  # fmt: skip
    ev.append({"type": "price", "ts": 2, "seq": len(ev) + 1, "price": "100"})
    return ev


def under(accounts: list[tuple[F, F]], price: F) -> list[int]:
    return [a for a, (q, s) in enumerate(accounts) if q + s * price < 0]


def deepest(accounts: list[tuple[F, F]], price: F, k: int = 10) -> list[int]:
    """The ``k`` accounts the alert names, computed here: the longs below zero by highest
    bankruptcy price -q/s, then the shorts by lowest."""
    gone = under(accounts, price)
    longs = sorted((a for a in gone if accounts[a][1] > 0), key=lambda a: -accounts[a][0] / accounts[a][1], reverse=True)  # fmt: skip
    shorts = sorted((a for a in gone if accounts[a][1] < 0), key=lambda a: -accounts[a][0] / accounts[a][1])  # fmt: skip
    return (longs + shorts)[:k]


def event_line(e: dict[str, Any]) -> bytes:
    return json.dumps(e).encode()


def feed(m: Monitor, events: list[dict[str, Any]]) -> list[Any]:
    out = []
    for e in events:
        alerts, bad = m.feed(event_line(e))
        assert not bad
        out.extend(alerts)
    return out


def test_the_alert_names_the_breaking_accounts_and_does_not_grow_with_the_book() -> None:
    sizes = {}
    for n, lanes_from in ((60, 0), (6_000, None)):  # lanes from 5,000 accounts by default
        accounts = book(n, seed=n)
        events = stream(accounts, "90")
        crash = next(i for i, e in enumerate(events) if e.get("price") == "90")
        m = monitor(n, lanes_from)
        feed(m, events[:crash])
        reference = {k: (list(v) if isinstance(v, list) else v) for k, v in m.values.items()}
        (alert,) = [a for a in feed(m, events[crash : crash + 1]) if a.kind == "invariant"]
        gone = under(accounts, F(90))
        assert len(gone) > 10  # more accounts break it than the alert names
        assert alert.details["accounts"] == deepest(accounts, F(90))
        shown = alert.details["values"]
        assert shown["shared"]["price"] == "90" and shown["shared"]["bad_debt"] == "0"
        for a in alert.details["accounts"]:
            q, s = accounts[a]
            assert shown["accounts"][str(a)] == {"quote": format_number(q), "size": format_number(s), "equity": format_number(q + s * 90)}  # fmt: skip
        doc = alert.to_json()
        assert (
            "state" not in doc["details"] and doc["details"]["state_report"] == alert.id + ":state"
        )
        sizes[n] = len(json.dumps(doc))
        # the report: the whole state at the event, exactly as plain_state formats it
        from solvent.monitor.alerts import json_default

        report = json.loads(json.dumps(alert.report_json(), default=json_default))
        assert report["kind"] == "report" and report["details"]["alert"] == alert.id
        reference["price"] = F(90)
        expect = {k: ([format_number(x) for x in v] if isinstance(v, list) else format_number(v) if isinstance(v, F) else v) for k, v in reference.items()}  # fmt: skip
        assert report["details"]["state"] == expect
    assert max(sizes.values()) < 4_000 and abs(sizes[60] - sizes[6_000]) < 200, sizes


def test_while_broken_the_spec_judges_the_breaking_accounts_and_agrees_with_every_account() -> None:
    for seed in range(2):
        accounts = book(80, seed=seed)
        for crash in ("97", "90", "105", "112"):
            events = stream(accounts, crash)
            fast, ref = monitor(80, 0), monitor(80, 10**9)
            crashed = next(i for i, e in enumerate(events) if e.get("price") == crash) + 1
            got = [(a.id, a.severity) for a in feed(fast, events[:crashed])]
            evals = fast.counters.invariant_evals
            got += [(a.id, a.severity) for a in feed(fast, events[crashed:])]
            want = [(a.id, a.severity) for a in feed(ref, events)]
            assert got == want and fast.counters.audits == ref.counters.audits
            if under(accounts, F(crash)):
                assert any(a.endswith(":invariant:solvent") for a, _ in want)
                # the events while it is broken: no evaluation over every account
                assert fast.counters.invariant_evals == evals
    # bad debt breaks every account's conjunction: judged on account 0
    m = monitor(80, 0)
    feed(m, stream(book(80, seed=1), "100")[:-1])
    alerts = feed(m, [{"type": "state", "ts": 3, "seq": 10_000, "set": {"bad_debt": "5"}}])
    assert [(a.name, a.details["accounts"]) for a in alerts] == [("solvent", [])]


def test_the_run_loop_writes_the_alert_then_its_report(tmp_path: Path) -> None:
    accounts = book(40, seed=7)
    events = stream(accounts, "90")
    src = tmp_path / "events.jsonl"
    src.write_bytes(b"\n".join(event_line(e) for e in events) + b"\n")
    out = tmp_path / "alerts.jsonl"
    m = monitor(40, 0)
    summary = run(m, FileSource(str(src)), RunConfig(alerts=str(out), quarantine=None))
    docs = [json.loads(x) for x in out.read_text().splitlines()]
    kinds = [(d["kind"], d["name"]) for d in docs]
    i = kinds.index(("invariant", "solvent"))
    assert kinds[i + 1] == ("report", "solvent:state")
    alert, report = docs[i], docs[i + 1]
    assert report["id"] == alert["details"]["state_report"] == alert["id"] + ":state"
    assert report["details"]["state"]["price"] == "90"
    assert report["details"]["state"]["quote"] == [format_number(q) for q, _ in accounts]
    assert summary.alerts == len(docs) - 1  # the report is not an alert
