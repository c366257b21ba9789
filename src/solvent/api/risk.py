"""The risk searches: ``frontier`` (how wide may an envelope bound get) and ``synth`` (the
cheapest protocol parameter proved safe, or a two-parameter safe region).

Both answer with evidence on both sides: a proof at the boundary and a counterexample,
replayed on the concrete backend, just beyond it. Keyword arguments as for
:func:`solvent.prove` (``k``, ``max_k``, ``depth``, ``timeout``, ``invariants``, ``params``),
plus ``simplify`` (default True: counterexamples re-solved for round numbers), ``jobs``
(several probes at once) and, for a synth grid, ``scheduler`` (a Dask scheduler).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from solvent.api.results import BoundaryResult, RegionResult
from solvent.api.verify import Running, SpecLike, _quiet, prepared, settings_of
from solvent.config import Settings
from solvent.errors import UsageError


def probe_options(settings: Settings, simplify: bool | None = None) -> Any:
    """The proof and counterexample settings of every probe of a search."""
    from solvent.check.probes import (
        COUNTED_CPU_NET,
        COUNTED_RLIMIT,
        SEARCH_REFUTE_CPU_NET,
        ProbeOptions,
    )

    if settings.depth < 1:
        raise UsageError(
            f"--depth must be at least 1 for a counterexample search, got {settings.depth}"
        )
    # the whole search keeps to --timeout, else to the default budget (no verb runs
    # unbounded: with --timeout 60 a frontier of a user's spec ran past 300 s when the
    # timeout bounded each proof or bmc run alone); each run also keeps to what is left.
    # From the console script the budget counts from the process's start, as bmc's and
    # prove's do (api/startup.py): Python's start, the imports and loading the spec took
    # 2-4 s of a 60 s frontier at a load of 12-17 (63.8-72.6 s of wall in all)
    from solvent.api.startup import ends_at

    deadline = ends_at(settings.budget)
    return ProbeOptions(
        k=settings.k,
        max_k=settings.max_k if settings.max_k is not None else settings.k,
        depth=settings.depth,
        timeout=settings.timeout,
        deadline=deadline,
        witness_depth=settings.witness_depth,
        invariants=settings.invariants,
        simplify=settings.simplify if simplify is None else simplify,
        jobs=settings.jobs,
        scheduler=settings.scheduler,
        # every solver call (proof steps, counterexample searches, the symbolic step and
        # its Optimize) capped by Z3's resource counter, not a wall clock: the same answer,
        # engine and value on a busy and an idle machine, with --jobs 1 or N; the budget
        # (or --timeout) stays as the safety net, and a search it stops says so
        rlimit=COUNTED_RLIMIT,
        cpu_net=COUNTED_CPU_NET,
        refute_cpu_net=SEARCH_REFUTE_CPU_NET,
    )


def frontier(
    spec: SpecLike,
    param: str,
    *,
    direction: str | None = None,
    tol: Any = None,
    search_range: tuple[Any, Any] | None = None,
    method: str = "auto",
    checks: int = 2,
    simplify: bool | None = None,
    **options: Any,
) -> BoundaryResult:
    """The largest (``direction="up"``) or smallest safe value of an envelope bound.

    ``param``: ``NAME`` (a symmetric ``within(-x, x)`` bound's magnitude), ``NAME.lo`` or
    ``NAME.hi``. ``tol``: absolute precision (default 1% of the spec's value).
    ``search_range``: search only in (lo, hi). ``method``: auto, bisection or both.
    ``checks``: extra probes that test monotonicity (0: assume it, and say so).
    ``.safe`` is proved; ``.unsafe`` has a replayed counterexample.
    """
    return frontier_run(
        spec, settings_of(options), param, simplify=simplify, direction=direction, tol=tol,
        search_range=search_range, method=method, checks=checks,
    )  # fmt: skip


def frontier_run(
    spec: SpecLike,
    settings: Settings,
    param: str,
    *,
    simplify: bool | None = None,
    running: Running | None = None,
    **search: Any,
) -> BoundaryResult:
    """The body of `solvent frontier` (see :func:`frontier`); ``search``: the keywords of
    :func:`solvent.check.frontier.frontier` (direction, tol, search_range, method, checks)."""
    from solvent.check.frontier import frontier as frontier_search
    from solvent.report.risk import frontier_json

    # [tool.solvent] scheduler runs the points of synth grids only
    options = replace(probe_options(settings, simplify), scheduler=None)
    loaded, target = prepared(spec, settings)
    with (running or _quiet)(f"{loaded.name}: frontier of {param}"):
        raw = frontier_search(loaded, param, options=options, **search)
    return BoundaryResult(
        _proven(frontier_json(loaded, raw, target=target), loaded, target), raw, loaded
    )


def synth(
    spec: SpecLike,
    param: str | Sequence[str],
    *,
    direction: str | Sequence[str] = "down",
    tol: Any = None,
    search_range: tuple[Any, Any] | None = None,
    range2: tuple[Any, Any] | None = None,
    grid: int | None = None,
    checks: int = 2,
    simplify: bool | None = None,
    **options: Any,
) -> BoundaryResult | RegionResult:
    """The cheapest protocol parameter proved safe (``direction="down"``: the smallest
    margin or fund; ``"up"``: the largest leverage or cap), with a replayed counterexample
    just beyond it. Two parameters and ``grid=N`` give the safe region on an N x N grid
    (a :class:`RegionResult`; ``search_range``/``range2`` are the axes' ranges).
    """
    return synth_run(
        spec, settings_of(options), [param] if isinstance(param, str) else list(param),
        simplify=simplify, direction=direction, tol=tol, search_range=search_range,
        range2=range2, grid=grid, checks=checks,
    )  # fmt: skip


def synth_run(
    spec: SpecLike,
    settings: Settings,
    params: Sequence[str],
    *,
    simplify: bool | None = None,
    scheduler: str | None = None,
    running: Running | None = None,
    grid: int | None = None,
    range2: tuple[Any, Any] | None = None,
    **search: Any,
) -> BoundaryResult | RegionResult:
    """The body of `solvent synth` (see :func:`synth`); ``scheduler``: its --scheduler;
    ``search``: the keywords of :func:`solvent.check.synth.synth` (direction, tol,
    search_range, checks; a grid uses direction and search_range)."""
    from solvent.check.synth import synth as synth_search
    from solvent.check.synth import synth_grid
    from solvent.report.risk import frontier_json, grid_json

    direction = search.get("direction", "down")
    options = probe_options(settings, simplify)
    if scheduler is not None:
        options = replace(options, scheduler=scheduler)
    if len(params) == 1:
        if grid is not None or range2 is not None:
            raise UsageError(
                "--grid and --range2 need two parameters: --param A --param B --grid N"
            )
        if scheduler is not None:
            raise UsageError(
                "--scheduler runs the points of a grid (--param A --param B --grid N); a "
                "one-parameter search is sequential: use --jobs N"
            )
        options = replace(options, scheduler=None)  # [tool.solvent] scheduler: grids only
        if not isinstance(direction, str):
            raise UsageError("one parameter takes one direction: down or up")
        loaded, target = prepared(spec, settings)
        with (running or _quiet)(f"{loaded.name}: synth {params[0]}"):
            raw = synth_search(loaded, params[0], options=options, **search)
        return BoundaryResult(
            _proven(frontier_json(loaded, raw, target=target), loaded, target), raw, loaded
        )
    if len(params) != 2:
        raise UsageError(f"give one --param (a search) or two (a grid), got {len(params)}")
    if grid is None:
        raise UsageError("two parameters make a grid: add --grid N (points per axis, e.g. 5)")
    loaded, target = prepared(spec, settings)
    with (running or _quiet)(f"{loaded.name}: synth grid {' x '.join(params)}"):
        region = synth_grid(
            loaded,
            params,
            grid,
            ranges=(search.get("search_range"), range2),
            direction=direction,
            refute_cap=settings.timeout or 20.0,
            options=options,
        )
    return RegionResult(_proven(grid_json(region, target=target), loaded, target), region, loaded)


def _proven(doc: dict[str, Any], spec: Any, target: str | None) -> dict[str, Any]:
    """``doc`` with its provenance (parameters, envelope, run facts; paths made relative)."""
    from solvent.report.provenance import complete

    return complete(doc, spec, target)
