"""The observed state: state events (account, insurance, state, liquidation) applied exactly.

A monitor's ``values`` may lag behind its book: the aggregator of shard monitors puts
accounts into the book's index from integers and leaves their exact values for later
(:mod:`solvent.monitor.catch_up`). The contract between the two is :class:`Lagging`: a
monitor with ``lagging`` set calls its ``fresh()`` before every read of the whole state
(:meth:`StateMixin.whole_state`, the one way those reads get ``values``: the invariants'
audit and report, the keeper's check, a snapshot); whoever applies an event of one account
puts that account's values in first (``ProbeSums.fresh(rec)``).
"""

from __future__ import annotations

from fractions import Fraction
from functools import cached_property
from typing import Any, Protocol

from solvent.lang.domains import AnyBool, Within
from solvent.monitor import events as ev
from solvent.monitor.alerts import Alert, plain
from solvent.monitor.host import MonitorHost


class Lagging(Protocol):
    """Holds some accounts' exact values behind ``Monitor.values`` (see the module)."""

    def fresh(self) -> None:
        """Put every lagging account's exact values into ``Monitor.values``."""


#: the monitor's reads of its whole state: each gets ``values`` from ``whole_state``
#: (``tests/monitor/test_monitor_lagging.py`` holds the list against the code)
WHOLE_STATE_READS = ("_state_dict", "plain_state", "_generic_failures", "snapshot")


class StateMixin(MonitorHost):
    """The monitor's observed state (``values``) and the events that change it."""

    lagging: Lagging | None = None  # the aggregator's catch-up (monitor-aggregate)

    def whole_state(self) -> dict[str, Any]:
        """``values``, every lagging account's exact values put in first."""
        if self.lagging is not None:
            self.lagging.fresh()
        return self.values

    @staticmethod
    def _init(x: Any) -> Any:
        if isinstance(x, bool):
            return x
        if isinstance(x, Within):
            return Fraction(0)
        if isinstance(x, AnyBool):
            return False
        return Fraction(x)

    def price(self) -> Fraction:
        v = self.values[self.opts.price_field]
        if v is None:  # a price event left it to be made exact here
            assert self.price_dec is not None
            v = Fraction(self.price_dec)
            self.values[self.opts.price_field] = v
        return v

    # ----------------------------------------------------------------- state events
    def _account(self, a: int) -> None:
        if not 0 <= a < self.n:
            raise ev.BadEvent(
                f"account {a} is out of range: spec {self.spec.name} has accounts 0..{self.n - 1}"
            )

    def _fields_ok(self, names: Any, per_account: bool) -> None:
        """Every name is a number field of the spec (per account or scalar); else BadEvent."""
        known = self._num_fields[per_account]
        if names.keys() <= known:  # the usual case, one set operation in C
            return
        for name in names:
            if name not in known:
                self._field(name, per_account)

    @cached_property  # then an attribute of the instance: no call when read (every event)
    def _num_fields(self) -> tuple[frozenset[str], frozenset[str]]:
        """The spec's scalar and per-account number fields (computed once)."""
        fields = self.spec.fields.items()
        return (
            frozenset(n for n, f in fields if f.sort == "num" and not f.per_account),
            frozenset(n for n, f in fields if f.sort == "num" and f.per_account),
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
        values = self.values
        if kind == "insurance":
            self._field(o.insurance_field, False)
            values[o.insurance_field] = ev.fraction(event.balance)
        elif kind == "state":
            self._fields_ok(event.set, False)
            if o.price_field in event.set:
                raise ev.BadEvent(
                    f"set the price with a price event, not a state event ({o.price_field})"
                )
            for k, v in event.set.items():
                values[k] = ev.fraction(v)
        elif kind == "account":
            a = event.account
            if not 0 <= a < self.n:
                self._account(a)
            self._fields_ok(event.set, True)
            fraction = ev.fraction
            for k, v in event.set.items():
                values[k][a] = fraction(v)
            if event.add:
                self._fields_ok(event.add, True)
                for k, v in event.add.items():
                    values[k][a] = values[k][a] + fraction(v)
        elif kind == "liquidation":
            if not 0 <= event.account < self.n:
                self._account(event.account)
            self._fields_ok(event.set, True)
            self._liquidation(event, ts, alerts)
        if self.book is not None:
            if kind in ("account", "liquidation"):
                a = event.account
                self.book.set_account(a, values["quote"][a], values["size"][a])
            if kind != "account":  # an account event sets per-account fields only
                self.book.set_fund(values["insurance"], values["bad_debt"])
        if self.cross_book is not None:
            if kind in ("account", "liquidation"):
                a = event.account
                net = values["value_a"][a] + values["value_b"][a]
                self.cross_book.set_account(a, values["quote"][a], net)
            self.cross_book.set_fund(values["insurance"], values["bad_debt"])
        self._liq_bounds_stale = True
        self.distance_stale = True
        if kind != "account":  # an account event sets per-account fields only
            self._liq_known = False  # e.g. the spec's keeper ran: check every account
            bd = self.values.get(o.bad_debt_field)
            self._bad_debt_ok = type(bd) is not Fraction or bd._numerator <= 0  # type: ignore[attr-defined]
        one = event.account if kind in ("account", "liquidation") else None
        self._after_change(event.seq, ts, alerts, price_only=False, account=one)

    def _liquidation(self, event: ev.LiquidationEvent, ts: float, alerts: list[Alert]) -> None:
        a = event.account
        if self.detector is not None:
            self.detector.liquidation(ts)
        if event.set:
            for k, v in event.set.items():
                self.values[k][a] = ev.fraction(v)
            lf = self.opts.liquidations_field
            if lf in self._num_fields[False]:  # a counter of liquidations: one more
                n = self.values[lf]
                self.values[lf] = (
                    ev.coprime(n._numerator + n._denominator, n._denominator)  # type: ignore[attr-defined]
                    if type(n) is Fraction
                    else n + 1
                )
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

        values = self.whole_state()
        self.price()
        out: dict[str, Any] = {}
        for name, fd in self.spec.fields.items():
            v = values[name]
            conv = (
                (lambda x: Value(self.backend, x, "bool"))
                if fd.sort == "bool"
                else (lambda x: number(self.backend, x))
            )
            out[name] = [conv(x) for x in v] if fd.per_account else conv(v)
        return out

    def plain_state(self) -> dict[str, Any]:
        values = self.whole_state()
        self.price()
        return {k: plain(v) for k, v in values.items()}
