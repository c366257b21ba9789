"""Reading result documents back: which kind a file is, and refusing what we cannot read.

Every JSON document `solvent` writes names its schema and version (``"schema":
"solvent-result/1"``). The report writers (HTML, JUnit, SARIF) take such a document as
plain data, so a report made from a file (``solvent report RESULT.json``) is the same as
one made while the check runs (``--report PATH``).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from solvent.engine.trace import load_json
from solvent.errors import ReportInputError, ReportVersionError

RESULT = "solvent-result/1"
SPEC = "solvent-spec/1"
FRONTIER = "solvent-frontier/1"
GRID = "solvent-synth-grid/1"
STRESS = "solvent-stress/1"
CONFORM = "solvent-conform/1"

#: every schema the reports read, with what writes it
KNOWN = {
    RESULT: "lint, bmc, prove, replay, check",
    SPEC: "inspect",
    FRONTIER: "frontier, synth with one --param",
    GRID: "synth with two --param (a grid)",
    STRESS: "stress",
    CONFORM: "conform",
}


def kind(doc: Mapping[str, Any]) -> str:
    """The schema of a document this version reads (raises for anything else)."""
    schema = doc.get("schema")
    if isinstance(schema, str) and schema in KNOWN:
        return str(schema)
    if isinstance(schema, str) and schema.startswith("solvent-"):
        family = schema.rsplit("/", 1)[0]
        ours = [s for s in KNOWN if s.rsplit("/", 1)[0] == family]
        if ours:
            raise ReportVersionError(
                f"the result has schema {schema!r}, written by another version of solvent; "
                f"this version reads {', '.join(ours)}: re-run the check with this version "
                "(or report it with the version that wrote it)"
            )
        raise ReportVersionError(
            f"the result has schema {schema!r}, which this version of solvent does not know; "
            f"it reads {', '.join(KNOWN)}"
        )
    raise ReportInputError(
        'not a solvent result: it has no "schema" naming a solvent result '
        f"({', '.join(KNOWN)}); write one with `solvent bmc ... -o result.json` "
        "or `--format json`"
    )


def read(path: str) -> dict[str, Any]:
    """Load and identify a result file; every failure is a ReportInputError naming it."""
    file = Path(path)
    if not file.is_file():
        what = "is a directory" if file.is_dir() else "does not exist"
        raise ReportInputError(
            f"result file {path!r} {what}; give a JSON result written by `solvent VERB -o FILE`"
        )
    try:
        content = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportInputError(f"cannot read result file {path}: {exc}") from None
    doc = load_json(
        content,
        f"result file {path}",
        ReportInputError,
        hint="; give a JSON result written by `solvent VERB -o FILE`",
    )
    if not isinstance(doc, dict):
        raise ReportInputError(
            f"result file {path} is not a solvent result: expected a JSON object with a "
            '"schema" key'
        )
    try:
        kind(doc)
    except ReportInputError as exc:
        raise type(exc)(f"result file {path}: {exc.message}") from None
    _check_shape(doc, path)
    _check_schema(doc, path)
    return doc


def _check_schema(doc: Mapping[str, Any], path: str) -> None:
    """Validate ``doc`` against its shipped JSON Schema (kinds without one: the keys only)."""
    validator = _validator(doc["schema"])
    if validator is None:
        return
    errors = list(validator.iter_errors(doc))
    if errors:
        first = _closest(errors)
        at = "/".join(str(p) for p in first.absolute_path) or "(top level)"
        message = first.message if len(first.message) <= 200 else first.message[:200] + "..."
        raise ReportInputError(
            f"result file {path} does not match solvent's {doc['schema']} schema at {at}: "
            f"{message}; it was not written by solvent or was edited: write it again "
            "with `-o` (schemas: docs/json-schema.md)"
        )


def _closest(errors: list[Any]) -> Any:
    """The error to show: inside a oneOf/anyOf, the first of the branch with fewest errors."""
    first = min(errors, key=lambda e: [str(p) for p in e.absolute_path])
    while first.validator in ("oneOf", "anyOf") and first.context:
        branches: dict[int, list[Any]] = {}
        for sub in first.context:
            branches.setdefault(int(sub.schema_path[0]), []).append(sub)
        _, best = min(branches.items(), key=lambda kv: (len(kv[1]), kv[0]))
        first = min(best, key=lambda e: [str(p) for p in e.absolute_path])
    return first


@functools.cache
def _validator(name: str) -> Any:
    from importlib.resources import files

    import jsonschema

    file = files("solvent.report").joinpath("schemas", name.replace("/", "-") + ".schema.json")
    if not file.is_file():
        return None
    schema = json.loads(file.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


# the keys each kind needs before a report can be drawn (the JSON Schema in
# solvent/report/schemas checks the rest in the tests)
_REQUIRED = {
    RESULT: ("check", "verdict", "exit_code"),
    SPEC: ("spec", "params", "state", "envelope", "invariants"),
    FRONTIER: ("param", "verdict", "exit_code", "probes", "status"),
    GRID: ("params", "axes", "cells", "exit_code"),
    STRESS: ("exit_code",),
    CONFORM: ("verdict", "exit_code", "traces", "steps"),
}


def _check_shape(doc: Mapping[str, Any], path: str) -> None:
    missing = [k for k in _REQUIRED[kind(doc)] if k not in doc]
    if missing:
        raise ReportInputError(
            f"result file {path} says {doc['schema']!r} but lacks {', '.join(missing)}; "
            "it was not written by solvent or was edited: write it again with `-o`"
        )
    if doc["schema"] == RESULT and doc.get("check") == "check":
        for i, sub in enumerate(doc.get("results") or []):
            if not isinstance(sub, dict) or sub.get("schema") != RESULT:
                raise ReportInputError(
                    f"result file {path}: results[{i}] is not a {RESULT} document"
                )


def results_of(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The single-check documents inside ``doc`` (``solvent check`` nests them)."""
    if doc.get("schema") == RESULT and doc.get("check") == "check":
        return [dict(d) for d in doc.get("results") or []]
    return [dict(doc)]


def json_schema(name: str = RESULT) -> dict[str, Any]:
    """The published JSON Schema of a document kind (shipped with the package)."""
    from importlib.resources import files

    file = files("solvent.report").joinpath("schemas", name.replace("/", "-") + ".schema.json")
    return json.loads(file.read_text(encoding="utf-8"))
