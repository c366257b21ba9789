"""The core verbs inspect, lint, bmc, prove, replay, check, and the entry points.

Each verb's options are generated from :class:`solvent.config.Settings` by
:func:`solvent.cli.verbs.verb`, the same fields that ``[tool.solvent]`` in pyproject.toml
sets. Exit codes: see ``EPILOG`` (0 pass, 1 violation, 2 inconclusive, 3 input error,
4 internal error).
"""

import signal
import sys
import time
import traceback
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any, NoReturn

import typer

from solvent import limits
from solvent.api import verify as api
from solvent.api.results import VerdictResult
from solvent.check.results import FAIL, PASS, CheckResult
from solvent.cli.common import Target, read_trace
from solvent.cli.verbs import ClickException, Interrupted, verb
from solvent.config import Settings
from solvent.errors import (
    EXIT_INCONCLUSIVE,
    EXIT_INTERNAL,
    EXIT_USAGE,
    SolventError,
    UsageError,
)
from solvent.report import json_out
from solvent.report.provenance import run_facts, set_command, without_run_facts
from solvent.report.verdict import plain_line
from solvent.spec.spec import Spec

_INTERRUPTED_BY_CLICK = 130  # what Typer returns after it caught a KeyboardInterrupt itself
_Interrupted = Interrupted

TargetArg = Target


def _text() -> ModuleType:
    """:mod:`solvent.report.text`, imported when something is shown with Rich (a quiet
    check into a pipe prints its verdict line without it: ``report/verdict.py``)."""
    from solvent.report import text

    return text


class _Output:
    """Where one verb's results go: text on stdout as they come, or one JSON document."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.text = settings.format == "text"
        self.specs: list[Spec] = []  # for the file:line of invariants in SARIF/JUnit

    @cached_property
    def console(self) -> Any:
        return _text().make_console()

    @cached_property
    def errors(self) -> Any:
        return _text().make_console(stderr=True)

    @property
    def documented(self) -> bool:
        """Whether the result document is shown or written (else only the verdict is)."""
        s = self.settings
        return not self.text or any((s.output, s.report, s.junit, s.sarif))

    def running(self, message: str) -> AbstractContextManager[None]:
        """A spinner on stderr while a check runs (terminal, text output, not quiet)."""
        if self.settings.quiet or not self.text:
            return nullcontext()
        return _text().status(self.errors, message)

    def line(self, message: str) -> None:
        if self.text and not self.settings.quiet:
            self.console.print(message, soft_wrap=True)

    def show(self, found: VerdictResult) -> dict[str, Any]:
        """Print one result as text (unless JSON) and return its JSON document."""
        self.specs.append(found.spec)
        plain = None
        if self.text and self.settings.quiet and "console" not in self.__dict__:
            plain = plain_line(found.raw, list(found.properties), sys.stdout)
        if plain is not None:
            sys.stdout.write(plain)
        elif self.text:
            _text().render_result(
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
        _text().render_spec(out.console, spec, target)
    doc = json_out.spec_json(spec, target=target)
    doc["provenance"] = run_facts(target)
    doc["target"] = doc["provenance"]["target"]
    return out.finish(doc, 0)


def _single_check(name: str, target: str, settings: Settings) -> int:
    out = _Output(settings)
    with nullcontext() if out.documented else without_run_facts():
        found = api.run_check(name, target, settings, running=out.running)
    return out.finish(out.show(found), found.exit_code)


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
            _text().render_error(out.errors, exc)
            docs.append(json_out.error_json("check", exc, target=tgt))
    doc = json_out.combined_json(docs, time.perf_counter() - start)
    doc["provenance"] = {k: v for k, v in run_facts(None).items() if k != "target"}
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
    from solvent.cli.families import command as command_for

    args = list(argv) if argv is not None else sys.argv[1:]
    command = command_for(args)  # the verb's command only: its family's module imported
    limits.reload()  # a command line reads the limits' environment afresh
    set_command(args)
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
        _text().render_error(_text().make_console(stderr=True), exc)
        return exc.exit_code
    except Exception:  # noqa: BLE001 - the last line of defence: a solvent bug
        _text().make_console(stderr=True).print(
            "internal error, please report it with the traceback below "
            "(this is a solvent bug, not a problem with your spec)",
            style="bold red",
        )
        sys.stderr.write(traceback.format_exc())
        return EXIT_INTERNAL
    if code == _INTERRUPTED_BY_CLICK:
        _text().make_console(stderr=True).print(
            "interrupted (Ctrl-C): no verdict", style="bold yellow"
        )
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
    if argv is None:  # a check's --timeout covers the whole process (api/startup.py)
        from solvent.api.startup import count_from_process_start

        count_from_process_start()
    code = run(argv)
    if argv is None and _exit_handlers() is not None:  # the console script: end without
        import atexit  # tearing the interpreter down

        atexit.register(_end_now, code)
    sys.exit(code)


def _exit_handlers() -> Any:
    """CPython's function that runs the ``atexit`` handlers now, or None.

    ``atexit`` has no public one (it registers and unregisters only), and ``_end_now``
    needs it: it runs first (the handler registered last) and must run the others before
    ``os._exit`` skips them: certifi's and coverage's, registered as the interpreter
    starts (coverage saves a subprocess's measurements in its own), multiprocessing's and
    logging's. So ``atexit._run_exitfuncs`` it is, looked up here: on a Python without
    it the console script ends the ordinary way (the same output and exit code; only the
    teardown is not skipped).
    """
    import atexit

    found = getattr(atexit, "_run_exitfuncs", None)
    return found if callable(found) else None


def _end_now(code: int) -> None:
    """The last step of the console script, after ``SystemExit``: run the other ``atexit``
    handlers, flush, then end the process at once.

    Python's own shutdown releases every object one by one; after a bmc of many accounts
    that is millions of Z3 terms, each released through Z3's C API: 1.8 s after the
    verdict was printed (at a load of 6), past ``--timeout``, which covers the whole run.
    """
    import atexit
    import os

    atexit.unregister(_end_now)
    _exit_handlers()()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more to show
            pass
    os._exit(code)
