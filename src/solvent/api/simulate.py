"""Simulation: ``stress`` (Monte Carlo and historical crashes) and ``shrink`` (minimize a
failing trace). Every lane a stress run flags is re-run exactly on the concrete backend
before it counts as a violation; every shrink candidate is replayed exactly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from solvent.api.results import ShrinkReport, StressReport
from solvent.api.verify import SpecLike, load, prepared, read_trace, settings_of, target_of
from solvent.config import Settings
from solvent.engine.trace import Trace
from solvent.errors import UsageError

POPULATION_MODES = ("auto", "none")


def stress(
    spec: SpecLike,
    scenario: str | None = None,
    *,
    history: str | None = None,
    scenario_options: dict[str, Any] | None = None,
    population: str = "auto",
    leverage: str | None = None,
    notional: str | None = None,
    long_share: float | None = None,
    impact_depth: str | None = None,
    paths: int = 10000,
    seed: int = 0,
    confirm: int | str | None = None,
    **options: Any,
) -> StressReport:
    """Stress the spec along simulated (``scenario``, e.g. ``"gbm"``) or historical
    (``"black-thursday-2020"``, or ``history="file.csv"``) price paths.

    Returns P(insolvency), bad debt VaR/ES, insurance drawdown, liquidations (``.metrics``).
    ``confirm``: re-run all flagged lanes exactly (None or "all") or at most N; ``paths``,
    ``seed`` and the other :class:`solvent.stress.runner.StressOptions` fields
    (``steps``, ``accounts``, ``keeper_delay``, ``oracle_delay``, ``engine``,
    ``price_field``...) are keyword arguments; ``invariants`` and ``params`` as for
    :func:`solvent.prove`. The metric fields (``bad_debt_field``, ``insurance_field``,
    ``liquidations_field``) default to ``"auto"``: the usual name when the spec has it,
    else the metric is skipped with a note.
    The checkpoint folder is off unless ``checkpoint_dir`` is given.
    """
    settings_keys = {"invariants", "params", "spec"}
    settings = settings_of({k: v for k, v in options.items() if k in settings_keys})
    run_options = {k: v for k, v in options.items() if k not in settings_keys}
    run_options.setdefault("checkpoint_dir", None)
    for kind in ("bad_debt", "insurance", "liquidations"):  # as the command line: the
        run_options.setdefault(f"{kind}_field", "auto")  # usual name if the spec has it
    return stress_run(
        spec,
        settings,
        scenario=scenario,
        history=history,
        scenario_options=scenario_options or {},
        population=population,
        leverage=leverage,
        notional=notional,
        long_share=long_share,
        impact_depth=impact_depth,
        paths=paths,
        seed=seed,
        confirm=confirm,
        **run_options,
    )


def stress_run(
    spec: SpecLike,
    settings: Settings,
    *,
    scenario: str | None,
    history: str | None,
    scenario_options: dict[str, Any],
    population: str,
    leverage: str | None,
    notional: str | None,
    long_share: float | None,
    impact_depth: str | None,
    confirm: int | str | None,
    progress: Any = None,
    **run_options: Any,
) -> StressReport:
    """The body of `solvent stress` (see :func:`stress`)."""
    from solvent.stress.runner import StressOptions
    from solvent.stress.runner import stress as run

    check_choices(scenario, history, population)
    loaded = load(spec, settings.spec)
    target = str(spec) if isinstance(spec, str | Path) else target_of(loaded)
    loaded = with_overrides(loaded, settings, impact_depth)
    sc = scenario_of(scenario, history, scenario_options)
    pop = population_of(loaded, population, leverage, notional, long_share)
    try:
        opts = StressOptions(
            confirm=confirm_count(confirm), invariants=settings.invariants, **run_options
        )
    except TypeError as exc:
        raise UsageError(f"stress: {exc}") from None
    raw = run(loaded, sc, pop, opts, progress=progress)
    return StressReport(
        stress_document(raw, loaded, target, sc, pop, opts), raw, loaded, traces=list(raw.traces)
    )


def check_choices(scenario: str | None, history: str | None, population: str) -> None:
    """Refuse a run without exactly one price source, or with an unknown population mode."""
    if (scenario is None) == (history is None):
        raise UsageError("give exactly one of --scenario NAME or --history FILE")
    if population not in POPULATION_MODES:
        raise UsageError(f"--population must be auto or none, got {population!r}")


def with_overrides(spec: Any, settings: Settings, impact_depth: str | None) -> Any:
    """``spec`` with the --set parameters and --impact-depth (its ``liquidation_depth``)."""
    params = settings.param_overrides()
    if impact_depth is not None:
        if "liquidation_depth" not in spec.param_decls:
            raise UsageError(
                f"--impact-depth: spec {spec.name} has no parameter liquidation_depth; build "
                "the perp model with liquidation_depth=... or add such a parameter to your spec"
            )
        params["liquidation_depth"] = impact_depth
    return spec.with_params(**params) if params else spec


def stress_document(
    raw: Any,
    spec: Any,
    target: str | None,
    sc: Any,
    pop: Any,
    opts: Any,
    written: list[str] | None = None,
    bands: bool = True,
) -> dict[str, Any]:
    """The ``solvent-stress/1`` document of a run: the result, its provenance (paths
    relative to the working directory) and, for a finished run, the report's percentile
    bands (``bands=False``: leave them out, e.g. no file or JSON was asked for)."""
    from solvent.report.provenance import complete, portable, portable_scenario
    from solvent.stress.report import result_json

    doc = result_json(raw, target=target, traces=written or [])
    doc = complete(doc, spec, target, scenario=doc.get("scenario_detail"))
    doc["traces"] = [portable(t) for t in doc.get("traces") or []]
    doc["scenario_detail"] = portable_scenario(doc.get("scenario_detail") or {})
    if bands and raw.blocks_done == raw.blocks_total:
        from solvent.stress.bands import bands as percentile_bands

        meta = {"found_by": "stress", "scenario": doc.get("scenario"), "seed": raw.options["seed"]}
        found, _ = percentile_bands(spec, sc, pop, opts, (), meta)
        if found is not None:
            doc["bands"] = found
    return doc


def confirm_count(value: int | str | None) -> int | None:
    """``all`` or None (every flagged lane) or a count of lanes."""
    if value is None or (isinstance(value, str) and value.strip().lower() == "all"):
        return None
    try:
        n = int(value)
    except ValueError:
        raise UsageError(f"--confirm must be all or a whole number, got {value!r}") from None
    if n < 0:
        raise UsageError(f"--confirm must be all or 0 or more, got {n}")
    return n


def scenario_of(name: str | None, history: str | None, opts: dict[str, Any]) -> Any:
    from solvent import scenarios

    if history is not None:
        return scenarios.from_history(history, **opts)
    assert name is not None
    return scenarios.get(name, **opts)


def population_of(
    spec: Any, mode: str, leverage: str | None, notional: str | None, long_share: float | None
) -> Any:
    from solvent.scenarios.population import Population

    given = {
        k: v
        for k, v in (("leverage", leverage), ("notional", notional), ("long_share", long_share))
        if v is not None
    }
    wanted = {"quote", "size"}
    has = {n for n, fd in spec.fields.items() if fd.per_account}
    if mode == "none" or not wanted <= has:
        if given:
            raise UsageError(
                "--leverage/--notional/--long-share need an account population: the spec must "
                "have per-account fields quote and size (and --population auto)"
            )
        return None
    im = spec.param_decls.get("initial_margin")
    if "initial_margin" in spec.overrides:
        im = spec.overrides["initial_margin"]
    if im is not None:
        given["initial_margin"] = float(im)
    return Population(**given)


def shrink(
    spec: SpecLike, trace: Trace | str | Path, *, max_replays: int = 400, **options: Any
) -> ShrinkReport:
    """Minimize a failing trace (fewer steps, smaller moves, rounder numbers); each candidate
    is replayed exactly and kept only if it still breaks the same invariant."""
    return shrink_run(spec, trace, settings_of(options), max_replays=max_replays)


def shrink_run(
    spec: SpecLike,
    trace: Trace | str | Path,
    settings: Settings,
    *,
    max_replays: int = 400,
    written: str | None = None,
) -> ShrinkReport:
    """The body of `solvent shrink` (see :func:`shrink`); ``written``: where it is saved."""
    from solvent.report import json_out
    from solvent.stress.shrink import shrink as run

    if max_replays < 1:
        raise UsageError(f"--max-replays must be at least 1, got {max_replays}")
    loaded, target = prepared(spec, settings)
    recorded = trace if isinstance(trace, Trace) else read_trace(trace)
    raw = run(loaded, recorded, max_replays=max_replays)
    doc = {
        "schema": json_out.RESULT_SCHEMA, "check": "shrink", "spec": loaded.name,
        "target": target, "verdict": "FAIL", "exit_code": 1, "invariant": raw.invariant,
        "steps_before": raw.steps_before, "steps_after": len(raw.trace.steps),
        "replays": raw.replays, "written": written, "counterexample": raw.trace.to_json(),
    }  # fmt: skip
    from solvent.report.provenance import complete, portable

    doc = complete(doc, loaded, target)
    if written is not None:
        doc["written"] = portable(written)
    return ShrinkReport(doc, raw, loaded)
