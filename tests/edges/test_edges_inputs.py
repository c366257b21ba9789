"""Issue 15: oversized, deep or edited inputs are refused (exit 3) or reported, never exit 4.

Defects 2 (huge and tiny exact numbers, huge lines), 3 (deep JSON), 10 (`report` validates
result files against the shipped schema) and 11 (`replay` of an edited counterexample).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from solvent import cli

ROOT = Path(__file__).resolve().parents[1].parent
GAP_RISK = ROOT / "examples" / "bugs_detected" / "perp_gap_risk.py"
SAFE_PERP = ROOT / "examples" / "correct" / "perp_isolated.py"


def run(capsys: pytest.CaptureFixture[str], *argv: Any) -> tuple[int, str, str]:
    code = cli.run([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def result_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A FAIL result of bmc on the gap-risk example, with its counterexample."""
    path = tmp_path_factory.mktemp("result") / "fail.json"
    assert cli.run(["bmc", str(GAP_RISK), "--depth", "3", "-q", "-o", str(path)]) == 1
    return path


def _trace(result_file: Path) -> dict[str, Any]:
    return json.loads(result_file.read_text())["counterexample"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("move", ["1e999999", "9" * 5000, "1e-999999"])
@pytest.mark.parametrize("verb", ["replay", "shrink"])
def test_a_trace_number_beyond_the_digits_limit_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, result_file: Path, move: str, verb: str
) -> None:
    trace = _trace(result_file)
    trace["steps"][0]["market"]["move"] = move
    path = tmp_path / "trace.json"
    path.write_text(json.dumps(trace))
    code, out, err = run(capsys, verb, GAP_RISK, path)
    assert code == 3, (code, out, err[-2000:])
    assert "steps[1].market.move" in err and "SOLVENT_MAX_DIGITS" in err, err
    assert "Traceback" not in out + err


def test_the_digits_limit_can_be_raised(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    result_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    trace = _trace(result_file)
    trace["steps"][0]["market"]["move"] = "-0." + "0" * 1200 + "1"
    path = tmp_path / "trace.json"
    path.write_text(json.dumps(trace))
    assert run(capsys, "replay", GAP_RISK, path)[0] == 3
    monkeypatch.setenv("SOLVENT_MAX_DIGITS", "2000")
    code, out, err = run(capsys, "replay", GAP_RISK, path)
    assert code in (0, 1), (code, err)


@pytest.mark.parametrize(
    "content",
    ["[" * 100_000 + "]" * 100_000, '{"a": ' + "9" * 5000 + "}", '{"a":' * 70 + "1" + "}" * 70],
)
def test_deep_or_long_json_trace_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str
) -> None:
    path = tmp_path / "deep.json"
    path.write_text(content)
    code, out, err = run(capsys, "replay", GAP_RISK, path)
    assert code == 3, (code, err[-2000:])
    assert "SOLVENT_MAX_" in err and "Traceback" not in out + err


def test_deep_json_result_file_is_refused_by_report(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    code, out, err = run(capsys, "report", path, "-o", tmp_path / "r.html")
    assert code == 3, (code, err[-2000:])
    assert "SOLVENT_MAX_DEPTH" in err


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (lambda d: d.update(verdict="WHATEVER"), "at verdict: 'WHATEVER' is not one of"),
        (lambda d: d.pop("counterexample"), "'counterexample' is a required property"),
        (lambda d: d.update(seconds=-1), "at seconds"),
    ],
)
def test_report_refuses_a_result_that_breaks_the_schema(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, result_file: Path, edit: Any, needle: str
) -> None:
    doc = json.loads(result_file.read_text())
    edit(doc)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(doc))
    code, out, err = run(capsys, "report", path, "-o", tmp_path / "r.html")
    assert code == 3, (code, out, err)
    assert "does not match solvent's solvent-result/1 schema" in err and needle in err, err
    assert not (tmp_path / "r.html").exists()


def test_report_still_renders_a_valid_result(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, result_file: Path
) -> None:
    code, out, err = run(capsys, "report", result_file, "-o", tmp_path / "r.html")
    assert code == 0, err


def _edited(tmp_path: Path, result_file: Path) -> Path:
    trace = _trace(result_file)
    for step in trace["steps"]:  # the gap that broke it is gone: a flat price
        step["market"]["move"] = "0"
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(trace))
    return path


def test_replay_says_when_the_recorded_violation_does_not_reproduce(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, result_file: Path
) -> None:
    code, out, err = run(capsys, "replay", GAP_RISK, _edited(tmp_path, result_file))
    assert code == 0
    assert "the recorded violation (solvent at step 3) did not reproduce" in out
    assert "note: the violation recorded in the trace's #meta" in out


def test_replay_expect_violation(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, result_file: Path
) -> None:
    edited = _edited(tmp_path, result_file)
    code, out, _ = run(capsys, "replay", GAP_RISK, edited, "--expect-violation")
    assert code == 1, out
    code, out, _ = run(capsys, "replay", GAP_RISK, result_file, "--expect-violation")
    assert code == 0, out
    code, out, _ = run(capsys, "replay", GAP_RISK, edited, "--expect-violation", "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["exit_code"] == 1
    assert doc["details"]["expected_violation"] == {
        "recorded": "solvent at step 3",
        "reproduced": False,
        "expected": True,
    }


def test_a_timestamp_of_thousands_of_leading_zeros_is_read_not_a_crash(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # the fuzzer's find (tests/fuzz/test_fuzz_files.py, a fresh-clone CI of round 19):
    # '0' x 4,301 is the timestamp 0, but int() refuses strings past 4,300 digits and
    # monitor-convert crashed with exit 4 and a traceback
    from solvent.scenarios.history import _parse_time

    assert _parse_time("0" * 4301) == 0
    assert _parse_time("0" * 5000 + "1584000000") == _parse_time("1584000000")
    csv = tmp_path / "h.csv"
    csv.write_text("timestamp,open,high,low,close\n" + "0" * 4301 + ",1,1,1,1\n")
    code, out, err = run(capsys, "monitor-convert", csv, "-o", tmp_path / "e")
    assert code in (0, 3), (code, out, err)
    assert "Traceback" not in err and "internal error" not in err


@pytest.mark.parametrize("stamp", ["1e30", "9" * 400, "1" + "0" * 25])
@pytest.mark.parametrize("verb", ["stress", "monitor-convert"])
def test_a_history_timestamp_beyond_year_9999_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, stamp: str, verb: str
) -> None:
    csv = tmp_path / "h.csv"
    csv.write_text(f"timestamp,open,high,low,close\n{stamp},1,1,1,1\n")
    args = [SAFE_PERP, "--history", csv] if verb == "stress" else [csv, "-o", tmp_path / "e"]
    code, out, err = run(capsys, verb, *args)
    assert code == 3, (code, out, err)
    assert "h.csv:2: column timestamp: cannot read timestamp" in err
    assert "up to the year 9999" in err and "Traceback" not in err


def test_stress_refuses_a_run_too_large_to_finish_with_the_estimate(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    code, out, err = run(
        capsys,
        "stress",
        SAFE_PERP,
        "--scenario",
        "gbm",
        "--paths",
        "1000000000000",
        "--steps",
        "10",
    )
    assert code == 3, (code, out, err)
    flat = " ".join(err.split())
    assert "stress run too large to finish" in flat and "CPU hours" in flat, flat
    assert "SOLVENT_MAX_WORK" in flat
    # nothing was built up front (the old code grew to gigabytes before simulating)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000  # KiB


def test_stress_paths_limit_is_configurable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLVENT_MAX_PATHS", "100")
    code, _, err = run(
        capsys, "stress", SAFE_PERP, "--scenario", "gbm", "--paths", "101", "--steps", "2"
    )
    assert code == 3 and "SOLVENT_MAX_PATHS" in err, err
    monkeypatch.setenv("SOLVENT_MAX_PATHS", "nonsense")
    code, _, err = run(
        capsys, "stress", SAFE_PERP, "--scenario", "gbm", "--paths", "10", "--steps", "2"
    )
    assert code == 3 and "SOLVENT_MAX_PATHS='nonsense' must be a positive integer" in err, err


def test_stress_chunks_are_streamed() -> None:
    from solvent.stress.runner import _chunks

    chunks = _chunks(10**12, {}, 4)  # a generator: building it costs nothing
    assert next(chunks) == [0, 1, 2, 3] and next(chunks) == [4, 5, 6, 7]
    assert list(_chunks(7, {1: {}, 5: {}}, 2)) == [[0, 2], [3, 4], [6]]


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: t["steps"][0]["market"].update(move=["-0.08"]),
        lambda t: t["steps"][0]["market"].update(move=True),
        lambda t: t["init"].update(quote=[["0"], "0", "9016.1"]),
        lambda t: t["steps"][0]["action"]["args"].update(qty=["1", "2"]),
    ],
    ids=["market-list", "market-bool", "nested-account-value", "action-arg-list"],
)
def test_a_trace_value_of_the_wrong_shape_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, result_file: Path, edit: Any
) -> None:
    """Found by tests/fuzz: a list where a number belongs made replay exit 4 (TypeError)."""
    trace = _trace(result_file)
    edit(trace)
    path = tmp_path / "trace.json"
    path.write_text(json.dumps(trace))
    code, out, err = run(capsys, "replay", GAP_RISK, path)
    assert code == 3, (code, err[-2000:])
    assert "trace does not match spec" in err and "Traceback" not in out + err


def test_report_refuses_a_schema_that_is_not_a_string(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Found by tests/fuzz: {"schema": [...]} made report exit 4 (unhashable list)."""
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"schema": ["solvent-result/1"]}))
    code, out, err = run(capsys, "report", path, "-o", tmp_path / "r.html")
    assert code == 3 and "not a solvent result" in err, err


def test_stress_refuses_a_negative_seed(capsys: pytest.CaptureFixture[str]) -> None:
    """Found by tests/fuzz: --seed -1 made stress exit 4 (NumPy's seed check)."""
    argv = ["stress", SAFE_PERP, "--scenario", "gbm", "--paths", "8", "--steps", "3"]
    code, _, err = run(capsys, *argv, "--seed", "-1")
    assert code == 3 and "--seed must be 0 or more, got -1" in err, err


def test_report_charts_a_number_beyond_float64(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, result_file: Path
) -> None:
    """Found by tests/fuzz: a valid 400-digit number in a result made report exit 4."""
    doc = json.loads(result_file.read_text())
    doc["counterexample"]["init"]["quote"][2] = "9" * 400
    doc["replay"]["steps"][0]["state"]["quote"][2] = "9" * 400
    path = tmp_path / "big.json"
    path.write_text(json.dumps(doc))
    code, out, err = run(capsys, "report", path, "-o", tmp_path / "r.html")
    assert code == 0, err
