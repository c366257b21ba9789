"""The `solvent` command: parse, call a check, render. Nothing else lives here.

Each verb's options are generated from :class:`solvent.config.Settings`, the same fields
that ``[tool.solvent]`` in pyproject.toml sets. Exit codes follow DESIGN.md section 5.
"""

import functools
import importlib
import inspect
import signal
import sys
import time
import traceback
import typing
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from solvent import __version__
from solvent.api import verify as api
from solvent.api.results import VerdictResult
from solvent.check.results import FAIL, PASS
from solvent.cli.common import read_trace
from solvent.config import Option, Settings, options, resolve
from solvent.errors import (
    EXIT_INCONCLUSIVE,
    EXIT_INTERNAL,
    EXIT_USAGE,
    SolventError,
    UsageError,
)
from solvent.report import json_out, text
from solvent.spec.spec import Spec

EPILOG = """\b
Exit codes:
  0  every check passed within its stated bound
  1  violation: a counterexample confirmed by concrete replay
  2  inconclusive: UNKNOWN, solver timeout, CTI, VACUOUS, interrupted
  3  spec, usage or input error
  4  internal error (a solvent bug, e.g. a solver model that does not replay)
`solvent check` exits with the most severe code: 4 > 3 > 1 > 2 > 0.
Settings also come from [tool.solvent] in the nearest pyproject.toml;
command-line flags win."""

# Typer >= 0.22 vendors its own copy of click; take the exception classes it raises.
_click_exceptions = importlib.import_module(typer.BadParameter.__module__)
ClickException: type[Exception] = _click_exceptions.ClickException
_INTERRUPTED_BY_CLICK = 130  # what Typer returns after it caught a KeyboardInterrupt itself


class _Interrupted(Exception):
    """Ctrl-C during a verb (raised past Typer, which would turn it into exit 130)."""


app = typer.Typer(
    name="solvent",
    help="Prove a derivatives protocol stays solvent under market stress, or get the exact "
    "price path that breaks it.",
    epilog=EPILOG,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

TargetArg = Annotated[
    str,
    typer.Argument(
        metavar="TARGET", help="Spec file, PATH.py or PATH.py:NAME.", show_default=False
    ),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"solvent {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Prove a derivatives protocol stays solvent under market stress, or get the exact
    price path that breaks it."""


# ----------------------------------------------------------------------- plumbing
def _cli_type(hint: Any) -> Any:
    """The command-line type of a Settings field: tuples become repeatable options."""
    if typing.get_origin(hint) is tuple:
        return list[str] | None
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    return (args[0] if args else hint) | None


def _help(default: Any, opt: Option) -> str:
    """The option's help with the Settings default (the CLI default is None: "not given")."""
    if default is None or default is False or default == () or "[default:" in opt.help:
        return opt.help
    shown = opt.flags[0].split("/")[0] if default is True else default
    return f"{opt.help} [default: {shown}]"


def verb(name: str) -> Callable[[Callable[..., int]], Callable[..., int]]:
    """Register ``fn(..., settings)`` as a command with the Settings options of ``name``."""

    def register(fn: Callable[..., int]) -> Callable[..., int]:
        base = inspect.signature(fn, eval_str=True)
        hints = typing.get_type_hints(Settings)
        params = [p for p in base.parameters.values() if p.name != "settings"]
        generated = []
        for f, opt in options():
            if opt.flags and name in opt.verbs:
                generated.append(f.name)
                option = typer.Option(
                    *opt.flags, help=_help(f.default, opt), metavar=opt.metavar, show_default=False
                )
                params.append(
                    inspect.Parameter(
                        f.name,
                        inspect.Parameter.KEYWORD_ONLY,
                        default=None,
                        annotation=Annotated[_cli_type(hints[f.name]), option],
                    )
                )

        @functools.wraps(fn)
        def command(*args: Any, **kwargs: Any) -> int:
            settings = resolve({n: kwargs.pop(n) for n in generated})
            from solvent.report.outputs import check_outputs

            check_outputs(_output_paths(settings))
            try:
                return fn(*args, settings=settings, **kwargs)
            except KeyboardInterrupt:
                raise _Interrupted() from None
            except SolventError as exc:
                if settings.format == "json":
                    sys.stdout.write(json_out.dumps(json_out.error_json(name, exc)))
                raise

        command.__signature__ = base.replace(parameters=params)  # type: ignore[attr-defined]
        app.command(name, help=inspect.getdoc(fn), epilog=EPILOG)(command)
        return fn

    return register


def _output_paths(settings: Settings) -> list[str]:
    """Every file a verb was asked to write (-o, --report, --junit, --sarif, --export-*)."""
    names = ("output", "report", "junit", "sarif", "export_pytest", "export_csv")
    return [p for p in (getattr(settings, n, None) for n in names) if p]


class _Output:
    """Where one verb's results go: text on stdout as they come, or one JSON document."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.console = text.make_console()
        self.errors = text.make_console(stderr=True)
        self.text = settings.format == "text"
        self.specs: list[Spec] = []  # for the file:line of invariants in SARIF/JUnit

    def running(self, message: str) -> AbstractContextManager[None]:
        """A spinner on stderr while a check runs (terminal, text output, not quiet)."""
        if self.settings.quiet or not self.text:
            return nullcontext()
        return text.status(self.errors, message)

    def line(self, message: str) -> None:
        if self.text and not self.settings.quiet:
            self.console.print(message, soft_wrap=True)

    def show(self, found: VerdictResult) -> dict[str, Any]:
        """Print one result as text (unless JSON) and return its JSON document."""
        self.specs.append(found.spec)
        if self.text:
            text.render_result(
                self.console,
                found.raw,
                properties=list(found.properties),
                replayed=found.replayed,
                spec=found.spec,
                quiet=self.settings.quiet,
            )
        return found.doc

    def finish(self, doc: dict[str, Any], code: int) -> int:
        from solvent.report.outputs import write_atomic, write_reports

        if self.settings.output:
            from solvent.integrity import seal_result

            doc = seal_result(doc)  # the file carries its content hash (report/replay check it)
            write_atomic(self.settings.output, json_out.dumps(doc))
            self.line(f"result written to {self.settings.output}")
        s = self.settings
        written = write_reports(
            doc, report=s.report, junit=s.junit, sarif=s.sarif, specs=self.specs
        )
        for path in written:
            self.line(f"written: {path}")
        if not self.text:
            sys.stdout.write(json_out.dumps(doc))
        return code


def _load(target: str, settings: Settings) -> Spec:
    return api.prepared(target, settings)[0]


# ----------------------------------------------------------------------- verbs
@verb("inspect")
def inspect_(target: TargetArg, settings: Settings) -> int:
    """Print the spec: params, state, envelope, actions, keepers, invariants, witnesses."""
    out = _Output(settings)
    spec = _load(target, settings)
    if out.text:
        text.render_spec(out.console, spec, target)
    return out.finish(json_out.spec_json(spec, target=target), 0)


def _single_check(name: str, target: str, settings: Settings) -> int:
    out = _Output(settings)
    found = api.run_check(name, target, settings, running=out.running)
    return out.finish(out.show(found), found.exit_code)


@verb("lint")
def lint_(target: TargetArg, settings: Settings) -> int:
    """Trace one step under every backend without solving (fast; for pre-commit)."""
    return _single_check("lint", target, settings)


@verb("bmc")
def bmc_(target: TargetArg, settings: Settings) -> int:
    """Search for the shortest path of at most --depth steps that breaks an invariant."""
    return _single_check("bmc", target, settings)


@verb("prove")
def prove_(target: TargetArg, settings: Settings) -> int:
    """Prove the invariants for every path length by k-induction (or show why not)."""
    return _single_check("prove", target, settings)


def _edited_warning(path: str) -> str | None:
    """A note when the result file ``path`` was edited after solvent wrote it."""
    from solvent.integrity import result_warning_text

    try:
        return result_warning_text(Path(path).read_text(encoding="utf-8"), path)
    except (OSError, UnicodeDecodeError):
        return None


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
    found = api.replay_run(target, trace, settings, expect_violation=expect_violation)
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
    docs: list[dict[str, Any]] = []
    for tgt in targets:
        try:
            if not _check_one(out, tgt, settings, docs):
                break
        except SolventError as exc:
            if len(targets) == 1:
                raise
            text.render_error(out.errors, exc)
            docs.append(json_out.error_json("check", exc, target=tgt))
    doc = json_out.combined_json(docs, time.perf_counter() - start)
    return out.finish(doc, doc["exit_code"])


def _check_one(out: _Output, target: str, settings: Settings, docs: list[dict[str, Any]]) -> bool:
    """Lint, bmc, prove one target, each only while the previous one leaves it worthwhile.

    Appends each result's JSON document to ``docs``; returns False after a Ctrl-C.
    """
    spec = _load(target, settings)
    out.line(f"{spec.name}  ({target}, {spec.accounts} accounts)")
    for found in api.check_prepared(spec, target, settings, running=out.running):
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
    command = typer.main.get_command(app)
    errors = text.make_console(stderr=True)
    try:
        code = command.main(
            args=list(argv) if argv is not None else None,
            prog_name="solvent",
            standalone_mode=False,
        )
    except (_Interrupted, KeyboardInterrupt, typer.Abort):
        code = _INTERRUPTED_BY_CLICK
    except ClickException as exc:
        exc.show()  # type: ignore[attr-defined]
        return EXIT_USAGE
    except SolventError as exc:
        text.render_error(errors, exc)
        return exc.exit_code
    except Exception:  # noqa: BLE001 - the last line of defence: a solvent bug
        errors.print(
            "internal error, please report it with the traceback below "
            "(this is a solvent bug, not a problem with your spec)",
            style="bold red",
        )
        sys.stderr.write(traceback.format_exc())
        return EXIT_INTERNAL
    if code == _INTERRUPTED_BY_CLICK:
        errors.print("interrupted (Ctrl-C): no verdict", style="bold yellow")
        return EXIT_INCONCLUSIVE
    return code if isinstance(code, int) else 0


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Console-script entry point: run and exit with the verdict's code.

    A shell starts a background job (``solvent stress ... &`` in a script) with SIGINT
    ignored, and Python keeps it ignored; solvent restores Ctrl-C's default so that
    ``kill -INT`` stops any run cleanly (exit 2, or the verb's documented code).
    """
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.exit(run(argv))
