"""`solvent report`, and the report/export options that other verbs share.

``solvent report RESULT.json [--report report.html] [--junit PATH] [--sarif PATH]
[--png DIR] [--markdown DIR] [-o PATH.json]`` turns a result file written by any verb
(``-o``) into an HTML report and the CI formats (and a stress result's charts into PNG
files and a Markdown summary), with no spec and no solver. The same files come straight from a run with
``--report``, ``--junit`` and ``--sarif`` on every verb (see :mod:`solvent.config`).
``-o`` writes JSON here as everywhere; ``-o FILE.html``, the old spelling of
``--report FILE.html``, still works with a deprecation note.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from solvent.cli.verbs import verb
from solvent.config import Settings
from solvent.report.outputs import check_outputs

HTML = (".html", ".htm")
EPILOG = """\b
Exit codes:
  0  the report was written
  3  the result file is missing, not a solvent result, from another version,
     or an output path cannot be written (nothing is written then)"""


@verb("report", epilog=EPILOG, json_errors=False, check_paths=False)
def report_command(
    result: Annotated[
        str,
        typer.Argument(
            metavar="RESULT",
            show_default=False,
            help="A JSON result written by any verb with -o (or --format json).",
        ),
    ],
    *,
    settings: Settings,
) -> int:
    """Turn a result file into a self-contained HTML report (and JUnit XML / SARIF)."""
    from solvent.report import documents, json_out
    from solvent.report.outputs import write_atomic, write_reports
    from solvent.report.text import make_console

    output, html, junit, sarif = settings.output, settings.report, settings.junit, settings.sarif
    quiet = settings.quiet
    errors = make_console(stderr=True)
    old_spelling = bool(output and html is None and Path(output).suffix.lower() in HTML)
    if old_spelling:  # `report RESULT -o report.html`, from before -o meant JSON everywhere
        output, html = None, output
    if html is None and output is None:
        html = str(Path(result).with_suffix(".html"))
    for path in (html, output):
        if path and Path(path).resolve() == Path(result).resolve():
            from solvent.errors import UsageError

            raise UsageError(
                f"the report {path} would overwrite the result file; give --report PATH"
            )
    check_outputs([html, output, junit, sarif])
    doc = documents.read(result)
    from solvent.integrity import result_warning

    warning = result_warning(doc, result)
    if warning is not None and not quiet:
        errors.print(warning, soft_wrap=True)
    from solvent.report.export_stress import check_stress, write_markdown, write_png

    png, markdown = settings.png, settings.markdown
    for flag, folder in (("--png", png), ("--markdown", markdown)):
        if folder:
            check_stress(doc, flag)  # before any file is written
    written = []
    if output:  # as read, its seal included: an edited file stays flagged as edited
        write_atomic(output, json_out.dumps(doc))
        written.append(output)
    written += write_reports(doc, report=html, junit=junit, sarif=sarif)
    written += write_png(doc, png) if png else []
    written += write_markdown(doc, markdown) if markdown else []
    if not quiet:
        console = make_console()
        for path in written:
            console.print(f"written: {path}", soft_wrap=True)
        if old_spelling:
            errors.print(
                "note: `solvent report -o FILE.html` is deprecated: -o writes the JSON result "
                "(as on every verb); write the HTML report with --report FILE.html",
                soft_wrap=True,
            )
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
