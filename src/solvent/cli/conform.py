"""The verb `solvent conform SPEC --impl ADAPTER.py[:NAME]`.

``register(app)`` adds the command. Settings are layered defaults < ``[tool.solvent.conform]``
of the nearest pyproject.toml < command line::

    [tool.solvent.conform]
    impl = "examples/conform/vyper_adapter.py"
    traces = 500
    steps = 12
    seed = 0
    depth = 3            # also run one bmc counterexample per property
    trace-files = ["traces/incident.json"]

Exit codes: 0 every trace agrees (testing, not a proof), 1 a divergence (shrunk, saved
with ``-o``), 3 a bad adapter, spec, trace or option.
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path
from typing import Annotated, Any

import typer

from solvent.cli.verbs import EPILOG, verb
from solvent.config import Settings, find_pyproject, section_settings
from solvent.errors import SolventError, UsageError

KEYS = {
    "impl": str,
    "traces": int,
    "steps": int,
    "seed": int,
    "depth": int,
    "trace-files": list,
    "corners": bool,
    "bmc-timeout": float,
    "scenario": str,
    "lanes": int,
    "batch": int,
    "jobs": int,
}


def read_section(path: Path | None = None) -> dict[str, Any]:
    """``[tool.solvent.conform]`` of the nearest pyproject.toml (keys checked)."""

    path = path if path is not None else find_pyproject()
    if path is None:
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}  # the main [tool.solvent] reader reports a broken file
    table = data.get("tool", {}).get("solvent", {}).get("conform", {})
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [tool.solvent.conform] must be a table")
    out = {}
    shared = section_settings("conform")  # --format, --quiet: read by resolve()
    for key, value in table.items():
        if key.replace("_", "-") in shared:
            continue
        kind = KEYS.get(key.replace("_", "-"))
        if kind is None:
            raise UsageError(
                f"{path}: unknown key {key!r} in [tool.solvent.conform]; known "
                f"keys: {', '.join(sorted(KEYS))}"
            )
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            if not (kind is float and isinstance(value, int)):
                raise UsageError(
                    f"{path} [tool.solvent.conform] {key}: expected {kind.__name__}, got {value!r}"
                )
        out[key.replace("_", "-")] = value
    return out


@verb("conform", epilog=EPILOG, json_errors=False, own_keys=KEYS)
def conform_command(
    spec_target: Annotated[str, typer.Argument(metavar="SPEC", help="Spec file, PATH.py[:NAME].")],
    impl: Annotated[
        str | None,
        typer.Option(
            "--impl",
            metavar="ADAPTER.py[:NAME]",
            help="The adapter that drives the implementation (see docs/conform.md).",
        ),
    ] = None,
    traces: Annotated[
        int | None,
        typer.Option("--traces", metavar="N", help="Random traces to run [default: 200]."),
    ] = None,
    steps: Annotated[
        int | None,
        typer.Option(
            "--steps", metavar="N", help="Steps per random and corner trace [default: 12]."
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option("--seed", metavar="N", help="Seed of the random traces [default: 0]."),
    ] = None,
    depth: Annotated[
        int | None,
        typer.Option(
            "--depth",
            metavar="K",
            help="Also run one bmc counterexample per property, to depth K [default: none].",
        ),
    ] = None,
    scenario: Annotated[
        str | None,
        typer.Option(
            "--scenario",
            metavar="NAME",
            help="Also run stress lanes of this scenario (see `solvent stress`) [default: none].",
        ),
    ] = None,
    lanes: Annotated[
        int | None,
        typer.Option("--lanes", metavar="N", help="How many lanes of --scenario [default: 50]."),
    ] = None,
    trace_files: Annotated[
        list[str] | None,
        typer.Option("--trace", metavar="FILE", help="A trace file to run first (repeatable)."),
    ] = None,
    corners: Annotated[
        bool | None,
        typer.Option(
            "--corners/--no-corners", help="Run envelope-corner (bang-bang) paths [default: on]."
        ),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option(
            "-o",
            "--out",
            metavar="PATH",
            help="Write the shrunk diverging trace here (`solvent replay` and --trace read it).",
        ),
    ] = None,
    batch: Annotated[
        int | None,
        typer.Option(
            "--batch",
            metavar="N",
            help="Fixed-point specs: run the spec's side of up to N traces at once as int64 "
            "lanes (0: every trace on the exact judge) [default: 2048].",
        ),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            metavar="N",
            help="Worker processes comparing traces (0: every core); the result is the same "
            "for every N [default: 1].",
        ),
    ] = None,
    *,
    settings: Settings,
) -> int:
    """Check an implementation against the spec on the same traces, step by step, exactly."""
    try:
        return _run(
            spec_target,
            impl,
            traces,
            steps,
            seed,
            depth,
            trace_files,
            corners,
            output,
            settings.format,
            settings.junit,
            settings.quiet,
            scenario=scenario,
            lanes=lanes,
            sarif=settings.sarif,
            report=settings.report,
            batch=batch,
            jobs=jobs,
        )
    except SolventError as exc:
        if settings.format == "json":
            from solvent.report import json_out

            sys.stdout.write(
                json_out.dumps(json_out.error_json("conform", exc, target=spec_target))
            )
        raise


def _run(
    spec_target: str,
    impl: str | None,
    traces: int | None,
    steps: int | None,
    seed: int | None,
    depth: int | None,
    trace_files: list[str] | None,
    corners: bool | None,
    output: str | None,
    fmt: str,
    junit: str | None,
    quiet: bool,
    scenario: str | None = None,
    lanes: int | None = None,
    sarif: str | None = None,
    report: str | None = None,
    batch: int | None = None,
    jobs: int | None = None,
) -> int:
    from solvent.conform.adapter import load_adapter
    from solvent.conform.batch import BATCH
    from solvent.conform.run import Options, conform, conform_trace
    from solvent.engine.trace import loads
    from solvent.report.outputs import check_outputs, write_atomic
    from solvent.spec.load import load_spec

    if fmt not in ("text", "json"):
        raise UsageError(f"--format must be text or json, got {fmt!r}")
    conf = read_section()
    impl = impl or conf.get("impl")
    if not impl:
        raise UsageError(
            "give the implementation's adapter with --impl ADAPTER.py[:NAME] "
            "(or `impl` in [tool.solvent.conform])"
        )
    opts = Options(
        traces=_count("--traces", traces if traces is not None else conf.get("traces", 200), 0),
        steps=_count("--steps", steps if steps is not None else conf.get("steps", 12), 1),
        seed=seed if seed is not None else conf.get("seed", 0),
        depth=None
        if (depth if depth is not None else conf.get("depth")) is None
        else _count("--depth", depth if depth is not None else conf["depth"], 0),
        corners=corners if corners is not None else conf.get("corners", True),
        bmc_timeout=conf.get("bmc-timeout", 60.0),
        scenario=scenario if scenario is not None else conf.get("scenario"),
        lanes=_count("--lanes", lanes if lanes is not None else conf.get("lanes", 50), 1),
        batch=_count("--batch", batch if batch is not None else conf.get("batch", BATCH), 0),
        jobs=_count("--jobs", jobs if jobs is not None else conf.get("jobs", 1), 0),
    )
    check_outputs([output, junit, sarif, report])
    spec = load_spec(spec_target)
    files = []
    for path in [*(trace_files or []), *conf.get("trace-files", [])]:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot read trace file {path}: {exc.strerror}") from None
        files.append((f"trace file {path}", loads(text, path)))
    adapter = load_adapter(impl)
    result = conform(spec, adapter, opts, files, refs=(spec_target, impl))
    doc = result.to_json()
    doc["target"], doc["impl"] = spec_target, impl
    from solvent.report.provenance import complete, portable_target

    doc["impl"] = portable_target(impl)
    complete(doc, spec, spec_target)
    if output and result.divergence is not None:
        write_atomic(output, conform_trace(result).dumps() + "\n")
    if junit:
        write_atomic(junit, _junit(doc))
    if sarif:
        write_atomic(sarif, json.dumps(sarif_log(doc, spec_target), indent=2) + "\n")
    if report:
        from solvent.report.html import render

        write_atomic(report, render(doc))
    if fmt == "json":
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    else:
        typer.echo(_text(result, spec_target, impl, output, quiet))
    return result.exit_code


def _count(flag: str, value: Any, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise UsageError(f"{flag} must be an integer >= {least}, got {value!r}")
    return value


def _text(result: Any, target: str, impl: str, output: str | None, quiet: bool) -> str:
    head = f"conform {result.spec} ({target}) against {impl}"
    verdict = f"{result.verdict}: {result.message()}"
    if quiet:
        return verdict
    lines = [head]
    src = ", ".join(f"{n} {k}" for k, n in result.sources.items())
    lines.append(f"  traces: {result.traces} ({src}); steps compared: {result.steps}")
    lines.append(f"  compared: {', '.join(result.compared) or 'nothing'}")
    lines.append(verdict)
    d = result.divergence
    if d is not None:
        spec_v, impl_v = d.values()
        orig = result.original
        lines.append(
            f"  found in {result.source} at step {orig.step}; shrunk to "
            f"{len(d.trace.steps)} step(s) in {result.shrink_runs} re-runs"
        )
        lines.append(
            f"  step {d.step}" + (f", action {d.action}" if d.action else "") + f": {d.what}"
        )
        lines.append(f"    spec:           {spec_v}")
        lines.append(f"    implementation: {impl_v}")
        if d.writer:
            lines.append(f"    computed by the spec's {d.writer}")
        lines.append("  the trace:")
        for k, v in d.trace.init.items():
            shown = ", ".join(_num(x) for x in v) if isinstance(v, tuple) else _num(v)
            lines.append(f"    init {k} = {shown}")
        for t, st in enumerate(d.trace.steps, start=1):
            market = ", ".join(f"{k} = {_num(v)}" for k, v in st.market.items())
            act = st.action.label() if st.action else "no action"
            skipped = [  # keepers and oracle updates the trace does not run in this step
                k + ("" if len(c) == 1 else f"({i})")
                for k, c in st.keepers.items()
                for i, x in enumerate(c)
                if not x
            ]
            act += f"; not run: {', '.join(skipped)}" if skipped else ""
            lines.append(f"    step {t}: {market}; {act}")
        if output:
            lines.append(
                f"  written: {output} (solvent replay {target} {output}; "
                f"solvent conform {target} --impl {impl} --trace {output})"
            )
    return "\n".join(lines)


def _num(v: Any) -> str:
    from solvent.conform.compare import show

    return show(v)


def _junit(doc: dict[str, Any]) -> str:
    from xml.sax.saxutils import quoteattr

    failed = doc["verdict"] == "FAIL"
    case = f'<testcase classname="solvent.conform" name={quoteattr(doc["spec"])} time="{doc["seconds"]}">'
    if failed:
        case += f"<failure message={quoteattr(doc['message'])}></failure>"
    case += "</testcase>"
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<testsuites><testsuite name="solvent conform" '
        f'tests="1" failures="{int(failed)}">{case}</testsuite></testsuites>\n'
    )


def sarif_log(doc: dict[str, Any], target: str) -> dict[str, Any]:
    """SARIF 2.1.0: one error at the spec rule that computed the diverging value."""
    import re

    from solvent import __version__

    results = []
    if doc["verdict"] == "FAIL":
        div = doc["divergence"]
        found = re.search(r"\((.+):(\d+)\)$", div.get("written_by") or "")
        uri, line = (found.group(1), int(found.group(2))) if found else (target.split(":")[0], 1)
        results.append(
            {
                "ruleId": "conform/divergence",
                "level": "error",
                "message": {"text": f"{doc['message']} (solvent conform --impl {doc['impl']})"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                            "region": {"startLine": line},
                        }
                    }
                ],
            }
        )
    rule = {
        "id": "conform/divergence",
        "shortDescription": {"text": "the implementation computes what the spec computes"},
    }
    driver = {"name": "solvent", "version": __version__, "rules": [rule]}
    return {
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
        "sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": results}],
    }
