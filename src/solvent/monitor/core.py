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

from __future__ import annotations

import heapq
import math
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

from solvent.errors import SolventError
from solvent.lang.domains import AnyBool, Within
from solvent.lang.values import format_number
from solvent.monitor import events as ev
from solvent.monitor.book import MARGIN, PerpBook, near, strictly_between
from solvent.monitor.errors import MonitorConfigError
from solvent.spec.spec import Spec

ALERT_SCHEMA = "solvent-alert/1"
NOT_COVERED = "the proof no longer covers this market"
SEVERITIES = ("info", "warning", "critical")
MOVE_NAMES = ("move", "ret", "return", "price_move")
ORACLE_NAMES = ("oracle_delay", "oracle_lag", "oracle_staleness")


@dataclass
class Options:
    step_seconds: float | None = None
    move_field: str | None = None
    oracle_delay_field: str | None = None
    keeper: str | None = None
    keeper_grace: float = 0.0
    price_field: str = "price"
    insurance_field: str = "insurance"
    bad_debt_field: str = "bad_debt"
    liquidations_field: str = "liquidations"
    warn_distance: Fraction | None = None
    critical_distance: Fraction | None = None
    distance: str = "auto"  # auto | closed | solver | none
    detector: str = "zscore"
    anomaly_threshold: float | None = None
    anomaly_warmup: int = 60
    reorder_window: int = 0
    exact_invariants: bool = False
    audit_every: int = 1000
    seen_window: int = 10_000


#: the kinds whose critical alerts make the monitor exit 1 (the proof no longer holds)
CRITICAL_KINDS = ("invariant", "envelope", "keeper")


@dataclass
class Alert:
    id: str
    severity: str
    kind: str  # envelope | invariant | keeper | distance | anomaly | internal
    name: str
    message: str
    seq: int
    ts: float
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": ALERT_SCHEMA, "id": self.id, "severity": self.severity, "kind": self.kind,
            "name": self.name, "message": self.message, "seq": self.seq, "ts": self.ts,
            "details": self.details,
        }  # fmt: skip


@dataclass
class Counters:
    events: int = 0
    by_type: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ev.EVENT_TYPES, 0))
    quarantined: int = 0
    duplicates: int = 0
    late: int = 0
    reordered: int = 0
    backwards: int = 0
    breaches: dict[str, int] = field(default_factory=dict)
    alerts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SEVERITIES, 0))
    invariant_evals: int = 0
    audits: int = 0
    # critical invariant/envelope/keeper alerts since the stream's start (across restarts)
    critical_breaches: int = 0


def _pct(x: Fraction) -> str:
    try:
        return f"{float(x) * 100:.4g}%"
    except OverflowError:  # a ratio of extreme prices: beyond float64, shown from the exact value
        with localcontext() as ctx:
            ctx.prec = 4
            return f"{Decimal(x.numerator) * 100 / Decimal(x.denominator):.4g}%"


def _plain(x: Any) -> Any:
    if isinstance(x, list):
        return [_plain(v) for v in x]
    if isinstance(x, Fraction):
        return format_number(x)
    return x


class EnvelopeRules:
    """The envelope assumptions a proof used, mapped to what the event stream measures."""

    def __init__(self, spec: Spec, used: list[str], opts: Options) -> None:
        self.used = list(used)
        self.move: tuple[str, Fraction | None, Fraction | None] | None = None
        self.oracle: tuple[str, Fraction] | None = None
        self.keepers: list[str] = []
        self.unchecked: list[str] = []
        bounds: dict[str, set[str]] = {}
        for name in used:
            parts = name.split(".")
            if parts[0] == "envelope" and len(parts) == 3:
                bounds.setdefault(parts[1], set()).add(parts[2])
            elif parts[0] == "keeper" and len(parts) == 3 and parts[2] == "every_step":
                self.keepers.append(parts[1])
            elif parts[0] in ("action", "init", "initial"):
                self.unchecked.append(
                    f"{name} (not observed: the monitor sees states, not actions)"
                )
        move_name = opts.move_field or self._pick(spec, bounds, MOVE_NAMES)
        oracle_name = opts.oracle_delay_field or next(
            (n for n in ORACLE_NAMES if n in spec.bounds), None
        )
        for fname in (opts.move_field, opts.oracle_delay_field):
            if fname is not None and fname not in spec.bounds:
                raise MonitorConfigError(
                    f"the spec's envelope has no field {fname!r}; fields: {', '.join(spec.bounds) or '(none)'}"
                )
        for fname, sides in sorted(bounds.items()):
            dom: Within = spec.bounds[fname]
            if fname == move_name:
                self.move = (
                    fname,
                    dom.lo if "lo" in sides else None,
                    dom.hi if "hi" in sides else None,
                )
            elif fname == oracle_name and "hi" in sides:
                self.oracle = (fname, dom.hi)
            else:
                for side in sorted(sides):
                    self.unchecked.append(
                        f"envelope.{fname}.{side} (no event measures {fname}; name it with "
                        "--move-field or --oracle-delay-field if one does)"
                    )
        if self.oracle is not None and opts.step_seconds is None:
            self.unchecked.append(
                f"envelope.{self.oracle[0]}.hi (an oracle delay in steps needs --step-seconds)"
            )
            self.oracle = None

    @staticmethod
    def _pick(spec: Spec, bounds: dict[str, set[str]], names: tuple[str, ...]) -> str | None:
        for n in names:
            if n in bounds:
                return n
        return next(iter(bounds)) if len(bounds) == 1 else None

    def names(self) -> list[str]:
        out = []
        if self.move:
            f, lo, hi = self.move
            out += [f"envelope.{f}.lo"] if lo is not None else []
            out += [f"envelope.{f}.hi"] if hi is not None else []
        if self.oracle:
            out.append(f"envelope.{self.oracle[0]}.hi")
        out += [f"keeper.{k}.every_step" for k in self.keepers]
        return out


def is_perp_isolated(spec: Spec) -> bool:
    """The spec is :mod:`solvent.models.perp_isolated` without tiers or price impact."""
    mod = "solvent.models.perp_isolated"
    return (
        bool(spec.invariants)
        and all(d.fn.__module__ == mod for d in spec.invariants)
        and all(k.fn.__module__ == mod for k in spec.keepers)
        and "tier2_boundary" not in spec.param_decls
        and "liquidation_depth" not in spec.param_decls
        and {"price", "quote", "size", "insurance", "bad_debt"} <= set(spec.fields)
    )


class Monitor:
    """Feed it raw event lines; it returns alerts. Holds everything a checkpoint saves."""

    def __init__(self, spec: Spec, used: list[str], opts: Options | None = None) -> None:
        from solvent.backends.modes import concrete_for
        from solvent.engine.start import concrete_start

        self.spec = spec
        self.opts = opts = opts or Options()
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
        # the observed state: plain Fractions (lists per account); Bool fields keep their init
        self.values: dict[str, Any] = {
            name: list(v) if isinstance(v, tuple) else v
            for name, v in concrete_start(spec, lambda _f, _a, x: self._init(x)).items()
        }
        self.perp = is_perp_isolated(spec) and not opts.exact_invariants
        self.book: PerpBook | None = None
        if is_perp_isolated(spec):
            self.book = PerpBook(self.n, self.params.maintenance_margin)
            for a in range(self.n):
                self.book.set_account(a, self.values["quote"][a], self.values["size"][a])
            self.book.set_fund(self.values["insurance"], self.values["bad_debt"])
        self.keeper = self._keeper(opts.keeper)
        if opts.distance == "closed" and self.book is None:
            raise MonitorConfigError(
                "--distance closed needs the isolated perp model (solvent.models.perp_isolated "
                "without tier2 or liquidation_depth); use --distance solver for other specs"
            )
        self.distance_mode = opts.distance
        if self.distance_mode == "auto":
            self.distance_mode = "closed" if self.book is not None else "solver"
        self.solver: Any = None
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
        self.distance_f: float | None = None
        self.distance_side: str | None = None
        self.distance_stale = True
        self.anomaly = 0.0
        self.counters = Counters()
        self.last_price_ts: float | None = None
        self._liq_lo = float("-inf")
        self._liq_hi = float("inf")
        self._liq_bounds_stale = True

    # ----------------------------------------------------------------- setup helpers
    @staticmethod
    def _init(x: Any) -> Any:
        if isinstance(x, bool):
            return x
        if isinstance(x, Within):
            return Fraction(0)
        if isinstance(x, AnyBool):
            return False
        return Fraction(x)

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
        keep = (
            "values", "book", "last_seq", "last_ts", "seen_order", "held", "_held_n", "step",
            "bucket", "ref_price", "ref_float", "_ref_dec", "price_dec", "price_float", "pending", "max_seq",
            "keeper_alerted", "breach_steps", "violated", "_bad_debt_ok", "distance_level", "distance", "distance_f", "distance_side",
            "distance_stale", "anomaly", "counters", "last_price_ts", "detector",
        )  # fmt: skip
        return {k: getattr(self, k) for k in keep}

    def restore(self, snap: dict[str, Any]) -> None:
        for k, v in snap.items():
            setattr(self, k, v)
        self.seen = set(self.seen_order)
        self._liq_bounds_stale = True

    # ----------------------------------------------------------------- feeding
    def feed(self, line: bytes) -> tuple[list[Alert], list[tuple[bytes, str]]]:
        """Process one raw line; return (alerts, quarantined (line, reason) pairs)."""
        alerts: list[Alert] = []
        bad: list[tuple[bytes, str]] = []
        try:
            event, ts = ev.decode(line)
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

    def flush(self) -> tuple[list[Alert], list[tuple[bytes, str]]]:
        """Apply every held event (the source is idle or ended)."""
        alerts: list[Alert] = []
        bad: list[tuple[bytes, str]] = []
        self._release(alerts, bad, force=True)
        return alerts, bad

    def _release(self, alerts: list[Alert], bad: list[tuple[bytes, str]], *, force: bool) -> None:
        while self.held:
            seq = self.held[0][0]
            in_order = self.last_seq is None or seq == self.last_seq + 1
            if not (force or in_order or len(self.held) > self.opts.reorder_window):
                return
            seq, _, line = heapq.heappop(self.held)
            event, ts = ev.decode(line)
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

    # ----------------------------------------------------------------- alerts
    def _alert(
        self,
        alerts: list[Alert],
        severity: str,
        kind: str,
        name: str,
        message: str,
        seq: int,
        ts: float,
        **details: Any,
    ) -> None:
        self.counters.alerts[severity] += 1
        if severity == "critical" and kind in CRITICAL_KINDS:
            self.counters.critical_breaches += 1
        # SEQ:KIND:NAME[:ACCOUNT]: one event may raise the same alert for several accounts,
        # and a restart de-duplicates by id, so the id must tell them apart
        account = details.get("account")
        alert_id = f"{seq}:{kind}:{name}" if account is None else f"{seq}:{kind}:{name}:{account}"
        same = sum(1 for a in alerts if a.id == alert_id or a.id.startswith(alert_id + "#"))
        if same:  # never two alerts with one id, whatever raised them
            alert_id += f"#{same + 1}"
        alerts.append(Alert(alert_id, severity, kind, name, message, seq, ts, details))

    def _breach(
        self,
        alerts: list[Alert],
        assumption: str,
        message: str,
        seq: int,
        ts: float,
        **details: Any,
    ) -> None:
        """Count every breach; alert on the first of each assumption in a step (with
        ``--step-seconds`` every later price of the step breaches the same way again)."""
        self.counters.breaches[assumption] = self.counters.breaches.get(assumption, 0) + 1
        if assumption.startswith("envelope."):
            if self.breach_steps.get(assumption) == self.step:
                return
            self.breach_steps[assumption] = self.step
        kind = "keeper" if assumption.startswith("keeper.") else "envelope"
        self._alert(
            alerts,
            "critical",
            kind,
            assumption,
            f"{assumption} broken: {message}; {NOT_COVERED}",
            seq,
            ts,
            assumption=assumption,
            **details,
        )

    # ----------------------------------------------------------------- price events
    def _price(self, event: ev.PriceEvent, ts: float, alerts: list[Alert]) -> None:
        seq = event.seq
        p_f = float(event.price)
        step_s = self.opts.step_seconds
        if step_s:
            bucket: int | None = math.floor(ts / step_s)
            new_step = bucket != self.bucket
        else:
            bucket, new_step = None, True
        if new_step:
            if self.pending:
                self._keeper_deadline(ts, seq, alerts)
            self.step += 1
            self.bucket = bucket
            if self.price_dec is not None:
                self.ref_float = self.price_float
                self._ref_dec = self.price_dec
        # envelope: the move of this step (floats decide only when certainly inside)
        if self._move_on and self.price_dec is not None:
            r_f = p_f / self.ref_float - 1.0
            if not (self._lo_m < r_f < self._hi_m):
                self._move_exact(event, seq, ts, alerts)
        # oracle delay
        if self.rules.oracle is not None and event.oracle_ts is not None and step_s:
            oname, bound = self.rules.oracle
            age = ts - ev.parse_ts(event.oracle_ts, "oracle_ts")
            steps = Fraction(str(age)) / Fraction(str(step_s))
            if steps > bound:
                self._breach(
                    alerts,
                    f"envelope.{oname}.hi",
                    f"the oracle price is {age:.3f}s old = {float(steps):.4g} steps, beyond the bound "
                    f"of {format_number(bound)} steps by {float(steps - bound):.4g}",
                    seq,
                    ts,
                    observed=format_number(steps),
                    bound=format_number(bound),
                )
        if self.ref_float == 0.0 and self.price_dec is None:
            self.ref_float, self._ref_dec = p_f, event.price
        self.price_dec, self.price_float = event.price, p_f
        self.values[self.opts.price_field] = None  # exact value materialised on demand
        if self.detector is not None:
            score = self.detector.price(
                ts, p_f, float(event.oracle) if event.oracle is not None else None
            )
            if score is not None:
                self.anomaly = score.value
                if score.alarm_started:
                    feat = f" (feature {score.feature})" if score.feature else ""
                    self._alert(
                        alerts,
                        "warning",
                        "anomaly",
                        "feed",
                        f"anomalous feed: score {score.value:.3g} "
                        f">= {self.detector.threshold:g}{feat}; an envelope breach may follow",
                        seq,
                        ts,
                        score=score.value,
                        feature=score.feature,
                        features={k: round(v, 8) for k, v in score.features.items()},
                    )
        self.last_price_ts = ts
        self._after_change(seq, ts, alerts, price_only=True)

    def _move_exact(self, event: ev.PriceEvent, seq: int, ts: float, alerts: list[Alert]) -> None:
        assert self.rules.move is not None and self._ref_dec is not None
        name, lo, hi = self.rules.move
        ref = Fraction(self._ref_dec)
        r = Fraction(event.price) / ref - 1
        if lo is not None and r < lo:
            self._breach(
                alerts,
                f"envelope.{name}.lo",
                f"the price moved {_pct(r)} in one step (from {format_number(ref)} to "
                f"{event.price}), beyond the bound {_pct(lo)} by {_pct(lo - r)}",
                seq,
                ts,
                observed=format_number(r),
                bound=format_number(lo),
                beyond=format_number(lo - r),
                step=self.step,
            )
        elif hi is not None and r > hi:
            self._breach(
                alerts,
                f"envelope.{name}.hi",
                f"the price moved +{_pct(r)} in one step (from {format_number(ref)} to "
                f"{event.price}), beyond the bound +{_pct(hi)} by {_pct(r - hi)}",
                seq,
                ts,
                observed=format_number(r),
                bound=format_number(hi),
                beyond=format_number(r - hi),
                step=self.step,
            )

    def price(self) -> Fraction:
        v = self.values[self.opts.price_field]
        if v is None:
            v = Fraction(self.price_dec)
            self.values[self.opts.price_field] = v
        return v

    # ----------------------------------------------------------------- state events
    def _account(self, a: int) -> None:
        if not 0 <= a < self.n:
            raise ev.BadEvent(
                f"account {a} is out of range: spec {self.spec.name} has accounts 0..{self.n - 1}"
            )

    def _field(self, name: str, per_account: bool) -> None:
        fd = self.spec.fields.get(name)
        if fd is None or fd.sort != "num" or fd.per_account != per_account:
            want = "per-account" if per_account else "scalar"
            names = [
                n
                for n, f in self.spec.fields.items()
                if f.per_account == per_account and f.sort == "num"
            ]
            raise ev.BadEvent(
                f"{name!r} is not a {want} number field of spec {self.spec.name} "
                f"(fields: {', '.join(names) or '(none)'})"
            )

    def _state_event(self, kind: str, event: Any, ts: float, alerts: list[Alert]) -> None:
        o = self.opts
        if kind == "insurance":
            self._field(o.insurance_field, False)
            self.values[o.insurance_field] = Fraction(event.balance)
        elif kind == "state":
            for k in event.set:
                self._field(k, False)
            if o.price_field in event.set:
                raise ev.BadEvent(
                    f"set the price with a price event, not a state event ({o.price_field})"
                )
            for k, v in event.set.items():
                self.values[k] = Fraction(v)
        elif kind == "account":
            self._account(event.account)
            for k in (*event.set, *event.add):
                self._field(k, True)
            a = event.account
            for k, v in event.set.items():
                self.values[k][a] = Fraction(v)
            for k, v in event.add.items():
                self.values[k][a] = self.values[k][a] + Fraction(v)
        elif kind == "liquidation":
            self._account(event.account)
            for k in event.set:
                self._field(k, True)
            self._liquidation(event, ts, alerts)
        if self.book is not None:
            if kind in ("account", "liquidation"):
                a = event.account
                self.book.set_account(a, self.values["quote"][a], self.values["size"][a])
            self.book.set_fund(self.values["insurance"], self.values["bad_debt"])
        self._liq_bounds_stale = True
        self.distance_stale = True
        bd = self.values.get(o.bad_debt_field)
        self._bad_debt_ok = not isinstance(bd, Fraction) or bd <= 0
        self._after_change(event.seq, ts, alerts, price_only=False)

    def _liquidation(self, event: ev.LiquidationEvent, ts: float, alerts: list[Alert]) -> None:
        a = event.account
        if self.detector is not None:
            self.detector.liquidation(ts)
        if event.set:
            for k, v in event.set.items():
                self.values[k][a] = Fraction(v)
            lf = self.opts.liquidations_field
            if lf in self.spec.fields and not self.spec.fields[lf].per_account:
                self.values[lf] = self.values[lf] + 1
            return
        if self.keeper is None:
            raise ev.BadEvent(
                "a liquidation event without `set` needs a keeper in the spec to run; give `set`"
            )
        # run the spec's own keeper for this account on the observed state (exactly)
        from solvent.backends.modes import plain_value
        from solvent.engine.step import run_guarded, sorts_of

        state = self._state_dict()
        accs = (a,) if self.keeper.n_accounts else ()
        new, written, guard = run_guarded(
            self.keeper, state, sorts_of(self.spec), self.backend, self.params, accs, {}, self.n
        )
        ok = guard is True or bool(getattr(guard, "raw", guard))
        if not ok:
            self._alert(
                alerts,
                "info",
                "keeper",
                f"{self.keeper.name}[account {a}]",
                f"liquidation event for account {a}, which the spec's keeper {self.keeper.name} "
                "would not liquidate (its guard does not hold); state left unchanged",
                event.seq,
                ts,
                account=a,
            )
            return
        for name, index in written:
            val = new[name] if index is None else new[name][index]
            pv = plain_value(val.backend, val.raw)
            if index is None:
                self.values[name] = pv
            else:
                self.values[name][index] = pv

    # ----------------------------------------------------------------- after every change
    def _state_dict(self) -> dict[str, Any]:
        from solvent.check.replay import number
        from solvent.lang.values import Value

        self.price()
        out: dict[str, Any] = {}
        for name, fd in self.spec.fields.items():
            v = self.values[name]
            conv = (
                (lambda x: Value(self.backend, x, "bool"))
                if fd.sort == "bool"
                else (lambda x: number(self.backend, x))
            )
            out[name] = [conv(x) for x in v] if fd.per_account else conv(v)
        return out

    def plain_state(self) -> dict[str, Any]:
        self.price()
        return {k: _plain(v) for k, v in self.values.items()}

    def _after_change(self, seq: int, ts: float, alerts: list[Alert], *, price_only: bool) -> None:
        self._invariants(seq, ts, alerts, price_only)
        self._liquidatable(seq, ts, price_only)
        self._distance(seq, ts, alerts, price_only)

    def _generic_failures(self) -> list[str]:
        from solvent.engine.step import eval_predicate

        state = self._state_dict()
        failed = []
        for decl in self.spec.invariants:
            for acc, val in eval_predicate(self.spec, self.params, self.backend, state, decl):
                if not val.raw:
                    failed.append(decl.name if acc is None else f"{decl.name}[account {acc}]")
        self.counters.invariant_evals += 1
        return failed

    def _invariants(self, seq: int, ts: float, alerts: list[Alert], price_only: bool) -> None:
        book = self.book
        if self.perp and book is not None:
            audit = self._audit_every > 0 and self.counters.events % self._audit_every == 0
            if (
                price_only
                and self._bad_debt_ok
                and not audit
                and not self.violated
                and book.all_equity_nonnegative_fast(self.price_float)
            ):
                return  # certainly holds, and held before: nothing to say
            ok = self.values["bad_debt"] <= 0 and book.all_equity_nonnegative(self.price())
            if ok and not audit:
                failed: list[str] = []
            else:
                failed = self._generic_failures()  # the spec is the judge of every violation
                if ok != (not failed):
                    self._alert(
                        alerts,
                        "critical",
                        "internal",
                        "fast-path",
                        "the closed-form invariant check disagrees with the spec's own "
                        "(a solvent bug; the spec's verdict is used)",
                        seq,
                        ts,
                        fast=ok,
                        spec_failures=failed,
                    )
                if audit:
                    self.counters.audits += 1
        else:
            failed = self._generic_failures()
        if not failed and not self.violated:
            return
        now = set(failed)
        for name in failed:
            if name not in self.violated:
                self._alert(
                    alerts,
                    "critical",
                    "invariant",
                    name,
                    f"invariant {name} is violated by the observed state",
                    seq,
                    ts,
                    state=self.plain_state(),
                )
        for name in sorted(self.violated - now):
            self._alert(
                alerts,
                "info",
                "invariant",
                f"{name}.resolved",
                f"invariant {name} holds again",
                seq,
                ts,
            )
        self.violated = now

    # ----------------------------------------------------------------- keeper liveness
    def _liquidatable(self, seq: int, ts: float, price_only: bool) -> None:
        if not self._watch_keeper:
            return
        if self.book is not None:
            if self._liq_bounds_stale:
                self._liq_lo, self._liq_hi = self.book.liquidation_bounds()
                self._liq_bounds_stale = False
            if (
                not self.pending
                and not self.book.flat_negative
                and strictly_between(self._liq_lo, self.price_float, self._liq_hi)
            ):
                return
            now = self.book.liquidatable(self.price())
        else:
            now = self._generic_liquidatable()
        current = set(now)
        for a in now:
            if a not in self.pending:
                self.pending[a] = (self.step, ts, seq)
        for a in list(self.pending):
            if a not in current:
                del self.pending[a]
                self.keeper_alerted.discard(a)

    def _generic_liquidatable(self) -> list[int]:
        from solvent.engine.step import run_guarded, sorts_of

        state = self._state_dict()
        sorts = sorts_of(self.spec)
        out = []
        for a in range(self.n if self.keeper.n_accounts else 1):
            accs = (a,) if self.keeper.n_accounts else ()
            _, _, guard = run_guarded(
                self.keeper, state, sorts, self.backend, self.params, accs, {}, self.n
            )
            if guard is True or bool(getattr(guard, "raw", guard)):
                out.append(a)
        return out

    def _keeper_deadline(self, ts: float, seq: int, alerts: list[Alert]) -> None:
        """A new step starts: every account still liquidatable from an earlier step is late."""
        for a, (step, since, since_seq) in sorted(self.pending.items()):
            if a in self.keeper_alerted or step >= self.step + 1:
                continue
            late = ts - since
            if late <= self.opts.keeper_grace:
                continue
            self.keeper_alerted.add(a)
            name = f"keeper.{self.keeper.name}.every_step"
            self._breach(
                alerts,
                name,
                f"account {a} has been liquidatable since ts {since} (seq {since_seq}) and was not "
                f"liquidated before the next step began ({late:.3f}s later; the proof assumes "
                f"{self.keeper.name} runs in the same step)",
                seq,
                ts,
                account=a,
                since_ts=since,
                since_seq=since_seq,
                late_seconds=late,
            )

    # ----------------------------------------------------------------- distance
    def _distance(self, seq: int, ts: float, alerts: list[Alert], price_only: bool) -> None:
        if self.distance_mode == "none":
            return
        if self.distance_mode == "closed" and self.book is not None:
            value_f, side, exact = self._closed_distance()
        else:
            if not (price_only and self.solver.fresh(self)):
                self.distance, self.distance_side = self.solver.distance(self)
            value, side = self.distance, self.distance_side
            value_f = None if value is None else float(value)

            def exact() -> Fraction | None:
                return value

        self.distance_f, self.distance_side = value_f, side
        self.distance_stale = False
        level = self._level(value_f, exact)
        order = {"ok": 0, "warning": 1, "critical": 2}
        if level == self.distance_level:
            return
        value = exact()
        self.distance = value
        if order[level] > order[self.distance_level]:
            shown = "0 (already beyond the fund)" if value == 0 else _pct(value)
            limit = self.critical_distance if level == "critical" else self.warn_distance
            self._alert(
                alerts,
                level,
                "distance",
                f"distance.{level}",
                f"distance to insolvency {shown} ({side} move) is at or below the {level} "
                f"threshold {_pct(limit)}: a single gap of that size leaves bad debt beyond "
                "the insurance fund",
                seq,
                ts,
                distance=format_number(value) if value is not None else None,
                side=side,
                threshold=format_number(limit),
            )
        else:
            self._alert(
                alerts,
                "info",
                "distance",
                f"distance.{self.distance_level}.resolved",
                f"distance to insolvency back above the {self.distance_level} threshold",
                seq,
                ts,
                distance=format_number(value) if value is not None else None,
            )
        self.distance_level = level

    def _level(self, value_f: float | None, exact: Any) -> str:
        if value_f is None:
            return "ok"
        crit, warn = self._crit_f, self._warn_f
        if near(value_f, crit) or near(value_f, warn):
            value = exact()
            if value is None:
                return "ok"
            return (
                "critical"
                if value <= self.critical_distance
                else ("warning" if value <= self.warn_distance else "ok")
            )
        return "critical" if value_f <= crit else ("warning" if value_f <= warn else "ok")

    def _closed_distance(self) -> tuple[float | None, str | None, Any]:
        """The perp's distance from its cached safe interval: floats, exact on demand."""
        book = self.book
        assert book is not None
        if book._interval is None or self.distance_stale:
            if book.interval(self.price()) is None:  # bad debt beyond the fund already
                return 0.0, "now", lambda: Fraction(0)
        lo_f, hi_f = book.interval_f
        p = self.price_float

        def exact() -> Fraction | None:
            return book.distance(self.price()).value

        if not p > 0.0:  # a zero start price, or one too small for a float: exactly
            if self.price() <= 0:  # no relative gap moves a zero price (the solver: none)
                return None, None, lambda: None
            d = book.distance(self.price())
            return (None if d.value is None else float(d.value)), d.side, exact

        if lo_f is None:
            if hi_f is None:
                return None, None, exact
            value_f, side = hi_f / p - 1.0, "up"
        else:
            value_f, side = 1.0 - lo_f / p, "down"
            if hi_f is not None:
                up = hi_f / p - 1.0
                if up < value_f:
                    value_f, side = up, "up"
        if value_f <= MARGIN:
            v = exact()
            return (0.0 if not v else float(v)), side, exact
        return value_f, side, exact
