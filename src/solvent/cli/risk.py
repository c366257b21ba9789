"""The risk verbs `solvent frontier` and `solvent synth`: parse, call a check, render.

Both are registered by :func:`solvent.cli.verbs.verb`: the shared settings (``--set``,
``--invariant``, ``--timeout``, ``-k``, ``--max-k``, ``--depth``, ``--format``, ``-o``,
``--report``, ``--quiet``, ``--spec``) come from :class:`solvent.config.Settings`, and
every option can be set in ``[tool.solvent.frontier]`` / ``[tool.solvent.synth]``. Exit codes: 0 answered (both sides of the evidence, or
proved across the range) · 2 inconclusive (a lower bound only, non-monotone, every probe
unknown) · 3 bad input · 4 internal error.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer

from solvent.cli.common import Target, opt
from solvent.cli.verbs import verb
from solvent.config import Settings
from solvent.errors import SolventError

EPILOG = """\b
Exit codes:
  0  answered: a proof at the boundary and a replay-confirmed counterexample
     just beyond it (or proved across the whole range searched)
  2  inconclusive: beyond the boundary only a CTI/UNKNOWN (a lower bound),
     non-monotone behaviour, or no probe could be decided
  3  spec, usage or input error
  4  internal error (a solvent bug)"""

Tol = Annotated[
    str | None,
    typer.Option(
        "--tol",
        metavar="X",
        show_default=False,
        help="Absolute precision [default: 1% of the spec's value].",
    ),
]
Range = Annotated[
    tuple[str, str] | None,
    typer.Option(
        "--range",
        metavar="LO HI",
        show_default=False,
        help="Search only here; the end opposite to --direction must be safe.",
    ),
]
Checks = Annotated[
    int,
    typer.Option(
        "--checks", metavar="N", help="Extra probes that test monotonicity (0: assume it)."
    ),
]
Scheduler = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        metavar="ADDRESS",
        show_default=False,
        help="Dask scheduler (tcp://host:8786) that runs the points of a grid; also "
        "`scheduler` in [tool.solvent].",
    ),
]
Csv = Annotated[
    str | None,
    typer.Option(
        "--csv",
        metavar="PATH",
        show_default=False,
        help="Write the probes (frontier) or grid points (synth) as CSV.",
    ),
]


def register(app: typer.Typer) -> None:
    """Kept for callers of the old API: ``@verb`` registers both commands on import."""


@verb("frontier", epilog=EPILOG, json_errors=False)
def frontier_command(
    target: Target,
    param: Annotated[
        str,
        opt(
            "--param",
            metavar="BOUND",
            help="Envelope bound: NAME (magnitude of a symmetric bound), NAME.lo or NAME.hi.",
        ),
    ],
    tol: Tol = None,
    direction: Annotated[
        str | None,
        opt(
            "--direction",
            metavar="up|down",
            help="up: largest safe value; down: smallest [default: the widening direction].",
        ),
    ] = None,
    range_: Range = None,
    method: Annotated[
        str,
        typer.Option(
            "--method",
            metavar="auto|bisection|both",
            help="auto: solve for the bound symbolically where possible, "
            "else bisect proofs; both: run and compare.",
        ),
    ] = "auto",
    checks: Checks = 2,
    csv_path: Csv = None,
    *,
    settings: Settings,
) -> int:
    """Largest (or smallest) value of an envelope bound for which the invariants are proved:
    the proof at the boundary and a replayed counterexample just beyond it."""
    from solvent.api.risk import frontier_run
    from solvent.report import risk

    def run(running: Any) -> Any:
        return frontier_run(
            target, settings, param, direction=direction, tol=tol, search_range=range_,
            method=method, checks=checks, simplify=settings.simplify, running=running,
        )  # fmt: skip

    return _answer(target, settings, "frontier", run, risk.render_frontier, risk.probes_csv,
                   csv_path)  # fmt: skip


@verb("synth", epilog=EPILOG, json_errors=False)
def synth_command(
    target: Target,
    param: Annotated[
        list[str],
        opt(
            "--param",
            metavar="PARAM",
            help="Numeric protocol parameter; give two for a grid (--param A --param B --grid N).",
        ),
    ],
    tol: Tol = None,
    direction: Annotated[
        str,
        typer.Option(
            "--direction",
            metavar="down|up",
            help="The cheap direction: down = smallest safe value (margins, funds), up = largest "
            "(leverage, caps); for a grid, one per parameter like down,up.",
        ),
    ] = "down",
    range_: Range = None,
    range2: Annotated[
        tuple[str, str] | None,
        opt(
            "--range2",
            metavar="LO HI",
            help="Range of the second --param of a grid [default: half to twice its value].",
        ),
    ] = None,
    grid: Annotated[
        int | None, opt("--grid", metavar="N", help="Points per axis of a two-parameter grid.")
    ] = None,
    checks: Checks = 2,
    scheduler: Scheduler = None,
    csv_path: Csv = None,
    *,
    settings: Settings,
) -> int:
    """Cheapest protocol parameter proved safe for the envelope (smallest margin, smallest
    fund...), with a replayed counterexample just beyond; or a two-parameter safe region."""
    from solvent.api.risk import synth_run
    from solvent.report import risk

    def run(running: Any) -> Any:
        return synth_run(
            target, settings, param, direction=direction, tol=tol, search_range=range_,
            range2=range2, grid=grid, checks=checks, simplify=settings.simplify,
            scheduler=scheduler, running=running,
        )  # fmt: skip

    def render(console: Any, spec: Any, result: Any, *, quiet: bool = False) -> None:
        if len(param) == 2:
            risk.render_grid(console, result, quiet=quiet)
        else:
            risk.render_frontier(console, spec, result, quiet=quiet)

    def as_csv(result: Any) -> str:
        return risk.grid_csv(result) if len(param) == 2 else risk.probes_csv(result)

    return _answer(target, settings, "synth", run, render, as_csv, csv_path)


def _answer(
    target: str,
    settings: Settings,
    verb: str,
    run: Callable[[Any], Any],
    render: Callable[..., None],
    as_csv: Callable[[Any], str],
    csv_path: str | None,
) -> int:
    """Run the API call ``run`` (spinner on stderr), print and write what was asked for."""
    from solvent.report import json_out, text
    from solvent.report.outputs import write_reports

    try:
        console, errors = text.make_console(), text.make_console(stderr=True)
        quiet_spinner = settings.quiet or settings.format != "text"
        found = run(None if quiet_spinner else (lambda label: text.status(errors, label)))
        if settings.format == "text":
            render(console, found.spec, found.raw, quiet=settings.quiet)
        doc = found.doc
        if csv_path:
            _write(csv_path, as_csv(found.raw))
            if settings.format == "text" and not settings.quiet:
                console.print(f"CSV written to {csv_path}")
        if settings.output:
            from solvent.integrity import seal_result

            doc = seal_result(doc)  # the file carries its content hash (report checks it)
            _write(settings.output, json_out.dumps(doc))
            if settings.format == "text" and not settings.quiet:
                console.print(f"result written to {settings.output}")
        for path in write_reports(
            doc, report=settings.report, junit=settings.junit, sarif=settings.sarif,
            specs=[found.spec],
        ):  # fmt: skip
            if settings.format == "text" and not settings.quiet:
                console.print(f"written: {path}")
        if settings.format == "json":
            sys.stdout.write(json_out.dumps(doc))
        return int(found.exit_code)
    except SolventError as exc:
        if settings.format == "json":
            sys.stdout.write(json_out.dumps(json_out.error_json(verb, exc, target=target)))
        raise


def _write(path: str, content: str) -> None:
    from solvent.report.outputs import write_atomic

    write_atomic(path, content)  # a temporary file moved into place: never a partial file
