"""Loading specs and the solver checks: ``load``, ``lint``, ``bmc``, ``prove``, ``check``
(``replay``: ``api/replay_trace.py``). The command line's verbs of the same names call these
functions.

Keyword arguments are the fields of :class:`solvent.config.Settings` (the same names and
values as ``[tool.solvent]`` keys, with ``_`` for ``-``), validated the same way; a bad
value raises :class:`solvent.errors.UsageError` naming it. Parameter overrides are a
mapping ``params={"maintenance_margin": "0.08"}`` (strings, ints or Fractions: exact).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from fractions import Fraction
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any, cast

from solvent.api.results import VerdictResult
from solvent.check.proof_notes import attributed, explained
from solvent.check.results import FAIL, PASS, CheckResult
from solvent.config import ConfigFile, Settings, resolve
from solvent.engine.trace import Trace
from solvent.errors import (
    SolventError,
    SpecLoadError,
    TraceFormatError,
    UsageError,
)
from solvent.spec.spec import Spec

SpecLike = Spec | str | Path | ModuleType
Running = Callable[[str], AbstractContextManager[Any]]

_TARGETS: dict[int, tuple[Spec, str]] = {}  # id(spec) -> (spec, the target it was loaded from)


# ----------------------------------------------------------------------- settings, specs
def settings_of(options: Mapping[str, Any]) -> Settings:
    """Settings from API keyword arguments (defaults < ``options``; no pyproject.toml)."""
    values = dict(options)
    if "name" in values:  # which spec of a file that defines several (the --spec option)
        values["spec"] = values.pop("name")
    params = values.get("params")
    if isinstance(params, Mapping):
        values["params"] = {k: _exact(v) for k, v in params.items()}
    for name in ("invariants",):
        if isinstance(values.get(name), str):
            values[name] = (values[name],)
    return resolve(values, ConfigFile(None, {}))


def _exact(value: Any) -> Any:
    if isinstance(value, Fraction):
        return str(value) if value.denominator != 1 else str(value.numerator)
    return value


def load(path_or_module: SpecLike, name: str | None = None) -> Spec:
    """The spec in a file (``"path/spec.py"``, ``"path/spec.py:NAME"``), a module, or a spec.

    ``name`` picks one spec (by variable or spec name) when the file defines several.
    Errors are :class:`solvent.SpecError` subclasses naming the file and line.
    """
    if isinstance(path_or_module, Spec):
        return path_or_module
    if isinstance(path_or_module, ModuleType):
        return _from_module(path_or_module, name)
    from solvent.spec.load import load_spec

    target = str(path_or_module)
    spec = load_spec(target, name)
    _TARGETS[id(spec)] = (spec, target)
    return spec


def model(library_name: str, /, **build_args: Any) -> Spec:
    """A spec from the model library (``"perp-isolated"``...; `solvent models` lists them),
    built with ``build_args`` (e.g. ``accounts=3, maintenance_margin="0.05"``)."""
    from solvent.models.registry import load as find

    info = find(library_name)
    known = {n for n, _ in info.params}
    unknown = sorted(set(build_args) - known)
    if unknown:
        raise UsageError(
            f"model {info.name} has no parameter {', '.join(unknown)}; it has: "
            + ", ".join(sorted(known))
        )
    return info.module.build(**{k: _exact(v) for k, v in build_args.items()})


def _from_module(module: ModuleType, name: str | None) -> Spec:
    found: dict[int, tuple[str, Spec]] = {}
    for var, value in vars(module).items():
        if isinstance(value, Spec) and not var.startswith("_"):
            found.setdefault(id(value), (var, value))
    if name is not None:
        for var, s in found.values():
            if name in (var, s.name):
                return s
        raise SpecLoadError(f"module {module.__name__} has no spec named {name!r}")
    if len(found) != 1:
        what = "no solvent.Spec" if not found else "several specs; pass name=..."
        raise SpecLoadError(f"module {module.__name__} defines {what}")
    return next(iter(found.values()))[1]


def target_of(spec: Spec) -> str | None:
    """The file a spec was loaded from by :func:`load` (None for a spec built in Python)."""
    entry = _TARGETS.get(id(spec))
    return entry[1] if entry is not None and entry[0] is spec else None


def prepared(
    spec: SpecLike, settings: Settings, name: str | None = None
) -> tuple[Spec, str | None]:
    """The spec with ``settings.params`` applied and ``settings.invariants`` checked."""
    from solvent.check.solving import select_properties

    target = str(spec) if isinstance(spec, str | Path) else None
    loaded = load(spec, name or settings.spec)
    target = target or target_of(loaded)
    if settings.params:
        loaded = loaded.with_params(**settings.param_overrides())
    if settings.accounts is not None and settings.accounts != loaded.accounts:
        loaded = loaded.with_accounts(settings.accounts)
    if settings.invariants:
        select_properties(loaded, settings.invariants)  # unknown names: exit 3 before work
    return loaded, target


def read_trace(path: str | Path) -> Trace:
    """Load a trace file (or a result file with a counterexample), with a clear error."""
    from solvent.engine.trace import loads

    file = Path(path)
    if not file.is_file():
        what = "is a directory" if file.is_dir() else "does not exist"
        raise TraceFormatError(
            f"trace file {str(path)!r} {what}; give a JSON trace or a result file "
            "written by `solvent bmc -o`"
        )
    try:
        content = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TraceFormatError(f"cannot read trace file {path}: {exc}") from None
    return loads(content, source=str(path))


# ----------------------------------------------------------------------- documents
def verdict_result(
    spec: Spec,
    target: str | None,
    result: CheckResult,
    settings: Settings,
    properties: Sequence[str] | None = None,
) -> VerdictResult:
    """A check's record with its concrete replay and its ``solvent-result/1`` document.

    ``properties``: what the check covered [default: ``settings.invariants``, else every
    invariant of the spec].
    """
    from solvent.report import json_out
    from solvent.report.provenance import complete

    if properties is None:
        properties = list(settings.invariants) or [d.name for d in spec.invariants]
    properties = list(properties)
    replayed = _replayed(spec, result)
    doc = json_out.result_json(result, target=target, properties=properties, replayed=replayed)
    doc["provenance"] = json_out.provenance(spec)
    doc = complete(doc, spec, target)
    return VerdictResult(doc, result, spec, replayed=replayed, properties=properties)


def _replayed(spec: Spec, result: CheckResult) -> Any:
    """The concrete replay behind a result (the checks attach it; else replay now)."""
    found = result.details.get("replay")
    if found is not None or result.counterexample is None:
        return found
    from solvent.check.replay import replay

    return replay(spec, result.counterexample)


# ----------------------------------------------------------------------- the checks
# the share of what is left of the budget `solvent check` gives bmc: the rest is prove's
# (tests/check/specs/zero_sum_funding.py on 3-30 accounts: bmc, undecided past depth 1,
# took the whole 60 s and prove, which passes in 0.6-4 s of CPU, was not started)
CHECK_BMC_SHARE = 0.5


def checks(
    spec: Spec, settings: Settings, already: float = 0.0, bmc_share: float = 1.0
) -> dict[str, tuple[str, Callable[[], CheckResult]]]:
    """The solver-side checks, in `solvent check` order: name -> (progress label, call);
    ``already``: seconds of the budget spent before the check (``startup.spent``);
    ``bmc_share``: the share of what is left that bmc may use."""
    from solvent.api.startup import left, within_budget
    from solvent.check.bmc import bmc as run_bmc
    from solvent.check.decompose_bmc import bmc_any_accounts

    def run_lint(spec: Spec) -> CheckResult:  # numpy and the vector backend: only for lint
        from solvent.check import progress
        from solvent.check.lint import lint

        progress.note(phase="lint: one step traced on every backend")
        return lint(spec)

    def run_proof(**kwargs: Any) -> CheckResult:  # induction, inference: only for prove
        from solvent.check import decompose, induction
        from solvent.check.lemma_reuse import recording

        # the lemmas it infers are kept for its slack search's probes (``lemma_reuse``)
        return decompose.prove_any_accounts(spec, recording(induction.prove), **kwargs)

    invariants = list(settings.invariants) or None
    jobs = settings.effective_jobs
    return {
        "lint": ("lint", lambda: run_lint(spec)),
        "bmc": (
            f"bmc up to depth {settings.depth}",
            lambda: within_budget(
                "bmc",
                spec,
                settings,
                already,
                lambda: bmc_any_accounts(
                    spec,
                    run_bmc,
                    settings.depth,
                    jobs=jobs,
                    timeout=left(settings.budget, already) * bmc_share,
                    invariants=invariants,
                    simplify=settings.simplify,
                ),
            ),
        ),
        "prove": (
            f"prove with k={settings.k}..{settings.effective_max_k}",
            lambda: within_budget(
                "prove",
                spec,
                settings,
                already,
                lambda: run_proof(
                    k=settings.k,
                    max_k=settings.effective_max_k,
                    timeout=left(settings.budget, already),
                    invariants=invariants,
                    witness_depth=settings.witness_depth,
                    jobs=jobs,
                ),
                # a PASS's assumptions and slack, an UNKNOWN's why: the proof's verdict
                # is kept when the budget stops them
                [partial(attributed, spec, settings), partial(explained, spec, settings)],
            ),
        ),
    }


def run_check(
    name: str, spec: SpecLike, settings: Settings, running: Running | None = None
) -> VerdictResult:
    """One of lint, bmc, prove on ``spec`` (the body of the verb of that name)."""
    from solvent.api.startup import spent

    loaded, target = prepared(spec, settings)
    label, call = checks(loaded, settings, spent())[name]
    with (running or _quiet)(f"{loaded.name}: {label}"):
        result = call()
    return verdict_result(loaded, target, result, settings)


def _quiet(_label: str) -> AbstractContextManager[Any]:
    return nullcontext()


def lint(spec: SpecLike, **options: Any) -> VerdictResult:
    """Trace one step under every backend without solving (fast)."""
    return run_check("lint", spec, settings_of(options))


def bmc(spec: SpecLike, **options: Any) -> VerdictResult:
    """The shortest path of at most ``depth`` steps (default 3) that breaks an invariant.

    Options: ``depth``, ``timeout``, ``jobs``, ``invariants``, ``params``, ``simplify``.
    A FAIL carries a counterexample already replayed on the concrete backend.
    """
    return run_check("bmc", spec, settings_of(options))


def prove(spec: SpecLike, **options: Any) -> VerdictResult:
    """Prove the invariants for every path length by k-induction (or show why not).

    Options: ``k``, ``max_k``, ``witness_depth``, ``timeout``, ``jobs``, ``invariants``,
    ``params``, ``slack``. Only PASS (exit code 0) is a proof; CTI, UNKNOWN and VACUOUS
    are inconclusive (exit code 2).
    """
    return run_check("prove", spec, settings_of(options))


def check_steps(
    spec: SpecLike, settings: Settings, running: Running | None = None, ends: float | None = None
) -> Iterator[VerdictResult]:
    """lint, bmc, prove on one spec, each only while the previous one leaves it worthwhile.

    Stops after an interrupted check (its result is the last one yielded).
    """
    loaded, target = prepared(spec, settings)
    yield from check_prepared(loaded, target, settings, running, ends)


def check_prepared(
    loaded: Spec,
    target: str | None,
    settings: Settings,
    running: Running | None = None,
    ends: float | None = None,
) -> Iterator[VerdictResult]:
    """:func:`check_steps` on a spec :func:`prepared` already.

    The checks share one budget that ends at ``ends`` (``startup.ends_at``: from the
    process's start from the console script; several targets share it too): each is given
    what the ones before it left, lint included (under the budget's watchdog: evaluating a
    spec can hang as a solver can), bmc ``CHECK_BMC_SHARE`` of it (prove gets the rest),
    and one the budget left no time for is not started, an UNKNOWN that says so. Each
    result's time is its own check's."""
    from solvent.api.startup import ends_at, not_started, within_budget

    budget = float(settings.budget)
    ends = ends_at(budget) if ends is None else ends
    ran: list[str] = []
    for name in ("lint", "bmc", "prove"):
        already = budget - (ends - time.perf_counter())
        if already >= budget:
            done = ", ".join(ran) or "loading the spec"
            result = not_started(name, loaded, settings, 0.0, done)
        else:
            label, call = checks(loaded, settings, already, CHECK_BMC_SHARE)[name]
            if name == "lint":
                call = partial(within_budget, "lint", loaded, settings, already, call)
            with (running or _quiet)(f"{loaded.name}: {label}"):
                result = call()
            result.seconds = max(0.0, result.seconds - already)  # each line: its check's time
            if name == "bmc":
                share_named(result, settings)
        ran.append(name)
        yield verdict_result(loaded, target, result, settings)
        if interrupted(result, settings):
            return
        if result.verdict == FAIL or (name == "lint" and result.verdict != PASS):
            return


def share_named(result: CheckResult, settings: Settings) -> None:
    """bmc's timeout in `solvent check` said as its share's: "the 60s budget ran out" was
    not true (prove had the other half of it still to come); the words say what bmc had,
    why, and what gives it more."""
    from solvent.check.verdicts import budget_words

    if result.ran_out is None:
        return
    budget, user = float(settings.budget), settings.timeout is not None
    said = result.ran_out.named(budget_words(budget, user), budget)
    ran = result.ran_out
    ours = f"solver timeout: bmc's share of {budget_words(budget, user)} ran out" + (
        f" during {ran.phase}" if ran.phase else ""
    )
    ours += (
        f" ({ran.given:.1f}s: solvent check gives bmc {CHECK_BMC_SHARE:.0%} of what is "
        "left of the budget after lint, and prove the rest; a larger --timeout gives both "
        "more, solvent bmc alone has the whole budget)"
    )
    result.message = result.message.replace(said, ours)


def interrupted(result: CheckResult, settings: Settings) -> bool:
    """Whether a check stopped for a Ctrl-C, not its budget (Z3 answers it "canceled");
    in `solvent check`, bmc's budget is ``CHECK_BMC_SHARE`` of the whole."""
    reason = result.details.get("reason")
    share = CHECK_BMC_SHARE if result.check == "bmc" else 1.0
    return reason == "interrupted" or (
        reason == "canceled"
        and settings.timeout is None
        and result.seconds < settings.budget * share * 0.9
    )


def combined(
    results: Sequence[VerdictResult], docs: Sequence[dict[str, Any]], seconds: float
) -> VerdictResult:
    """The ``solvent check`` result of several checks (and error documents)."""
    from solvent.report import json_out

    doc = json_out.combined_json(list(docs), seconds)
    first = results[0].spec if results else None
    return VerdictResult(doc, None, first, results=list(results))


def check(spec: SpecLike | Sequence[SpecLike], **options: Any) -> VerdictResult:
    """lint, then bmc, then prove on each spec (stopping at a failure); the most severe
    exit code wins (4 > 3 > 1 > 2 > 0). ``.results`` holds each check's result."""
    settings = settings_of(options)
    # a str or Path is one spec (a str is a Sequence too: only a list or tuple is many)
    specs = list(spec) if isinstance(spec, list | tuple) else [cast(SpecLike, spec)]
    from solvent.api.startup import ends_at

    start = time.perf_counter()
    ends = ends_at(float(settings.budget))  # one budget for every spec's checks
    results: list[VerdictResult] = []
    for one in specs:
        results.extend(check_steps(one, settings, ends=ends))
    return combined(results, [r.doc for r in results], time.perf_counter() - start)


__all__ = [
    "SolventError",
    "bmc",
    "check",
    "lint",
    "load",
    "prove",
    "read_trace",
]
