"""SARIF 2.1.0 for code-scanning views: each finding points at the invariant's line.

One rule per invariant or lemma (its id is the name, its description the docstring's
first line). One result per property that did not pass: a FAIL is ``level: error`` with
the counterexample in the message; CTI, UNKNOWN and VACUOUS are ``level: warning``
(neither proved nor refuted). Passing properties produce no result, so an alert closes
when the property is proved. Locations are relative to the working directory
(``uriBaseId: %SRCROOT%``) when the spec lies below it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from solvent import __version__
from solvent.report import documents
from solvent.report.junit import base_name, counterexample_text

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
_LEVEL = {
    "FAIL": "error",
    "CTI": "warning",
    "UNKNOWN": "warning",
    "VACUOUS": "warning",
    "ERROR": "error",
}


def _artifact(where: str | None, fallback: str | None) -> dict[str, Any] | None:
    """A physicalLocation for ``file:line`` (or just a file)."""
    file, line = None, None
    if where:
        head, _, tail = where.rpartition(":")
        file, line = (head, int(tail)) if tail.isdigit() and head else (where, None)
    elif fallback:
        from solvent.spec.load import split_target

        file = split_target(fallback)[0]  # "spec.py:NAME" -> "spec.py"
    if not file:
        return None
    path = Path(file)
    location: dict[str, Any]
    if path.is_absolute():
        try:
            rel = path.resolve().relative_to(Path.cwd().resolve())
            location = {"uri": rel.as_posix(), "uriBaseId": "%SRCROOT%"}
        except ValueError:
            location = {"uri": path.resolve().as_uri()}
    else:
        location = {"uri": path.as_posix(), "uriBaseId": "%SRCROOT%"}
    physical: dict[str, Any] = {"artifactLocation": location}
    if line is not None and line >= 1:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


def _fingerprint(*parts: Any) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:32]


class _Log:
    def __init__(self, locations: Mapping[str, str], docs: Mapping[str, str]) -> None:
        self.locations = locations
        self.docs = docs
        self.rules: list[dict[str, Any]] = []
        self.index: dict[str, int] = {}
        self.results: list[dict[str, Any]] = []

    def rule(self, rule_id: str, description: str | None = None) -> int:
        if rule_id not in self.index:
            text = description or self.docs.get(rule_id) or f"invariant {rule_id} holds"
            rule: dict[str, Any] = {
                "id": rule_id,
                "shortDescription": {"text": text},
                "defaultConfiguration": {"level": "error"},
                "help": {
                    "text": "solvent checks this property on every reachable state; see "
                    "docs/soundness.md for what each verdict claims."
                },
            }
            self.index[rule_id] = len(self.rules)
            self.rules.append(rule)
        return self.index[rule_id]

    def add(
        self,
        rule_id: str,
        level: str,
        text: str,
        doc: Mapping[str, Any],
        where: str | None,
        props: Mapping[str, Any],
    ) -> None:
        result: dict[str, Any] = {
            "ruleId": rule_id,
            "ruleIndex": self.rule(rule_id),
            "kind": "fail",
            "level": level,
            "message": {"text": text},
            "partialFingerprints": {
                "solventFinding/v1": _fingerprint(doc.get("spec"), doc.get("check"), rule_id)
            },
            "properties": {k: v for k, v in props.items() if v is not None},
        }
        location = _artifact(where, doc.get("target"))
        if location is not None:
            result["locations"] = [location]
        self.results.append(result)


def _result_doc(log: _Log, doc: Mapping[str, Any]) -> None:
    verdict = doc.get("verdict")
    check = doc.get("check")
    props = {"spec": doc.get("spec"), "check": check, "verdict": verdict, "bound": doc.get("bound")}
    for prop in doc.get("properties") or []:
        log.rule(prop)
    if verdict == "PASS":
        return
    if verdict == "ERROR":
        err = doc.get("error") or {}
        log.add(
            f"solvent/{err.get('code', 'error')}",
            "error",
            doc.get("message", ""),
            doc,
            err.get("where"),
            props,
        )
        return
    failing = base_name(doc.get("invariant"))
    targets = [failing] if failing else list(doc.get("properties") or []) or [str(check)]
    for prop in targets:
        text = f"{doc.get('invariant') or prop}: {verdict} ({check} {doc.get('bound') or ''}): {doc.get('message', '')}"
        if verdict == "FAIL":
            text += "\n" + counterexample_text(doc)
        where = log.locations.get(prop) or log.locations.get(f"<{doc.get('spec')}>")
        log.add(prop, _LEVEL.get(str(verdict), "warning"), text, doc, where, props)


def _answer_doc(log: _Log, doc: Mapping[str, Any], rule_id: str, description: str) -> None:
    log.rule(rule_id, description)
    code = doc.get("exit_code")
    if code == 0:
        return
    props = {"spec": doc.get("spec"), "check": doc.get("check"), "verdict": doc.get("verdict")}
    where = log.locations.get(f"<{doc.get('spec')}>")
    log.add(
        rule_id,
        "error" if code in (1, 3, 4) else "warning",
        doc.get("message", ""),
        doc,
        where,
        props,
    )


def sarif_log(
    doc: Mapping[str, Any],
    *,
    locations: Mapping[str, str] | None = None,
    docs: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The SARIF 2.1.0 log of one result document."""
    log = _Log(locations or {}, docs or {})
    kind = documents.kind(doc)
    if kind == documents.RESULT:
        for sub in documents.results_of(doc):
            _result_doc(log, sub)
    elif kind == documents.FRONTIER:
        _answer_doc(
            log,
            doc,
            f"{doc.get('check')}/{doc.get('param')}",
            f"{doc.get('check')} of {doc.get('param')} is answered with a proof and a counterexample",
        )
    elif kind == documents.GRID:
        name = " x ".join(doc.get("params") or [])
        _answer_doc(log, doc, f"synth/{name}", f"the safe region of {name} is monotone and decided")
    elif kind == documents.STRESS:
        _answer_doc(log, doc, "stress", "the stress run finds no confirmed insolvency")
    code = doc.get("exit_code")
    return {
        "$schema": SARIF_SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "solvent",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": log.rules,
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": code in (0, 1, 2),
                        **({"exitCode": code} if isinstance(code, int) else {}),
                    }
                ],
                "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().resolve().as_uri() + "/"}},
                "results": log.results,
            }
        ],
    }


def dumps(log: Mapping[str, Any]) -> str:
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
