"""A shard's account changes between two shared events, summed up as one *piece*.

The aggregator decides the venue-wide level of the distance to insolvency and the
invariant from the signs of the excess ``E`` at five probe prices (the price ``P`` and
``P*(1 -+ t)``; :mod:`solvent.monitor.probe_sums`). ``E`` at a probe is the fund's term
plus every shard's sum of its accounts' deficits there, ``D_k``. Between two shared
events (price, insurance, state: every shard sees them, with the same ``seq``) the probes
stay put and only account changes move the ``D_k``, each in its own shard.

So a shard, instead of one record per account change, sends one piece per run of its
account changes between two shared events (or up to the end of the entry it sends):
``D_k`` before the run (``b``), its least and greatest values after each change of the
run (``lo``, ``hi``) and its value after the last (``e``), all exact integers in the
units of the price vector ``pv`` (deficit x 10**18 x the probe's denominator); the
``seq`` and ``ts`` of each change (``q``, ``t``), its alerts (``a``), and the changes
themselves as rows ``[seq, ts, account, quote, size]`` (amounts in units of 10**-18; a
sixth element 1 for a liquidation; ``r``), which the aggregator keeps undecoded.

Over the run of every shard's pieces between two shared events, ``E`` at each probe lies
between the sums of the shards' least and greatest values (each shard's own value moves
only with its own pieces). When each of those intervals lies strictly on one side of 0,
the level cannot change inside the run, and when every shard's greatest deficit at ``P``
is 0 no account is under water there (the invariant holds): the aggregator then combines
the whole run in O(shards), without looking at an account (:meth:`ProbeSums.certify`).
Otherwise it decodes the rows and combines the run change by change, as before.

A shard keeps ``D_k`` from its price vector (five queries of its own index at a price
event) and each change's difference at the five probes (ten integer products). It sends
records as before while it cannot (before its first price, amounts that are not decimals
of at most 18 places, a reorder window, a restart until its next price).
"""

from __future__ import annotations

from typing import Any

import msgspec

from solvent.monitor.probe_sums import decode_rows, moved, probe_factors, probe_pairs

#: changes in one piece at the most (then it is closed and another begins)
PIECE_ROWS = 2048


class Piece(msgspec.Struct, array_like=True):
    """One piece as the aggregator decodes it (see the module); ``r`` stays raw JSON."""

    q: list[int]
    t: list[float]
    b: list[int]
    lo: list[int]
    hi: list[int]
    e: list[int]
    a: list[Any]
    r: msgspec.Raw

    @property
    def first(self) -> int:
        return self.q[0]

    @property
    def last(self) -> int:
        return self.q[-1]


decode_pieces = msgspec.json.Decoder(list[Piece]).decode


def rows(piece: Piece) -> list[list[Any]]:
    """The changes of ``piece``: ``[seq, ts, account, quote, size(, 1)]``."""
    return decode_rows(piece.r)  # type: ignore[no-any-return]


def records(piece: Piece) -> list[dict[str, Any]]:
    """The piece as the records a shard sends one by one (its alerts with their change)."""
    alerts: dict[int, list[Any]] = {}
    for seq, alert in piece.a:
        alerts.setdefault(seq, []).append(alert)
    out = []
    for row in rows(piece):
        seq, ts, a, q, s = row[:5]
        rec = {"seq": seq, "ts": ts, "type": "liquidation" if len(row) > 5 else "account",
               "account": a, "quote": f"{q}e-18", "size": f"{s}e-18"}  # fmt: skip
        if seq in alerts:
            rec["alerts"] = alerts[seq]
        out.append(rec)
    return out


class PieceWriter:
    """A shard's side: its ``D_k`` at the probes of its last price, and the piece it is
    writing (see the module)."""

    def __init__(self) -> None:
        self.px: list[tuple[int, int]] | None = None  # the probes (n, d); None: off
        self.dv: list[int] = []  # D_k at each probe, now
        self._clear()
        self.done: list[list[Any]] = []  # closed pieces, not yet sent

    def _clear(self) -> None:
        self.b: list[int] = []
        self.lo: list[int] = []
        self.hi: list[int] = []
        self.q: list[int] = []
        self.t: list[float] = []
        self.a: list[Any] = []
        self.r: list[list[Any]] = []

    def price(self, monitor: Any, rec: dict[str, Any] | None) -> None:
        """After a price event's record: the probes of the new price and ``D_k`` there
        (its ``pv``), or off when the record has none."""
        self.close()
        self.px = None
        pv = None if rec is None else rec.get("pv")
        if pv is None or monitor.opts.reorder_window > 0:
            return
        crit, warn = monitor.critical_distance, monitor.warn_distance
        self.px = probe_pairs(monitor.price_dec, probe_factors(crit, warn))
        self.dv = list(pv)

    def off(self) -> None:
        """A change the pieces cannot hold: records until the next price."""
        self.close()
        self.px = None

    def account(self, monitor: Any, doc: Any, q0: int, s0: int, alerts: list[Any]) -> bool:
        """Add an applied change of account ``doc.account`` (its amounts were ``q0``,
        ``s0``); False: the shard sends its record instead (and the pieces are off)."""
        book = monitor.book
        a = doc.account
        q, s = book.qi[a], book.si[a]
        if q is None or s is None:
            self.off()
            return False
        if not self.q:
            self.b = list(self.dv)  # D_k before the piece
        dv = self.dv
        if q != q0 or s != s0:
            self.dv = dv = moved(self.px, dv, q0, s0, q, s)  # type: ignore[arg-type]
        if not self.q:
            self.lo, self.hi = list(dv), list(dv)
        else:
            lo, hi = self.lo, self.hi
            for j, x in enumerate(dv):
                if x < lo[j]:
                    lo[j] = x
                elif x > hi[j]:
                    hi[j] = x
        self.q.append(doc.seq)
        self.t.append(monitor.last_ts)
        row = [doc.seq, doc.ts, a, q, s]
        if doc.type == "liquidation":
            row.append(1)
        self.r.append(row)
        for alert in alerts:
            self.a.append([doc.seq, alert.to_json()])
        if len(self.q) >= PIECE_ROWS:
            self.close()
        return True

    def close(self) -> None:
        """The piece being written is done (a shared event, the end of an entry)."""
        if self.q:
            self.done.append([self.q, self.t, self.b, self.lo, self.hi, list(self.dv),
                              self.a, self.r])  # fmt: skip
            self._clear()

    def take(self) -> list[list[Any]]:
        """The closed pieces (the one being written too), to send."""
        self.close()
        out, self.done = self.done, []
        return out
