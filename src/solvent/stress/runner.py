"""`solvent stress`: run a spec over many sampled paths and report tail-risk metrics.

Flow: check the options against the spec, compile the step (or fall back to NumPy lanes),
cut the paths into seeded blocks (:mod:`solvent.stress.blocks`), run the blocks in this
process, in worker processes or on a Dask cluster (results are merged in block order, so
the numbers do not depend on how the work was split), checkpoint finished blocks, then
re-run the flagged lanes exactly on the concrete backend and compute the metrics.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from solvent import limits
from solvent.engine.start import is_fixed, start
from solvent.engine.trace import ActionChoice, Trace, TraceStep
from solvent.errors import SolventError
from solvent.integrity import check_seal, create_private, seal, state_key
from solvent.lang.domains import AnyBool, Within
from solvent.spec.spec import Spec
from solvent.stress.blocks import BlockJob, draw_block, run_blocks
from solvent.stress.confirm import assess
from solvent.stress.confirm import verdict as assess_verdict
from solvent.stress.ir import NotCompilable
from solvent.stress.kernel import Layout, generate
from solvent.stress.metrics import combine, histogram, tail
from solvent.stress.pool import ignore_sigint, pump


class StressError(SolventError):
    """A stress option that does not fit the spec or the run."""

    code = "SV500"


class StressFieldError(StressError):
    """A metric field (bad debt, insurance, liquidations...) the spec does not have."""

    code = "SV501"


class StressEnvelopeError(StressError):
    """The scenario's returns cannot be mapped to the spec's envelope."""

    code = "SV502"


class SchedulerError(StressError):
    """The Dask scheduler cannot be reached."""

    code = "SV503"


class CheckpointError(StressError):
    """A checkpoint that belongs to another run or cannot be read."""

    code = "SV504"


@dataclass(frozen=True, slots=True)
class StressOptions:
    paths: int
    steps: int | None = None
    seed: int = 0
    accounts: int | None = None
    block: int = 1024
    chunk: int | None = None
    workers: int = 1
    scheduler: str | None = None
    fields: tuple[str, ...] = ()
    keeper_delay: int = 0
    keeper_outage: int = 0
    outage_start: int = 1
    oracle_delay: int = 0
    bad_debt_field: str | None = "bad_debt"
    insurance_field: str | None = "insurance"
    liquidations_field: str | None = "liquidations"
    adl_field: str | None = "adl"
    equity_metric: str | None = "account_equity"
    size_field: str | None = "size"
    price_field: str = "price"
    confirm: int | None = None  # flagged lanes re-run exactly (None: all)
    confirm_seconds: float | None = 300.0  # their time budget (None or 0: none)
    engine: str = "auto"  # auto | kernel | lanes
    invariants: tuple[str, ...] = ()
    checkpoint_dir: str | None = ".solvent-stress"
    resume: bool = False
    state_key_file: str | None = None  # HMAC key of the checkpoint (else $SOLVENT_STATE_KEY)
    traces: int = 5
    connect_timeout: float = 10.0
    action_rate: float = 0.0  # per step and path: the probability of one user action
    actions: tuple[str, ...] = ()  # --action: only these user actions (empty: all)


@dataclass(slots=True)
class StressResult:
    spec: str
    scenario: dict[str, Any]
    options: dict[str, Any]
    verdict: str
    metrics: dict[str, Any]
    confirmation: dict[str, Any]
    notes: list[str]
    engine: str
    seconds: float
    timings: dict[str, float]
    traces: list[tuple[Trace, str]] = field(default_factory=list)  # (trace, label)
    interrupted: bool = False
    blocks_done: int = 0
    blocks_total: int = 0
    worst: list[dict[str, Any]] = field(default_factory=list)  # worst paths, exactly replayed

    @property
    def exit_code(self) -> int:
        return {"PASS": 0, "FAIL": 1}.get(self.verdict, 2)


class Progress:
    """Progress callbacks (the CLI passes a Rich bar; the default does nothing)."""

    def start(self, total: int, done: int, what: str = "paths", label: str = "stress") -> None: ...
    def advance(self, paths: int) -> None: ...
    def stop(self) -> None: ...


# -- setting up a run ----------------------------------------------------------------------


def _field(spec: Spec, name: str | None, what: str, option: str, required: bool) -> str | None:
    if name is None or name.lower() == "none":
        return None
    fd = spec.fields.get(name)
    if fd is None or fd.per_account or fd.sort != "num":
        if not required:
            return None
        scalars = [n for n, f in spec.fields.items() if not f.per_account and f.sort == "num"]
        raise StressFieldError(
            f"spec {spec.name} has no scalar number field {name!r} to read {what} from; "
            f"name the field with {option} NAME (scalar fields: {', '.join(scalars) or 'none'}), "
            f"or pass {option} none to skip this metric"
        )
    return name


def _market_map(
    spec: Spec, scenario: Any, fields: tuple[str, ...]
) -> tuple[tuple[str, int, float], ...]:
    bounds = list(spec.bounds)
    if not bounds:
        raise StressEnvelopeError(
            f"spec {spec.name} has no envelope field to drive with the scenario"
        )
    n_assets = int(getattr(scenario, "n_assets", 1))
    for f in fields:
        if f not in spec.bounds:
            raise StressEnvelopeError(
                f"--field {f}: spec {spec.name} has no envelope field {f!r}; fields: {', '.join(bounds)}"
            )
    if fields:
        driven = list(fields)
    elif len(bounds) == n_assets:
        driven = bounds
    elif n_assets == 1 and len(bounds) > 1:
        raise StressEnvelopeError(
            f"spec {spec.name} has several envelope fields ({', '.join(bounds)}); name the one the "
            "scenario's returns drive with --field NAME"
        )
    else:
        driven = bounds[:n_assets]
    if len(driven) != n_assets:
        assets = ", ".join(map(str, getattr(scenario, "assets", ())))
        raise StressEnvelopeError(
            f"the scenario has {n_assets} assets ({assets}) but spec {spec.name} drives "
            f"{len(driven)} envelope field(s) ({', '.join(driven)}) with them; pick one asset "
            "(for the built-in crashes: --opt asset=NAME) or give one --field per asset"
        )
    out = []
    for name in bounds:
        if name in driven:
            out.append(("asset", driven.index(name), 0.0))
        else:
            dom = spec.bounds[name]
            fixed = Fraction(0) if dom.lo <= 0 <= dom.hi else dom.lo
            out.append(("const", 0, float(fixed)))
    return tuple(out)


def _init_of(v: Any) -> tuple[str, float, float]:
    """How the lanes draw one initial entry (see :func:`solvent.engine.start.start`)."""
    if isinstance(v, Within):
        return (
            ("uniform", float(v.lo), float(v.hi))
            if v.lo != v.hi
            else ("const", float(v.lo), float(v.lo))
        )
    if isinstance(v, AnyBool):
        return ("uniform", 0.0, 1.0)
    return ("const", float(v), float(v))


def prepare(
    spec: Spec, scenario: Any, population: Any, opts: StressOptions
) -> tuple[Spec, BlockJob, list[Any], list[str], str]:
    """Validate and build the job; return (spec with the run's accounts, job, properties, notes, engine)."""
    from solvent.check.solving import select_properties
    from solvent.engine.step import require_spec_sane
    from solvent.errors import UsageError
    from solvent.stress.blocks import action_draws

    notes: list[str] = []
    for what, v in (("--paths", opts.paths), ("--steps", opts.steps)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v <= 0):
            raise UsageError(f"{what} must be a positive whole number, got {v!r}")
    for what, v in (
        ("--keeper-delay", opts.keeper_delay),
        ("--keeper-outage", opts.keeper_outage),
        ("--outage-start", opts.outage_start),
        ("--oracle-delay", opts.oracle_delay),
        ("--confirm", opts.confirm or 0),
        ("--traces", opts.traces),
        ("--seed", opts.seed),  # NumPy seeds are non-negative
    ):
        if v < 0:
            raise UsageError(f"{what} must be 0 or more, got {v}")
    if opts.confirm_seconds is not None and not opts.confirm_seconds >= 0:
        raise UsageError(
            f"--confirm-seconds must be 0 (no limit) or more, got {opts.confirm_seconds}"
        )
    if not opts.connect_timeout > 0:
        raise UsageError(
            f"--scheduler-timeout must be a positive number of seconds, got {opts.connect_timeout}"
        )
    if opts.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {opts.workers}")
    if opts.block < 1:
        raise UsageError(f"block size must be at least 1, got {opts.block}")
    if opts.chunk is not None and opts.chunk < 1:
        raise UsageError(f"--chunk must be a positive number of paths, got {opts.chunk}")
    if opts.engine not in ("auto", "kernel", "lanes"):
        raise UsageError(f"--engine must be auto, kernel or lanes, got {opts.engine!r}")
    steps = opts.steps
    if steps is None:
        steps = getattr(scenario, "native_steps", None)
        if steps is None:
            raise UsageError(
                f"scenario {scenario.name} is random: give the number of steps with --steps N"
            )
    accounts = opts.accounts if opts.accounts is not None else spec.accounts
    problem = limits.work_problem(opts.paths, steps, accounts)
    if problem is not None:
        raise UsageError(f"stress run too large to finish: {problem}")
    require_spec_sane(spec)
    fixed = getattr(spec, "arithmetic", "exact") == "fixed"
    if fixed and opts.engine == "kernel":
        raise StressError(
            f"spec {spec.name} uses fixed-point arithmetic (decimals={spec.decimals}); the compiled "
            "kernel runs float64 only: use --engine auto or --engine lanes (int64 NumPy lanes)"
        )
    if fixed and spec.decimals > 18:
        raise StressError(
            f"spec {spec.name} has decimals={spec.decimals}: stress runs fixed-point specs on int64 "
            "lanes, which hold at most 18 decimals (one unit of 10^-19 does not fit); use "
            "decimals=18 or fewer for stress (prove/bmc/replay handle up to 36)"
        )
    if opts.accounts is not None:
        if opts.accounts < 1:
            raise UsageError(f"--accounts must be at least 1, got {opts.accounts}")
        spec = spec.with_accounts(opts.accounts)
    decls = select_properties(spec, list(opts.invariants) or None)
    if not opts.invariants:
        decls += [d for d in spec.lemmas if d not in decls]
    rate = opts.action_rate
    draws = action_draws(spec, rate, opts.actions, fixed)
    if draws:
        names = list(dict.fromkeys(a.name for a in draws))
        notes.append(
            f"user actions run: each step, each path performs one user action with probability "
            f"{rate:g}, drawn uniformly among {len(draws)} instance(s) of {', '.join(names)} "
            "(arguments uniform in their domains; guards apply: a disabled action changes nothing)"
        )
    elif spec.actions:
        notes.append(
            "user actions (" + ", ".join(a.name for a in spec.actions) + ") do not run in stress: "
            "the portfolio is the sampled initial state; the market, keepers and invariants run"
        )
    tracked = {
        "bad_debt": _field(spec, opts.bad_debt_field, "bad debt", "--bad-debt-field", True),
        "insurance": _field(
            spec, opts.insurance_field, "the insurance fund", "--insurance-field", True
        ),
        "liquidations": _field(
            spec, opts.liquidations_field, "liquidations", "--liquidations-field", True
        ),
        "adl": _field(spec, opts.adl_field, "ADL events", "--adl-field", opts.adl_field != "adl"),
    }
    market_map = _market_map(spec, scenario, opts.fields)
    globs = tuple(n for n, fd in spec.fields.items() if not fd.per_account)
    accs = tuple(n for n, fd in spec.fields.items() if fd.per_account)
    index = {k: (globs.index(v) if v is not None else -1) for k, v in tracked.items()}
    begin = start(spec)  # the spec's own initial state, per account (as bmc and replay)
    pop_price = 0.0
    if population is not None:
        fd = spec.fields.get(opts.price_field)
        if fd is None or fd.per_account or not is_fixed(begin[opts.price_field][0]):
            raise StressFieldError(
                f"the account population needs the start price: spec {spec.name} has no scalar field "
                f"{opts.price_field!r} with a fixed initial value; name it with --price-field NAME"
            )
        pop_price = float(begin[opts.price_field][0])
        probe = population.sample(np.random.default_rng(0), 1, 1, pop_price)
        missing = [f for f in probe if f not in accs]
        if missing:
            raise StressFieldError(
                f"the account population sets {', '.join(missing)}, which spec {spec.name} does not "
                f"have as per-account fields ({', '.join(accs) or 'none'})"
            )
    params = spec.param_values()
    cover2_metric = opts.equity_metric
    size_index = accs.index(opts.size_field) if opts.size_field in accs else -1
    cover2 = (
        cover2_metric is not None
        and any(m.name == cover2_metric and m.per_account for m in spec.metrics)
        and size_index >= 0
        and spec.accounts >= 2
    )
    if not cover2:
        notes.append(
            "Cover-2 not computed: it needs at least 2 accounts, a per-account field "
            f"{opts.size_field!r} and a per-account metric {cover2_metric!r} (the account's equity)"
        )
    kernel = None
    engine = "lanes"
    grid = None
    if fixed:
        from solvent.stress.grid import OVERFLOW, make_grid

        grid = make_grid(spec, globs, accs, market_map)
        decls = [*decls, OVERFLOW]
        notes.append(
            f"fixed point ({spec.decimals} decimals): int64 NumPy lanes; the scenario's and the "
            f"population's float64 draws are rounded half-even to 10^-{spec.decimals}; lanes whose "
            "numbers leave int64 are flagged (flagged_by_property int64_overflow) and re-run exactly"
        )
    elif draws:
        if opts.engine == "kernel":
            raise StressError(
                f"--action-rate {rate:g}: the compiled kernel runs no user actions; use "
                "--engine auto or --engine lanes (NumPy lanes, slower), or --action-rate 0"
            )
        notes.append(
            "engine: NumPy lanes (the compiled kernel runs no user actions; with --action-rate > 0 "
            "the spec's own step runs on NumPy lanes, which is slower)"
        )
    elif opts.engine in ("auto", "kernel"):
        try:
            kernel = generate(
                spec,
                params,
                decls,
                cover2_metric=cover2_metric if cover2 else None,
                initials=list(spec.initials),
            )
            engine = "kernel"
        except NotCompilable as exc:
            if opts.engine == "kernel":
                raise StressError(
                    f"spec {spec.name} cannot be compiled to the stress kernel: {exc}"
                ) from None
            notes.append(f"engine: NumPy lanes (the step does not fit the compiled kernel: {exc})")
    if kernel is not None:
        layout = kernel.layout
    else:
        bools = frozenset(n for n, fd in spec.fields.items() if fd.sort == "bool")
        layout = Layout(globs, accs, tuple(spec.bounds), bools, tuple(d.name for d in decls))
    job = BlockJob(
        kernel=kernel,
        layout=layout,
        scenario=scenario,
        population=population,
        seed=opts.seed,
        paths=opts.paths,
        block=opts.block,
        steps=steps,
        accounts=spec.accounts,
        g_init=tuple(_init_of(begin[f][0]) for f in globs),
        a_init=tuple(tuple(_init_of(e) for e in begin[f]) for f in accs),
        market_map=market_map,
        bounds=tuple((float(spec.bounds[n].lo), float(spec.bounds[n].hi)) for n in spec.bounds),
        keeper_period=opts.keeper_delay + 1,
        outage_start=opts.outage_start if opts.keeper_outage else 0,
        outage_len=opts.keeper_outage,
        oracle_delay=opts.oracle_delay,
        population_price=pop_price,
        cover2=cover2,
        size_index=size_index,
        fields=index,
        grid=grid,
        action_rate=float(rate) if draws else 0.0,
        actions=draws,
    )
    return spec, job, decls, notes, engine


def _check_initials(spec: Spec, job: BlockJob, engine: Callable[..., Any] | None) -> None:
    """Refuse a run whose sampled initial states never meet the spec's @initial conditions."""
    from solvent.stress.blocks import run_kernel

    probe = min(job.block_size(0), 256)
    x = draw_block(job, 0)
    x = type(x)(
        x.G0[:probe],
        x.A0[:probe],
        np.ascontiguousarray(x.M[:probe]),
        x.C2[:probe],
        x.beyond[:probe],
        None if x.overflow is None else x.overflow[:probe],
        None if x.wide is None else {k: v for k, v in x.wide.items() if k < probe},
        None if x.act is None else x.act[:probe],
        None if x.act_args is None else x.act_args[:probe],
    )
    out = run_kernel(job, x, None if engine is None else (lambda inputs: engine(job, inputs)))
    if (out["FAIL_STEP"] == -2).all():
        names = ", ".join(d.name for d in spec.initials)
        raise StressError(
            f"every sampled initial state of spec {spec.name} breaks its @initial condition(s) "
            f"({names}), so no sampled path is a path of the spec. stress draws symbolic fields "
            "(sv.within) uniformly and the population sets quote/size; give fields that an "
            "@initial condition ties to others a fixed initial value in the spec, or relax the condition"
        )


def run_hash(spec: Spec, job: BlockJob) -> str:
    """Identifies the numbers of a run (not how it is split): checkpoints must match it."""
    parts = {
        "spec": spec.name,
        "params": {k: str(v) for k, v in spec.param_values().as_dict().items()},
        "kernel": None if job.kernel is None else job.kernel.digest,
        "layout": asdict(job.layout) | {"bools": sorted(job.layout.bools)},
        "scenario": repr(_describe(job.scenario)),
        "population": None if job.population is None else repr(job.population.describe()),
        "job": [
            job.seed,
            job.paths,
            job.block,
            job.steps,
            job.accounts,
            job.g_init,
            job.a_init,
            job.market_map,
            job.keeper_period,
            job.outage_start,
            job.outage_len,
            job.oracle_delay,
            job.cover2,
            None if job.grid is None else repr(job.grid),
        ],
    }
    if job.action_rate > 0:  # absent otherwise: checkpoints of runs without actions keep their name
        parts["actions"] = [repr(job.action_rate), repr(job.actions)]
    parts["bounds"] = 1  # block summaries list the undecided lanes (solvent.stress.bounds)
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _describe(scenario: Any) -> dict[str, Any]:
    try:
        return dict(scenario.describe())
    except Exception:  # noqa: BLE001 - a fixture without describe()
        return {"name": getattr(scenario, "name", type(scenario).__name__)}


# -- executing blocks ------------------------------------------------------------------------


class Checkpoint:
    """Finished block summaries, one JSON line each, after a header naming the run.

    Every line carries a ``seal`` (:mod:`solvent.integrity`): the SHA-256, or with a state
    key the HMAC-SHA256, of the previous line's seal and its own content, so an edited,
    removed or reordered line breaks the chain. ``--resume`` refuses (exit 3) a checkpoint
    whose chain does not verify, and one written before seals existed; only a last line cut
    by the interruption (not JSON) is dropped, and its block runs again. Created 0600.
    """

    def __init__(
        self, folder: str | None, digest: str, resume: bool, key: bytes | None = None
    ) -> None:
        self.path = None if folder is None else Path(folder) / f"stress-{digest}.jsonl"
        self.digest = digest
        self.key = key
        self.done: dict[int, dict[str, Any]] = {}
        self._synced = 0.0
        self._last = ""  # the seal of the last line written or read
        if self.path is None:
            return
        if resume:
            if not self.path.exists():
                raise CheckpointError(
                    f"--resume: no checkpoint {self.path} for this run (same spec, scenario, seed, "
                    "paths, steps and options); run without --resume to start it"
                )
            self._load()
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with create_private(str(self.path), "w") as fh:
                fh.write(self._sealed({"run": digest}) + "\n")

    def _sealed(self, rec: dict[str, Any]) -> str:
        body = self._canon(json.loads(json.dumps(rec)))  # as it will read back
        self._last = seal((self._last + "\n" + body).encode(), self.key)
        return json.dumps({**rec, "seal": self._last})

    def _load(self) -> None:
        assert self.path is not None
        text = self.path.read_text(encoding="utf-8")
        lines = text.splitlines()
        try:
            head = json.loads(lines[0]) if lines else {}
        except json.JSONDecodeError:
            head = {}
        if not isinstance(head, dict) or head.get("run") != self.digest:
            raise CheckpointError(
                f"checkpoint {self.path} belongs to another run; delete it or run without --resume"
            )
        for i, line in enumerate(lines):
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                if 0 < i == len(lines) - 1:  # cut by the interruption: its block runs again
                    keep = text[: text.rstrip("\n").rindex("\n") + 1]
                    with self.path.open("r+b") as fh:  # appends start on a line of their own
                        fh.truncate(len(keep.encode()))
                    break
                rec = None
            stored = rec.pop("seal", None) if isinstance(rec, dict) else None
            if not isinstance(rec, dict):
                why = "the line is not a JSON object"
            elif stored is None and i == 0:
                why = "it was written by an older solvent, without seals"
            else:
                body = (self._last + "\n" + self._canon(rec)).encode()
                why = check_seal(body, stored, self.key)
            if why is not None:
                raise CheckpointError(
                    f"checkpoint {self.path} does not verify at line {i + 1}: {why}; it is not "
                    "used. Run without --resume to start the run afresh (or give the state key "
                    "it was written with)"
                )
            self._last = str(stored)
            if i:
                self.done[int(rec["block"])] = rec
        else:
            if not text.endswith("\n"):  # a whole last line whose newline was not written
                with self.path.open("a", encoding="utf-8") as fh:
                    fh.write("\n")

    @staticmethod
    def _canon(rec: dict[str, Any]) -> str:
        return json.dumps(rec, sort_keys=True, separators=(",", ":"))

    def add(self, summaries: list[dict[str, Any]]) -> None:
        for s in summaries:
            self.done[s["block"]] = s
        if self.path is None:
            return
        with self.path.open("a", encoding="utf-8") as fh:
            for s in summaries:
                fh.write(self._sealed(s) + "\n")
            fh.flush()
            now = time.monotonic()
            if now - self._synced > 1.0:  # at most one fsync a second
                os.fsync(fh.fileno())
                self._synced = now

    def remove(self) -> None:
        if self.path is not None and self.path.exists():
            self.path.unlink()
            try:
                self.path.parent.rmdir()
            except OSError:
                pass


def _lanes_engine(spec: Spec, decls: list[Any], cover2_metric: str | None) -> Callable[..., Any]:
    from solvent.stress.lanes import lane_actions, run_lanes

    params = spec.param_values()
    backend = None  # float64 lanes; a fixed-point spec: one int64 backend for the run
    if getattr(spec, "arithmetic", "exact") == "fixed":
        from solvent.backends.vector_fixed import FixedVectorBackend

        backend = FixedVectorBackend(spec.decimals)  # run_lanes resets its overflow mask per block

    def engine(job: BlockJob, inputs: Any) -> dict[str, np.ndarray]:
        return run_lanes(
            spec,
            params,
            decls,
            job.layout,
            inputs.G0,
            inputs.A0,
            inputs.M,
            job.keeper_period,
            job.outage_start,
            job.outage_len,
            inputs.C2,
            cover2_metric if job.cover2 else None,
            list(spec.initials),
            backend=backend,
            overflow=inputs.overflow,
            grid=job.grid,
            wide=inputs.wide,
            actions=lane_actions(spec, job, inputs.act, inputs.act_args),
        )

    return engine


def default_chunk(job: BlockJob) -> int:
    """Paths per unit of work: about 2e8 account-steps, 1 to 64 blocks."""
    per_path = max(1, job.steps * job.accounts)
    blocks = min(64, max(1, int(2e8 // per_path) // job.block))
    return blocks * job.block


def execute(
    job: BlockJob,
    ckpt: Checkpoint,
    opts: StressOptions,
    progress: Progress,
    engine: Callable[..., Any] | None,
) -> bool:
    """Run every unfinished block; return False if interrupted (finished blocks are kept)."""
    per = max(1, -(-(opts.chunk or default_chunk(job)) // job.block))
    todo = job.n_blocks - sum(1 for b in ckpt.done if 0 <= b < job.n_blocks)
    chunks = _chunks(job.n_blocks, ckpt.done, per)  # streamed: never a list of every block
    progress.start(job.paths, sum(s["n"] for s in ckpt.done.values()))
    try:
        if engine is None and opts.workers == 1 and opts.scheduler is None and todo > per:
            _run_threads(job, chunks, ckpt, progress)
        elif engine is not None or (opts.workers == 1 and opts.scheduler is None):
            keep = _keeper(ckpt, progress)
            for blocks in chunks:
                keep(run_blocks(job, blocks, engine))
        elif opts.scheduler is not None:
            _run_dask(job, chunks, ckpt, opts, progress)
        else:
            _run_processes(job, chunks, ckpt, opts, progress)
    except KeyboardInterrupt:
        return False
    finally:
        progress.stop()
    return True


def _chunks(n_blocks: int, done: Mapping[int, Any], per: int) -> Iterator[list[int]]:
    """The unfinished blocks in order, ``per`` at a time, generated as they are needed."""
    chunk: list[int] = []
    for b in range(n_blocks):
        if b in done:
            continue
        chunk.append(b)
        if len(chunk) == per:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


THREADS = 2


def _keeper(ckpt: Checkpoint, progress: Progress) -> Callable[[list[dict[str, Any]]], None]:
    """Checkpoint a finished chunk's block summaries and advance the progress bar."""

    def keep(res: list[dict[str, Any]]) -> None:
        ckpt.add(res)
        progress.advance(sum(r["n"] for r in res))

    return keep


def _run_threads(
    job: BlockJob, chunks: Iterable[list[int]], ckpt: Checkpoint, progress: Progress
) -> None:
    """Two threads in this process: one draws a chunk's moves while the other runs the kernel.

    NumPy's generators and the generated kernel (``nogil=True``) release the GIL, so
    drawing and simulating overlap on two cores without starting processes. Blocks are
    seeded by their index and merged in block order: the numbers are those of a serial run.
    """
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="solvent-stress")
    try:
        pump(pool, run_blocks, ((job, c) for c in chunks), THREADS, _keeper(ckpt, progress))
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)  # running chunks finish (seconds at most)
        raise
    pool.shutdown(wait=True)


def _run_processes(
    job: BlockJob,
    chunks: Iterable[list[int]],
    ckpt: Checkpoint,
    opts: StressOptions,
    progress: Progress,
) -> None:
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=opts.workers, mp_context=ctx, initializer=ignore_sigint)
    try:
        pump(pool, run_blocks, ((job, c) for c in chunks), 2 * opts.workers, _keeper(ckpt, progress))
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def dask_config() -> dict[str, Any]:
    """Dask settings for stress workers: no MALLOC_TRIM_THRESHOLD_ (NumPy ran 2.3x slower)."""
    return {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}


def connect(address: str, timeout: float, scratch: str | None = None) -> tuple[Any, Any]:
    """A Dask client for ``address``; ``local:N`` starts a LocalCluster of N workers."""
    import dask
    from distributed import Client, LocalCluster

    dask.config.set(dask_config())
    if address.startswith("local"):
        _, _, count = address.partition(":")
        try:
            n = int(count or "2")
        except ValueError:
            raise SchedulerError(
                f"--scheduler {address}: write local:N with N a number of workers"
            ) from None
        cluster = LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
            local_directory=scratch, silence_logs=40,
        )  # fmt: skip
        return Client(cluster), cluster
    try:
        return Client(address, timeout=f"{timeout}s"), None
    except (OSError, TimeoutError) as exc:
        raise SchedulerError(
            f"cannot reach the Dask scheduler at {address} within {timeout:g}s ({type(exc).__name__}: "
            f"{exc}); check the address (e.g. tcp://host:8786) and that the scheduler runs"
        ) from None


def _run_dask(
    job: BlockJob,
    chunks: Iterable[list[int]],
    ckpt: Checkpoint,
    opts: StressOptions,
    progress: Progress,
) -> None:
    import tempfile

    from distributed import as_completed

    with tempfile.TemporaryDirectory(prefix="solvent-dask-") as scratch:
        client, cluster = connect(opts.scheduler or "", opts.connect_timeout, scratch)
        try:
            shared = client.scatter(job, broadcast=True)
            futures = [client.submit(run_blocks, shared, blocks, pure=False) for blocks in chunks]
            try:
                keep = _keeper(ckpt, progress)
                for fut in as_completed(futures):
                    keep(fut.result())
            except BaseException:
                client.cancel(futures)
                raise
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


# -- confirmation ----------------------------------------------------------------------------


def lane_trace(
    spec: Spec, job: BlockJob, inputs: Any, lane: int, index: int, upto: int, meta: dict[str, Any]
) -> Trace:
    """The exact trace of lane ``lane`` of a block (global path ``index``), first ``upto`` steps.

    Float64 inputs become the exact rationals of the doubles, except an initial value that
    is the double of the spec's own initial ``q``, which starts from ``q`` (the spec's own
    state; the lanes' bounds allow for the difference); a fixed-point job's inputs are
    int64 grid units and become ``units / 10**decimals``: the numbers the lanes used.
    """
    layout = job.layout
    grid = job.grid
    G0, A0, M = inputs.G0[lane], inputs.A0[lane], inputs.M[lane]
    if grid is not None:
        from solvent.stress.grid import lane_rows

        G0, A0, M = lane_rows(inputs, lane)  # exact units, also outside int64

    def exact(x: Any) -> Fraction:
        return Fraction(float(x)) if grid is None else grid.value(x)

    from solvent.stress.bounds import exact_initial, initial_exact

    own = initial_exact(spec)  # the spec's own initial values: the lane holds their doubles

    def start(f: str, a: int, x: Any) -> Fraction:
        if grid is not None:
            return grid.value(x)
        entries = own.get(f, ())
        return exact_initial(float(x), entries[a] if a < len(entries) else None)

    init: dict[str, Any] = {}
    for i, f in enumerate(layout.globals):
        v = G0[i]
        init[f] = (float(v) != 0.0) if f in layout.bools else start(f, 0, v)
    for i, f in enumerate(layout.accounts):
        vals = A0[i, :]
        init[f] = tuple(
            (float(x) != 0.0) if f in layout.bools else start(f, a, x) for a, x in enumerate(vals)
        )
    from solvent.stress.lanes import keeper_schedule

    live = keeper_schedule(job.steps, job.keeper_period, job.outage_start, job.outage_len)
    act = getattr(inputs, "act", None)
    steps = []
    for t in range(upto):
        market = {
            name: exact(M[t, j]) for j, name in enumerate(layout.market)
        }
        keepers: dict[str, tuple[bool, ...]] = {}
        for k in spec.keepers:
            if not live[t]:
                keepers[k.name] = (False,) * (spec.accounts if k.n_accounts else 1)
            elif k.liveness in ("adversarial", "within"):
                keepers[k.name] = (True,) * (spec.accounts if k.n_accounts else 1)
        action = None
        if act is not None and act[lane, t] >= 0:  # the user action the lane ran, exactly
            drawn = job.actions[int(act[lane, t])]
            args: dict[str, Any] = {}
            for k, arg in enumerate(drawn.args):
                x = inputs.act_args[lane, t, k]
                if arg.kind == "bool":
                    args[arg.name] = bool(x != 0)
                elif arg.exact is not None and grid is None:
                    args[arg.name] = arg.exact  # a one-point domain: its exact value
                else:
                    args[arg.name] = exact(x)
            action = ActionChoice(drawn.name, drawn.accounts, args)
        steps.append(TraceStep(market, action, keepers))
    params = dict(spec.param_values().as_dict())
    return Trace(spec.name, spec.accounts, init, tuple(steps), params, meta)


def worst_paths(
    spec: Spec, job: BlockJob, worst: list[list[Any]], opts: StressOptions, limit: int = 3
) -> list[dict[str, Any]]:
    """The paths with the largest bad debt, with their price and insurance series.

    The series are float64 (data for plots): recorded by the kernel, or by the
    NumPy-lanes engine when it runs; ``bad_debt`` is the path's float64 bad debt. Whether the path breaks an
    invariant exactly is what the confirmation reports.
    """
    from solvent.stress.lanes import lane_actions, lane_series

    picked = worst[:limit]
    if not picked:
        return []
    fields = [f for f in (opts.price_field, opts.insurance_field) if f in job.layout.globals]
    rows: list[Any] = []
    wide: dict[int, Any] = {}  # fixed point: exact units of lanes whose draws left int64
    acts: list[tuple[np.ndarray, np.ndarray]] = []
    for index, _loss in picked:
        b, lane = divmod(index, job.block)
        x = draw_block(job, b)
        if x.wide and lane in x.wide:
            wide[len(rows)] = x.wide[lane]
        if x.act is not None and x.act_args is not None:  # the user actions the lane ran
            acts.append((x.act[lane], x.act_args[lane]))
        rows.append((x.G0[lane], x.A0[lane], x.M[lane], x.beyond[lane]))
    G0 = np.stack([r[0] for r in rows])
    A0 = np.stack([r[1] for r in rows])
    M = np.stack([r[2] for r in rows])
    series: dict[str, np.ndarray] = {}
    if fields and job.kernel is not None:
        from solvent.stress.blocks import BlockInputs, run_kernel

        n = len(rows)
        ser = np.zeros((n, job.steps + 1, len(job.layout.globals)))
        inputs = BlockInputs(
            G0,
            A0,
            np.ascontiguousarray(M),
            np.full((n, 2), -1, dtype=np.int64),
            np.zeros(n, dtype=bool),
        )
        run_kernel(job, inputs, record=np.arange(n, dtype=np.int64), series=ser)
        series = {f: ser[:, :, job.layout.globals.index(f)] for f in fields}
    elif fields:
        series = lane_series(
            spec,
            spec.param_values(),
            job.layout,
            G0,
            A0,
            M,
            job.keeper_period,
            job.outage_start,
            job.outage_len,
            fields,
            wide=wide,
            actions=lane_actions(
                spec,
                job,
                np.stack([a for a, _ in acts]) if acts else None,
                np.stack([g for _, g in acts]) if acts else None,
            ),
        )
    out = []
    for k, (index, loss) in enumerate(picked):
        item: dict[str, Any] = {
            "path": index,
            "seed": job.seed,
            "bad_debt": loss,
            "beyond_envelope": bool(rows[k][3]),
        }
        if opts.price_field in series:
            item["prices"] = series[opts.price_field][k].tolist()
        if opts.insurance_field in series:
            item["insurance"] = series[opts.insurance_field][k].tolist()
        out.append(item)
    return out


# -- the verb ---------------------------------------------------------------------------------


def stress(
    spec: Spec,
    scenario: Any,
    population: Any,
    opts: StressOptions,
    progress: Progress | None = None,
) -> StressResult:
    """Run the stress simulation; see the module docstring."""
    t0 = time.perf_counter()
    progress = progress or Progress()
    spec, job, decls, notes, engine_name = prepare(spec, scenario, population, opts)
    timings: dict[str, float] = {}
    lanes_engine = None
    if engine_name == "kernel":
        from solvent.stress.kernel import load

        tc = time.perf_counter()
        load(job.kernel)
        timings["kernel_load"] = time.perf_counter() - tc
    else:
        lanes_engine = _lanes_engine(spec, decls, opts.equity_metric)
        if opts.workers > 1 or opts.scheduler:
            notes.append(
                "the NumPy-lanes engine runs in this process only; --workers/--scheduler ignored"
            )
    if opts.oracle_delay:
        notes.append(
            f"oracle delay {opts.oracle_delay}: the oracle publishes every {opts.oracle_delay + 1} steps; in "
            "between, keepers and invariants see the last published price"
        )
    if opts.keeper_outage or opts.keeper_delay:
        notes.append(
            "keepers run only at steps t with t % "
            + str(opts.keeper_delay + 1)
            + " == 0"
            + (
                f" and not in steps {opts.outage_start}..{opts.outage_start + opts.keeper_outage - 1}"
                if opts.keeper_outage
                else ""
            )
        )
    if spec.initials:
        _check_initials(spec, job, lanes_engine)
    digest = run_hash(spec, job)
    ckpt = Checkpoint(opts.checkpoint_dir, digest, opts.resume, state_key(opts.state_key_file))
    if ckpt.done:
        notes.append(f"resumed: {len(ckpt.done)} of {job.n_blocks} blocks were already done")
    tr, cpu = time.perf_counter(), time.process_time()
    finished = execute(job, ckpt, opts, progress, lanes_engine)
    timings["simulate"] = time.perf_counter() - tr
    timings["simulate_cpu"] = time.process_time() - cpu  # this process only (not workers)
    describe = _describe(scenario)
    summaries = list(ckpt.done.values())
    tot = combine(summaries, len(decls))
    n = tot["paths"]
    conf: dict[str, Any] = {
        "checked": 0,
        "confirmed": 0,
        "unconfirmed": 0,
        "by_property": {},
        "seconds": 0.0,
        "stopped": None,
        "traces": [],
    }
    flagged = tot["fail"]
    rerun = len(tot["lanes"])  # flagged or undecided: the judge's lanes
    if finished:
        from solvent.stress.confirm import confirm_lanes

        tc = time.perf_counter()
        conf = confirm_lanes(spec, job, tot["lanes"], opts, describe, decls, progress)
        timings["confirm"] = time.perf_counter() - tc
        if conf["stopped"] != "interrupted":
            ckpt.remove()
    unchecked = rerun - conf["checked"]
    certified = n - (rerun - tot["undecided_excluded"])
    if tot["excluded"]:
        notes.append(
            f"{tot['excluded']} sampled initial states broke the spec's @initial conditions "
            f"and were skipped; the metrics cover the other {n} paths"
        )
    metrics: dict[str, Any] = {
        "paths": n,
        "excluded_initial": tot["excluded"],
        "steps": job.steps,
        "accounts": job.accounts,
        "beyond_envelope": tot["beyond"],
        "flagged_beyond_envelope": tot["fail_beyond"],
    }
    if "int64_overflow" in [d.name for d in decls]:  # fixed point (solvent.stress.grid)
        metrics["overflow_lanes"] = tot["fail_by_prop"][[d.name for d in decls].index("int64_overflow")]
    metrics["p_insolvency"] = assess(
        conf, rerun, n, dict(zip([d.name for d in decls], tot["fail_by_prop"], strict=True))
    )
    if "bad_debt_sum" in tot:
        var, es = tail(tot["bad_debt_nonzero"], n)
        nz = tot["bad_debt_nonzero"]
        metrics["bad_debt"] = {
            "mean": tot["bad_debt_sum"] / n if n else 0.0,
            "var_99": var,
            "es_975": es,
            "max": float(nz.max()) if len(nz) else 0.0,
            "paths_with_bad_debt": int((nz > 0).sum()),
            "histogram": histogram(nz, n),
        }
    else:
        metrics["bad_debt"] = None
    if "ins_start_sum" in tot:
        steps_ex = tot["ins_exhausted_steps"]
        metrics["insurance"] = {
            "mean_start": tot["ins_start_sum"] / n if n else 0.0,
            "mean_drawdown": tot["ins_draw_sum"] / n if n else 0.0,
            "mean_drawdown_fraction": tot["ins_draw_rel_sum"] / n if n else 0.0,
            "max_drawdown": tot["ins_draw_max"],
            "exhausted_paths": int(len(steps_ex)),
            "p_exhausted": len(steps_ex) / n if n else 0.0,
            "time_to_exhaustion_median": float(np.median(steps_ex)) if len(steps_ex) else None,
            "time_to_exhaustion_mean": float(steps_ex.mean()) if len(steps_ex) else None,
        }
    else:
        metrics["insurance"] = None
    for name in ("liquidations", "adl"):
        if f"{name}_sum" in tot:
            metrics[name] = {
                "total": tot[f"{name}_sum"],
                "mean": tot[f"{name}_sum"] / n if n else 0.0,
                "paths": tot[f"{name}_lanes"],
            }
        else:
            metrics[name] = None
    if "cover2_sum" in tot:
        metrics["cover2"] = {
            "mean": tot["cover2_sum"] / n if n else 0.0,
            "max": tot["cover2_max"],
            "exceeds_insurance": tot.get("cover2_exceeds"),
        }
    else:
        metrics["cover2"] = None
    worst: list[dict[str, Any]] = []
    if finished and tot.get("worst"):
        tw = time.perf_counter()
        worst = worst_paths(spec, job, tot["worst"], opts)
        timings["worst_paths"] = time.perf_counter() - tw
        metrics["insurance_paths"] = [w.pop("insurance") for w in worst if "insurance" in w]
    if not finished:
        verdict = "INTERRUPTED"
        notes.append(
            f"interrupted (Ctrl-C): {len(ckpt.done)} of {job.n_blocks} blocks kept; metrics cover "
            f"{n} paths; run again with --resume to finish"
        )
    else:
        verdict, more = assess_verdict(conf, rerun)
        notes.extend(more)
        if conf["stopped"] == "interrupted":
            notes.append(
                "the exact re-runs were interrupted (Ctrl-C); the simulated blocks are kept: "
                "run again with --resume to re-run the flagged lanes"
            )
    return StressResult(
        spec=spec.name, scenario=describe,
        options={"paths": opts.paths, "steps": job.steps, "seed": opts.seed, "accounts": job.accounts,
                 "block": job.block, "keeper_delay": opts.keeper_delay, "keeper_outage": opts.keeper_outage,
                 "outage_start": opts.outage_start, "oracle_delay": opts.oracle_delay,
                 "population": None if population is None else population.describe(),
                 "action_rate": job.action_rate,
                 "actions": list(dict.fromkeys(a.name for a in job.actions))},
        verdict=verdict, metrics=metrics,
        confirmation={"flagged": flagged, "undecided": tot["undecided"], "rerun": rerun,
                      "certified": certified, "checked": conf["checked"], "confirmed": conf["confirmed"],
                      "unconfirmed": conf["unconfirmed"], "unchecked": unchecked, "stopped": conf["stopped"],
                      "seconds": conf["seconds"]},
        notes=notes, engine=engine_name, seconds=time.perf_counter() - t0, timings=timings,
        traces=conf["traces"], interrupted=not finished or conf["stopped"] == "interrupted", blocks_done=len(ckpt.done), blocks_total=job.n_blocks,
        worst=worst,
    )  # fmt: skip
