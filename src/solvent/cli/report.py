"""`solvent report`, and the report/export options that other verbs share.

``register(app)`` adds ``solvent report RESULT.json [-o report.html] [--junit PATH]
[--sarif PATH] [--png DIR] [--markdown DIR]``: it turns a result file written by any verb
(``-o``) into an HTML report and the CI formats (and a stress result's charts into PNG
files and a Markdown summary), with no spec and no solver. The same files come straight from a run
with ``--report``, ``--junit`` and ``--sarif`` on every verb (see :mod:`solvent.config`);
``frontier`` and ``synth`` take them through the option types below.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated, Any

import typer

from solvent.config import Settings
from solvent.report.outputs import check_outputs

ReportOpt = Annotated[
    str | None,
    typer.Option(
        "--report",
        metavar="PATH",
        show_default=False,
        help="Also write a self-contained HTML report (charts, tables; works offline) here.",
    ),
]
JunitOpt = Annotated[
    str | None,
    typer.Option(
        "--junit",
        metavar="PATH",
        show_default=False,
        help="Also write JUnit XML here, for CI.",
    ),
]
SarifOpt = Annotated[
    str | None,
    typer.Option(
        "--sarif",
        metavar="PATH",
        show_default=False,
        help="Also write SARIF 2.1.0 here, for code scanning.",
    ),
]

EPILOG = """\b
Exit codes:
  0  the report was written
  3  the result file is missing, not a solvent result, from another version,
     or an output path cannot be written (nothing is written then)"""


def with_reports(
    settings: Settings, report: str | None, junit: str | None, sarif: str | None
) -> Settings:
    """``settings`` with the report paths set, each checked to be writable first."""
    check_outputs([settings.output, report, junit, sarif])
    return dataclasses.replace(settings, report=report, junit=junit, sarif=sarif)


def report_command(
    result: Annotated[
        str,
        typer.Argument(
            metavar="RESULT",
            show_default=False,
            help="A JSON result written by any verb with -o (or --format json).",
        ),
    ],
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            metavar="PATH",
            show_default=False,
            help="The HTML report to write [default: RESULT with .html instead of .json].",
        ),
    ] = None,
    junit: JunitOpt = None,
    sarif: SarifOpt = None,
    png: Annotated[
        str | None,
        typer.Option(
            "--png",
            metavar="DIR",
            show_default=False,
            help="Also write a stress result's charts as PNG files into DIR.",
        ),
    ] = None,
    markdown: Annotated[
        str | None,
        typer.Option(
            "--markdown",
            metavar="DIR",
            show_default=False,
            help="Also write DIR/summary.md (a stress result's tables, charts as PNG).",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing.")] = False,
) -> int:
    """Turn a result file into a self-contained HTML report (and JUnit XML / SARIF)."""
    from solvent.report import documents
    from solvent.report.outputs import write_reports
    from solvent.report.text import make_console

    html = output or str(Path(result).with_suffix(".html"))
    if Path(html).resolve() == Path(result).resolve():
        from solvent.errors import UsageError

        raise UsageError(f"the report {html} would overwrite the result file; give -o PATH")
    check_outputs([html, junit, sarif])
    doc = documents.read(result)
    from solvent.integrity import result_warning

    warning = result_warning(doc, result)
    if warning is not None and not quiet:
        make_console(stderr=True).print(warning, soft_wrap=True)
    from solvent.report.export_stress import check_stress, write_markdown, write_png

    for flag, folder in (("--png", png), ("--markdown", markdown)):
        if folder:
            check_stress(doc, flag)  # before any file is written
    written = write_reports(doc, report=html, junit=junit, sarif=sarif)
    written += write_png(doc, png) if png else []
    written += write_markdown(doc, markdown) if markdown else []
    if not quiet:
        console = make_console()
        for path in written:
            console.print(f"written: {path}", soft_wrap=True)
    return 0


def export_replay(settings: Settings, target: str, trace: Any, doc: dict[str, Any]) -> list[str]:
    """Write ``--export-pytest`` / ``--export-csv`` of a replay; return the paths written."""
    from solvent.report import export
    from solvent.report.outputs import write_atomic
    from solvent.spec.load import split_target

    written = []
    replay = doc.get("replay") or {}
    if settings.export_pytest:
        spec_file, name = split_target(target)
        source = export.pytest_file(
            trace=trace.to_json(),
            replay=replay,
            spec_file=spec_file,
            out_path=settings.export_pytest,
            spec_name=settings.spec or name,
            params=settings.param_overrides(),
            command=f"{target} TRACE",
        )
        write_atomic(settings.export_pytest, source)
        written.append(settings.export_pytest)
    if settings.export_csv:
        write_atomic(settings.export_csv, export.csv_text(replay))
        written.append(settings.export_csv)
    return written


def register(app: typer.Typer) -> None:
    """Add ``report`` to ``app`` (idempotent)."""
    if "report" not in {c.name for c in app.registered_commands}:
        app.command("report", epilog=EPILOG)(report_command)
