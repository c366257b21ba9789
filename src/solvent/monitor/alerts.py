"""Alerts: the record the monitor emits, its counters, and how an alert is built.

An alert's id is ``SEQ:KIND:NAME[:ACCOUNT]`` (``#2``, ``#3`` for repeats within one
event), so a restart de-duplicates by id; :class:`AlertsMixin` builds them for
:class:`~solvent.monitor.core.Monitor`.

An invariant's critical alert carries what it needs at any scale (the accounts that break
it and their values); the whole observed state at that event (:class:`WholeState`, a copy
of the lists, formatted when first read) is its *report*: a record of its own
(:meth:`Alert.report_json`, kind ``report``) that the run loop writes after the alert has
reached its sinks. At 100,000 accounts formatting and writing the whole state took
seconds, in the event that most needed its alert.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

from solvent.lang.values import format_number
from solvent.monitor import events as ev

ALERT_SCHEMA = "solvent-alert/1"
NOT_COVERED = "the proof no longer covers this market"
SEVERITIES = ("info", "warning", "critical")
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
        """The alert's record; a whole-state report is named (``details.state_report``),
        not included: :meth:`report_json` is its record."""
        details = self.details
        if isinstance(details.get("state"), WholeState):
            details = {k: v for k, v in details.items() if k != "state"}
            details["state_report"] = self.id + REPORT_SUFFIX
        return {
            "schema": ALERT_SCHEMA, "id": self.id, "severity": self.severity, "kind": self.kind,
            "name": self.name, "message": self.message, "seq": self.seq, "ts": self.ts,
            "details": details,
        }  # fmt: skip

    def report_json(self) -> dict[str, Any] | None:
        """The record of the alert's whole-state report (None without one): ``details.state``
        is the :class:`WholeState` (a JSON writer formats it with :func:`json_default`)."""
        state = self.details.get("state")
        if not isinstance(state, WholeState):
            return None
        return {
            "schema": ALERT_SCHEMA, "id": self.id + REPORT_SUFFIX, "severity": "info",
            "kind": "report", "name": self.name + REPORT_SUFFIX,
            "message": f"the observed state when alert {self.id} was raised", "seq": self.seq,
            "ts": self.ts, "details": {"alert": self.id, "state": state},
        }  # fmt: skip


#: a report's id and name: its alert's with this suffix
REPORT_SUFFIX = ":state"


class WholeState(Mapping[str, Any]):
    """The observed state at an event: the values' lists copied (references, O(N) and
    cheap), their numbers formatted as :func:`plain` when first read."""

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = {k: list(v) if isinstance(v, list) else v for k, v in values.items()}
        self._plain: dict[str, Any] | None = None

    def plain(self) -> dict[str, Any]:
        if self._plain is None:
            self._plain = {k: plain(v) for k, v in self._values.items()}
            self._values = {}
        return self._plain

    def __getitem__(self, key: str) -> Any:
        return self.plain()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.plain())

    def __len__(self) -> int:
        return len(self.plain())


def json_default(x: Any) -> Any:
    """``default`` of ``json.dumps`` for alert records: a :class:`WholeState` formatted,
    anything else as its ``str``."""
    return x.plain() if isinstance(x, WholeState) else str(x)


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


def pct(x: Fraction) -> str:
    try:
        return f"{float(x) * 100:.4g}%"
    except OverflowError:  # a ratio of extreme prices: beyond float64, shown from the exact value
        with localcontext() as ctx:
            ctx.prec = 4
            return f"{Decimal(x.numerator) * 100 / Decimal(x.denominator):.4g}%"


def plain(x: Any) -> Any:
    if isinstance(x, list):
        return [plain(v) for v in x]
    if isinstance(x, Fraction):
        return format_number(x)
    return x


@dataclass
class AlertTally:
    """What a run wrote: alerts, and how many were critical (1 decides the exit code)."""

    alerts: int = 0
    critical: int = 0


class AlertsMixin:
    """Alert building for the monitor (uses its ``counters``, ``step``, ``breach_steps``)."""

    counters: Counters
    step: int
    breach_steps: dict[str, int]

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
