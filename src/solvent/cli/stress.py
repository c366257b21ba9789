"""The verb `solvent stress` (`solvent shrink` is in :mod:`solvent.cli.shrink`).

Registered by :func:`solvent.cli.verbs.verb`: the shared settings (``--set``,
``--invariant``, ``--format``, ``-o``, ``--report``, ``--quiet``, ``--spec``) come from
:class:`solvent.config.Settings`, and every option can be set in ``[tool.solvent.stress]``
(the flag wins). Exit codes: 0 no confirmed
violation · 1 a violation confirmed by exact replay · 2 inconclusive (flagged lanes not
re-run, interrupted) · 3 bad input · 4 internal error.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from solvent.api.simulate import check_choices, stress_document, with_overrides
from solvent.api.simulate import confirm_count as _confirm_count
from solvent.api.simulate import population_of as _population
from solvent.api.simulate import scenario_of as _scenario
from solvent.cli import stress_report
from solvent.cli import sweep as sweep_mod
from solvent.cli.common import Target
from solvent.cli.common import opt as _opt
from solvent.cli.stress_support import RichProgress
from solvent.cli.stress_support import check_writable as _check_writable
from solvent.cli.stress_support import in_ci as _ci
from solvent.cli.stress_support import key_values as _kv
from solvent.cli.stress_support import write_traces as _write_traces
from solvent.cli.verbs import output_paths, verb
from solvent.config import Settings
from solvent.errors import SolventError, UsageError
from solvent.report.outputs import check_outputs

EPILOG = """\b
Exit codes:
  0  no violation (every flagged lane re-run exactly and refuted, or none flagged)
  1  a violation confirmed by exact (concrete) replay
  2  inconclusive: flagged lanes left unchecked, or interrupted (Ctrl-C; --resume)
  3  spec, usage or input error
  4  internal error (a solvent bug)"""


@verb("stress", epilog=EPILOG, json_errors=False, check_paths=False)
def stress_command(
    target: Target,
    scenario: Annotated[
        str | None,
        _opt(
            "--scenario",
            help="Scenario name (see docs/scenarios.md), e.g. gbm, black-thursday-2020.",
            metavar="NAME",
        ),
    ] = None,
    history: Annotated[
        str | None,
        _opt(
            "--history",
            help="Replay your own OHLC CSV file (Binance klines or timestamp,open,high,low,close,volume).",
            metavar="FILE",
        ),
    ] = None,
    scenario_opt: Annotated[
        list[str] | None,
        _opt(
            "--opt",
            help="Scenario option KEY=VALUE (repeatable), e.g. --opt vol=1.2.",
            metavar="KEY=VALUE",
        ),
    ] = None,
    paths: Annotated[
        int, _opt("--paths", help="Number of simulated paths [default: 10000].", metavar="N")
    ] = 10000,
    steps: Annotated[
        int | None,
        _opt("--steps", help="Steps per path [default: a history's native length].", metavar="N"),
    ] = None,
    seed: Annotated[
        int, _opt("--seed", help="Seed of every random draw [default: 0].", metavar="S")
    ] = 0,
    accounts: Annotated[
        int | None, _opt("--accounts", help="Accounts per path [default: the spec's].", metavar="N")
    ] = None,
    field: Annotated[
        list[str] | None,
        _opt(
            "--field",
            help="Envelope field the scenario's returns drive (one per asset) [default: the spec's only one].",
            metavar="NAME",
        ),
    ] = None,
    leverage: Annotated[
        str | None,
        _opt(
            "--leverage",
            help="Population leverage distribution, e.g. 'lognormal(5, 0.6)'.",
            metavar="DIST",
        ),
    ] = None,
    notional: Annotated[
        str | None,
        _opt(
            "--notional",
            help="Population notional distribution, e.g. 'pareto(1.5, 1000)'.",
            metavar="DIST",
        ),
    ] = None,
    long_share: Annotated[
        float | None,
        _opt("--long-share", help="Share of long accounts in [0, 1] [default: 0.5].", metavar="X"),
    ] = None,
    population: Annotated[
        str,
        _opt(
            "--population",
            help="auto: draw quote/size accounts when the spec has them; none: use the spec's initial state.",
            metavar="auto|none",
        ),
    ] = "auto",
    keeper_delay: Annotated[
        int, _opt("--keeper-delay", help="Keepers run only every K+1 steps.", metavar="K")
    ] = 0,
    keeper_outage: Annotated[
        int,
        _opt(
            "--keeper-outage",
            help="Keepers do not run for K steps from --outage-start.",
            metavar="K",
        ),
    ] = 0,
    outage_start: Annotated[
        int,
        _opt("--outage-start", help="First step of the keeper outage [default: 1].", metavar="T"),
    ] = 1,
    oracle_delay: Annotated[
        int,
        _opt(
            "--oracle-delay",
            help="The oracle publishes every K+1 steps; in between the protocol sees a stale price.",
            metavar="K",
        ),
    ] = 0,
    action_rate: Annotated[
        float,
        _opt(
            "--action-rate",
            help="Probability in [0, 1] that a path performs one user action per step, drawn "
            "uniformly among the spec's action instances, arguments uniform in their domains "
            "(runs on NumPy lanes, slower) [default: 0: no user actions].",
            metavar="P",
        ),
    ] = 0.0,
    impact_depth: Annotated[
        str | None,
        _opt(
            "--impact-depth",
            help="Liquidity depth for liquidation price impact (sets the spec parameter liquidation_depth).",
            metavar="X",
        ),
    ] = None,
    bad_debt_field: Annotated[
        str,
        _opt(
            "--bad-debt-field",
            help="Scalar field holding bad debt; none: skip the metric [default: auto: bad_debt "
            "if the spec has it, else the metric is skipped with a note].",
            metavar="NAME",
        ),
    ] = "auto",
    insurance_field: Annotated[
        str,
        _opt(
            "--insurance-field",
            help="Scalar field holding the insurance fund; none: skip the metric [default: auto: insurance "
            "if the spec has it, else the metric is skipped with a note].",
            metavar="NAME",
        ),
    ] = "auto",
    liquidations_field: Annotated[
        str,
        _opt(
            "--liquidations-field",
            help="Scalar field counting liquidations; none: skip the metric [default: auto: liquidations "
            "if the spec has it, else the metric is skipped with a note].",
            metavar="NAME",
        ),
    ] = "auto",
    adl_field: Annotated[
        str,
        _opt(
            "--adl-field",
            help="Scalar field counting ADL events [default: adl, if the spec has it].",
            metavar="NAME",
        ),
    ] = "adl",
    price_field: Annotated[
        str,
        _opt(
            "--price-field",
            help="Scalar field holding the start price the account population is drawn at "
            "[default: price].",
            metavar="NAME",
        ),
    ] = "price",
    equity_metric: Annotated[
        str,
        _opt(
            "--equity-metric",
            help="Per-account metric giving equity, for Cover-2 [default: account_equity].",
            metavar="NAME",
        ),
    ] = "account_equity",
    workers: Annotated[
        int, _opt("--workers", help="Worker processes [default: 1].", metavar="N")
    ] = 1,
    scheduler: Annotated[
        str | None,
        _opt(
            "--scheduler",
            help="Dask scheduler address (tcp://host:8786), or local:N for a LocalCluster.",
            metavar="ADDR",
        ),
    ] = None,
    scheduler_timeout: Annotated[
        float,
        _opt(
            "--scheduler-timeout",
            help="Seconds to wait for the scheduler [default: 10].",
            metavar="SECONDS",
        ),
    ] = 10.0,
    chunk: Annotated[
        int | None,
        _opt(
            "--chunk",
            help="Paths per unit of work (whole blocks of 1024) [default: about 2e8 account-steps, 1 to 64 blocks].",
            metavar="N",
        ),
    ] = None,
    confirm: Annotated[
        str,
        _opt(
            "--confirm",
            help="Lanes the error bounds leave unsettled, re-run exactly in a seeded random "
            "order: all, or at most N (the others are reported unchecked, never as violations; "
            "those re-run are a uniform sample of them) [default: all].",
            metavar="all|N",
        ),
    ] = "all",
    confirm_seconds: Annotated[
        float,
        _opt(
            "--confirm-seconds",
            help="Time budget of the exact re-runs; lanes left when it runs out are reported "
            "unchecked; 0: no limit [default: 300].",
            metavar="SECONDS",
        ),
    ] = 300.0,
    timeout: Annotated[
        float,
        _opt(
            "--timeout",
            help="Time budget of the whole run (simulation and exact re-runs), in seconds; "
            "when it runs out, what was done is reported (paths simulated, lanes re-run), the "
            "rest is never counted as a violation and the verdict is UNKNOWN (exit 2) unless a "
            "violation was confirmed; 0: no limit [default: 0].",
            metavar="SECONDS",
        ),
    ] = 0.0,
    engine: Annotated[
        str,
        _opt(
            "--engine",
            help="auto (compiled kernel if the spec fits), kernel, or lanes (NumPy).",
            metavar="auto|kernel|lanes",
        ),
    ] = "auto",
    resume: Annotated[
        bool,
        typer.Option(
            "--resume", help="Continue an interrupted run (same options) from its checkpoint."
        ),
    ] = False,
    checkpoint_dir: Annotated[
        str,
        _opt(
            "--checkpoint-dir",
            help="Folder of checkpoints of unfinished runs [default: .solvent-stress].",
            metavar="DIR",
        ),
    ] = ".solvent-stress",
    state_key_file: Annotated[
        str | None,
        _opt(
            "--state-key-file",
            help="Seal the checkpoint with an HMAC of the key in this file, else a SHA-256 "
            "[default: $SOLVENT_STATE_KEY].",
            metavar="PATH",
        ),
    ] = None,
    traces_dir: Annotated[
        str | None,
        _opt(
            "--traces-dir",
            help="Write confirmed failing lanes as traces (solvent replay/shrink read them).",
            metavar="DIR",
        ),
    ] = None,
    traces: Annotated[
        int, _opt("--traces", help="At most this many traces [default: 5].", metavar="N")
    ] = 5,
    sweep: Annotated[
        str | None,
        _opt(
            "--sweep",
            help="Re-run at each value of a spec parameter or scenario option (e.g. "
            "maintenance_margin=0.03,0.05,0.08 or vol=0.5,1,2): a sensitivity table of "
            "P(insolvency), VaR and ES in the result and the report.",
            metavar="PARAM=A,B,C",
        ),
    ] = None,
    *,
    settings: Settings,
) -> int:
    """Monte Carlo and historical stress of the spec: P(insolvency), bad debt VaR/ES,
    insurance drawdown, liquidations, Cover-2; flagged lanes are re-run exactly."""
    from solvent.report import json_out, text
    from solvent.spec.load import load_spec
    from solvent.stress.report import render
    from solvent.stress.runner import StressOptions, stress

    try:
        check_choices(scenario, history, population)
        if settings.output:
            _check_writable(settings.output)
        check_outputs(output_paths(settings))  # before the run
        for flag, folder in (("--png", settings.png), ("--markdown", settings.markdown)):
            if folder and Path(folder).exists() and not Path(folder).is_dir():
                raise UsageError(f"{flag} {folder}: a file of that name exists; give a directory")
        spec = with_overrides(load_spec(target, settings.spec), settings, impact_depth)
        scenario_kv = _kv(scenario_opt, "--opt")
        sc = _scenario(scenario, history, scenario_kv)
        pop = _population(spec, population, leverage, notional, long_share)
        swept = sweep_mod.parse(sweep)
        if swept and timeout:
            raise UsageError(
                "--timeout budgets one run and --sweep makes several; drop one of them "
                "(each sweep run is bounded by --confirm-seconds)"
            )
        sweep_kind = sweep_mod.kind(spec, swept[0], scenario_kv, sc) if swept else None
        swept_name, swept_values = swept if swept else ("", [])
        for value in swept_values:  # a bad value stops here, before any run
            if sweep_kind == "param":
                spec.with_params(**{swept_name: value})
            else:
                _scenario(scenario, history, {**scenario_kv, swept_name: value})
        opts = StressOptions(
            paths=paths, steps=steps, seed=seed, accounts=accounts, chunk=chunk, workers=workers,
            scheduler=scheduler, fields=tuple(field or ()), keeper_delay=keeper_delay,
            keeper_outage=keeper_outage, outage_start=outage_start, oracle_delay=oracle_delay,
            bad_debt_field=bad_debt_field, insurance_field=insurance_field,
            liquidations_field=liquidations_field, adl_field=adl_field, equity_metric=equity_metric,
            price_field=price_field,
            confirm=_confirm_count(confirm), confirm_seconds=confirm_seconds, timeout=_left(timeout), engine=engine, invariants=settings.invariants,
            checkpoint_dir=checkpoint_dir, resume=resume, traces=traces, connect_timeout=scheduler_timeout,
            action_rate=action_rate, actions=tuple(settings.actions), state_key_file=state_key_file,
        )  # fmt: skip
        console, errors = text.make_console(), text.make_console(stderr=True)
        show_bar = not settings.quiet and errors.is_terminal and not _ci()
        bar = RichProgress(errors) if show_bar else None
        result = stress(spec, sc, pop, opts, progress=bar)  # type: ignore[arg-type]
        written = _write_traces(result, traces_dir)
        # the API's document (provenance, portable paths); the bands come with the worst
        # paths' traces below, when a file or JSON was asked for
        doc = stress_document(result, spec, target, sc, pop, opts, written, bands=False)
        finished = result.blocks_done == result.blocks_total
        png, markdown = settings.png, settings.markdown
        wanted = settings.output or settings.report or png or markdown
        if finished and (wanted or settings.format == "json"):
            worst_dir = stress_report.worst_dir(settings.report) if settings.report else None
            stress_report.add_bands(doc, result, spec, sc, pop, opts, worst_dir)
        if swept and sweep_kind and finished:
            name, values = swept

            def rerun(value: str) -> Any:
                if sweep_kind == "param":
                    s2 = spec.with_params(**{name: value})
                    p2 = _population(s2, population, leverage, notional, long_share)
                    return stress(s2, sc, p2, dataclasses.replace(opts, traces=0, resume=False))
                sc2 = _scenario(scenario, history, {**scenario_kv, name: value})
                return stress(spec, sc2, pop, dataclasses.replace(opts, traces=0, resume=False))

            current = (
                spec.param_values().as_dict().get(name)
                if sweep_kind == "param"
                else scenario_kv.get(name, (result.scenario.get("params") or {}).get(name))
            )
            doc["sweep"] = sweep_mod.run(name, values, sweep_kind, current, result, rerun)
        if settings.format == "text":
            render(console, result, quiet=settings.quiet, traces=written)
        if settings.output:
            from solvent.integrity import seal_result

            doc = seal_result(doc)  # the file carries its content hash (report checks it)
            Path(settings.output).write_text(json_out.dumps(doc), encoding="utf-8")
            if settings.format == "text" and not settings.quiet:
                console.print(f"result written to {settings.output}")
        from solvent.report.outputs import write_reports

        if settings.format == "text" and not settings.quiet and doc.get("sweep"):
            stress_report.render_sweep(console, doc["sweep"])
        for path in write_reports(doc, report=settings.report, junit=settings.junit,
                                  sarif=settings.sarif, specs=[spec]):  # fmt: skip
            if settings.format == "text" and not settings.quiet:
                console.print(f"written: {path}")
        from solvent.report.export_stress import write_markdown, write_png

        for flag, folder, write in (
            ("--png", png, write_png),
            ("--markdown", markdown, write_markdown),
        ):
            files = write(doc, folder) if folder else []
            if files and settings.format == "text" and not settings.quiet:
                console.print(f"written: {len(files)} files into {folder} ({flag})")
        if settings.format == "json":
            sys.stdout.write(json_out.dumps(doc))
        return result.exit_code
    except SolventError as exc:
        if settings.format == "json":
            sys.stdout.write(json_out.dumps(json_out.error_json("stress", exc, target=target)))
        raise


def _left(timeout: float) -> float:
    """What is left of ``--timeout`` once the process has started (0: no limit)."""
    from solvent.stress.budget import since_start

    if not timeout > 0:
        return timeout
    return max(timeout - since_start(), 1e-3)
