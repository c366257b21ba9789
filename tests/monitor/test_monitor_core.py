"""The monitor's checks: envelope, keeper liveness, invariants, distance, sequencing."""

from __future__ import annotations

import json
import random
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from monitor_helpers import SAFE_PERP, line

from solvent.lang.values import format_number
from solvent.models import perp_isolated
from solvent.monitor.core import NOT_COVERED, Monitor, Options, is_perp_isolated
from solvent.monitor.errors import MonitorConfigError
from solvent.monitor.runner import declared_assumptions
from solvent.spec.load import load_spec

HERE = Path(__file__).parent
USED = ["envelope.move.hi", "envelope.move.lo", "hyp.healthy", "keeper.liquidate.every_step"]


def perp(accounts: int = 3, **kw: Any) -> Any:
    return perp_isolated.build(accounts=accounts, maintenance_margin="0.08", max_move="0.08", **kw)


def monitor(spec: Any = None, used: list[str] | None = None, **opts: Any) -> Monitor:
    opts.setdefault("detector", "none")
    return Monitor(spec or perp(), USED if used is None else used, Options(**opts))


def feed(
    m: Monitor, events: list[dict[str, Any] | bytes]
) -> tuple[list[Any], list[tuple[bytes, str]]]:
    alerts, bad = [], []
    for e in events:
        a, b = m.feed(e if isinstance(e, bytes) else line(**e))
        alerts += a
        bad += b
    a, b = m.flush()
    return alerts + a, bad + b


def prices(*ps: str, ts0: float = 0.0, dt: float = 1.0, seq0: int = 1) -> list[dict[str, Any]]:
    return [
        {"type": "price", "ts": ts0 + i * dt, "seq": seq0 + i, "price": p} for i, p in enumerate(ps)
    ]


def names(alerts: list[Any], kind: str | None = None) -> list[str]:
    return [a.name for a in alerts if kind is None or a.kind == kind]


# ------------------------------------------------------------------ envelope
def test_move_breach_names_the_assumption_by_how_much_and_not_covered() -> None:
    m = monitor()
    alerts, _ = feed(m, prices("2000", "2100", "1900"))
    [a] = [a for a in alerts if a.kind == "envelope"]
    assert a.name == "envelope.move.lo" and a.severity == "critical" and a.seq == 3
    assert NOT_COVERED in a.message and "-9.524%" in a.message and "-8%" in a.message
    r = Fraction(1900, 2100) - 1
    assert a.details["observed"] == format_number(r)
    assert a.details["beyond"] == format_number(Fraction(-8, 100) - r) == "8/525"
    assert m.counters.breaches == {"envelope.move.lo": 1}


def test_moves_exactly_at_the_bound_are_inside_and_just_beyond_are_not() -> None:
    # the envelope is the closed interval [-8%, +8%]: the float fast path must not decide at the edge
    m = monitor()
    alerts, _ = feed(m, prices("2000", "2160", "1987.2", "2146.176", "1987.2", "2146.1761"))
    env = [a for a in alerts if a.kind == "envelope"]
    assert [a.name for a in env] == ["envelope.move.hi"]
    assert env[0].seq == 6 and env[0].details["beyond"] == format_number(
        Fraction("2146.1761") / Fraction("1987.2") - Fraction("1.08")
    )


def test_interval_step_measures_from_the_price_before_the_step() -> None:
    evs = [
        {"type": "price", "ts": t, "seq": i + 1, "price": p}
        for i, (t, p) in enumerate([(0, "2000"), (60, "1950"), (90, "1830"), (130, "1900")])
    ]
    per_update = monitor()
    assert (
        names(feed(per_update, evs)[0], "envelope") == []
    )  # -2.5%, -6.15%, +3.8%: every update inside
    per_minute = monitor(step_seconds=60)
    alerts, _ = feed(per_minute, evs)
    [a] = [a for a in alerts if a.kind == "envelope"]
    assert a.seq == 3 and a.details["observed"] == format_number(
        Fraction(1830, 2000) - 1
    )  # -8.5% from 2000
    assert per_minute.step == 3  # buckets 0, 1, 2
    # a second price of the same step beyond the bound: counted, not alerted again
    more = monitor(step_seconds=60)
    alerts, _ = feed(more, [*evs[:3], {"type": "price", "ts": 100, "seq": 4, "price": "1820"}])
    assert [a.seq for a in alerts if a.kind == "envelope"] == [3]
    assert more.counters.breaches == {"envelope.move.lo": 2}


def test_oracle_delay_in_steps() -> None:
    spec = load_spec(str(HERE / "specs" / "oracle_vault.py"))
    used = declared_assumptions(spec)
    m = monitor(spec, used, step_seconds=10, distance="none")
    evs = [
        {
            "type": "price",
            "ts": 100,
            "seq": 1,
            "price": "100",
            "oracle": "100",
            "oracle_ts": 85,
        },  # 1.5 steps
        {
            "type": "price",
            "ts": 110,
            "seq": 2,
            "price": "100",
            "oracle": "100",
            "oracle_ts": 80,
        },  # 3 steps
    ]
    alerts, _ = feed(m, evs)
    [a] = [a for a in alerts if a.kind == "envelope"]
    assert a.name == "envelope.oracle_delay.hi" and a.seq == 2
    assert a.details["observed"] == "3" and a.details["bound"] == "2" and NOT_COVERED in a.message
    without_step = monitor(spec, used, distance="none")
    assert any("oracle_delay" in u and "--step-seconds" in u for u in without_step.rules.unchecked)


# ------------------------------------------------------------------ keepers
def _book_events() -> list[dict[str, Any]]:
    return [
        {"type": "price", "ts": 1, "seq": 1, "price": "2000"},
        {
            "type": "account",
            "ts": 2,
            "seq": 2,
            "account": 0,
            "set": {"quote": "-18000", "size": "10"},
        },
        {
            "type": "account",
            "ts": 2,
            "seq": 3,
            "account": 1,
            "set": {"quote": "22000", "size": "-10"},
        },
        {"type": "insurance", "ts": 2, "seq": 4, "balance": "100"},
    ]


def test_keeper_latency_breach_when_not_liquidated_before_the_next_step() -> None:
    m = monitor()
    # at 1900 account 0 (equity 1000 < 8% of 19000) is liquidatable; 1890 is the next step
    alerts, _ = feed(m, [*_book_events(), *prices("1900", "1890", "1880", ts0=10, seq0=5)])
    keeper = [a for a in alerts if a.kind == "keeper"]
    assert [a.name for a in keeper] == ["keeper.liquidate.every_step"]  # once per episode
    assert (
        keeper[0].seq == 6
        and keeper[0].details["account"] == 0
        and keeper[0].details["since_seq"] == 5
    )
    assert NOT_COVERED in keeper[0].message


def test_no_keeper_breach_when_liquidated_in_time_or_within_grace() -> None:
    liq = {"type": "liquidation", "ts": 10.5, "seq": 6, "account": 0}
    m = monitor()
    alerts, _ = feed(
        m, [*_book_events(), *prices("1900", ts0=10, seq0=5), liq, *prices("1890", ts0=11, seq0=7)]
    )
    assert names(alerts, "keeper") == []
    # the spec's own keeper ran: the account was closed at the mark, fee to the fund
    assert m.values["size"][0] == 0 and m.values["quote"][0] == Fraction(1000 - 190)
    assert m.values["insurance"] == Fraction(100 + 190) and m.values["liquidations"] == 1
    graced = monitor(keeper_grace=5.0)
    alerts, _ = feed(graced, [*_book_events(), *prices("1900", "1890", ts0=10, seq0=5)])
    assert names(alerts, "keeper") == []


# ------------------------------------------------------------------ invariants
def test_invariant_violation_is_critical_with_state_then_resolved() -> None:
    m = monitor()
    # at 1790 account 0 is 100 under water; liquidating it uses the whole fund of 100
    alerts, _ = feed(
        m,
        [
            *_book_events(),
            *prices("1790", ts0=10, seq0=5),
            {"type": "liquidation", "ts": 11, "seq": 6, "account": 0},
        ],
    )
    inv = [a for a in alerts if a.kind == "invariant"]
    assert [(a.name, a.severity, a.seq) for a in inv] == [
        ("solvent", "critical", 5),
        ("solvent.resolved", "info", 6),
    ]
    state = inv[0].details["state"]
    assert state["price"] == "1790" and state["quote"][0] == "-18000" and state["size"][0] == "10"
    assert m.values["insurance"] == 0 and m.values["bad_debt"] == 0
    deeper = monitor()
    alerts, _ = feed(
        deeper,
        [
            *_book_events(),
            *prices("1700", ts0=10, seq0=5),
            {"type": "liquidation", "ts": 11, "seq": 6, "account": 0},
        ],
    )
    assert [a.name for a in alerts if a.kind == "invariant"] == [
        "solvent"
    ]  # 900 of bad debt remain
    assert deeper.values["bad_debt"] == 900


@pytest.mark.parametrize("seed", [1, 2])
def test_closed_form_path_agrees_with_the_spec_on_random_streams(seed: int) -> None:
    rng = random.Random(seed)
    evs: list[dict[str, Any]] = []
    price = Fraction(2000)
    for seq in range(1, 400):
        r = rng.random()
        if r < 0.6:
            price = price * (1 + Fraction(rng.randint(-900, 900), 10_000))
            evs.append(
                {
                    "type": "price",
                    "ts": seq,
                    "seq": seq,
                    "price": format_number(price)
                    if price.denominator in (1, 2, 4, 5, 8, 10)
                    else str(round(float(price), 6)),
                }
            )
        elif r < 0.9:
            evs.append(
                {
                    "type": "account",
                    "ts": seq,
                    "seq": seq,
                    "account": rng.randrange(4),
                    "set": {
                        "quote": str(rng.randint(-30000, 30000)),
                        "size": str(rng.randint(-12, 12)),
                    },
                }
            )
        elif r < 0.95:
            evs.append(
                {"type": "insurance", "ts": seq, "seq": seq, "balance": str(rng.randint(0, 3000))}
            )
        else:
            evs.append({"type": "liquidation", "ts": seq, "seq": seq, "account": rng.randrange(4)})
    fast = monitor(perp(4), audit_every=7)
    exact = monitor(perp(4), exact_invariants=True)
    a1, _ = feed(fast, evs)
    a2, _ = feed(exact, evs)
    assert fast.perp and not exact.perp
    assert [a.id for a in a1] == [a.id for a in a2]
    assert not [a for a in a1 if a.kind == "internal"]
    assert any(a.kind == "invariant" for a in a1)  # the stream does break it
    assert (
        fast.counters.audits > 0 and fast.counters.invariant_evals < exact.counters.invariant_evals
    )


def test_generic_spec_uses_its_own_invariants_and_keeper() -> None:
    spec = load_spec(str(HERE / "specs" / "oracle_vault.py"))
    assert not is_perp_isolated(spec)
    m = monitor(spec, declared_assumptions(spec))
    assert m.distance_mode == "solver"
    evs = [
        {"type": "price", "ts": 0, "seq": 1, "price": "100"},
        {"type": "account", "ts": 1, "seq": 2, "account": 0, "set": {"quote": "-95", "size": "1"}},
        {"type": "price", "ts": 2, "seq": 3, "price": "94"},
        {"type": "liquidation", "ts": 2.5, "seq": 4, "account": 0},
    ]
    alerts, _ = feed(m, evs)
    assert ("equity_nonnegative[account 0]", 3) in [
        (a.name, a.seq) for a in alerts if a.kind == "invariant"
    ]
    assert (
        m.values["insurance"] == Fraction(9) and m.values["size"][0] == 0
    )  # deficit 1 covered by the fund


# ------------------------------------------------------------------ distance
def test_distance_closed_form_and_solver_agree() -> None:
    rng = random.Random(5)
    for _ in range(4):
        evs: list[dict[str, Any]] = [{"type": "price", "ts": 0, "seq": 1, "price": "2000"}]
        for a in range(3):
            size = rng.choice([-3, -2, -1, 1, 2, 3])
            quote = -size * 2000 + rng.randint(300, 2500)  # equity 300..2500 at 2000
            evs.append(
                {
                    "type": "account",
                    "ts": 1,
                    "seq": 2 + a,
                    "account": a,
                    "set": {"quote": str(quote), "size": str(size)},
                }
            )
        closed = monitor(perp(liquidation_fee="0"), distance="closed")
        solver = monitor(perp(liquidation_fee="0"), distance="solver")
        feed(closed, evs)
        feed(solver, evs)
        exact = closed.book.distance(closed.price()).value  # type: ignore[union-attr]
        assert exact is not None and solver.distance == exact


def test_distance_thresholds_warn_then_critical_then_resolve() -> None:
    m = monitor(warn_distance=Fraction("0.2"), critical_distance=Fraction("0.1"))
    evs = [
        {"type": "price", "ts": 0, "seq": 1, "price": "1000"},
        {"type": "insurance", "ts": 0, "seq": 2, "balance": "0"},
        {
            "type": "account",
            "ts": 1,
            "seq": 3,
            "account": 0,
            "set": {"quote": "-850", "size": "1"},
        },  # b=850
        *prices("1000", "940", "1100", ts0=2, seq0=4),
    ]
    alerts, _ = feed(m, evs)
    dist = [(a.name, a.seq) for a in alerts if a.kind == "distance"]
    # at 1000 the gap to 850 is 15% (warning); at 940 it is 9.57% (critical); at 1100, 22.7%: back to ok
    assert dist == [
        ("distance.warning", 3),
        ("distance.critical", 5),
        ("distance.critical.resolved", 6),
    ]
    warn = next(a for a in alerts if a.name == "distance.warning")
    assert warn.details["distance"] == "0.15" and warn.details["side"] == "down"


def test_thresholds_must_be_ordered() -> None:
    with pytest.raises(MonitorConfigError):
        monitor(warn_distance=Fraction("0.01"), critical_distance=Fraction("0.1"))


# ------------------------------------------------------------------ sequencing and bad input
def test_duplicates_late_backwards_and_malformed_are_counted_never_fatal() -> None:
    m = monitor()
    evs: list[Any] = [
        *prices("2000", "2010"),
        {"type": "price", "ts": 1, "seq": 2, "price": "2010"},  # duplicate
        {"type": "price", "ts": 5, "seq": 4, "price": "2020"},
        {"type": "price", "ts": 4, "seq": 3, "price": "2015"},  # late (seq 4 applied)
        {"type": "price", "ts": 3, "seq": 5, "price": "2015"},  # timestamp goes backwards
        b"{not json",
        {"type": "account", "ts": 6, "seq": 6, "account": 9, "set": {"quote": "1"}},  # no account 9
        {
            "type": "account",
            "ts": 6,
            "seq": 7,
            "account": 0,
            "set": {"collateral": "1"},
        },  # no such field
        {"type": "state", "ts": 6, "seq": 8, "set": {"price": "1"}},  # price only via price events
        {"type": "price", "ts": 7, "seq": 9, "price": "2021"},
    ]
    alerts, bad = feed(m, evs)
    c = m.counters
    assert (c.duplicates, c.late, c.backwards) == (1, 1, 1)
    assert c.quarantined == len(bad) == 6
    reasons = [r for _, r in bad]
    assert (
        reasons[0].startswith("late: seq 3")
        and "backwards" in reasons[1]
        and "malformed JSON" in reasons[2]
    )
    assert (
        "out of range" in reasons[3]
        and "'collateral'" in reasons[4]
        and "price event" in reasons[5]
    )
    assert m.last_seq == 9 and m.price() == 2021


def test_reorder_window_puts_events_back_in_order() -> None:
    order = [1, 2, 4, 3, 5, 7, 6, 8]
    ps = {i: str(2000 + i) for i in order}
    evs = [{"type": "price", "ts": i, "seq": i, "price": ps[i]} for i in order]
    m = monitor(reorder_window=4)
    applied = []
    for e in evs:
        m.feed(line(**e))
        applied.append(m.last_seq)
    m.flush()
    assert m.counters.reordered == 2 and m.counters.late == 0 and m.counters.quarantined == 0
    assert applied == [1, 2, 2, 4, 5, 5, 7, 8]  # 4 waits for 3, 7 for 6
    strict = monitor()
    feed(strict, evs)
    assert strict.counters.late == 2


def test_snapshot_restore_continues_identically() -> None:
    evs = [*_book_events(), *prices("1900", "1700", "1750", "1500", ts0=10, seq0=5)]
    whole = monitor(detector="zscore", anomaly_warmup=0)
    a_all, _ = feed(whole, evs)
    first = monitor(detector="zscore", anomaly_warmup=0)
    a1, _ = feed(first, evs[:5])
    import pickle

    snap = pickle.loads(pickle.dumps(first.snapshot()))
    second = monitor(detector="zscore", anomaly_warmup=0)
    second.restore(snap)
    a2, _ = feed(second, evs[5:])
    assert [a.id for a in a1 + a2] == [a.id for a in a_all]
    assert json.dumps(second.plain_state()) == json.dumps(whole.plain_state())


def test_unknown_option_names_are_config_errors() -> None:
    with pytest.raises(MonitorConfigError, match="no field 'speed'"):
        monitor(move_field="speed")
    with pytest.raises(MonitorConfigError, match="no keeper 'nobody'"):
        monitor(keeper="nobody")
    with pytest.raises(MonitorConfigError, match="closed needs the isolated perp"):
        monitor(load_spec(str(HERE / "specs" / "oracle_vault.py")), [], distance="closed")


def test_safe_example_is_recognised_as_the_perp_model() -> None:
    assert is_perp_isolated(load_spec(SAFE_PERP))
    assert not is_perp_isolated(perp_isolated.build(tier2=("100000", "0.10", "2000")))
