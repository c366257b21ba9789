"""The core verbs inspect, lint, bmc, prove, replay, check, and the entry points.

Each verb's options are generated from :class:`solvent.config.Settings` by
:func:`solvent.cli.verbs.verb`, the same fields that ``[tool.solvent]`` in pyproject.toml
sets. Exit codes: see ``EPILOG`` (0 pass, 1 violation, 2 inconclusive, 3 input error,
4 internal error).
"""

import sys
import time
from collections.abc import Sequence
from typing import Annotated, Any, NoReturn

import typer

from solvent import limits
from solvent.api import verify as api
from solvent.api.startup import ends_at
from solvent.check.results import FAIL, PASS, CheckResult
from solvent.cli.common import Target, read_trace
from solvent.cli.exits import main_with, outcome
from solvent.cli.output import Output as _Output
from solvent.cli.output import single_check as _single_check
from solvent.cli.output import text_module as _text
from solvent.cli.verbs import ClickException, verb
from solvent.config import Settings
from solvent.errors import (
    EXIT_USAGE,
    SolventError,
    UsageError,
)
from solvent.report import json_out
from solvent.report.provenance import run_facts, set_command
from solvent.spec.spec import Spec

TargetArg = Target


def _load(target: str, settings: Settings) -> Spec:
    return api.prepared(target, settings)[0]


# ----------------------------------------------------------------------- verbs
@verb("inspect")
def inspect_(target: TargetArg, settings: Settings) -> int:
    """Print the spec: params, state, envelope, actions, keepers, invariants, witnesses."""
    out = _Output(settings)
    spec = _load(target, settings)
    if out.text:
        _text().render_spec(out.console, spec, target)
    doc = json_out.spec_json(spec, target=target)
    doc["provenance"] = run_facts(target)
    doc["target"] = doc["provenance"]["target"]
    return out.finish(doc, 0)


@verb("lint")
def lint_(target: TargetArg, settings: Settings) -> int:
    """Trace one step under every backend without solving (fast; for pre-commit)."""
    return _single_check("lint", target, settings)


@verb("bmc")
def bmc_(target: TargetArg, settings: Settings) -> int:
    """Search for the shortest path of at most --depth steps that breaks an invariant."""
    if not (settings.actions or settings.no_actions or settings.keep_going):
        return _single_check("bmc", target, settings)
    out = _Output(settings)
    full, shown = api.prepared(target, settings)
    spec = full.with_actions(settings.actions, settings.no_actions)
    restricted = len(spec.actions) < len(full.actions)
    used = ", ".join(a.name for a in spec.actions) or "none"

    def said(result: CheckResult) -> CheckResult:
        if restricted:  # a PASS covers only the paths of these actions: say so
            result.message += f" (user actions: {used})"
            result.details["actions"] = [a.name for a in spec.actions]
        return result

    if not settings.keep_going:
        label, call = api.checks(spec, settings)["bmc"]
        with out.running(f"{spec.name}: {label}"):
            result = said(call())
        found = api.verdict_result(spec, shown, result, settings)
        return out.finish(out.show(found), found.exit_code)
    from solvent.check.bmc import bmc_each

    start = time.perf_counter()
    with out.running(f"{spec.name}: bmc up to depth {settings.depth}, every property"):
        results = bmc_each(
            spec,
            settings.depth,
            timeout=settings.budget,
            invariants=list(settings.invariants) or None,
            simplify=settings.simplify,
            jobs=settings.effective_jobs,
        )
    docs = [
        out.show(api.verdict_result(spec, shown, said(r), settings, r.details["searched"]))
        for r in results
    ]
    # the combined document of `solvent check` (one bmc result per property under
    # "results"), so replay, report, JUnit and SARIF read it as they read that one
    doc = json_out.combined_json(docs, time.perf_counter() - start)
    return out.finish(doc, doc["exit_code"])


@verb("prove")
def prove_(target: TargetArg, settings: Settings) -> int:
    """Prove the invariants for every path length by k-induction (or show why not)."""
    return _single_check("prove", target, settings)


@verb("replay")
def replay_(
    target: TargetArg,
    trace: Annotated[
        str,
        typer.Argument(
            metavar="TRACE",
            show_default=False,
            help="Trace JSON, or a result file with a counterexample.",
        ),
    ],
    expect_violation: Annotated[
        bool,
        typer.Option(
            "--expect-violation",
            help="For CI: exit 0 when the trace still breaks the invariant its '#meta' "
            "records (any invariant when it records none), exit 1 when it does not.",
        ),
    ] = False,
    *,
    settings: Settings,
) -> int:
    """Re-execute a trace exactly and print each step; exit 1 if it breaks an invariant."""
    out = _Output(settings)
    from solvent.api.replay_trace import replay_run

    found = replay_run(target, trace, settings, expect_violation=expect_violation)
    doc = out.show(found)
    if settings.export_pytest or settings.export_csv:
        from solvent.cli.report import export_replay

        recorded = read_trace(trace)
        for path in export_replay(settings, target, recorded, doc):
            out.line(f"written: {path}")
    return out.finish(doc, found.exit_code)


@verb("check")
def check_(
    target: Annotated[
        str | None,
        typer.Argument(
            metavar="[TARGET]",
            show_default=False,
            help="Spec file [default: `targets` in [tool.solvent]].",
        ),
    ] = None,
    *,
    settings: Settings,
) -> int:
    """Run lint, then bmc, then prove on each target; exit with the most severe code."""
    targets = [target] if target else list(settings.targets)
    if not targets:
        raise UsageError("give a TARGET, or list `targets` in [tool.solvent] of pyproject.toml")
    out = _Output(settings)
    start = time.perf_counter()
    ends = ends_at(settings.budget)  # one budget from the process's start, every target's
    docs: list[dict[str, Any]] = []
    for tgt in targets:
        try:
            if not _check_one(out, tgt, settings, docs, ends):
                break
        except SolventError as exc:
            if len(targets) == 1:
                raise
            _text().render_error(out.errors, exc)
            docs.append(json_out.error_json("check", exc, target=tgt))
    doc = json_out.combined_json(docs, time.perf_counter() - start)
    doc["provenance"] = {k: v for k, v in run_facts(None).items() if k != "target"}
    return out.finish(doc, doc["exit_code"])


def _check_one(
    out: _Output, target: str, settings: Settings, docs: list[dict[str, Any]], ends: float
) -> bool:
    """Lint, bmc, prove one target, each only while the previous one leaves it worthwhile
    and the budget that ends at ``ends`` (``api.startup.ends_at``) leaves time.

    Appends each result's JSON document to ``docs``; returns False after a Ctrl-C.
    """
    spec = _load(target, settings)
    out.line(f"{spec.name}  ({target}, {spec.accounts} accounts)")
    for found in api.check_prepared(spec, target, settings, out.running, ends):
        docs.append(out.show(found))
        if api.interrupted(found.raw, settings):
            out.line("  stopped: interrupted (Ctrl-C)")
            return False
        if found.verdict == FAIL or (found.check == "lint" and found.verdict != PASS):
            out.line(f"  stopped: {found.check} did not pass, later checks skipped")
    return True


# ----------------------------------------------------------------------- entry points
def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line on ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    from solvent.cli.families import command as command_for

    args = list(argv) if argv is not None else sys.argv[1:]
    command = command_for(args)  # the verb's command only: its family's module imported
    limits.reload()  # a command line reads the limits' environment afresh
    set_command(args)

    def call() -> Any:
        return command.main(
            args=list(argv) if argv is not None else None,
            prog_name="solvent",
            standalone_mode=False,
        )

    try:
        return outcome(call, interrupts=(typer.Abort,), passthrough=(ClickException,))
    except ClickException as exc:
        exc.show()  # type: ignore[attr-defined]
        return EXIT_USAGE


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Console-script entry point through Typer: run and exit with the verdict's code
    (``exits.main_with``; ``solvent.cli.main`` reads a plain bmc call without Typer)."""
    main_with(run, argv)
