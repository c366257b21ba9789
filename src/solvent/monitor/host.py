"""What the monitor's mixins read and write of :class:`~solvent.monitor.core.Monitor`.

``Monitor`` is assembled from mixins (checks, distance, state, alerts), each using
attributes ``Monitor.__init__`` sets and methods another mixin defines. They all derive
from :class:`MonitorHost`, which declares those attributes with their types and the
methods' signatures (for the type checker only: nothing here runs), so each mixin is
checked against what ``Monitor`` really holds.
"""

from __future__ import annotations

import threading
from collections import deque
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from solvent.monitor.alerts import Alert, AlertsMixin, Counters
from solvent.monitor.book import PerpBook
from solvent.monitor.rules import EnvelopeRules, Options
from solvent.spec.spec import Spec


class MonitorHost(AlertsMixin):
    """The monitor's attributes (set by ``Monitor.__init__``), declared once."""

    spec: Spec
    opts: Options
    params: Any  # the spec's parameter values (attribute access by name)
    backend: Any  # the concrete backend
    rules: EnvelopeRules
    n: int
    values: dict[str, Any]  # the observed state: Fractions, lists of them per account
    perp: bool  # the isolated perp's closed-form invariant is on
    book: PerpBook | None  # the isolated perp's book
    cross_book: PerpBook | None  # the cross perp's book (distance only)
    keeper: Any  # the spec's keeper liquidation events stand for
    distance_mode: str
    solver: Any  # a SolverDistance with --distance solver
    stop_event: threading.Event | None
    warn_distance: Fraction
    critical_distance: Fraction
    _crit_f: float
    _warn_f: float
    _move_on: bool
    _lo_m: float
    _hi_m: float
    _watch_keeper: bool
    _bad_debt_ok: bool
    _audit_every: int
    notice: Any  # progress lines of a long start-up (stderr), or None
    lanes_from: int  # from this many accounts the invariants are judged on lanes
    _lanes: Any  # monitor.lanes.Lanes, built at the first evaluation on lanes
    detector: Any
    _limits: tuple[int, int, int]
    last_seq: int | None
    last_ts: float | None
    seen: set[int]
    seen_order: deque[int]
    held: list[tuple[int, int, bytes]]
    _held_n: int
    bucket: int | None
    ref_price: Fraction | None
    ref_float: float
    _ref_dec: Decimal | None
    price_dec: Decimal | None
    price_float: float
    max_seq: int | None
    pending: dict[int, tuple[int, float, int]]  # account -> (step, ts, seq)
    keeper_alerted: set[int]
    violated: set[str]
    distance_level: str
    distance: Fraction | None
    distance_stale: bool
    distance_as_of: int | None
    _solved_ts: float
    _since_solve: int
    anomaly: float
    counters: Counters
    last_price_ts: float | None
    _liq_lo: float
    _liq_hi: float
    _liq_bounds_stale: bool
    _liq_known: bool

    if TYPE_CHECKING:  # defined by one mixin, called by another

        def price(self) -> Fraction: ...

        def plain_state(self) -> dict[str, Any]: ...

        def whole_state(self) -> dict[str, Any]: ...

        def _state_dict(self) -> dict[str, Any]: ...

        def _after_change(
            self, seq: int, ts: float, alerts: list[Alert], *, price_only: bool,
            account: int | None = None,
        ) -> None: ...  # fmt: skip

        def _distance(self, seq: int, ts: float, alerts: list[Alert], price_only: bool) -> None: ...
