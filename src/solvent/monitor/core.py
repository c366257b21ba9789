"""The monitor: observed events in, alerts out.

For each event, in sequence order:

1. **Sequencing**: duplicates (a ``seq`` already applied) and late events (a ``seq``
   older than the last applied one, beyond the reorder window) are counted and set
   aside; a timestamp earlier than the previous event's is quarantined.
2. **Envelope**: every envelope bound the proof used (``envelope.F.lo/hi``) that an
   event measures is checked: the per-step price move, the oracle delay, and keeper
   liveness (``keeper.K.every_step``: an account that is liquidatable must be
   liquidated before the next step starts). A breach says which assumption broke, by
   how much, and that the proof no longer covers this market.
3. **Invariants**: the spec's invariants on the observed state, exactly (the concrete
   backend, ``Fraction``); a violation is a critical alert with the state attached.
4. **Distance to insolvency**: the smallest single price gap that leaves bad debt
   beyond the insurance fund (closed form for the isolated perp, Z3 otherwise).
5. **Anomaly score** (river) over returns, oracle spread, update gaps, liquidations.

The *step* of the spec is one price update by default; with ``step_seconds`` it is a
fixed interval, and a step's move is measured from the last price before the interval
began to every price inside it (so intra-step lows and highs count).
"""

import dataclasses
import heapq
import math
import threading
from collections import deque
from decimal import Decimal
from fractions import Fraction
from typing import Any

from solvent.errors import SolventError
from solvent.lang.values import format_number
from solvent.monitor import events as ev
from solvent.monitor.alerts import (
    ALERT_SCHEMA,
    CRITICAL_KINDS,
    NOT_COVERED,
    SEVERITIES,
    Alert,
    AlertsMixin,
    Counters,
)
from solvent.monitor.book import MARGIN, PerpBook
from solvent.monitor.bulk_index import deferred, settle
from solvent.monitor.checks import ChecksMixin
from solvent.monitor.distance import DistanceMixin
from solvent.monitor.errors import MonitorConfigError
from solvent.monitor.lanes import LANES_FROM, PROGRESS_FROM
from solvent.monitor.rules import (
    MOVE_NAMES,
    ORACLE_NAMES,
    EnvelopeRules,
    Options,
    is_perp_cross,
    is_perp_isolated,
)
from solvent.monitor.state import StateMixin
from solvent.spec.spec import Spec

__all__ = [
    "ALERT_SCHEMA", "CRITICAL_KINDS", "MOVE_NAMES", "NOT_COVERED", "ORACLE_NAMES", "SEVERITIES",
    "Alert", "Counters", "EnvelopeRules", "Monitor", "Options", "is_perp_isolated",
]  # fmt: skip


def _start_values(spec: Spec, start: Any) -> dict[str, Any]:
    """The observed state at the start: per-account fields as lists. When every account
    starts from one entry (one object, as ``with_accounts`` makes them), that entry is
    read once, on one account, and its value shared (not 100,000 picks)."""
    from solvent.engine.start import concrete_start

    same = all(
        all(x is fd.init[0] for x in fd.init) for fd in spec.fields.values() if fd.per_account
    )
    if not same or spec.accounts <= 1:
        values = concrete_start(spec, start)
        return {name: list(v) if isinstance(v, tuple) else v for name, v in values.items()}
    values = concrete_start(spec.with_accounts(1), start)
    return {
        name: [v[0]] * spec.accounts if isinstance(v, tuple) else v for name, v in values.items()
    }


class Monitor(ChecksMixin, DistanceMixin, StateMixin, AlertsMixin):
    """Feed it raw event lines; it returns alerts. Holds everything a checkpoint saves."""

    def __init__(
        self, spec: Spec, used: list[str], opts: Options | None = None, notice: Any = None
    ) -> None:
        from solvent.backends.modes import concrete_for

        self.spec = spec
        self.notice = notice  # progress lines (stderr) of a long start-up, or None
        if notice is not None and spec.accounts >= PROGRESS_FROM:
            notice(f"setting up {spec.accounts:,} accounts...")
        opts = opts or Options()
        if opts.price_field == "price" and "price" not in spec.fields:
            # the default, on a spec that names its marks otherwise (the cross perp's
            # price_a, price_b): the first scalar field named price*
            names = [n for n, f in spec.fields.items() if n.startswith("price") and
                     not f.per_account and f.sort == "num"]  # fmt: skip
            if names:
                opts = dataclasses.replace(opts, price_field=names[0])
        self.opts = opts
        self.params = spec.param_values()
        self.backend = concrete_for(spec)
        self.rules = EnvelopeRules(spec, used, opts)
        self.n = spec.accounts
        for what, fname in (("price", opts.price_field),):
            fd = spec.fields.get(fname)
            if fd is None or fd.per_account or fd.sort != "num":
                raise MonitorConfigError(
                    f"--{what}-field {fname!r} is not a scalar number field of spec {spec.name}; "
                    f"fields: {', '.join(spec.fields)}"
                )
        # the observed state: plain Fractions (lists per account); Bool fields keep their
        # init. Equal start values are one object: a checkpoint then pickles each account
        # once it changed (a shard changes only the accounts it owns), not every account
        interned: dict[Any, Any] = {}

        def start(_f: Any, _a: Any, x: Any) -> Any:
            v = self._init(x)
            return interned.setdefault(v, v) if isinstance(v, Fraction) else v

        self.values: dict[str, Any] = _start_values(spec, start)
        self.perp = is_perp_isolated(spec) and not opts.exact_invariants
        self.book: PerpBook | None = None
        if is_perp_isolated(spec):
            # its index is built when first read: a venue's set-up, one pass (bulk_index.py)
            self.book = deferred(PerpBook(self.n, self.params.maintenance_margin))
            quote, size = self.values["quote"], self.values["size"]
            for a in range(self.n):
                if quote[a] or size[a]:  # (a new book holds every account flat at zero)
                    self.book.set_account(a, quote[a], size[a])
            self.book.set_fund(self.values["insurance"], self.values["bad_debt"])
        # the cross perp's distance: under a common return r of both marks an account's
        # equity is quote + (value_a + value_b) * (1 + r), the isolated perp's form at the
        # "price" 1 + r, so the same book answers it at the price 1 (DistanceMixin)
        self.cross_book: PerpBook | None = None
        if self.book is None and is_perp_cross(spec):
            self.cross_book = self._cross_book()
        self.keeper = self._keeper(opts.keeper)
        closed = self.book is not None or self.cross_book is not None
        if opts.distance == "closed" and not closed:
            raise MonitorConfigError(
                "--distance closed needs the isolated perp model (solvent.models.perp_isolated "
                "without tier2 or liquidation_depth) or the cross perp "
                "(solvent.models.perp_cross); use --distance solver for other specs"
            )
        self.distance_mode = opts.distance
        if self.distance_mode == "auto":
            self.distance_mode = "closed" if closed else "solver"
        self.solver: Any = None
        # set by the run loop: a stop (Ctrl-C, SIGTERM) interrupts a solver distance
        self.stop_event: threading.Event | None = None
        if self.distance_mode == "solver":
            from solvent.monitor.solver_distance import SolverDistance

            self.solver = SolverDistance(
                spec, self.rules.move[0] if self.rules.move else opts.move_field
            )
        warn, crit = opts.warn_distance, opts.critical_distance
        move_hi = None
        if self.rules.move:
            _, lo, hi = self.rules.move
            move_hi = max(abs(x) for x in (lo, hi) if x is not None)
        if crit is None:
            crit = move_hi if move_hi is not None else Fraction(5, 100)
        if warn is None:
            warn = 2 * crit
        if warn < crit:
            raise MonitorConfigError(
                f"--warn-distance {format_number(warn)} is below --critical-distance {format_number(crit)}"
            )
        self.warn_distance, self.critical_distance = warn, crit
        self._crit_f, self._warn_f = float(crit), float(warn)
        # float fast path of the move check: inside (lo_m, hi_m) is certainly inside [lo, hi]
        self._move_on = self.rules.move is not None
        self._lo_m, self._hi_m = -math.inf, math.inf
        if self.rules.move is not None:
            _, lo, hi = self.rules.move
            if lo is not None:
                self._lo_m = float(lo) + MARGIN * max(1.0, abs(float(lo)))
            if hi is not None:
                self._hi_m = float(hi) - MARGIN * max(1.0, abs(float(hi)))
        self._watch_keeper = (
            bool(self.rules.keepers)
            and self.keeper is not None
            and self.keeper.name in self.rules.keepers
        )
        self._bad_debt_ok = True
        # an audit evaluates the spec on all accounts (O(N)): keep its share of the work small
        self._audit_every = opts.audit_every and max(opts.audit_every, 100 * self.n)
        self.lanes_from, self._lanes = LANES_FROM, None  # every account at once: lanes.py
        self.detector: Any = None
        if opts.detector != "none":
            from solvent.monitor.anomaly import DETECTORS, Detector

            if opts.detector not in DETECTORS:
                raise MonitorConfigError(
                    f"--detector must be one of {', '.join(DETECTORS)}, got {opts.detector!r}"
                )
            self.detector = Detector(
                opts.detector, threshold=opts.anomaly_threshold, warmup=opts.anomaly_warmup
            )
        self._limits = ev.line_limits()
        # sequencing
        self.last_seq: int | None = None
        self.last_ts: float | None = None
        self.seen: set[int] = set()
        self.seen_order: deque[int] = deque()
        self.held: list[tuple[int, int, bytes]] = []  # reorder heap: (seq, n, line)
        self._held_n = 0
        # envelope state
        self.step = 0
        self.bucket: int | None = None
        self.ref_price: Fraction | None = None  # price at the start of the current step
        self.ref_float = 0.0
        self._ref_dec: Decimal | None = None
        self.price_dec: Decimal | None = None
        # before the first price event the price is the spec's start price (as for the solver)
        self.price_float = float(self.values[opts.price_field])
        self.max_seq: int | None = None
        self.pending: dict[int, tuple[int, float, int]] = {}  # account -> (step, ts, seq)
        self.keeper_alerted: set[int] = set()
        self.breach_steps: dict[str, int] = {}  # assumption -> last step that alerted
        # levels (edge-triggered alerts)
        self.violated: set[str] = set()
        self.distance_level = "ok"
        self.distance: Fraction | None = None
        self.distance_f = None
        self.distance_side = None
        self.distance_stale = True
        self.distance_as_of: int | None = None  # seq of the last solve (lazy solver)
        self._solved_ts = 0.0
        self._since_solve = 0
        self.anomaly = 0.0
        self.counters = Counters()
        self.last_price_ts: float | None = None
        self._liq_lo = float("-inf")
        self._liq_hi = float("inf")
        self._liq_bounds_stale = True

    def _cross_book(self) -> PerpBook:
        """The cross perp's accounts as linear positions: quote, and the sum of both
        positions' values as the size at the "price" 1 + r."""
        book = deferred(PerpBook(self.n, Fraction(0)))
        v = self.values
        for a in range(self.n):
            book.set_account(a, v["quote"][a], v["value_a"][a] + v["value_b"][a])
        book.set_fund(v["insurance"], v["bad_debt"])
        return book

    def _keeper(self, name: str | None) -> Any:
        keepers = [k for k in self.spec.keepers if k.n_accounts == 1]
        if name is not None:
            for k in self.spec.keepers:
                if k.name == name:
                    return k
            raise MonitorConfigError(
                f"spec {self.spec.name} has no keeper {name!r}; keepers: "
                f"{', '.join(k.name for k in self.spec.keepers) or '(none)'}"
            )
        for k in keepers:
            if k.name in self.rules.keepers or k.name == "liquidate":
                return k
        return keepers[0] if keepers else None

    # ----------------------------------------------------------------- snapshot
    def snapshot(self) -> dict[str, Any]:
        self.whole_state()  # (lagging values in: a snapshot holds them)
        keep = (
            "values", "book", "cross_book", "last_seq", "last_ts", "seen_order", "held", "_held_n", "step",
            "bucket", "ref_price", "ref_float", "_ref_dec", "price_dec", "price_float", "pending", "max_seq",
            "keeper_alerted", "breach_steps", "violated", "_bad_debt_ok", "distance_level", "distance", "distance_f", "distance_side",
            "distance_stale", "distance_as_of", "_solved_ts", "_since_solve", "anomaly",
            "counters", "last_price_ts", "detector",
        )  # fmt: skip
        return {k: getattr(self, k) for k in keep}

    def restore(self, snap: dict[str, Any]) -> None:
        for k, v in snap.items():
            setattr(self, k, v)
        self.seen = set(self.seen_order)
        self._liq_bounds_stale = True
        self._liq_known = False
        self._verdict = None  # judged again on the restored state
        self._limits = ev.line_limits()
        if self.book is not None and not all(hasattr(self.book, k) for k in ("index", "_lh")):
            # a checkpoint of an older solvent (no index or heaps): rebuild the book exactly
            self.book = deferred(PerpBook(self.n, self.params.maintenance_margin))
            for a in range(self.n):
                self.book.set_account(a, self.values["quote"][a], self.values["size"][a])
            self.book.set_fund(self.values["insurance"], self.values["bad_debt"])
            self.distance_stale = True
        if self.cross_book is not None and "cross_book" not in snap:
            self.cross_book = self._cross_book()  # a checkpoint of an older solvent
            self.distance_stale = True
        for book in (self.book, self.cross_book):  # a checkpoint holds a plain index
            if book is not None:
                deferred(book)

    # ----------------------------------------------------------------- feeding
    def feed(self, line: bytes) -> tuple[list[Alert], list[tuple[bytes, str]]]:
        """Process one raw line; return (alerts, quarantined (line, reason) pairs)."""
        alerts: list[Alert] = []
        bad: list[tuple[bytes, str]] = []
        try:
            event, ts = ev.decode(line, self._limits)
        except ev.BadEvent as exc:
            self.counters.quarantined += 1
            bad.append((line, exc.reason))
            return alerts, bad
        seq = event.seq
        if seq in self.seen:
            self.counters.duplicates += 1
            return alerts, bad
        if self.last_seq is not None and seq < self.last_seq:
            self.counters.late += 1
            self.counters.quarantined += 1
            bad.append(
                (
                    line,
                    f"late: seq {seq} arrived after seq {self.last_seq} was applied "
                    f"(beyond the reorder window of {self.opts.reorder_window})",
                )
            )
            return alerts, bad
        if self.opts.reorder_window <= 0:
            self._apply(event, ts, line, alerts, bad)
            return alerts, bad
        if any(s == seq for s, _, _ in self.held):
            self.counters.duplicates += 1
            return alerts, bad
        if self.max_seq is not None and seq < self.max_seq:
            self.counters.reordered += 1  # arrived late but within the window: put in order
        self.max_seq = seq if self.max_seq is None else max(self.max_seq, seq)
        self._held_n += 1
        heapq.heappush(self.held, (seq, self._held_n, line))
        self._release(alerts, bad, force=False)
        return alerts, bad

    def apply_event(
        self, event: Any, ts: float, line: bytes = b""
    ) -> tuple[list[Alert], list[tuple[bytes, str]]]:
        """Apply one event already decoded and validated (:func:`events.decode`'s result),
        in order: what :meth:`feed` does after decoding, without the reorder window (the
        aggregator of shard monitors, whose records come from validated events)."""
        alerts: list[Alert] = []
        bad: list[tuple[bytes, str]] = []
        self._apply(event, ts, line, alerts, bad)
        return alerts, bad

    def flush(self) -> tuple[list[Alert], list[tuple[bytes, str]]]:
        """Apply every held event (the source is idle or ended); the books' waiting
        insertions go in now, not at the next event (bulk_index.py)."""
        alerts: list[Alert] = []
        bad: list[tuple[bytes, str]] = []
        self._release(alerts, bad, force=True)
        self.caught_up()
        return alerts, bad

    def caught_up(self) -> None:
        """The source has no more lines waiting (a short read: a venue's set-up is read):
        the books' waiting insertions go in now, not in the next event (bulk_index.py)."""
        for book in (self.book, self.cross_book):
            if book is not None:
                settle(book)

    def _release(self, alerts: list[Alert], bad: list[tuple[bytes, str]], *, force: bool) -> None:
        while self.held:
            seq = self.held[0][0]
            in_order = self.last_seq is None or seq == self.last_seq + 1
            if not (force or in_order or len(self.held) > self.opts.reorder_window):
                return
            seq, _, line = heapq.heappop(self.held)
            event, ts = ev.decode(line, self._limits)
            self._apply(event, ts, line, alerts, bad)

    def _remember(self, seq: int) -> None:
        self.seen.add(seq)
        self.seen_order.append(seq)
        if len(self.seen_order) > self.opts.seen_window:
            self.seen.discard(self.seen_order.popleft())

    def _apply(
        self, event: Any, ts: float, line: bytes, alerts: list[Alert], bad: list[tuple[bytes, str]]
    ) -> None:
        seq = event.seq
        if self.last_seq is not None and seq < self.last_seq:
            self.counters.late += 1
            self.counters.quarantined += 1
            bad.append((line, f"late: seq {seq} arrived after seq {self.last_seq} was applied"))
            return
        if self.last_ts is not None and ts < self.last_ts:
            self.counters.backwards += 1
            self.counters.quarantined += 1
            self._remember(seq)
            self.last_seq = seq
            bad.append(
                (
                    line,
                    f"timestamp goes backwards: ts {ts} is earlier than the previous event's {self.last_ts}",
                )
            )
            return
        kind = ev.event_type(event)
        try:
            if kind == "price":
                self._price(event, ts, alerts)
            else:
                self._state_event(kind, event, ts, alerts)
        except (ev.BadEvent, SolventError) as exc:  # e.g. the spec's keeper raised on this state
            self.counters.quarantined += 1
            self._remember(seq)
            self.last_seq = seq
            bad.append(
                (
                    line,
                    exc.reason
                    if isinstance(exc, ev.BadEvent)
                    else f"the spec could not apply it: {exc}",
                )
            )
            return
        self._remember(seq)
        self.last_seq = seq
        self.last_ts = ts
        self.counters.events += 1
        self.counters.by_type[kind] += 1
