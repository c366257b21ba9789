"""The verb `solvent shrink`: minimize a failing trace (fewer steps, smaller moves, simpler
arguments), every candidate replayed exactly.

Registered by :func:`solvent.cli.verbs.verb`; every option can be set in
``[tool.solvent.shrink]`` (the flag wins). Exit codes as `solvent stress`'s.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from solvent.cli.common import Target
from solvent.cli.common import opt as _opt
from solvent.cli.stress import EPILOG
from solvent.cli.verbs import output_paths, verb
from solvent.config import Settings
from solvent.errors import SolventError, UsageError
from solvent.report.outputs import check_outputs


@verb("shrink", epilog=EPILOG, json_errors=False, check_paths=False)
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
        typer.Option(
            "--out",
            help="Deprecated (use -o): where to write the shrunk trace alone "
            "[default: TRACE with .shrunk.json].",
            metavar="PATH",
            show_default=False,
            hidden=True,
        ),
    ] = None,
    max_replays: Annotated[
        int, _opt("--max-replays", help="Budget of candidate replays [default: 400].", metavar="N")
    ] = 400,
    *,
    settings: Settings,
) -> int:
    """Minimize a failing trace (fewer steps, smaller moves, rounder numbers); every
    candidate is replayed exactly and kept only if it still breaks the same invariant."""
    from solvent.api.simulate import shrink_run
    from solvent.report import json_out, text

    try:
        check_outputs(output_paths(settings))  # before the run
        if out is not None and not settings.quiet:
            text.make_console(stderr=True).print(
                "note: shrink --out is deprecated: -o writes the result, whose "
                "counterexample is the shrunk trace (solvent replay reads it as is)",
                soft_wrap=True,
            )
        dest = out or (trace[:-5] if trace.endswith(".json") else trace) + ".shrunk.json"
        found = shrink_run(target, trace, settings, max_replays=max_replays, written=dest)
        spec, result, doc = found.spec, found.raw, found.doc
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
                          sarif=settings.sarif, specs=[spec])  # fmt: skip
        if settings.format == "json":
            sys.stdout.write(json_out.dumps(doc))
        return 1
    except SolventError as exc:
        if settings.format == "json":
            sys.stdout.write(json_out.dumps(json_out.error_json("shrink", exc, target=target)))
        raise
