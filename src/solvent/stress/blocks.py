"""Seeded blocks of paths: what one block draws, runs and reports.

Paths are cut into fixed blocks of ``block`` paths. Block ``b`` draws everything (returns,
then the account population, then uniform initial values of symbolic fields, then, with
``--action-rate P > 0`` only, the user actions and their arguments) from its own
generator ``PCG64(SeedSequence(seed, spawn_key=(b,)))``, so its numbers do not depend on
how blocks are grouped into chunks, on the worker that runs it, or on the other blocks.
A :class:`BlockJob` holds only plain data (the kernel source, not the spec), so it pickles
to worker processes and Dask workers. For a fixed-point spec (``job.grid`` set) the
draws are then put on the decimal grid as int64 units (:mod:`solvent.stress.grid`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from solvent.stress.actions import ActionDraw, argument_slots, draw_actions
from solvent.stress.kernel import KernelSource, Layout


@dataclass(frozen=True, slots=True)
class BlockJob:
    kernel: KernelSource | None  # None: the NumPy-lanes engine (in-process only)
    layout: Layout
    scenario: Any
    population: Any
    seed: int
    paths: int
    block: int
    steps: int
    accounts: int
    g_init: tuple[
        tuple[str, float, float], ...
    ]  # per global: ("const", v, v) | ("uniform", lo, hi)
    # per per-account field, per account: the same (the spec's own start of each account)
    a_init: tuple[tuple[tuple[str, float, float], ...], ...]
    market_map: tuple[
        tuple[str, int, float], ...
    ]  # per market field: ("asset", i, 0) | ("const", 0, v)
    bounds: tuple[tuple[float, float], ...]  # per market field
    keeper_period: int = 1
    outage_start: int = 0
    outage_len: int = 0
    oracle_delay: int = 0
    # the oracle updates the spec declares (@spec.oracle): --oracle-delay skips them (capped
    # by their within=K) instead of making the scenario's prices stale
    oracle_names: tuple[str, ...] = ()
    population_price: float = 0.0
    cover2: bool = False
    size_index: int = -1
    fields: dict[str, int] = field(default_factory=dict)  # tracked global -> index (-1 absent)
    grid: Any = None  # fixed-point spec: its solvent.stress.grid.Grid (inputs are int64 units)
    action_rate: float = 0.0  # probability that a path runs one user action in a step
    actions: tuple[ActionDraw, ...] = ()  # the instances drawn uniformly among (--action)

    @property
    def n_blocks(self) -> int:
        return -(-self.paths // self.block)

    def block_size(self, b: int) -> int:
        return min(self.block, self.paths - b * self.block)


WORST = 5  # lanes with the largest bad debt kept per block (for worst_paths)


def block_rng(seed: int, b: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(b,))))


def heartbeat(returns: np.ndarray, delay: int) -> np.ndarray:
    """Oracle delay ``d``: the oracle publishes every ``d + 1`` steps.

    Between publications the protocol sees the last published price (up to ``d`` steps
    old, so the step's return is 0); at a publication the price jumps by the whole move
    since the previous one. ``d = 0`` returns the input.
    """
    if delay <= 0:
        return returns
    n_steps = returns.shape[1]
    growth = np.cumprod(1.0 + returns, axis=1)
    ones = np.ones_like(growth[:, :1])
    level = np.concatenate((ones, growth), axis=1)  # level[:, s] = price at s / price at 0
    s = np.arange(n_steps + 1)
    published = level[:, (s // (delay + 1)) * (delay + 1)]
    out = published[:, 1:] / published[:, :-1] - 1.0
    return np.ascontiguousarray(out)


@dataclass(slots=True)
class BlockInputs:
    G0: np.ndarray
    A0: np.ndarray
    M: np.ndarray
    C2: np.ndarray
    beyond: np.ndarray  # lanes with a draw outside the envelope
    overflow: np.ndarray | None = None  # fixed point: lanes with a draw outside int64
    wide: dict[int, Any] | None = None  # fixed point: their exact units (grid.lane_rows)
    # user actions (--action-rate > 0): per (lane, step) the index into job.actions (-1:
    # none), and per (lane, step, k) the k-th argument of that action (0 where none;
    # float64 numbers, or int64 grid units for a fixed-point spec; booleans 0/1)
    act: np.ndarray | None = None
    act_args: np.ndarray | None = None


INSIDE_SHOWN = 20  # paths listed per block among those failing inside the envelope


def draw_block(job: BlockJob, b: int) -> BlockInputs:
    """The inputs of block ``b`` (deterministic in ``(job, b)``)."""
    n = job.block_size(b)
    rng = block_rng(job.seed, b)
    raw = np.asarray(job.scenario.sample(rng, n, job.steps), dtype=np.float64)
    if raw.ndim == 2:
        raw = raw[:, :, None]
    if job.oracle_delay and not job.oracle_names:
        raw = np.stack(
            [heartbeat(raw[:, :, a], job.oracle_delay) for a in range(raw.shape[2])], axis=2
        )
    if len(job.market_map) == 1 and job.market_map[0][:2] == ("asset", 0) and raw.shape[2] == 1:
        M = np.ascontiguousarray(raw, dtype=np.float64)  # the common case: no copy
    else:
        M = np.empty((n, job.steps, len(job.market_map)))
        for j, (kind, asset, value) in enumerate(job.market_map):
            M[:, :, j] = raw[:, :, asset] if kind == "asset" else value
    beyond: Any = np.zeros(n, dtype=bool)
    for j, (lo, hi) in enumerate(job.bounds):
        beyond |= (M[:, :, j].min(axis=1) < lo) | (M[:, :, j].max(axis=1) > hi)
    layout = job.layout
    A0 = np.empty((n, len(layout.accounts), job.accounts))
    drawn = {}
    if job.population is not None:
        drawn = job.population.sample(rng, n, job.accounts, job.population_price)
    for i, f in enumerate(layout.accounts):
        if f in drawn:
            A0[:, i, :] = drawn[f]
        else:
            A0[:, i, :] = _init_accounts(rng, job.a_init[i], n, f in layout.bools)
    G0 = np.empty((n, len(layout.globals)))
    for i, f in enumerate(layout.globals):
        G0[:, i] = _init(rng, job.g_init[i], (n,), f in layout.bools)
    act: Any = None
    act_args: Any = None
    if job.action_rate > 0 and job.actions:  # last: P = 0 draws nothing more
        act, act_args = draw_actions(job, rng, n)
    if job.grid is not None:  # fixed point: int64 units (solvent.stress.grid)
        from solvent.stress.grid import args_on_grid, on_grid

        g = on_grid(job, M, A0, G0, set(drawn))
        if act is not None:
            act_args = args_on_grid(job, act, act_args, argument_slots(job, act))
        return BlockInputs(g.G0, g.A0, g.M, g.C2, g.beyond, g.overflow, g.wide, act, act_args)
    C2: Any = np.full((n, 2), -1, dtype=np.int64)
    if job.cover2 and job.accounts >= 2 and job.size_index >= 0:
        order = np.argsort(-np.abs(A0[:, job.size_index, :]), axis=1, kind="stable")
        C2[:, :] = order[:, :2]
    return BlockInputs(G0, A0, np.ascontiguousarray(M), C2, beyond, act=act, act_args=act_args)


def first_beyond(job: BlockJob, M: np.ndarray) -> np.ndarray:
    """Per lane of a block's draws ``M``, the first step (1..steps) whose draw leaves the
    envelope, ``steps + 1`` where none does (a lane failing at step ``t`` before it stayed
    inside the envelope for every move up to its failure: what bmc and prove cover)."""
    grid = job.grid
    bounds = grid.bounds if grid is not None else job.bounds
    out = np.zeros(M.shape[:2], dtype=bool)
    for j, (lo, hi) in enumerate(bounds):
        if grid is not None and grid.market[j] is not None:  # held inside the envelope
            continue
        out |= (M[:, :, j] < lo) | (M[:, :, j] > hi)
    return np.where(out.any(axis=1), out.argmax(axis=1) + 1, M.shape[1] + 1)


def _init_accounts(
    rng: np.random.Generator, hows: tuple[tuple[str, float, float], ...], n: int, is_bool: bool
) -> np.ndarray:
    """One per-account field's start in ``n`` lanes: ``(n, accounts)``, account ``a`` from
    ``hows[a]``. The same start in every account draws as one ``(n, accounts)`` block (the
    draws of runs before per-account starts); different ones draw account by account."""
    if len(set(hows)) == 1:
        return _init(rng, hows[0], (n, len(hows)), is_bool)
    out = np.empty((n, len(hows)))
    for a, how in enumerate(hows):
        out[:, a] = _init(rng, how, (n,), is_bool)
    return out


def _init(
    rng: np.random.Generator, how: tuple[str, float, float], shape: tuple[int, ...], is_bool: bool
) -> np.ndarray:
    kind, lo, hi = how
    if kind == "const":
        return np.full(shape, lo)
    if is_bool:
        return (rng.random(shape) < 0.5).astype(np.float64)
    return rng.uniform(lo, hi, shape)


def run_kernel(
    job: BlockJob,
    inputs: BlockInputs,
    engine: Any = None,
    record: np.ndarray | None = None,
    series: np.ndarray | None = None,
    touch: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Run the compiled kernel (or ``engine``, the lanes fallback) on one block.

    ``record``/``series``: per-lane series slot (-1: none) and the series array, see
    :mod:`solvent.stress.kernel`; ``touch`` (slots x 2 x accounts, -1 filled): the first
    and the last step each account's keeper acted on a recorded lane.
    """
    n = inputs.M.shape[0]
    n_g = len(job.layout.globals)
    out = {
        "OUT_G": np.zeros((n, n_g)),
        "FAIL_STEP": np.zeros(n, dtype=np.int64),
        "FAIL_PROP": np.zeros(n, dtype=np.int64),
        "T_MIN": np.zeros((n, n_g)),
        "T_MAX": np.zeros((n, n_g)),
        "T_HIT": np.full((n, n_g), -1, dtype=np.int64),
        "COVER2": np.zeros(n),
        "UNSURE": np.full(n, -1, dtype=np.int64),
        "INV": np.full((n, 3), -1, dtype=np.int64),
    }
    if engine is not None:
        return engine(inputs)
    from solvent.stress.loader import load

    assert job.kernel is not None  # a job without a kernel runs on the lanes engine
    kernel = load(job.kernel)
    kernel(
        inputs.G0, inputs.A0, inputs.M, job.keeper_period, job.outage_start, job.outage_len,
        inputs.C2, out["OUT_G"], out["FAIL_STEP"], out["FAIL_PROP"], out["T_MIN"],
        out["T_MAX"], out["T_HIT"], out["COVER2"],
        np.full(n, -1, dtype=np.int64) if record is None else record,
        np.zeros((1, 2, n_g)) if series is None else series, out["UNSURE"], out["INV"],
        _touch(series, inputs) if touch is None else touch,
    )  # fmt: skip
    return out


def _touch(series: np.ndarray | None, inputs: BlockInputs) -> np.ndarray:
    """A ``TOUCH`` array for every recorded slot and account: the kernel writes it for each
    recorded lane (a smaller one would be written out of bounds)."""
    slots = 1 if series is None else series.shape[0]
    return np.full((slots, 2, inputs.A0.shape[2]), -1, dtype=np.int64)


def summarize(
    job: BlockJob, b: int, inputs: BlockInputs, out: dict[str, np.ndarray]
) -> dict[str, Any]:
    """The block's contribution to the metrics: small, JSON-ready, order-preserving.

    Lanes skipped because their initial state breaks an ``@initial`` condition
    (``FAIL_STEP == -2``) are counted in ``excluded`` and left out of everything else.

    ``certain`` lists the flagged lanes all of whose float64 decisions up to the flagged
    step were certain (``UNSURE``, :mod:`solvent.stress.bounds`), ``[path, step,
    property]``: the judge breaks the same property at the same step, no re-run needed.
    ``inv_settled`` lists those among them whose first failure is not an invariant's
    (a lemma's) but whose invariant verdict is certain too (``INV``: every decision up to
    the first invariant failure, or over the whole path when none, was certain),
    ``[path, step of the first invariant failure or -1, property or -1]``: their
    invariants need no exact re-run either.
    ``lanes`` lists the lanes the exact judge re-runs, ``[path, steps to re-run,
    property, priority]``: every lane with a float64 decision that was not certain at or
    before its flagged step (or anywhere, when not flagged), over its whole path (property
    -1 when not flagged), and fixed-point lanes that left int64; ``undecided`` counts the
    uncertain ones (``undecided_excluded``: those among them whose @initial decision was
    unsure and the float64 run skipped).
    """
    valid = out["FAIL_STEP"] != -2
    excluded = int((~valid).sum())
    pos = np.flatnonzero(valid)  # lane numbers within the block
    unsure_all = out.get("UNSURE")
    if unsure_all is None:
        unsure_all = np.full(len(valid), -1, dtype=np.int64)
    # skipped lanes whose @initial decision was unsure: the judge decides (whole path)
    skipped_unsure = np.flatnonzero(~valid & (unsure_all >= 0))
    G0 = inputs.G0
    if job.grid is not None:  # fixed point: units -> numbers (exact rows of wide lanes)
        G0 = job.grid.to_float(G0)
        for lane, (g, _a, _m) in (inputs.wide or {}).items():
            G0[lane] = [x / job.grid.scale for x in g]
    unsure = unsure_all[valid]
    if excluded:
        out = {k: v[valid] for k, v in out.items() if k != "UNSURE"}
        inputs = BlockInputs(
            inputs.G0[valid],
            inputs.A0[valid],
            inputs.M[valid],
            inputs.C2[valid],
            inputs.beyond[valid],
        )
        G0 = G0[valid]
    n = inputs.M.shape[0]
    fs = out["FAIL_STEP"]
    failing = np.flatnonzero(fs >= 0)
    whole = (unsure >= 0) & ((fs < 0) | (unsure <= fs))  # not certain up to the flag
    inside = failing[first_beyond(job, inputs.M)[failing] > fs[failing]]
    # a flagged lane whose every decision up to its flag was certain: the judge fails it
    # at the same step (bounds.py); fixed-point lanes that left int64 hold garbage
    over = [k for k, name in enumerate(job.layout.properties) if name == "int64_overflow"]
    sure = (fs >= 0) & ~whole & ~np.isin(out["FAIL_PROP"], over)
    rerun = np.flatnonzero(((fs >= 0) | whole) & ~sure)
    inv = out.get("INV")  # None: an engine that does not report it (re-run them exactly)
    settled = (
        np.flatnonzero(sure & (inv[:, 0] != fs) & (inv[:, 2] < 0))
        if inv is not None
        else np.zeros(0, dtype=np.int64)
    )
    upto = np.where(whole, job.steps, fs)
    # priority: flagged lanes by their flagged step, before the undecided ones at that step
    key = np.where(fs >= 0, 2 * fs, 2 * job.steps + 1)
    idx = job.fields

    def col(name: str, what: str = "OUT_G") -> np.ndarray | None:
        i = idx.get(name, -1)
        return None if i < 0 else out[what][:, i]

    def start(name: str) -> np.ndarray:
        return G0[:, idx[name]]

    res: dict[str, Any] = {
        "block": b,
        "n": int(n),
        "excluded": excluded,
        "beyond": int(inputs.beyond.sum()),
        "fail": int(len(failing)),
        "fail_beyond": int(inputs.beyond[failing].sum()),
        # flagged lanes that failed with every move up to the failure inside the envelope
        "fail_inside": int(len(inside)),
        "fail_inside_paths": [int(b * job.block + pos[i]) for i in inside[:INSIDE_SHOWN]],
        "fail_by_prop": np.bincount(
            out["FAIL_PROP"][failing], minlength=len(job.layout.properties)
        ).tolist(),
        "undecided": int(whole.sum()) + len(skipped_unsure),
        "undecided_excluded": len(skipped_unsure),
        # every lane re-run exactly (flagged or undecided), the cheapest first: a flagged
        # lane's exact re-run stops at its first failure, by its flagged step when certain
        "lanes": [
            [int(b * job.block + pos[i]), int(upto[i]), int(out["FAIL_PROP"][i]), int(key[i])]
            for i in rerun[np.argsort(key[rerun], kind="stable")]
        ]
        + [[int(b * job.block + i), int(job.steps), -1, 2 * job.steps + 1] for i in skipped_unsure],
        # the certain violations, [path, step, property]: no re-run needed to count them
        "certain": [
            [int(b * job.block + pos[i]), int(fs[i]), int(out["FAIL_PROP"][i])]
            for i in np.flatnonzero(sure)
        ],
        "inv_settled": [
            [int(b * job.block + pos[i]), int(inv[i, 0]), int(inv[i, 1])]  # type: ignore[index]
            for i in settled
        ],
    }
    bd = col("bad_debt")
    if bd is not None:
        loss = bd - start("bad_debt")
        nz = loss[loss != 0.0]
        res["bad_debt_sum"] = float(loss.sum())
        top = np.argsort(-loss, kind="stable")[:WORST]
        res["worst"] = [[int(b * job.block + pos[i]), float(loss[i])] for i in top if loss[i] > 0]
        res["bad_debt_nonzero"] = nz.tolist()
    ins = col("insurance")
    if ins is not None:
        i0 = start("insurance")
        draw = i0 - out["T_MIN"][:, idx["insurance"]]
        hit = out["T_HIT"][:, idx["insurance"]]
        exhausted = (hit >= 0) & (i0 > 0)
        res["ins_start_sum"] = float(i0.sum())
        res["ins_draw_sum"] = float(draw.sum())
        res["ins_draw_max"] = float(draw.max()) if n else 0.0
        res["ins_draw_rel_sum"] = float(np.divide(draw, i0, out=np.zeros(n), where=i0 > 0).sum())
        res["ins_exhausted_steps"] = hit[exhausted].tolist()
    for name in ("liquidations", "adl"):
        c = col(name)
        if c is not None:
            res[f"{name}_sum"] = float((c - start(name)).sum())
            res[f"{name}_lanes"] = int(((c - start(name)) > 0).sum())
    if job.cover2 and (inputs.C2[:, 0] >= 0).any():
        c2 = out["COVER2"]
        res["cover2_sum"] = float(c2.sum())
        res["cover2_max"] = float(c2.max())
        if ins is not None:
            res["cover2_exceeds"] = int((c2 > start("insurance")).sum())
    return res


def run_blocks(job: BlockJob, blocks: list[int], engine: Any = None) -> list[dict[str, Any]]:
    """Run several blocks (a chunk); the unit of work of workers and Dask tasks."""
    out = []
    for b in blocks:
        inputs = draw_block(job, b)
        result = run_kernel(job, inputs, None if engine is None else (lambda x: engine(job, x)))
        out.append(summarize(job, b, inputs, result))
    return out
