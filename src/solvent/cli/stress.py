"""The verbs `solvent stress` and `solvent shrink`: parse, call, render.

``register(app)`` adds both commands. Shared settings (``--set``, ``--invariant``,
``--format``, ``-o``, ``--quiet``, ``--spec``) are layered with ``[tool.solvent]`` by
:func:`solvent.config.resolve` as for the other verbs. Exit codes: 0 no confirmed
violation · 1 a violation confirmed by exact replay · 2 inconclusive (flagged lanes not
re-run, interrupted) · 3 bad input · 4 internal error.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from solvent.cli.common import Target
from solvent.cli.common import opt as _opt
from solvent.cli.report import JunitOpt, ReportOpt, SarifOpt, with_reports
from solvent.config import Settings, resolve
from solvent.errors import SolventError, UsageError

EPILOG = """\b
Exit codes:
  0  no violation (every flagged lane re-run exactly and refuted, or none flagged)
  1  a violation confirmed by exact (concrete) replay
  2  inconclusive: flagged lanes left unchecked, or interrupted (Ctrl-C; --resume)
  3  spec, usage or input error
  4  internal error (a solvent bug)"""


# options `stress` and `shrink` share
SetOpt = Annotated[
    list[str] | None,
    _opt("--set", help="Override a spec parameter (repeatable).", metavar="NAME=VALUE"),
]
FormatOpt = Annotated[
    str | None,
    _opt("--format", help="Output format: text or json [default: text].", metavar="text|json"),
]
OutputOpt = Annotated[
    str | None, _opt("--output", "-o", help="Write the JSON result to this file.", metavar="PATH")
]
SpecOpt = Annotated[
    str | None,
    _opt("--spec", help="Which spec of the file (same as PATH.py:NAME).", metavar="NAME"),
]


def register(app: typer.Typer) -> None:
    """Add ``stress`` and ``shrink`` to ``app`` (idempotent)."""
    names = {c.name for c in app.registered_commands}
    if "stress" not in names:
        app.command("stress", epilog=EPILOG)(stress_command)
    if "shrink" not in names:
        app.command("shrink", epilog=EPILOG)(shrink_command)


def _kv(items: list[str] | None, flag: str) -> dict[str, str]:
    out = {}
    for item in items or []:
        k, sep, v = item.partition("=")
        if not sep or not k.strip():
            raise UsageError(f"{flag} expects KEY=VALUE, got {item!r}")
        out[k.strip()] = v.strip()
    return out


def _settings(
    invariant: list[str] | None,
    set_: list[str] | None,
    format_: str | None,
    output: str | None,
    quiet: bool,
    spec_name: str | None,
) -> Settings:
    return resolve(
        {
            "invariants": invariant,
            "params": set_,
            "format": format_,
            "output": output,
            "quiet": quiet or None,
            "spec": spec_name,
        }
    )


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
    action: Annotated[
        list[str] | None,
        _opt(
            "--action",
            help="With --action-rate: only this user action (repeatable) [default: all].",
            metavar="NAME",
        ),
    ] = None,
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
            help="Scalar field holding bad debt [default: bad_debt].",
            metavar="NAME",
        ),
    ] = "bad_debt",
    insurance_field: Annotated[
        str,
        _opt(
            "--insurance-field",
            help="Scalar field holding the insurance fund [default: insurance].",
            metavar="NAME",
        ),
    ] = "insurance",
    liquidations_field: Annotated[
        str,
        _opt(
            "--liquidations-field",
            help="Scalar field counting liquidations [default: liquidations].",
            metavar="NAME",
        ),
    ] = "liquidations",
    adl_field: Annotated[
        str,
        _opt(
            "--adl-field",
            help="Scalar field counting ADL events [default: adl, if the spec has it].",
            metavar="NAME",
        ),
    ] = "adl",
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
            help="Flagged lanes re-run exactly (those failing earliest first): all, or at most N "
            "(the others are reported unchecked, never as violations) [default: all].",
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
    invariant: Annotated[
        list[str] | None,
        _opt(
            "--invariant",
            help="Only this invariant (repeatable) [default: invariants and lemmas].",
            metavar="NAME",
        ),
    ] = None,
    set_: SetOpt = None,
    format_: FormatOpt = None,
    output: OutputOpt = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar; print only the verdict line.")
    ] = False,
    spec_name: SpecOpt = None,
    report: ReportOpt = None,
    junit: JunitOpt = None,
    sarif: SarifOpt = None,
) -> int:
    """Monte Carlo and historical stress of the spec: P(insolvency), bad debt VaR/ES,
    insurance drawdown, liquidations, Cover-2; flagged lanes are re-run exactly."""
    from solvent.api.simulate import stress_run
    from solvent.report import json_out, text
    from solvent.stress.report import render

    settings = _settings(invariant, set_, format_, output, quiet, spec_name)
    try:
        if output:
            _check_writable(output)
        settings = with_reports(settings, report, junit, sarif)  # checked before the run
        console, errors = text.make_console(), text.make_console(stderr=True)
        show_bar = not settings.quiet and errors.is_terminal and not _ci()
        found = stress_run(
            target, settings, scenario=scenario, history=history,
            scenario_options=_kv(scenario_opt, "--opt"), population=population,
            leverage=leverage, notional=notional, long_share=long_share,
            impact_depth=impact_depth, confirm=confirm,
            progress=RichProgress(errors) if show_bar else None,
            paths=paths, steps=steps, seed=seed, accounts=accounts, chunk=chunk, workers=workers,
            scheduler=scheduler, fields=tuple(field or ()), keeper_delay=keeper_delay,
            keeper_outage=keeper_outage, outage_start=outage_start, oracle_delay=oracle_delay,
            bad_debt_field=bad_debt_field, insurance_field=insurance_field,
            liquidations_field=liquidations_field, adl_field=adl_field, equity_metric=equity_metric,
            confirm_seconds=confirm_seconds, engine=engine, checkpoint_dir=checkpoint_dir,
            resume=resume, traces=traces, connect_timeout=scheduler_timeout,
            action_rate=action_rate, actions=tuple(action or ()), state_key_file=state_key_file,
        )  # fmt: skip
        result, spec = found.raw, found.spec
        written = _write_traces(result, traces_dir)
        doc = found.doc
        doc["traces"] = list(written)
        if settings.format == "text":
            render(console, result, quiet=settings.quiet, traces=written)
        if settings.output:
            from solvent.integrity import seal_result

            doc = seal_result(doc)  # the file carries its content hash (report checks it)
            Path(settings.output).write_text(json_out.dumps(doc), encoding="utf-8")
            if settings.format == "text" and not settings.quiet:
                console.print(f"result written to {settings.output}")
        from solvent.report.outputs import write_reports

        for path in write_reports(doc, report=settings.report, junit=settings.junit,
                                  sarif=settings.sarif, specs=[spec]):  # fmt: skip
            if settings.format == "text" and not settings.quiet:
                console.print(f"written: {path}")
        if settings.format == "json":
            sys.stdout.write(json_out.dumps(doc))
        return result.exit_code
    except SolventError as exc:
        if settings.format == "json":
            sys.stdout.write(json_out.dumps(json_out.error_json("stress", exc, target=target)))
        raise


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _check_writable(path: str) -> None:
    parent = Path(path).resolve().parent
    if not parent.is_dir():
        raise UsageError(f"cannot write {path}: directory {parent} does not exist; create it first")


def _write_traces(result: Any, folder: str | None) -> list[str]:
    if not folder or not result.traces:
        return []
    out = Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for trace, _label in result.traces:
            p = out / f"stress-path-{trace.meta.get('path', len(paths))}.json"
            p.write_text(trace.dumps(), encoding="utf-8")
            paths.append(str(p))
    except OSError as exc:
        raise UsageError(f"cannot write traces to {folder}: {exc.strerror}") from None
    return paths


class RichProgress:
    """A Rich progress bar on stderr: paths (or lanes re-run exactly) done, rate and ETA."""

    def __init__(self, console: Any) -> None:
        self.console = console
        self.bar: Any = None
        self.task: Any = None
        self.what = "paths"

    def start(self, total: int, done: int, what: str = "paths", label: str = "stress") -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(
            TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn(what),
            TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
            console=self.console, transient=True,
        )  # fmt: skip
        self.bar.start()
        self.what = what
        self.task = self.bar.add_task(what, total=total, completed=done, rate="")

    def advance(self, paths: int) -> None:
        self.bar.advance(self.task, paths)
        speed = self.bar.tasks[0].speed
        self.bar.update(self.task, rate=f"{speed:,.0f} {self.what}/s" if speed else "")

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def shrink_command(
    target: Target,
    trace: Annotated[
        str,
        typer.Argument(
            metavar="TRACE", help="A failing trace (or a result file with one).", show_default=False
        ),
    ],
    out: Annotated[
        str | None,
        _opt(
            "--out",
            help="Where to write the shrunk trace [default: TRACE with .shrunk.json].",
            metavar="PATH",
        ),
    ] = None,
    max_replays: Annotated[
        int, _opt("--max-replays", help="Budget of candidate replays [default: 400].", metavar="N")
    ] = 400,
    set_: SetOpt = None,
    format_: FormatOpt = None,
    output: OutputOpt = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only the verdict line.")
    ] = False,
    spec_name: SpecOpt = None,
    report: ReportOpt = None,
    junit: JunitOpt = None,
    sarif: SarifOpt = None,
) -> int:
    """Minimize a failing trace (fewer steps, smaller moves, rounder numbers); every
    candidate is replayed exactly and kept only if it still breaks the same invariant."""
    from solvent.api.simulate import shrink_run
    from solvent.report import json_out, text

    settings = _settings(None, set_, format_, output, quiet, spec_name)
    try:
        settings = with_reports(settings, report, junit, sarif)  # checked before the run
        dest = out or (trace[:-5] if trace.endswith(".json") else trace) + ".shrunk.json"
        found = shrink_run(target, trace, settings, max_replays=max_replays, written=dest)
        result, doc = found.raw, found.doc
        try:
            Path(dest).write_text(result.trace.dumps(), encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {dest}: {exc.strerror}") from None
        if settings.format == "text":
            console = text.make_console()
            console.print(
                f"[FAIL] {result.invariant}  shrink {result.steps_before} -> {len(result.trace.steps)} steps  "
                f"{result.replays} replays  every candidate confirmed by concrete replay",
                soft_wrap=True,
            )
            if not settings.quiet:
                for line in result.log[:15]:
                    console.print(f"  {line}", soft_wrap=True)
                if len(result.log) > 15:
                    console.print(f"  ... and {len(result.log) - 15} more simplifications")
                console.print(f"shrunk trace written to {dest}")
        if settings.output:
            from solvent.integrity import seal_result

            doc = seal_result(doc)  # the file carries its content hash (report checks it)
            Path(settings.output).write_text(json_out.dumps(doc), encoding="utf-8")
        if settings.report or settings.junit or settings.sarif:
            from solvent.report.outputs import write_reports

            # the reports draw the shrunk path from its exact replay
            write_reports(found.report_doc(), report=settings.report, junit=settings.junit,
                          sarif=settings.sarif, specs=[found.spec])  # fmt: skip
        if settings.format == "json":
            sys.stdout.write(json_out.dumps(doc))
        return 1
    except SolventError as exc:
        if settings.format == "json":
            sys.stdout.write(json_out.dumps(json_out.error_json("shrink", exc, target=target)))
        raise
