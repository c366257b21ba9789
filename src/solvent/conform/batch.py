"""The spec's side of `solvent conform` for many traces at once (fixed-point specs).

The exact judge costs about a millisecond per step, far more than an implementation.
For a fixed-point spec (``arithmetic="fixed"``) this module runs a batch of traces of
the same length as int64 lanes of :class:`~solvent.backends.vector_fixed.FixedVectorBackend`
(one lane per trace, one pass of the spec's rules per step for the whole batch), then
the adapter walks each trace and compares with its lane.

Lanes outside the backend's overflow mask agree exactly with the judge (the backend
conformance suite checks it); a lane in the mask is compared on the judge instead. A
difference found on a lane is re-run on the judge, which builds the reported divergence
(with the spec line that wrote the value); should the judge agree where the lane did
not, the two backends disagree and solvent stops with an internal error (exit 4): that
is a solvent bug, never a verdict.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from solvent.backends.modes import concrete_for
from solvent.backends.vector_fixed import INT64_MAX, INT64_MIN, FixedVectorBackend
from solvent.conform.compare import Comparer, Outcome
from solvent.engine.step import run_step
from solvent.engine.trace import Trace, check_against
from solvent.errors import InternalError, SolventError
from solvent.lang.domains import AnyBool
from solvent.lang.values import BOOL, NUM, Value
from solvent.spec.spec import ActionDecl, Instance, Spec

__all__ = ["BATCH", "Lanes", "batchable", "chunks_of", "compare_chunk"]

# trace sources that make their traces from the spec itself (solvent.conform.sources):
# they fit it by construction, so chunks_of does not check them again
MADE_FROM_SPEC = frozenset({"random", "corner"})

BATCH = 512  # traces per batch: large enough to amortise a step, small enough to stop early


def batchable(spec: Spec) -> bool:
    """Whether ``spec``'s side can run as int64 lanes (fixed-point arithmetic only)."""
    return getattr(spec, "arithmetic", "exact") == "fixed"


def _units(judge: Any, v: Any) -> int | bool:
    """``v`` in units of the judge's grid, exactly as ``judge.const`` gives them (which
    is asked, and raises, for anything but a Fraction or int on the grid)."""
    if isinstance(v, bool):
        return bool(v)
    if type(v) is Fraction:
        q, r = divmod(judge.scale, v.denominator)
        if r == 0:
            return v.numerator * q
    elif type(v) is int:
        return v * judge.scale
    return judge.const(Fraction(v))


def _fits(x: int) -> bool:
    return INT64_MIN <= x <= INT64_MAX


class _Chooser:
    """Per-lane choices of a batch of traces (the vector twin of ``replay.TraceChooser``)."""

    def __init__(self, spec: Spec, traces: Sequence[Trace], backend: Any, judge: Any) -> None:
        n, T = len(traces), len(traces[0].steps)
        self.n, self.backend = n, backend
        self.instances: list[Instance] = list(spec.instances())
        index = {
            (inst.action.name, tuple(inst.accounts)): i for i, inst in enumerate(self.instances)
        }
        self.act: Any = np.full((n, T), -1, dtype=np.int64)
        self.moves: dict[str, Any] = {
            name: np.zeros((n, T), dtype=np.int64) for name in spec.bounds
        }
        self.keepers: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # recorded?, live
        self.argv: dict[str, dict[str, np.ndarray]] = {}
        self.wide: Any = np.zeros(n, dtype=bool)  # a number outside int64: the judge runs it
        self.width = max(spec.accounts, 1)
        for i, tr in enumerate(traces):
            try:
                self._record(i, tr, judge, index)
            except SolventError:  # the judge meets the same input and says what is wrong
                self.wide[i] = True

    def _record(self, i: int, tr: Trace, judge: Any, index: dict[Any, int]) -> None:
        """Trace ``i``'s draws, keeper choices and action into the lane arrays (one row
        per array and trace: numbers are gathered in lists first)."""
        n, T, width = self.act.shape[0], self.act.shape[1], self.width
        moves: dict[str, list[int]] = {name: [0] * T for name in self.moves}
        acts = [-1] * T
        args: dict[tuple[str, str], list[int]] = {}
        for t, st in enumerate(tr.steps):
            for name, v in st.market.items():
                moves[name][t] = int(_units(judge, v))
            for kname, choices in st.keepers.items():
                if kname not in self.keepers:
                    self.keepers[kname] = (
                        np.zeros((n, T), dtype=bool),
                        np.zeros((n, T, width), dtype=bool),
                    )
                rec, live = self.keepers[kname]
                rec[i, t] = True
                live[i, t, : len(choices)] = [bool(c) for c in choices]
            if st.action is None:
                continue
            key = (st.action.name, tuple(st.action.accounts))
            if key not in index:  # the judge meets it and says what is wrong
                self.wide[i] = True
                continue
            acts[t] = index[key]
            for aname, arg in st.action.args.items():
                row = args.get((st.action.name, aname))
                if row is None:
                    row = args[(st.action.name, aname)] = [0] * T
                row[t] = int(_units(judge, arg))
        for name, row in moves.items():
            self._put_row(self.moves[name], i, row)
        self.act[i] = acts
        for (action, aname), row in args.items():
            per = self.argv.setdefault(action, {})
            col = per.get(aname)
            if col is None:
                col = per[aname] = np.zeros((n, T), dtype=np.int64)
            self._put_row(col, i, row)

    def _put_row(self, col: np.ndarray, i: int, row: list[int]) -> None:
        if all(INT64_MIN <= u <= INT64_MAX for u in row):
            col[i] = row
        else:
            self.wide[i] = True

    # -- the Chooser protocol of solvent.engine.step ----------------------------------
    def market(self, t: int, name: str) -> Value:
        return Value(self.backend, np.ascontiguousarray(self.moves[name][:, t - 1]), NUM)

    def adversarial(self, t: int, keeper: str, account: int | None) -> Value:
        got = self.keepers.get(keeper)
        if got is None:
            return Value(self.backend, np.zeros(self.n, dtype=bool), BOOL)
        rec, live = got
        return Value(self.backend, rec[:, t - 1] & live[:, t - 1, account or 0], BOOL)

    def every_step(self, t: int, keeper: str, account: int | None) -> Value | None:
        got = self.keepers.get(keeper)
        if got is None or not got[0][:, t - 1].any():
            return None
        rec, live = got
        return Value(self.backend, ~rec[:, t - 1] | live[:, t - 1, account or 0], BOOL)

    def candidates(self, t: int) -> Sequence[tuple[int, Instance]]:
        col = self.act[:, t - 1]
        return [(int(i), self.instances[int(i)]) for i in np.unique(col[col >= 0])]

    def selected(self, t: int, index: int) -> Value:
        return Value(self.backend, self.act[:, t - 1] == index, BOOL)

    def args(self, t: int, action: ActionDecl) -> dict[str, Value]:
        """The recorded arguments where a lane runs ``action``; 0 elsewhere (discarded)."""
        per = self.args_of(action.name)
        out = {}
        for name, dom in action.args.items():
            col = per.get(name)
            raw = np.zeros(self.n, dtype=np.int64) if col is None else col[:, t - 1].copy()
            out[name] = (
                Value(self.backend, raw != 0, BOOL)
                if isinstance(dom, AnyBool)
                else (Value(self.backend, raw, NUM))
            )
        return out

    def args_of(self, name: str) -> dict[str, np.ndarray]:
        return self.argv.get(name, {})


class Lanes:
    """The spec's side of a batch of traces of one length, run as int64 lanes.

    :meth:`side` gives one trace's view for :meth:`Comparer.drive`, or None when that
    trace must be compared on the judge (a number outside int64, an overflowed lane).
    """

    def __init__(self, spec: Spec, params: Any, traces: Sequence[Trace]) -> None:
        assert traces and len({len(t.steps) for t in traces}) == 1, "one length per batch"
        self.spec = spec
        self.scale = 10 ** int(spec.decimals or 0)
        judge = concrete_for(spec)
        n, T = len(traces), len(traces[0].steps)
        backend = FixedVectorBackend(int(spec.decimals or 0))
        backend.reset()
        chooser = _Chooser(spec, traces, backend, judge)
        wide = chooser.wide.copy()
        # step 0: the traces' own starts, in grid units as the judge reads them
        starts: list[dict[str, Any] | None] = []
        for i, tr in enumerate(traces):
            try:
                starts.append(_start_units(spec, tr, judge))
            except SolventError:  # the judge meets it and says what is wrong
                wide[i] = True
                starts.append(None)
        state: dict[str, Any] = {}
        for name, fd in spec.fields.items():
            sort = BOOL if fd.sort == "bool" else NUM
            cols = fd.per_account and spec.accounts or 0

            def column(get: Any, sort: str = sort) -> Value:
                raw = [0 if s is None else get(s) for s in starts]
                if sort == BOOL:
                    return Value(backend, np.array([bool(x) for x in raw]), BOOL)
                ok = np.array([_fits(int(x)) for x in raw])
                np.logical_or(wide, ~ok, out=wide)
                units = [int(x) if f else 0 for x, f in zip(raw, ok, strict=True)]
                return Value(backend, np.array(units, dtype=np.int64), NUM)

            if fd.per_account:
                state[name] = [column(lambda s, a=a, k=name: s[k][a]) for a in range(cols)]
            else:
                state[name] = column(lambda s, k=name: s[k])
        self.n = n
        self.per_account = {k: fd.per_account for k, fd in spec.fields.items()}
        self._plain: dict[int, dict[str, tuple[str, list[list[Any]]]]] = {}
        self.states = [state]
        self.chooser = chooser  # the batch's draws, keeper choices and actions as arrays
        # per step: keeper firings and acceptances, as arrays (lane-wise comparison) and lists
        self.fired_arrays: list[dict[tuple[str, int | None], np.ndarray]] = [{}]
        self.accepted_arrays: list[np.ndarray] = [np.zeros(n, dtype=bool)]
        for t in range(1, T + 1):
            out = run_step(spec, params, backend, state, t, chooser)
            state = out.state
            self.states.append(state)
            self.fired_arrays.append({k: _col(v.raw, n) for k, v in out.fired.items()})
            acc: Any = np.zeros(n, dtype=bool)
            col = chooser.act[:, t - 1]
            for index, en in out.enabled.items():
                acc |= (col == index) & _col(en.raw, n)
            self.accepted_arrays.append(acc)
        self.fired = [{k: v.tolist() for k, v in f.items()} for f in self.fired_arrays]
        self.accepted = [a.tolist() for a in self.accepted_arrays]
        self.judge_only = wide | _col(backend.overflow, n)

    def side(self, lane: int) -> _Lane | None:
        return None if self.judge_only[lane] else _Lane(self, lane)

    def plain(self, t: int) -> dict[str, tuple[str, list[list[Any]]]]:
        """Step ``t``'s state as Python lists per field: (sort, one list per column)."""
        got = self._plain.get(t)
        if got is None:
            got = {}
            for k, v in self.states[t].items():
                cols = v if isinstance(v, list) else [v]
                got[k] = (cols[0].sort, [_col(c.raw, self.n).tolist() for c in cols])
            self._plain[t] = got
        return got


def _start_units(spec: Spec, trace: Trace, judge: Any) -> dict[str, Any]:
    """The trace's start in grid units (bools as bools): what ``initial_concrete`` gives
    the judge, without building its values."""
    out: dict[str, Any] = {}
    for name, fd in spec.fields.items():
        v = trace.init[name]
        if fd.sort == "bool":
            out[name] = list(v) if fd.per_account else v
        elif fd.per_account:
            out[name] = [_num_units(judge, x) for x in v]
        else:
            out[name] = _num_units(judge, v)
    return out


def _num_units(judge: Any, v: Any) -> int:
    return judge.const(Fraction(v)) if isinstance(v, bool) else int(_units(judge, v))


def _col(raw: Any, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(raw), (n,))


class _Lane:
    """One trace's view of :class:`Lanes` (what ``Comparer.drive`` asks a side)."""

    units = True  # fields() gives grid units (ints) and bools: Comparer compares them as such

    def __init__(self, lanes: Lanes, i: int) -> None:
        self.lanes, self.i, self.t = lanes, i, 0

    def _fields(self) -> dict[str, Any]:
        i = self.i
        out: dict[str, Any] = {}
        for k, (_sort, cols) in self.lanes.plain(self.t).items():
            row = [c[i] for c in cols]
            out[k] = row if self.lanes.per_account[k] else row[0]
        return out

    def start(self) -> dict[str, Any]:
        self.t = 0
        return self._fields()

    def step(self, t: int) -> None:
        self.t = t

    def fired(self, keeper: str, account: int | None) -> bool:
        return bool(self.lanes.fired[self.t][(keeper, account)][self.i])

    def accepted(self) -> bool:
        return bool(self.lanes.accepted[self.t][self.i])

    def fields(self) -> dict[str, Any]:
        return self._fields()

    def writer(self, t: int, name: str, index: int | None) -> str | None:
        return None  # a lane's difference is re-run on the judge, which names the writer

    def refusal(self, t: int) -> str | None:
        return None  # likewise


def disagree(spec: Spec, trace: Trace, lane_div: Any) -> InternalError:
    """The judge found no difference where the int64 lane did: a backend bug."""
    return InternalError(
        f"the fixed-point vector backend and the exact judge disagree on spec {spec.name} "
        f"(lane said: {lane_div.what} at step {lane_div.step}); this is a solvent bug: "
        "please report it with the spec and `solvent conform --batch 0` as a workaround"
    )


def chunks_of(
    spec: Spec, source: Iterable[tuple[str, str, Trace]], batch: int
) -> Iterator[tuple[list[tuple[str, str, Trace]], Exception | None]]:
    """``source`` in chunks of 8, 16, ... up to ``batch`` traces (a bug in the first traces
    is reported as fast as without batching), each checked against the spec; a trace the
    spec cannot run ends the chunks, with its error after the traces before it."""
    it = iter(source)
    size = 8
    while True:
        chunk: list[tuple[str, str, Trace]] = []
        for item in it:
            try:
                if item[0] not in MADE_FROM_SPEC:
                    check_against(item[2], spec)  # raises on a trace the spec cannot run
            except Exception as exc:  # noqa: BLE001 - raised after the traces before it
                yield chunk, exc
                return
            chunk.append(item)
            if len(chunk) >= size:
                break
        yield chunk, None
        if len(chunk) < size:
            return
        size = min(size * 2, max(batch, 8))


def compare_chunk(
    spec: Spec, comparer: Comparer, traces: list[Trace], batch: int
) -> Iterator[Outcome]:
    """The comparison of each of ``traces``, in order (stop iterating when one diverges).

    With ``batch > 0`` (a fixed-point spec) the spec's side runs as int64 lanes
    (:mod:`solvent.conform.batch`); a difference a lane shows is re-run on the judge,
    whose divergence is the one reported.
    """
    if batch <= 0:
        for trace in traces:
            yield comparer.run(trace)
        return
    by_len: dict[int, list[int]] = {}
    for k, trace in enumerate(traces):
        by_len.setdefault(len(trace.steps), []).append(k)
    side_of: dict[int, Any] = {}
    for ks in by_len.values():
        if not traces[ks[0]].steps:
            continue  # nothing to batch: the judge compares the start
        lanes = Lanes(spec, comparer.params, [traces[k] for k in ks])
        for j, k in enumerate(ks):
            side_of[k] = lanes.side(j)
    for k, trace in enumerate(traces):
        side = side_of.get(k)
        if side is None:
            yield comparer.run(trace)
            continue
        outcome = comparer.drive(trace, side)
        if outcome.divergence is not None:
            exact = comparer.run(trace)  # the judge decides, and names the writer
            if exact.divergence is None:
                raise disagree(spec, trace, outcome.divergence)
            outcome = exact
        yield outcome
