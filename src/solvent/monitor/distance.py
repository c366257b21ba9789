"""Distance to insolvency after every change, edge-triggered into warning/critical alerts."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from solvent.lang.values import format_number
from solvent.monitor.alerts import Alert, pct
from solvent.monitor.book import MARGIN, near
from solvent.monitor.host import MonitorHost
from solvent.monitor.solver_distance import SolverStopped

ONE = Fraction(1)


class _Gauge:
    """An attribute of the distance gauge, computed when read if an account change left
    it pending (:meth:`DistanceMixin._refresh_gauge`)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = "_" + name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        if obj._gauge_pending:
            obj._refresh_gauge()
        return obj.__dict__.get(self.slot)

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self.slot] = value
        obj._gauge_pending = False


class DistanceMixin(MonitorHost):
    """The distance to insolvency (closed form for the isolated perp, Z3 otherwise).

    With the closed form, an account change does not recompute the distance itself: the
    book keeps the excess ``E`` at five prices (the price ``P`` and ``P*(1 -+ t)`` for the
    critical and warning thresholds ``t``) exactly, O(1) per change, and their signs give
    the level: the safe prices are an interval around ``P`` (``E`` is convex), so the
    distance is below ``t`` on a side exactly when ``E(P*(1 -+ t)) > 0``. Only when the
    level changes (or a sign is 0, or ``E(P) > 0``) is the distance computed, at that
    event, so every alert carries the exact value at the event that crossed. The gauge
    (``distance_f``) is computed when read (metrics, the live view, a checkpoint).
    """

    #: the gauge: the distance as a float (``None``: no single gap is enough) and its side
    distance_f = _Gauge()
    distance_side = _Gauge()
    _gauge_pending = False
    _probe_price: Fraction | None = None
    #: the thresholds and the probes' factors ``1 -+ t`` (computed once)
    _probe_factors: tuple[Any, ...] | None = None

    def _closed_book(self) -> tuple[Any, Fraction, float]:
        """The closed form's book with its price, exact and as a float: the isolated perp's
        at the market price; the cross perp's at 1 (its "price" is ``1 + r`` for a common
        return ``r`` of both marks, so a distance is that return)."""
        if self.cross_book is not None:
            return self.cross_book, ONE, 1.0
        return self.book, self.price(), self.price_float

    def _refresh_gauge(self) -> None:
        self._gauge_pending = False
        self.distance_f, self.distance_side, _ = self._closed_distance()
        self.distance_stale = False

    def _probe_level(self) -> str | None:
        """The closed-form level from the signs of ``E`` at the five probes, or None when
        they cannot decide (then the distance is computed)."""
        book, p, _ = self._closed_book()
        if p is not self._probe_price or book.probe_x is None:
            crit, warn = self.critical_distance, self.warn_distance
            factors = self._probe_factors
            if factors is None or factors[0] is not crit or factors[1] is not warn:
                ok = 0 < crit <= warn < 1
                factors = self._probe_factors = (crit, warn, ok, 1 - crit, 1 + crit,
                                                 1 - warn, 1 + warn)  # fmt: skip
            _, _, ok, c_dn, c_up, w_dn, w_up = factors
            if not (ok and p.numerator > 0) or not book.set_probes(
                (p, p * c_dn, p * c_up, p * w_dn, p * w_up)
            ):
                self._probe_price = None
                return None
            self._probe_price = p
        e_now, crit_dn, crit_up, warn_dn, warn_up = book.probe_e
        if e_now >= 0 or not (crit_dn and crit_up and warn_dn and warn_up):
            return None  # beyond the fund now, or a probe exactly at an end: compute
        if crit_dn > 0 or crit_up > 0:
            return "critical"
        return "warning" if warn_dn > 0 or warn_up > 0 else "ok"

    # ----------------------------------------------------------------- distance
    def _distance(self, seq: int, ts: float, alerts: list[Alert], price_only: bool) -> None:
        if self.distance_mode == "none":
            return
        if self.distance_mode == "closed":
            # a price move with the interval cached (no change since) is O(1) from it; else
            # the probes (set again at a new price, O(log N)) decide whether the level stands
            cached = (  # (an account change never is: no book to look up)
                price_only
                and self._closed_book()[0]._interval is not None
                and not self.distance_stale
            )
            if not cached and self._probe_level() == self.distance_level:
                self._gauge_pending = True  # the level stands: the gauge is computed if read
                return
            value_f, side, exact = self._closed_distance()
        else:
            if not (price_only and self.solver.fresh(self)) and self._solve_due(seq, ts):
                try:
                    self.distance, self.distance_side = self.solver.distance(self)
                except SolverStopped:  # the run is stopping: the last answer stands
                    self.distance_stale = True
                    return
                self.distance_as_of, self._solved_ts, self._since_solve = seq, ts, 0
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
            shown = "0 (already beyond the fund)" if value == 0 else pct(value)
            limit = self.critical_distance if level == "critical" else self.warn_distance
            self._alert(
                alerts,
                level,
                "distance",
                f"distance.{level}",
                f"distance to insolvency {shown} ({side} move) is at or below the {level} "
                f"threshold {pct(limit)}: a single gap of that size leaves bad debt beyond "
                "the insurance fund",
                seq,
                ts,
                distance=format_number(value) if value is not None else None,
                side=side,
                threshold=format_number(limit),
                **self._as_of(),
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
                **self._as_of(),
            )
        self.distance_level = level

    def _as_of(self) -> dict[str, Any]:
        """With a lazy solver the distance is as of an earlier event: say which."""
        if self.solver is None or (
            self.opts.distance_every is None and self.opts.distance_every_seconds is None
        ):
            return {}
        return {"as_of_seq": self.distance_as_of}

    def _solve_due(self, seq: int, ts: float) -> bool:
        """The solver re-solves lazily: at most every ``distance_every`` changed events or
        ``distance_every_seconds`` of event time (the first change always solves)."""
        every, secs = self.opts.distance_every, self.opts.distance_every_seconds
        self._since_solve += 1
        if self.distance_as_of is None or (every is None and secs is None):
            return True
        if every is not None and self._since_solve >= every:
            return True
        return secs is not None and ts - self._solved_ts >= secs

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
        book, price, p = self._closed_book()
        if book._interval is None or self.distance_stale:
            if book.interval(price) is None:  # bad debt beyond the fund already
                return 0.0, "now", lambda: Fraction(0)
        lo_f, hi_f = book.interval_f

        def exact() -> Fraction | None:
            return book.distance(price).value

        if not p > 0.0:  # a zero start price, or one too small for a float: exactly
            if price <= 0:  # no relative gap moves a zero price (the solver: none)
                return None, None, lambda: None
            d = book.distance(price)
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
