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
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from solvent.check.results import FAIL, PASS, CheckResult
from solvent.cli.common import Target, read_trace
from solvent.cli.verbs import ClickException, Interrupted, app, verb
from solvent.config import Settings
from solvent.engine.trace import Trace
from solvent.errors import (
    EXIT_INCONCLUSIVE,
    EXIT_INTERNAL,
    EXIT_PASS,
    EXIT_USAGE,
    EXIT_VIOLATION,
    SolventError,
    UsageError,
)
from solvent.report import json_out, text
from solvent.report.provenance import complete, run_facts, set_command
from solvent.spec.spec import Spec

_INTERRUPTED_BY_CLICK = 130  # what Typer returns after it caught a KeyboardInterrupt itself
_Interrupted = Interrupted

TargetArg = Target


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

    def show(
        self, spec: Spec, target: str, result: CheckResult, properties: list[str] | None = None
    ) -> dict[str, Any]:
        """Print one result as text (unless JSON) and return its JSON document."""
        if properties is None:
            properties = list(self.settings.invariants) or [d.name for d in spec.invariants]
        self.specs.append(spec)
        replayed = _replayed(spec, result)
        if self.text:
            text.render_result(
                self.console,
                result,
                properties=properties,
                replayed=replayed,
                spec=spec,
                quiet=self.settings.quiet,
            )
        doc = json_out.result_json(result, target=target, properties=properties, replayed=replayed)
        doc["provenance"] = json_out.provenance(spec)
        return complete(doc, spec, target)

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
    from solvent.check.solving import select_properties
    from solvent.spec.load import load_spec

    spec = load_spec(target, settings.spec)
    if settings.params:
        spec = spec.with_params(**settings.param_overrides())
    if settings.invariants:
        select_properties(spec, settings.invariants)  # unknown names: exit 3 before any work
    return spec


def _replayed(spec: Spec, result: CheckResult) -> Any:
    """The concrete replay behind a result (the checks attach it; else replay now)."""
    found = result.details.get("replay")
    if found is not None or result.counterexample is None:
        return found
    from solvent.check.replay import replay

    return replay(spec, result.counterexample)


# ----------------------------------------------------------------------- verbs
@verb("inspect")
def inspect_(target: TargetArg, settings: Settings) -> int:
    """Print the spec: params, state, envelope, actions, keepers, invariants, witnesses."""
    out = _Output(settings)
    spec = _load(target, settings)
    if out.text:
        text.render_spec(out.console, spec, target)
    doc = json_out.spec_json(spec, target=target)
    doc["provenance"] = run_facts(target)
    doc["target"] = doc["provenance"]["target"]
    return out.finish(doc, 0)


def _checks(spec: Spec, settings: Settings) -> dict[str, tuple[str, Callable[[], CheckResult]]]:
    """The solver-side checks, in `solvent check` order: name -> (progress label, call)."""
    from solvent.check.bmc import bmc
    from solvent.check.decompose import prove_any_accounts
    from solvent.check.induction import prove
    from solvent.check.lint import lint

    invariants = list(settings.invariants) or None
    jobs = settings.effective_jobs
    return {
        "lint": ("lint", lambda: lint(spec)),
        "bmc": (
            f"bmc up to depth {settings.depth}",
            lambda: bmc(
                spec,
                settings.depth,
                jobs=jobs,
                timeout=settings.budget,
                invariants=invariants,
                simplify=settings.simplify,
            ),
        ),
        "prove": (
            f"prove with k={settings.k}..{settings.effective_max_k}",
            lambda: _explained(
                spec,
                settings,
                _attributed(
                    spec,
                    settings,
                    prove_any_accounts(
                        spec,
                        prove,
                        k=settings.k,
                        max_k=settings.effective_max_k,
                        timeout=settings.budget,
                        invariants=invariants,
                        witness_depth=settings.witness_depth,
                        jobs=jobs,
                    ),
                ),
            ),
        ),
    }


SLACK_PROBE_TIMEOUT = 10.0  # seconds per probe of a slack search without --timeout


def _attributed(spec: Spec, settings: Settings, result: CheckResult) -> CheckResult:
    """A PASS of prove with its assumptions explained (and their slack, unless --no-slack).

    The slack search is a frontier per used envelope bound; a bound whose frontier cannot
    be found says so in its text, the proof itself is unaffected. The slack search gets what
    the proof left of the budget (--timeout, or the default budget), so the whole check
    keeps to it; the result's time is then the whole wall time, the slack search's own is
    in details (``slack_seconds``) and on the verdict line.
    """
    if result.verdict != PASS or result.check != "prove":
        return result
    import time

    from solvent.check.attribution import attribute, attribution_json
    from solvent.check.probes import ProbeOptions

    began = time.perf_counter()
    deadline = began + max(0.001, settings.budget - result.seconds)
    options = ProbeOptions(
        k=result.k or settings.k,  # the depth that proved it: lets the bound be solved for
        timeout=settings.timeout or SLACK_PROBE_TIMEOUT,
        witness_depth=settings.witness_depth,
        invariants=settings.invariants,
        deadline=deadline,
    )
    from solvent.check import progress

    progress.note(phase="slack search (a frontier per envelope bound used)", depth=None)
    explained = attribute(spec, result, slack=settings.slack, options=options)
    result.details["attribution"] = attribution_json(explained)
    if settings.slack and explained.slacks:
        took = time.perf_counter() - began
        result.details["slack_seconds"] = round(took, 3)
        result.seconds += took
    return result


def _explained(spec: Spec, settings: Settings, result: CheckResult) -> CheckResult:
    """An UNKNOWN with its why, a CTI with checked lemma suggestions (check/suggest.py)."""
    from solvent.check.induction import prove
    from solvent.check.suggest import explain

    left = max(0.001, settings.budget - result.seconds)
    return explain(
        spec,
        result,
        prove,
        k=settings.k,
        max_k=settings.effective_max_k,
        timeout=left,
        budget=settings.timeout,
        invariants=list(settings.invariants) or None,
        jobs=settings.jobs,
    )


def _run_check(out: _Output, spec: Spec, settings: Settings, name: str) -> CheckResult:
    label, call = _checks(spec, settings)[name]
    with out.running(f"{spec.name}: {label}"):
        return call()


def _single_check(name: str, target: str, settings: Settings) -> int:
    out = _Output(settings)
    spec = _load(target, settings)
    result = _run_check(out, spec, settings, name)
    return out.finish(out.show(spec, target, result), result.exit_code)


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
    full = _load(target, settings)
    spec = full.with_actions(settings.actions, settings.no_actions)
    restricted = len(spec.actions) < len(full.actions)
    used = ", ".join(a.name for a in spec.actions) or "none"

    def said(result: CheckResult) -> CheckResult:
        if restricted:  # a PASS covers only the paths of these actions: say so
            result.message += f" (user actions: {used})"
            result.details["actions"] = [a.name for a in spec.actions]
        return result

    if not settings.keep_going:
        result = said(_run_check(out, spec, settings, "bmc"))
        return out.finish(out.show(spec, target, result), result.exit_code)
    from solvent.check.bmc import bmc_each

    start = time.perf_counter()
    with out.running(f"{spec.name}: bmc up to depth {settings.depth}, every property"):
        results = bmc_each(
            spec,
            settings.depth,
            timeout=settings.budget,
            invariants=list(settings.invariants) or None,
            simplify=settings.simplify,
            jobs=settings.jobs,
        )
    docs = [out.show(spec, target, said(r), r.details["searched"]) for r in results]
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
    from solvent.check.replay import replay

    out = _Output(settings)
    spec = _load(target, settings)
    recorded = read_trace(trace)
    start = time.perf_counter()
    resized = recorded.accounts != spec.accounts and recorded.meta.get("found_by") == "stress"
    if resized:  # `solvent stress --accounts N` runs the spec with N accounts
        spec = spec.with_accounts(recorded.accounts)
    replayed = replay(spec, recorded)
    edited = _edited_warning(trace)
    if edited is not None:
        replayed.notes.insert(0, edited)
    if recorded.spec != spec.name:
        note = f"the trace was recorded on spec {recorded.spec}; replaying it on {spec.name}"
        replayed.notes.insert(0, note)
    result = _replay_result(spec, recorded, replayed, time.perf_counter() - start)
    recorded_violation, reproduced = _reproduced(recorded, replayed)
    if recorded_violation is not None and not reproduced:
        found = replayed.first_failure
        what = (
            f"the replay finds {found.label()} at step {found.step} instead"
            if found is not None
            else "the replay breaks no invariant"
        )
        note = (
            f"the violation recorded in the trace's #meta ({recorded_violation}) did not "
            f"reproduce: {what}; was the trace edited, or the spec changed?"
        )
        replayed.notes.insert(0, note)
        result.message += f"; the recorded violation ({recorded_violation}) did not reproduce"
    code = result.exit_code
    if expect_violation:
        code = EXIT_PASS if reproduced else EXIT_VIOLATION
        if not reproduced:
            result.message += " (--expect-violation: exit 1)"
    doc = out.show(spec, target, result)
    doc["exit_code"] = code
    if expect_violation or (recorded_violation is not None and not reproduced):
        doc["details"]["expected_violation"] = {
            "recorded": recorded_violation,
            "reproduced": reproduced,
            "expected": expect_violation,
        }
    if settings.export_pytest or settings.export_csv:
        from solvent.cli.report import export_replay

        for path in export_replay(settings, target, recorded, doc):
            out.line(f"written: {path}")
    return out.finish(doc, code)


def _reproduced(recorded: Trace, replayed: Any) -> tuple[str | None, bool]:
    """The violation a trace's ``#meta`` records ("NAME at step N"), and whether it recurs.

    Without a recorded violation any failure counts as reproducing it.
    """
    meta = recorded.meta.get("violation")
    if not isinstance(meta, dict):
        return None, replayed.first_failure is not None
    name, step = meta.get("invariant"), meta.get("step")
    label = f"{name} at step {step}"
    for failure in replayed.failures:
        if failure.step == step and (failure.name == name or failure.label() == name):
            return label, True
    return label, False


def _replay_result(spec: Spec, trace: Trace, replayed: Any, seconds: float) -> CheckResult:
    """A replay as a verdict: FAIL at the first failed invariant, else PASS."""
    steps = len(trace.steps)
    bound = f"{steps} step{'s' if steps != 1 else ''}"
    first = replayed.first_failure
    if first is None:
        return CheckResult(
            "replay", spec.name, PASS, bound, seconds, spec.accounts,
            message=f"no invariant violated in {bound}", details={"replay": replayed},
        )  # fmt: skip
    return CheckResult(
        "replay", spec.name, FAIL, bound, seconds, spec.accounts, invariant=first.label(),
        message=f"trace violates {first.label()} at step {first.step}",
        counterexample=trace, depth=first.step, details={"replay": replayed},
    )  # fmt: skip


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
    doc["provenance"] = {k: v for k, v in run_facts(None).items() if k != "target"}
    return out.finish(doc, doc["exit_code"])


def _check_one(out: _Output, target: str, settings: Settings, docs: list[dict[str, Any]]) -> bool:
    """Lint, bmc, prove one target, each only while the previous one leaves it worthwhile.

    Appends each result's JSON document to ``docs``; returns False after a Ctrl-C.
    """
    spec = _load(target, settings)
    out.line(f"{spec.name}  ({target}, {spec.accounts} accounts)")
    for name in _checks(spec, settings):
        result = _run_check(out, spec, settings, name)
        docs.append(out.show(spec, target, result))
        if _was_interrupted(result, settings):
            out.line("  stopped: interrupted (Ctrl-C)")
            return False
        if result.verdict == FAIL or (name == "lint" and result.verdict != PASS):
            out.line(f"  stopped: {name} did not pass, later checks skipped")
            break
    return True


def _was_interrupted(result: CheckResult, settings: Settings) -> bool:
    reason = result.details.get("reason")
    # Z3 catches Ctrl-C itself and answers "canceled"; without a timeout nothing else does
    return reason == "interrupted" or (
        reason == "canceled" and settings.timeout is None and result.seconds < settings.budget * 0.9
    )


# ----------------------------------------------------------------------- entry points
def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line on ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    command = typer.main.get_command(app)
    errors = text.make_console(stderr=True)
    set_command(list(argv) if argv is not None else sys.argv[1:])
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
