"""A batch of traces as arrays in grid units: what the spec's int64 lanes and the batch
adapter protocol read (fixed-point specs, :mod:`solvent.conform.batch`).

:class:`TraceArrays` holds, per lane (trace), the start state, every step's draws, the
keeper choices, the action (an index into ``spec.instances()``) and its arguments, all as
int64 units of ``10**-decimals`` (bools as bools). It is made either from
:class:`~solvent.engine.trace.Trace` objects (:func:`from_traces`: files, bmc
counterexamples, corner paths) or drawn directly as arrays (the random traces,
:mod:`solvent.conform.draws`), so that a random trace becomes Python objects only when
it must (a divergence to shrink and save, a lane the judge runs).

A lane with a number outside int64, or that the judge refuses, is marked in ``wide``: the
spec's side compares it on the judge, which reports what is wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from solvent.backends.vector_fixed import INT64_MAX, INT64_MIN
from solvent.engine.trace import Trace
from solvent.errors import SolventError
from solvent.spec.spec import Spec

__all__ = ["TraceArrays", "from_traces", "units_of"]


@dataclass(slots=True)
class TraceArrays:
    """``n`` traces of ``T`` steps as arrays (see the module docstring)."""

    init: dict[str, np.ndarray]  # field -> (n,) or (n, accounts): int64 units, or bool
    moves: dict[str, np.ndarray]  # envelope field -> (n, T) int64 units
    act: np.ndarray  # (n, T) int64: index into spec.instances(), -1: no action
    argv: dict[str, dict[str, np.ndarray]]  # action -> argument -> (n, T) int64 (bools 0/1)
    keepers: dict[str, tuple[np.ndarray, np.ndarray]]  # name -> recorded (n, T), live (n, T, w)
    wide: np.ndarray  # (n,) bool: lanes the judge must run

    @property
    def n(self) -> int:
        return int(self.act.shape[0])

    @property
    def steps(self) -> int:
        return int(self.act.shape[1])

    def take(self, rows: Any) -> TraceArrays:
        """The lanes ``rows`` (a slice or an index array)."""
        return TraceArrays(
            {k: v[rows] for k, v in self.init.items()},
            {k: v[rows] for k, v in self.moves.items()},
            self.act[rows],
            {a: {k: v[rows] for k, v in args.items()} for a, args in self.argv.items()},
            {k: (rec[rows], live[rows]) for k, (rec, live) in self.keepers.items()},
            self.wide[rows],
        )

    @staticmethod
    def concat(parts: Sequence[TraceArrays]) -> TraceArrays:
        """The lanes of ``parts``, in order (all of one length)."""
        if len(parts) == 1:
            return parts[0]

        def cat(get: Any, like: Any) -> np.ndarray:
            return np.concatenate([_or_zeros(get(p), like(p)) for p in parts])

        first = parts[0]
        argv: dict[str, dict[str, np.ndarray]] = {}
        for a in {a for p in parts for a in p.argv}:
            for k in {k for p in parts for k in p.argv.get(a, {})}:
                argv.setdefault(a, {})[k] = cat(
                    lambda p, a=a, k=k: p.argv.get(a, {}).get(k), lambda p: (p.act.shape, np.int64)
                )
        width = max((live.shape[2] for p in parts for _, live in p.keepers.values()), default=1)
        keepers: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for name in {k for p in parts for k in p.keepers}:
            rec = cat(lambda p, k=name: p.keepers.get(k, (None,))[0], lambda p: (p.act.shape, bool))
            live = cat(
                lambda p, k=name: p.keepers.get(k, (None, None))[1],
                lambda p: ((*p.act.shape, width), bool),
            )
            keepers[name] = (rec, live)
        return TraceArrays(
            {k: np.concatenate([p.init[k] for p in parts]) for k in first.init},
            {k: np.concatenate([p.moves[k] for p in parts]) for k in first.moves},
            np.concatenate([p.act for p in parts]),
            argv,
            keepers,
            np.concatenate([p.wide for p in parts]),
        )


def _or_zeros(x: np.ndarray | None, like: tuple[tuple[int, ...], Any]) -> np.ndarray:
    return np.zeros(like[0], dtype=like[1]) if x is None else x


def units_of(judge: Any, v: Any) -> int | bool:
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
    return int(judge.const(Fraction(v)))


def _fits(x: int) -> bool:
    return INT64_MIN <= x <= INT64_MAX


def empty(spec: Spec, n: int, T: int) -> TraceArrays:
    """``n`` lanes of ``T`` steps with nothing recorded yet (zeros, no actions)."""
    init: dict[str, np.ndarray] = {}
    for name, fd in spec.fields.items():
        shape = (n, spec.accounts) if fd.per_account else (n,)
        init[name] = np.zeros(shape, dtype=bool if fd.sort == "bool" else np.int64)
    return TraceArrays(
        init,
        {name: np.zeros((n, T), dtype=np.int64) for name in spec.bounds},
        np.full((n, T), -1, dtype=np.int64),
        {},
        {},
        np.zeros(n, dtype=bool),
    )


def from_traces(spec: Spec, traces: Sequence[Trace], judge: Any) -> TraceArrays:
    """``traces`` (all of one length) as arrays; a trace with a number outside int64, or
    one the judge refuses, is marked ``wide`` (the judge meets it and says what is wrong)."""
    n, T = len(traces), len(traces[0].steps)
    out = empty(spec, n, T)
    index = {(inst.action.name, tuple(inst.accounts)): i for i, inst in enumerate(spec.instances())}
    width = max(spec.accounts, 1)
    for i, tr in enumerate(traces):
        try:
            _record(out, i, tr, judge, index, width)
            _start(spec, out, i, tr, judge)
        except SolventError:
            out.wide[i] = True
    return out


def _record(
    out: TraceArrays, i: int, tr: Trace, judge: Any, index: dict[Any, int], width: int
) -> None:
    """Trace ``i``'s draws, keeper choices and action into the lane arrays (one row per
    array and trace: numbers are gathered in lists first)."""
    n, T = out.act.shape
    moves: dict[str, list[int]] = {name: [0] * T for name in out.moves}
    acts = [-1] * T
    args: dict[tuple[str, str], list[int]] = {}
    for t, st in enumerate(tr.steps):
        for name, v in st.market.items():
            moves[name][t] = int(units_of(judge, v))
        for kname, choices in st.keepers.items():
            if kname not in out.keepers:
                out.keepers[kname] = (
                    np.zeros((n, T), dtype=bool),
                    np.zeros((n, T, width), dtype=bool),
                )
            rec, live = out.keepers[kname]
            rec[i, t] = True
            live[i, t, : len(choices)] = [bool(c) for c in choices]
        if st.action is None:
            continue
        key = (st.action.name, tuple(st.action.accounts))
        if key not in index:  # the judge meets it and says what is wrong
            out.wide[i] = True
            continue
        acts[t] = index[key]
        for aname, arg in st.action.args.items():
            row = args.get((st.action.name, aname))
            if row is None:
                row = args[(st.action.name, aname)] = [0] * T
            row[t] = int(units_of(judge, arg))
    for name, row in moves.items():
        _put_row(out, out.moves[name], i, row)
    out.act[i] = acts
    for (action, aname), row in args.items():
        per = out.argv.setdefault(action, {})
        col = per.get(aname)
        if col is None:
            col = per[aname] = np.zeros((n, T), dtype=np.int64)
        _put_row(out, col, i, row)


def _put_row(out: TraceArrays, col: np.ndarray, i: int, row: list[int]) -> None:
    if all(INT64_MIN <= u <= INT64_MAX for u in row):
        col[i] = row
    else:
        out.wide[i] = True


def _start(spec: Spec, out: TraceArrays, i: int, trace: Trace, judge: Any) -> None:
    """The trace's start in grid units (bools as bools): what ``initial_concrete`` gives
    the judge, without building its values."""
    for name, fd in spec.fields.items():
        v = trace.init[name]
        col = out.init[name]
        if fd.sort == "bool":
            col[i] = list(v) if fd.per_account else v
            continue
        units = [_num_units(judge, x) for x in v] if fd.per_account else [_num_units(judge, v)]
        if not all(_fits(u) for u in units):
            out.wide[i] = True
            continue
        col[i] = units if fd.per_account else units[0]


def _num_units(judge: Any, v: Any) -> int:
    return judge.const(Fraction(v)) if isinstance(v, bool) else int(units_of(judge, v))
