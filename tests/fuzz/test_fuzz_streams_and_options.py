"""Fuzzed monitor events and lines, and the numeric options of every verb.

Monitor property: every line is applied or quarantined with a reason (a quarantined
event never stops the stream: the good events after it are applied), the feed never
raises, and each line costs a bounded time. Options property: exit 0 to 3 with a
message, never 4, never a traceback, never a hang.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from fuzz_support import COUNTER, SAFE_PERP, TRIED, examples, solvent, time_bound
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz_files import JSON, NUMBER_TEXT, nested

from solvent.monitor.core import Monitor, Options
from solvent.spec.load import load_spec

EVENT_TYPES = ["price", "account", "insurance", "liquidation", "state", "bogus", None]
FIELDS = ["price", "oracle", "oracle_ts", "balance", "account", "set", "add", "ts", "seq"]


@st.composite
def event_lines(draw: st.DrawFn) -> bytes:
    """One line: a plausible event with fuzzed fields, or raw garbage / deep JSON."""
    kind = draw(st.sampled_from(["event", "event", "event", "raw", "deep"]))
    if kind == "raw":
        return draw(st.binary(max_size=200)).replace(b"\n", b" ")
    if kind == "deep":
        depth = draw(st.sampled_from([2, 63, 65, 5000, 100_000]))
        head = '{"type": "price", "seq": 1, "ts": 1, "price": "1", "x": '
        return (head + nested(depth) + "}").encode()
    event: dict[str, object] = {"type": draw(st.sampled_from(EVENT_TYPES))}
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=5, unique=True)):
        if name in ("set", "add"):
            event[name] = draw(
                st.dictionaries(st.sampled_from(["quote", "size", "x"]), NUMBER_TEXT, max_size=2)
            )
        elif name in ("account", "seq"):
            event[name] = draw(st.one_of(st.integers(-5, 10**20), JSON))
        else:
            event[name] = draw(st.one_of(NUMBER_TEXT, JSON))
    return json.dumps(event).encode()


def _good(seq: int, price: str) -> bytes:
    return json.dumps({"type": "price", "seq": seq, "ts": float(seq), "price": price}).encode()


@examples(ci=25)
@given(
    lines=st.lists(event_lines(), min_size=1, max_size=12),
    detector=st.sampled_from(["zscore", "hst", "none"]),
)
def test_fuzzed_event_lines_never_stop_the_monitor(lines: list[bytes], detector: str) -> None:
    TRIED["monitor:lines"] = TRIED.get("monitor:lines", 0) + len(lines) + 3
    spec = load_spec(str(SAFE_PERP))
    used = ["envelope.move.hi", "envelope.move.lo", "keeper.liquidate.every_step"]
    m = Monitor(spec, used, Options(detector=detector, anomaly_warmup=1, step_seconds=1.0))
    applied_before = 0
    # good events before and after the fuzzed ones, with seqs beyond anything fuzzed
    stream = [_good(10**21, "2000"), *lines, _good(10**21 + 1, "2001"), _good(10**21 + 2, "2002")]
    for i, line in enumerate(stream):
        start = time.perf_counter()
        with time_bound(20):
            alerts, bad = m.feed(line)
        assert time.perf_counter() - start < 20
        for _, reason in bad:
            assert isinstance(reason, str) and reason
        if i == 0:
            applied_before = m.counters.events
    with time_bound(20):
        m.flush()
    assert applied_before == 1
    # the two good events after the fuzzed ones were applied: nothing stopped the stream
    assert m.counters.events >= 3 or m.last_seq is not None and m.last_seq >= 10**21 + 2


@examples(ci=4)
@given(lines=st.lists(event_lines(), min_size=1, max_size=8))
def test_fuzzed_event_files_through_the_cli(tmp_path: Path, lines: list[bytes]) -> None:
    events = tmp_path / "e.jsonl"
    events.write_bytes(b"\n".join([_good(1, "2000"), *lines, _good(10**21, "2001")]) + b"\n")
    quarantine = tmp_path / "q.jsonl"
    done = solvent(
        ["monitor", SAFE_PERP, "--source", events, "--no-prove", "--alerts", tmp_path / "a",
         "--quarantine", quarantine],
        bound=60, tag="monitor:cli",
    )  # fmt: skip
    assert done.code in (0, 1), done.err


EDGE_NUMBERS = st.one_of(
    st.sampled_from(
        [
            "nan",
            "inf",
            "-inf",
            "-1",
            "0",
            "1",
            "2",
            "1e400",
            "1e-400",
            "99999999999999999999",
            "1.5",
            "-0.0",
            "abc",
            "",
            "1e999999",
            "0x10",
            "3/2",
        ]
    ),  # fmt: skip
    st.integers(-3, 3).map(str),
)

# verb -> (fixed arguments that keep a valid run short, numeric options)
VERBS: dict[str, tuple[list[object], list[str]]] = {
    "bmc": ([COUNTER, "--depth", "1"], ["--depth", "--timeout"]),
    "prove": ([COUNTER, "--k", "1"], ["--k", "--max-k", "--witness-depth", "--timeout"]),
    "frontier": (
        [SAFE_PERP, "--param", "move", "--k", "1", "--timeout", "2", "--tol", "0.5"],
        ["--k", "--max-k", "--depth", "--tol"],
    ),
    "stress": (
        [SAFE_PERP, "--scenario", "gbm", "--paths", "8", "--steps", "3", "--confirm", "0"],
        ["--paths", "--steps", "--seed", "--accounts", "--long-share", "--keeper-delay",
         "--keeper-outage", "--outage-start", "--oracle-delay", "--action-rate",
         "--impact-depth", "--workers", "--confirm", "--confirm-seconds", "--traces", "--chunk"],
    ),
    "monitor": (
        [SAFE_PERP, "--source", "-", "--no-prove", "--max-events", "1"],
        ["--step-seconds", "--idle-exit", "--keeper-grace", "--warn-distance",
         "--critical-distance", "--anomaly-threshold", "--anomaly-warmup", "--reorder-window",
         "--metrics-port", "--checkpoint-every", "--max-events"],
    ),
}  # fmt: skip

SMALL_ONLY = {"--paths", "--steps", "--accounts", "--workers", "--confirm", "--traces", "--chunk",
              "--depth", "--k", "--max-k", "--witness-depth", "--keeper-delay", "--keeper-outage",
              "--outage-start", "--oracle-delay", "--anomaly-warmup", "--reorder-window"}  # fmt: skip


@examples(ci=30)
@given(data=st.data())
def test_fuzzed_numeric_options_of_every_verb(data: st.DataObject, tmp_path: Path) -> None:
    verb = data.draw(st.sampled_from(sorted(VERBS)), label="verb")
    fixed, numeric = VERBS[verb]
    options = data.draw(st.lists(st.sampled_from(numeric), min_size=1, max_size=2, unique=True))
    argv: list[object] = [verb, *fixed]
    for option in options:
        value = data.draw(EDGE_NUMBERS, label=option)
        if option in SMALL_ONLY and value.lstrip("-").isdigit() and int(value) > 3:
            value = "3"  # a valid but large size is a long run, not a fuzz finding
        if option in ("--depth", "--k", "--max-k") and value in ("1e400", "99999999999999999999"):
            value = "nan"
        argv += [option, value]
    if verb == "monitor":
        events = tmp_path / "e.jsonl"
        events.write_bytes(_good(1, "2000") + b"\n")
        argv[argv.index("-")] = events
    solvent(argv, bound=120, tag=f"options:{verb}")
