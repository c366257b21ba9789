"""Planning a stress run: check the options against the spec, compile the step (or fall
back to NumPy lanes) and build the :class:`~solvent.stress.blocks.BlockJob`; the run's hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict
from fractions import Fraction
from typing import Any

import numpy as np

from solvent import limits
from solvent.engine.start import is_fixed, start
from solvent.lang.domains import AnyBool, Within
from solvent.spec.spec import Spec
from solvent.stress.blocks import BlockJob, draw_block
from solvent.stress.ir import NotCompilable
from solvent.stress.kernel import Layout, generate
from solvent.stress.options import (
    StressEnvelopeError,
    StressError,
    StressFieldError,
    StressOptions,
)

# -- setting up a run ----------------------------------------------------------------------


AUTO = "auto"  # a metric field option's value: its default name when the spec has it


def _field(
    spec: Spec,
    name: str | None,
    what: str,
    option: str,
    required: bool,
    default: str = "",
    notes: list[str] | None = None,
) -> str | None:
    """The scalar number field a metric reads: ``name``; None for ``none``; for ``auto``
    the field ``default`` when the spec has it, else None (a note says the metric is
    skipped and which option names the field)."""
    if name is None or name.lower() == "none":
        return None
    if name.lower() == AUTO:
        found = _field(spec, default, what, option, False)
        if found is None and notes is not None:
            notes.append(
                f"{what} not reported: spec {spec.name} has no scalar number field "
                f"{default!r}; name yours with {option} NAME"
            )
        return found
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
                f"--field {f}: spec {spec.name} has no envelope field {f!r}; fields: "
                f"{', '.join(bounds)}"
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
    """Validate and build the job.

    Returns (spec with the run's accounts, job, properties, notes, engine)."""
    from solvent.check.solving import select_properties
    from solvent.engine.step import require_spec_sane
    from solvent.errors import UsageError
    from solvent.stress.actions import action_draws

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
    if opts.timeout is not None and not opts.timeout >= 0:
        raise UsageError(f"--timeout must be 0 (no limit) or more seconds, got {opts.timeout}")
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
            f"spec {spec.name} uses fixed-point arithmetic (decimals={spec.decimals}); the "
            "compiled "
            "kernel runs float64 only: use --engine auto or --engine lanes (int64 NumPy lanes)"
        )
    if fixed and (spec.decimals or 0) > 18:
        raise StressError(
            f"spec {spec.name} has decimals={spec.decimals}: stress runs fixed-point specs on "
            "int64 "
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
    # invariants first: a lane's first failure at a step is an invariant's when one breaks
    # (P(insolvency) counts invariant violations; lemma violations are reported beside it)
    decls = [d for d in decls if d not in spec.lemmas] + [d for d in decls if d in spec.lemmas]
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
        "bad_debt": _field(
            spec, opts.bad_debt_field, "bad debt", "--bad-debt-field", True, "bad_debt", notes
        ),
        "insurance": _field(
            spec,
            opts.insurance_field,
            "the insurance fund",
            "--insurance-field",
            True,
            "insurance",
            notes,
        ),
        "liquidations": _field(
            spec,
            opts.liquidations_field,
            "liquidations",
            "--liquidations-field",
            True,
            "liquidations",
            notes,
        ),
        "adl": _field(spec, opts.adl_field, "ADL events", "--adl-field", opts.adl_field != "adl"),
    }
    market_map = _market_map(spec, scenario, opts.fields)
    globs = tuple(n for n, fd in spec.fields.items() if not fd.per_account)
    accs = tuple(n for n, fd in spec.fields.items() if fd.per_account)
    index = {k: (globs.index(v) if v is not None else -1) for k, v in tracked.items()}
    # the spec's own initial state, per account (as bmc and replay)
    begin: dict[str, Any] = start(spec)
    pop_price = 0.0
    if population is not None:
        fd = spec.fields.get(opts.price_field)
        if fd is None or fd.per_account or not is_fixed(begin[opts.price_field][0]):
            priced = [
                n
                for n, f in spec.fields.items()
                if not f.per_account and f.sort == "num" and is_fixed(begin[n][0])
            ]
            raise StressFieldError(
                f"the account population needs the start price: spec {spec.name} has no scalar "
                f"field {opts.price_field!r} with a fixed initial value; name the price field "
                f"with --price-field NAME (scalar fields with a fixed initial value: "
                f"{', '.join(priced) or 'none'}), or pass --population none to keep the spec's "
                "own accounts"
            )
        pop_price = float(begin[opts.price_field][0])
        probe = population.sample(np.random.default_rng(0), 1, 1, pop_price)
        missing = [f for f in probe if f not in accs]
        if missing:
            raise StressFieldError(
                f"the account population sets {', '.join(missing)}, which spec {spec.name} does "
                "not "
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
            "numbers leave int64 are flagged (flagged_by_property int64_overflow) and re-run "
            "exactly"
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
        oracle_names=tuple(k.name for k in spec.keepers if k.role == "oracle"),
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
            "@initial condition ties to others a fixed initial value in the spec, or relax the "
            "condition"
        )


def run_hash(spec: Spec, job: BlockJob) -> str:
    """Identifies the numbers of a run (not how it is split): checkpoints must match it."""
    parts: dict[str, Any] = {
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
    parts["bounds"] = 2  # 1: block summaries list the undecided lanes; 2: and the certain ones
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _describe(scenario: Any) -> dict[str, Any]:
    try:
        return dict(scenario.describe())
    except Exception:  # noqa: BLE001 - a fixture without describe()
        return {"name": getattr(scenario, "name", type(scenario).__name__)}
