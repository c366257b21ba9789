"""The public Python API (`solvent.load`, `solvent.bmc`, ...): its results are the very
documents the command line prints with ``--format json``, computed by the same code."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import solvent as sv
from solvent import cli
from solvent.errors import SpecLoadError, UsageError

ROOT = Path(__file__).resolve().parents[2]
GAP = "examples/bugs_detected/perp_gap_risk.py"
SAFE = "examples/correct/perp_isolated.py"
PERP_ONE = "tests/risk/specs/perp_one.py"
# wall-clock times, the file's seal (-o), the run facts of provenance (command line, UTC
# time) and the portfolio's race (which member answered first, each one's time): the
# verdict and the counterexample do not depend on them
VOLATILE = (
    "seconds", "timings", "slack_seconds", "content_sha256", "command", "utc", "portfolio",
    "trace",  # a worst path's trace file, written beside a --report page only
)  # fmt: skip


@pytest.fixture(autouse=True)
def in_root() -> Iterator[None]:
    old = os.getcwd()
    os.chdir(ROOT)
    try:
        yield
    finally:
        os.chdir(old)


def stable(doc: Any) -> Any:
    """The document without wall-clock times (everything else must be equal)."""
    if isinstance(doc, dict):
        return {k: stable(v) for k, v in doc.items() if k not in VOLATILE}
    if isinstance(doc, list):
        return [stable(v) for v in doc]
    if isinstance(doc, str):  # durations inside messages, e.g. "17 solver calls, 1.0s"
        return re.sub(r"\b\d+(?:\.\d+)?s\b", "<t>s", doc)
    return doc


def cli_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = cli.run([*argv, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def gap(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, dict[str, Any], Path]:
    """bmc on the gap-risk example through the API, and through the CLI (JSON + report)."""
    folder = tmp_path_factory.mktemp("gap")
    old = os.getcwd()
    os.chdir(ROOT)
    try:
        api = sv.bmc(GAP, depth=3)
        out = folder / "cli.json"
        code = cli.run(["bmc", GAP, "--depth", "3", "-o", str(out), "--report",
                        str(folder / "cli.html"), "-q"])  # fmt: skip
    finally:
        os.chdir(old)
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert code == doc["exit_code"] == 1
    return api, doc, folder


def test_bmc_equals_cli_json(gap: tuple[Any, dict[str, Any], Path]) -> None:
    result, doc, _ = gap
    assert (result.verdict, result.exit_code) == ("FAIL", 1)
    assert stable(result.to_dict()) == stable(doc)
    # the counterexample was replayed on the concrete backend: its steps are the table
    frame = result.to_frame()
    assert len(frame) == len(doc["replay"]["steps"]) > 1
    assert result.counterexample.spec == "perp-gap-risk"


def test_prove_with_params_equals_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = cli_json(capsys, "prove", PERP_ONE, "--no-slack", "--set", "max_move=0.02")
    result = sv.prove(sv.load(PERP_ONE), slack=False, params={"max_move": "0.02"})
    assert code == result.exit_code
    assert stable(result.to_dict()) == stable(doc)  # load() remembers the file: same target
    assert result.verdict == doc["verdict"] == "PASS" and result.passed


def test_frontier_equals_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ("frontier", PERP_ONE, "--param", "move", "--tol", "0.01", "--checks", "0")
    code, doc = cli_json(capsys, *argv)
    result = sv.frontier(PERP_ONE, "move", tol="0.01", checks=0)
    assert (code, result.exit_code) == (0, 0)
    assert stable(result.to_dict()) == stable(doc)
    assert result.safe == doc["safe"] and result.unsafe == doc["unsafe"]
    assert list(result.to_frame()["value"]) == [p["value"] for p in doc["probes"]]


def test_stress_equals_cli_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    argv = ("stress", GAP, "--scenario", "gbm", "--steps", "10", "--opt", "vol=3",
            "--paths", "300", "--checkpoint-dir", str(tmp_path))  # fmt: skip
    code, doc = cli_json(capsys, *argv)
    result = sv.stress(GAP, "gbm", steps=10, scenario_options={"vol": "3"}, paths=300)
    assert code == result.exit_code
    assert stable(result.to_dict()) == stable(doc)
    frame = result.to_frame()
    assert dict(zip(frame["metric"], frame["value"], strict=True))["paths"] == 300


def test_check_is_callable_and_still_a_package() -> None:
    import solvent.check.bmc as module

    assert callable(module.bmc) and callable(sv.check) and callable(sv.stress)
    result = sv.check(GAP, depth=3)  # bmc fails: prove is skipped, as on the command line
    assert [r.check for r in result.results] == ["lint", "bmc"]
    assert (result.verdict, result.exit_code) == ("FAIL", 1)


def test_report_and_notebook_display_are_the_html_report(
    gap: tuple[Any, dict[str, Any], Path], tmp_path: Path
) -> None:
    result, _, folder = gap
    page = (tmp_path / "r.html").as_posix()
    assert result.report(page) == page
    mine, theirs = Path(page).read_text(), (folder / "cli.html").read_text()
    charts = mine.count('<figure class="chart"')
    assert charts >= 2 and charts == theirs.count('<figure class="chart"')
    shown = result._repr_html_()
    assert shown.startswith("<iframe srcdoc=")
    assert shown.count("&lt;figure class=&quot;chart") == charts


def test_load_from_path_module_and_name() -> None:
    import importlib

    spec = sv.load(f"{GAP}")
    assert sv.load(spec) is spec
    module = importlib.import_module("solvent.models.perp_isolated")
    with pytest.raises(SpecLoadError, match="defines no solvent.Spec"):
        sv.load(module)
    with pytest.raises(SpecLoadError, match="does not exist"):
        sv.load("no/such/spec.py")


def test_bad_keyword_values_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="must be an integer >= 0"):
        sv.bmc(GAP, depth=-1)
    with pytest.raises(UsageError, match="float"):
        sv.bmc(GAP, params={"maintenance_margin": 0.1})


def test_monitor_yields_the_alerts_of_the_cli(tmp_path: Path) -> None:
    events = [
        {"schema": "solvent-event/1", "type": "price", "ts": 1000.0 + i, "seq": 1 + i, "price": p}
        for i, p in enumerate(["100", "101", "80", "81"])
    ]
    source = tmp_path / "events.jsonl"
    source.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    alerts_file = tmp_path / "alerts.jsonl"
    cli.run(["monitor", SAFE, "--source", str(source), "--no-prove", "--alerts",
             str(alerts_file), "--quarantine", str(tmp_path / "q.jsonl")])  # fmt: skip
    expected = [json.loads(x) for x in alerts_file.read_text().splitlines()]
    got = [a.to_json() for a in sv.monitor(SAFE, events)]
    assert got and [a["id"] for a in got] == [a["id"] for a in expected]
    assert any(a["kind"] == "envelope" and a["severity"] == "critical" for a in got)
    assert [a.to_json() for a in sv.monitor(SAFE, source)] == got
