"""The checks after every event: the envelope (price moves, oracle delay), the invariants
(closed form for the isolated perp, the spec itself otherwise, audited) and keeper liveness."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from solvent.lang.values import format_number
from solvent.monitor import events as ev
from solvent.monitor.alerts import Alert, WholeState, pct
from solvent.monitor.book import PerpBook, near, strictly_between
from solvent.monitor.host import MonitorHost
from solvent.monitor.witness import Verdict


class ChecksMixin(MonitorHost):
    """Envelope, invariant and keeper checks of the monitor."""

    # ``pending`` holds exactly the accounts liquidatable at the last check: an account
    # event that changed one account at the same price then checks that account alone
    _liq_known = False
    _liq_factors: tuple[float, float, Fraction, Fraction] | None = None
    # while the invariant stays broken: the spec's verdict and what it read (witness.py);
    # ``keep_verdict`` off judges again at every event (round 23's path, for the tests)
    _verdict: Verdict | None = None
    _reads: tuple[str, ...] | None = None  # the scalar fields the invariants read
    keep_verdict = True

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
        self._liq_known = False  # a new price: the keeper's check looks at every account
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
            side, bound, beyond, sign = "lo", lo, lo - r, ""
        elif hi is not None and r > hi:
            side, bound, beyond, sign = "hi", hi, r - hi, "+"
        else:
            return
        self._breach(
            alerts,
            f"envelope.{name}.{side}",
            f"the price moved {sign}{pct(r)} in one step (from {format_number(ref)} to "
            f"{event.price}), beyond the bound {sign}{pct(bound)} by {pct(beyond)}",
            seq,
            ts,
            observed=format_number(r),
            bound=format_number(bound),
            beyond=format_number(beyond),
            step=self.step,
        )

    def _after_change(
        self, seq: int, ts: float, alerts: list[Alert], *, price_only: bool,
        account: int | None = None,
    ) -> None:  # fmt: skip
        """The checks after an event; ``account``: the one account it changed, if one."""
        self._invariants(seq, ts, alerts, price_only, account)
        self._liquidatable(seq, ts, price_only, account)
        self._distance(seq, ts, alerts, price_only)

    def _generic_failures(self) -> list[str]:
        from solvent.engine.step import eval_predicate

        if self.n >= self.lanes_from:  # every account at once (monitor/lanes.py)
            if self._lanes is None:
                from solvent.monitor.lanes import PROGRESS_FROM, Lanes

                if self.notice is not None and self.n >= PROGRESS_FROM:
                    self.notice(f"auditing the invariants on {self.n:,} accounts...")
                self._lanes = Lanes(self.spec)
            values = self.whole_state()
            self.price()
            lanes = self._lanes.failures(values, self.backend)
            if lanes is not None:
                self.counters.invariant_evals += 1
                return lanes
        state = self._state_dict()
        failed = []
        for decl in self.spec.invariants:
            for acc, val in eval_predicate(self.spec, self.params, self.backend, state, decl):
                if not val.raw:
                    failed.append(decl.name if acc is None else f"{decl.name}[account {acc}]")
        self.counters.invariant_evals += 1
        return failed

    def _invariants(
        self, seq: int, ts: float, alerts: list[Alert], price_only: bool, account: int | None
    ) -> None:
        book = self.book
        if self.perp and book is not None:
            audit = self._audit_every > 0 and self.counters.events % self._audit_every == 0
            if self._bad_debt_ok and not audit and not self.violated and self.counters.events:
                # it held after the last event (checked): nothing to say if it still holds
                if price_only:
                    if self._equity_ok(book):
                        return
                elif account is not None and book.equity_nonnegative(account, self.price()):
                    return  # one account changed, and its equity is >= 0
            last = self._verdict
            if last is not None:  # the invariant is broken, as the spec judged then
                self._verdict = None
                if not audit and last.stands(self.whole_state()):
                    self._verdict = last  # nothing it read changed: it stands, O(1)
                    return
            ok = self._bad_debt_ok and self._equity_ok(book)
            if ok and not audit:
                failed: list[str] = []
            else:
                # the spec is the judge of every violation: on the accounts that break it
                # when they name every failed invariant (monitor/witness.py), else on all
                failed = (
                    None if audit else self._witnessed(book, last)
                ) or self._generic_failures()
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
        shown: dict[str, Any] | None = None
        for name in failed:
            if name not in self.violated:
                shown = shown or self._violation()
                self._alert(
                    alerts,
                    "critical",
                    "invariant",
                    name,
                    f"invariant {name} is violated by the observed state",
                    seq,
                    ts,
                    **shown,
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

    def _witnessed(self, book: PerpBook, last: Verdict | None) -> list[str] | None:
        """The failed invariants judged by the spec on the accounts ``last`` (the previous
        verdict) found them failing on, else on the accounts below zero equity (or on
        account 0 when none is: bad debt fails every account's conjunction), None when
        those cannot say (monitor/witness.py); on lanes' plan only (from LANES_FROM). The
        verdict is kept (``_verdict``, unless ``keep_verdict`` is off: round 23's path)."""
        lanes = self._lanes
        if lanes is None or lanes.one is None:
            return None
        from solvent.monitor.witness import breaking, judge, shared_reads

        if self._reads is None:
            self._reads = shared_reads(lanes.one)
        values, price = self.whole_state(), self.price()
        verdict = None
        if last is not None:  # the same accounts first: one evaluation each, mostly
            verdict = judge(lanes.one, values, self.backend, last.accounts, self._reads)
        if verdict is None:
            accounts = breaking(book, price) or [0]
            verdict = judge(lanes.one, values, self.backend, accounts, self._reads)
        if verdict is None:
            return None
        if self.keep_verdict:
            self._verdict = verdict
        return verdict.failed

    def _violation(self) -> dict[str, Any]:
        """An invariant alert's details: the accounts that break it (the book's, deepest
        first, at most ``witness.SHOWN``), their values and the shared ones, and the whole
        state as its report (``WholeState``: formatted after the alert is written)."""
        from solvent.monitor.witness import account_values, breaking

        values = self.whole_state()
        price, book = self.price(), self.book
        accounts = [] if book is None else breaking(book, price)
        equity = None if book is None else (lambda a: book.equity(a, price))
        return {
            "accounts": accounts,
            "values": account_values(self.spec, values, accounts, equity),
            "state": WholeState(values),
        }

    def _equity_ok(self, book: PerpBook) -> bool:
        """Every account's equity is >= 0 at the price: from the index when it holds every
        account (O(log N), exact), else the float test of the tops, then exactly."""
        if not book.not_scaled:
            return book.all_equity_nonnegative(self.price())
        return book.all_equity_nonnegative_fast(self.price_float) or book.all_equity_nonnegative(
            self.price()
        )

    # ----------------------------------------------------------------- keeper liveness
    def _liquidatable(
        self, seq: int, ts: float, price_only: bool, account: int | None = None
    ) -> None:
        if not self._watch_keeper:
            return
        if self.book is not None:
            if account is not None and self._liq_known:  # one account changed: O(1)
                if self._liquidatable_one(account):
                    if account not in self.pending:
                        self.pending[account] = (self.step, ts, seq)
                elif self.pending.pop(account, None) is not None:
                    self.keeper_alerted.discard(account)
                return
            if self._liq_bounds_stale:
                self._liq_lo, self._liq_hi = self.book.liquidation_bounds()
                self._liq_bounds_stale = False
            self._liq_known = True
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

    def _liquidatable_one(self, a: int) -> bool:
        """``a in book.liquidatable(price)`` for one account, in O(1): a long below
        ``b / (1 - mm)``, a short above ``b / (1 + mm)``, a flat account with ``Q < 0``;
        floats decide unless they are too close to the boundary (``near``)."""
        book = self.book
        assert book is not None
        key = book.key[a]
        if key is None:
            return a in book.flat_negatives
        if self._liq_factors is None:
            down, up = 1 - book.mm, 1 + book.mm
            self._liq_factors = (float(down), float(up), down, up)
        down_f, up_f, down, up = self._liq_factors
        long = book.size[a]._numerator > 0  # type: ignore[attr-defined]
        x = self.price_float * (down_f if long else up_f)
        if not near(x, key[0]):
            return x < key[0] if long else x > key[0]
        exact = self.price() * (down if long else up)
        return bool(exact < key[1] if long else exact > key[1])

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
