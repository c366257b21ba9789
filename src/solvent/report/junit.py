"""JUnit XML for CI test views: one test case per invariant × check.

Mapping (docs/report.md has the table): PASS → a passed case; FAIL → a ``<failure>`` on
the violated invariant carrying the counterexample as text, and ``<skipped>`` on the
other invariants of that check (the search stops at the first violation, so they are
undecided, not passed); CTI, UNKNOWN and VACUOUS → ``<error>`` (no verdict: neither
proved nor refuted); a check that could not run → one ``<error>`` case. Frontier, synth
and stress answers are one case each.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

from solvent.report import documents
from solvent.report.html_parts import exact

_INCONCLUSIVE = ("CTI", "UNKNOWN", "VACUOUS")


def base_name(label: str | None) -> str | None:
    """``healthy[account 1]`` -> ``healthy``."""
    return None if label is None else label.split("[", 1)[0]


def counterexample_text(doc: Mapping[str, Any], *, limit: int = 40) -> str:
    """The counterexample as a few readable lines (draws, scalars, action, keepers)."""
    replay = doc.get("replay") or {}
    steps = replay.get("steps") or []
    lines = []
    for st in steps[: limit + 1]:
        step = st.get("step", 0)
        parts = [f"{k}={exact(v)}" for k, v in (st.get("market") or {}).items()]
        parts += [
            f"{k}={exact(v)}" for k, v in (st.get("state") or {}).items() if not isinstance(v, list)
        ]
        if st.get("action"):
            parts.append(f"action {st['action']}")
        if st.get("keepers"):
            parts.append(f"keepers {', '.join(st['keepers'])}")
        if st.get("failures"):
            parts.append(f"VIOLATED {', '.join(st['failures'])}")
        lines.append(f"{'init' if step == 0 else f'step {step}'}: {'  '.join(parts)}")
    if len(steps) > limit + 1:
        lines.append(f"... {len(steps) - limit - 1} more steps")
    target = doc.get("target") or "SPEC"
    if doc.get("counterexample") is not None:
        lines.append(
            f"replay it: solvent replay {target} RESULT.json (the result file of this run)"
        )
    return "\n".join(lines)


def _case(
    suite: ET.Element, name: str, classname: str, seconds: Any, where: str | None
) -> ET.Element:
    case = ET.SubElement(suite, "testcase", name=name, classname=classname)
    case.set("time", f"{float(seconds or 0):.3f}")
    if where and ":" in where:
        file, _, line = where.rpartition(":")
        case.set("file", file)
        if line.isdigit():
            case.set("line", line)
    return case


def _suite_for_result(
    root: ET.Element, doc: Mapping[str, Any], locations: Mapping[str, str]
) -> None:
    spec = doc.get("spec") or doc.get("target") or "spec"
    check = doc.get("check") or "check"
    suite = ET.SubElement(root, "testsuite", name=f"{spec} {check}")
    classname = f"solvent.{spec}.{check}"
    verdict = doc.get("verdict")
    if verdict == "ERROR":
        err = doc.get("error") or {}
        case = _case(suite, "could not run", classname, doc.get("seconds"), err.get("where"))
        ET.SubElement(
            case, "error", type=err.get("code", "ERROR"), message=doc.get("message", "")
        ).text = doc.get("message", "")
        return
    props = list(doc.get("properties") or []) or [base_name(doc.get("invariant")) or check]
    failing = base_name(doc.get("invariant"))
    if failing and failing not in props:  # a lemma (checked along, not listed) failed
        props.append(failing)
    seconds = doc.get("seconds")
    for i, prop in enumerate(props):
        # the check's time goes to its first case, so suites and totals add up
        case = _case(suite, prop, classname, seconds if i == 0 else 0, locations.get(prop))
        bound = doc.get("bound") or ""
        if verdict == "PASS":
            continue
        if verdict == "FAIL":
            if prop == failing or failing is None:
                fail = ET.SubElement(
                    case,
                    "failure",
                    type="FAIL",
                    message=f"{doc.get('invariant') or prop} violated ({check} {bound}): {doc.get('message', '')}",
                )
                fail.text = counterexample_text(doc)
            else:
                ET.SubElement(
                    case,
                    "skipped",
                    message=f"not decided: {check} stopped at the first violation "
                    f"({doc.get('invariant')})",
                )
            continue
        reason = doc.get("message", "")
        err = ET.SubElement(
            case, "error", type=str(verdict), message=f"{verdict} ({check} {bound}): {reason}"
        )
        err.text = reason


def _single_case(root: ET.Element, doc: Mapping[str, Any], name: str) -> None:
    spec = doc.get("spec") or doc.get("target") or "spec"
    check = doc.get("check") or documents.kind(doc).split("-")[1].split("/")[0]
    suite = ET.SubElement(root, "testsuite", name=f"{spec} {check}")
    case = _case(suite, name, f"solvent.{spec}.{check}", doc.get("seconds"), None)
    code = doc.get("exit_code")
    message = doc.get("message", "")
    if code == 1:
        ET.SubElement(case, "failure", type="FAIL", message=message).text = message
    elif code != 0:
        ET.SubElement(
            case, "error", type=str(doc.get("verdict") or code), message=message
        ).text = message


def _count(root: ET.Element) -> None:
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0, "time": 0.0}
    for suite in root:
        cases = suite.findall("testcase")
        counts = {
            "tests": len(cases),
            "failures": sum(1 for c in cases if c.find("failure") is not None),
            "errors": sum(1 for c in cases if c.find("error") is not None),
            "skipped": sum(1 for c in cases if c.find("skipped") is not None),
            "time": sum(float(c.get("time", "0")) for c in cases),
        }
        for key, value in counts.items():
            suite.set(key, f"{value:.3f}" if key == "time" else str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, f"{value:.3f}" if key == "time" else str(int(value)))


def junit_xml(doc: Mapping[str, Any], *, locations: Mapping[str, str] | None = None) -> str:
    """The JUnit XML document of a result document (``<testsuites>``, one suite per check)."""
    locations = locations or {}
    kind = documents.kind(doc)
    root = ET.Element("testsuites", name="solvent")
    if kind == documents.RESULT:
        for sub in documents.results_of(doc):
            _suite_for_result(root, sub, locations)
    elif kind == documents.FRONTIER:
        _single_case(root, doc, f"{doc.get('check')} {doc.get('param')}")
    elif kind == documents.GRID:
        _single_case(root, doc, f"synth grid {' x '.join(doc.get('params') or [])}")
    elif kind == documents.STRESS:
        _single_case(root, doc, f"stress {doc.get('scenario') or ''}".strip())
    _count(root)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def suites(xml: str) -> Sequence[ET.Element]:
    """Parse JUnit XML back (tests)."""
    return list(ET.fromstring(xml))
