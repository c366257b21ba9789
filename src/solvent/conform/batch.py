"""The spec's side of `solvent conform` for many traces at once (fixed-point specs).

The exact judge costs about a millisecond per step, far more than an implementation.
For a fixed-point spec (``arithmetic="fixed"``) this module runs a batch of traces of
the same length as int64 lanes of :class:`~solvent.backends.vector_fixed.FixedVectorBackend`
(:class:`~solvent.conform.int64.ConformLanes`: the same rules, products bounded in float64
first; one lane per trace, one pass of the spec's rules per step for the whole batch),
read from the traces' arrays (:mod:`solvent.conform.arrays`), then the adapter walks each
trace and compares with its lane.

Lanes outside the backend's overflow mask agree exactly with the judge (the backend
conformance suite checks it); a lane in the mask is compared on the judge instead. A
difference found on a lane is re-run on the judge, which builds the reported divergence
(with the spec line that wrote the value); should the judge agree where the lane did
not, the two backends disagree and solvent stops with an internal error (exit 4): that
is a solvent bug, never a verdict.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from solvent.backends.modes import concrete_for
from solvent.conform.arrays import TraceArrays, from_traces
from solvent.conform.compare import Comparer, Outcome
from solvent.conform.draws import Drawn
from solvent.conform.int64 import ConformLanes
from solvent.engine.step import run_step
from solvent.engine.trace import Trace, check_against
from solvent.errors import InternalError
from solvent.lang.domains import AnyBool
from solvent.lang.values import BOOL, NUM, Value
from solvent.spec.spec import ActionDecl, Instance, Spec

__all__ = ["BATCH", "Item", "Lanes", "batchable", "chunks_of", "compare_chunk", "lanes_for"]

# trace sources that make their traces from the spec itself (solvent.conform.sources):
# they fit it by construction, so chunks_of does not check them again
MADE_FROM_SPEC = frozenset({"random", "corner"})

BATCH = 2048  # traces per batch at most: a step of the lanes costs a few ms plus about 1 us a lane
# (chunks start at 8 traces and grow 4x, so the first traces are still compared at once)


Item = Trace | Drawn  # a trace, or a random trace still in its arrays


def length(item: Item) -> int:
    return item.length if isinstance(item, Drawn) else len(item.steps)


def as_trace(item: Item) -> Trace:
    return item.trace if isinstance(item, Drawn) else item


def lanes_for(spec: Spec, params: Any, items: Sequence[Item]) -> Lanes:
    """The spec's lanes of ``items`` (all of one length): random traces straight from their
    arrays, the others converted (:func:`solvent.conform.arrays.from_traces`)."""
    parts: list[TraceArrays] = []
    k = 0
    while k < len(items):
        first = items[k]
        j = k + 1
        if isinstance(first, Drawn):
            while j < len(items):
                nxt = items[j]
                if not isinstance(nxt, Drawn) or nxt.draws is not first.draws:
                    break
                if nxt.i != first.i + (j - k):
                    break
                j += 1
            parts.append(first.draws.rows(first.i, first.i + (j - k)))
        else:
            while j < len(items) and not isinstance(items[j], Drawn):
                j += 1
            traces = [as_trace(x) for x in items[k:j]]
            parts.append(from_traces(spec, traces, concrete_for(spec)))
        k = j
    return Lanes(spec, params, TraceArrays.concat(parts))


def batchable(spec: Spec) -> bool:
    """Whether ``spec``'s side can run as int64 lanes (fixed-point arithmetic only)."""
    return getattr(spec, "arithmetic", "exact") == "fixed"


class _Chooser:
    """Per-lane choices of a batch of traces (the vector twin of ``replay.TraceChooser``),
    read from their :class:`~solvent.conform.arrays.TraceArrays`."""

    def __init__(self, spec: Spec, arrays: TraceArrays, backend: Any) -> None:
        self.n, self.backend = arrays.n, backend
        self.instances: list[Instance] = list(spec.instances())
        self.act: Any = arrays.act
        self.moves: dict[str, Any] = arrays.moves
        self.keepers: dict[str, tuple[np.ndarray, np.ndarray]] = arrays.keepers
        self.argv: dict[str, dict[str, np.ndarray]] = arrays.argv
        self.wide: Any = arrays.wide  # a number outside int64: the judge runs it

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

    def __init__(
        self, spec: Spec, params: Any, traces: Sequence[Trace] | TraceArrays, backend: Any = None
    ) -> None:
        if isinstance(traces, TraceArrays):
            arrays = traces
        else:
            assert traces and len({len(t.steps) for t in traces}) == 1, "one length per batch"
            arrays = from_traces(spec, traces, concrete_for(spec))
        self.spec = spec
        self.scale = 10 ** int(spec.decimals or 0)
        n, T = arrays.n, arrays.steps
        if backend is None:
            backend = ConformLanes(int(spec.decimals or 0))
        backend.reset()
        chooser = _Chooser(spec, arrays, backend)
        wide = arrays.wide
        # step 0: the traces' own starts, in grid units as the judge reads them
        state: dict[str, Any] = {}
        for name, fd in spec.fields.items():
            sort = BOOL if fd.sort == "bool" else NUM
            col = arrays.init[name]
            if fd.per_account:
                state[name] = [
                    Value(backend, np.ascontiguousarray(col[:, a]), sort)
                    for a in range(spec.accounts)
                ]
            else:
                state[name] = Value(backend, np.ascontiguousarray(col), sort)
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
    spec: Spec, source: Iterable[tuple[str, str, Item]], batch: int, first: int = 8
) -> Iterator[tuple[list[tuple[str, str, Item]], Exception | None]]:
    """``source`` in chunks of ``first``, then 4 times larger, ... up to ``batch`` traces
    (a bug in the first traces is reported about as fast as without batching), each
    checked against the spec; a trace the spec cannot run ends the chunks, with its error
    after the traces before it."""
    it = iter(source)
    size = first
    while True:
        chunk: list[tuple[str, str, Item]] = []
        for item in it:
            try:
                if item[0] not in MADE_FROM_SPEC:
                    check_against(as_trace(item[2]), spec)  # raises on a trace it cannot run
            except Exception as exc:  # noqa: BLE001 - raised after the traces before it
                yield chunk, exc
                return
            chunk.append(item)
            if len(chunk) >= size:
                break
        yield chunk, None
        if len(chunk) < size:
            return
        size = min(size * 4, max(batch, first))


def compare_chunk(
    spec: Spec, comparer: Comparer, traces: Sequence[Item], batch: int
) -> Iterator[Outcome]:
    """The comparison of each of ``traces``, in order (stop iterating when one diverges).

    With ``batch > 0`` (a fixed-point spec) the spec's side runs as int64 lanes
    (:mod:`solvent.conform.batch`); a difference a lane shows is re-run on the judge,
    whose divergence is the one reported.
    """
    if batch <= 0:
        for item in traces:
            yield comparer.run(as_trace(item))
        return
    by_len: dict[int, list[int]] = {}
    for k, item in enumerate(traces):
        by_len.setdefault(length(item), []).append(k)
    side_of: dict[int, Any] = {}
    for ks in by_len.values():
        if not length(traces[ks[0]]):
            continue  # nothing to batch: the judge compares the start
        lanes = lanes_for(spec, comparer.params, [traces[k] for k in ks])
        for j, k in enumerate(ks):
            side_of[k] = lanes.side(j)
    for k, item in enumerate(traces):
        trace = as_trace(item)
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
