"""Random traces of a fixed-point spec, drawn directly as arrays in grid units.

`solvent conform --traces N` draws its random traces here when the spec is fixed point
and every domain it draws from lies on its grid and inside int64 (:func:`drawable`);
other specs use the Python generator of :mod:`solvent.conform.sources`, which this one
follows draw for draw in distribution: a number of ``sv.within(lo, hi)`` is ``lo`` or
``hi`` (12% each), zero (6%, when in the domain), a round number with 0 to 2 decimals
(to 50%), else a random point of the spec's grid (at most 6 decimals); 60% of the steps
have a user action (a uniform instance of ``spec.instances()``, its arguments drawn the
same way, booleans by a fair coin); a ``within=K`` keeper is skipped at random (a fair
coin) but never more than ``K`` steps in a row.

Traces are drawn in blocks of :data:`BLOCK`: block ``b`` comes from NumPy's generator
seeded with ``(seed, b)`` (:class:`numpy.random.SeedSequence`), so trace ``i`` is a pure
function of the spec, the seed, the steps and ``i``: the same for every ``--traces``,
``--batch`` and ``--jobs`` (a worker process draws its own range from the seed instead
of receiving the traces). :meth:`Draws.trace` makes one trace into the Python objects of
:class:`~solvent.engine.trace.Trace` (exact ``Fraction`` numbers): for a divergence to
shrink and save, a lane the judge runs, or ``random_traces``.
"""

from __future__ import annotations

from collections import OrderedDict
from fractions import Fraction
from typing import Any

import numpy as np

from solvent.conform.arrays import TraceArrays, empty
from solvent.engine.trace import ActionChoice, Trace, TraceStep
from solvent.lang.domains import AnyBool, Within
from solvent.spec.spec import Spec

__all__ = ["BLOCK", "Drawn", "Draws", "drawable"]

BLOCK = 256  # traces per seeded block (part of the definition of the random traces)
LIMIT = 2**62  # a drawn number's units stay below this (headroom for the lanes' sums)
SALT = 0x5C0F  # keeps these streams apart from other uses of the same seed


def _grid(spec: Spec) -> int:
    """Denominator random numbers are drawn on: the spec's grid, at most 10^6."""
    return 10 ** min(spec.decimals or 6, 6)


def _domains(spec: Spec) -> list[Any]:
    doms: list[Any] = list(spec.bounds.values())
    for fd in spec.fields.values():
        doms += [d for d in fd.init if not isinstance(d, bool | AnyBool)]
    for act in spec.actions:
        doms += [d for d in act.args.values() if not isinstance(d, AnyBool)]
    return doms


def drawable(spec: Spec) -> bool:
    """Whether ``spec``'s random traces are drawn as arrays: a fixed-point spec whose
    domains and constant starts lie on its grid, inside +-2^62 units."""
    if getattr(spec, "arithmetic", "exact") != "fixed" or spec.decimals is None:
        return False
    scale = 10**spec.decimals
    for d in _domains(spec):
        for x in (d.lo, d.hi) if isinstance(d, Within) else (d,):
            if not isinstance(x, Fraction | int):
                return False
            u = Fraction(x) * scale
            if u.denominator != 1 or abs(u.numerator) >= LIMIT:
                return False
    return True


class _Num:
    """Vectorised draws of one domain in units of ``scale`` (see the module docstring)."""

    def __init__(self, dom: Within, scale: int, grid: int, decimals: int) -> None:
        self.lo, self.hi = int(dom.lo * scale), int(dom.hi * scale)
        self.zero = dom.lo <= 0 <= dom.hi
        # per number of decimals k = 0.., the first and last multiple of 10^-k in units of 10^-k
        ks = [10**k for k in range(min(2, decimals) + 1)]
        self.round = [(-(-dom.lo * d // 1), dom.hi * d // 1, scale // d) for d in ks]
        a, b = -(-dom.lo * grid // 1), dom.hi * grid // 1
        self.grid = (int(a), int(b), scale // grid)

    def __call__(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        r = rng.random(shape)
        k = rng.integers(0, len(self.round), shape)
        lo_k = np.array([int(a) if a <= b else 0 for a, b, _ in self.round], dtype=np.int64)
        hi_k = np.array([int(b) if a <= b else 0 for a, b, _ in self.round], dtype=np.int64)
        ok_k = np.array([a <= b for a, b, _ in self.round])
        step_k = np.array([s for _, _, s in self.round], dtype=np.int64)
        rounded = rng.integers(lo_k[k], hi_k[k], endpoint=True) * step_k[k]
        a, b, step = self.grid
        if a <= b:
            on_grid = rng.integers(a, b, shape, endpoint=True, dtype=np.int64) * step
        else:
            on_grid = np.full(shape, self.lo, dtype=np.int64)
        return np.select(
            [r < 0.12, r < 0.24, (r < 0.30) & self.zero, (r < 0.50) & ok_k[k]],
            [self.lo, self.hi, 0, rounded],
            on_grid,
        ).astype(np.int64)


class Draws:
    """The random traces of ``spec`` (``steps`` steps, ``seed``), as arrays by block."""

    def __init__(self, spec: Spec, steps: int, seed: int, action_rate: float = 0.6) -> None:
        assert drawable(spec), "Draws needs a fixed-point spec with grid domains"
        self.spec, self.steps, self.seed, self.rate = spec, steps, seed, action_rate
        self.decimals = int(spec.decimals or 0)
        self.scale = 10**self.decimals
        grid = min(_grid(spec), self.scale)
        self.instances = spec.instances()
        self._num: dict[int, _Num] = {}
        for d in _domains(spec):
            if isinstance(d, Within) and id(d) not in self._num:
                self._num[id(d)] = _Num(d, self.scale, grid, self.decimals)
        self._blocks: OrderedDict[int, TraceArrays] = OrderedDict()
        self._params = spec.param_values().as_dict()

    def label(self, i: int) -> str:
        return f"random #{i + 1} (seed {self.seed})"

    # -- arrays ---------------------------------------------------------------------------
    def block(self, b: int) -> TraceArrays:
        """Traces ``b * BLOCK`` .. ``(b + 1) * BLOCK - 1`` (the last few blocks are kept)."""
        got = self._blocks.get(b)
        if got is None:
            got = self._draw(b)
            self._blocks[b] = got
            if len(self._blocks) > 4:
                self._blocks.popitem(last=False)
        return got

    def rows(self, start: int, stop: int) -> TraceArrays:
        """Traces ``start`` .. ``stop - 1`` as one :class:`TraceArrays`."""
        parts = []
        i = start
        while i < stop:
            b, off = divmod(i, BLOCK)
            end = min(stop, (b + 1) * BLOCK)
            parts.append(self.block(b).take(slice(off, off + end - i)))
            i = end
        return TraceArrays.concat(parts)

    def _draw(self, b: int) -> TraceArrays:
        spec, n, T = self.spec, BLOCK, self.steps
        entropy = [SALT, self.seed % 2**64, 1 if self.seed < 0 else 0, b, T]
        rng = np.random.default_rng(np.random.SeedSequence(entropy))
        out = empty(spec, n, T)
        for name, dom in spec.bounds.items():
            out.moves[name][:] = self._num[id(dom)](rng, (n, T))
        if self.instances:
            has = rng.random((n, T)) < self.rate
            which = rng.integers(0, len(self.instances), (n, T))
            out.act[:] = np.where(has, which, -1)
            for act in spec.actions:
                mine = np.isin(
                    out.act, [i for i, x in enumerate(self.instances) if x.action is act]
                )
                per = out.argv.setdefault(act.name, {})
                for aname, arg in act.args.items():
                    if isinstance(arg, AnyBool):
                        vals = (rng.random((n, T)) < 0.5).astype(np.int64)
                    else:
                        vals = self._num[id(arg)](rng, (n, T))
                    per[aname] = np.where(mine, vals, 0)
        for name, fd in spec.fields.items():
            col = out.init[name]
            for a, start in enumerate(fd.init):
                if isinstance(start, Within):
                    v: Any = self._num[id(start)](rng, (n,))
                elif isinstance(start, AnyBool):
                    v = rng.random(n) < 0.5
                else:
                    v = bool(start) if fd.sort == "bool" else int(Fraction(start) * self.scale)
                if fd.per_account:
                    col[:, a] = v
                else:
                    col[:] = v
        self._skips(rng, out, n, T)
        return out

    def _skips(self, rng: np.random.Generator, out: TraceArrays, n: int, T: int) -> None:
        """``within=K`` keepers: a fair coin, never more than ``K`` skips in a row."""
        width = max(self.spec.accounts, 1)
        for kp in self.spec.keepers:
            if kp.liveness != "within" or kp.within is None:
                continue
            w = self.spec.accounts if kp.n_accounts else 1
            rec: Any = np.ones((n, T), dtype=bool)
            live: Any = np.zeros((n, T, width), dtype=bool)
            run: Any = np.zeros((n, w), dtype=np.int64)
            coins = rng.random((n, T, w)) < 0.5
            for t in range(T):
                chosen = (run >= kp.within) | coins[:, t]
                run = np.where(chosen, 0, run + 1)
                live[:, t, :w] = chosen
            out.keepers[kp.name] = (rec, live)

    # -- Python objects -------------------------------------------------------------------
    def trace(self, i: int) -> Trace:
        """Trace ``i`` as exact Python objects (``Fraction`` numbers)."""
        spec = self.spec
        b, j = divmod(i, BLOCK)
        arr = self.block(b)
        num = self._fraction
        init: dict[str, Any] = {}
        for name, fd in spec.fields.items():
            row = arr.init[name][j]
            conv = bool if fd.sort == "bool" else num
            if fd.per_account:
                init[name] = tuple(
                    dom if not isinstance(dom, Within | AnyBool) else conv(x)
                    for dom, x in zip(fd.init, row.tolist(), strict=True)
                )
            else:
                dom = fd.init[0]
                init[name] = dom if not isinstance(dom, Within | AnyBool) else conv(row.item())
        steps = []
        for t in range(self.steps):
            market = {k: num(int(v[j, t])) for k, v in arr.moves.items()}
            action = None
            k = int(arr.act[j, t])
            if k >= 0:
                inst = self.instances[k]
                args: dict[str, Any] = {}
                for aname, dom in inst.action.args.items():
                    raw = int(arr.argv[inst.action.name][aname][j, t])
                    args[aname] = bool(raw) if isinstance(dom, AnyBool) else num(raw)
                action = ActionChoice(inst.action.name, inst.accounts, args)
            chosen = {
                kp: tuple(bool(x) for x in live[j, t, : self._width(kp)])
                for kp, (rec, live) in arr.keepers.items()
                if rec[j, t]
            }
            steps.append(TraceStep(market, action, chosen) if chosen else TraceStep(market, action))
        meta = {"source": self.label(i)}
        return Trace(spec.name, spec.accounts, init, tuple(steps), dict(self._params), meta)

    def _fraction(self, units: int) -> Fraction:
        return Fraction(units, self.scale)

    def _width(self, keeper: str) -> int:
        kp = next(k for k in self.spec.keepers if k.name == keeper)
        return self.spec.accounts if kp.n_accounts else 1


class Drawn:
    """Random trace ``i`` of ``draws``, made into Python objects only when asked."""

    __slots__ = ("draws", "i")

    def __init__(self, draws: Draws, i: int) -> None:
        self.draws, self.i = draws, i

    @property
    def trace(self) -> Trace:
        return self.draws.trace(self.i)

    @property
    def length(self) -> int:
        return self.draws.steps
