"""`solvent report` and the report options on bad input: a clear message, exit 3, and no
file (not even a partial one) left behind."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from report_runs import PERP_ONE, ROOT, Run

from solvent import cli
from solvent.report.outputs import write_atomic


def run(capsys: pytest.CaptureFixture[str], *argv: Any) -> tuple[int, str, str]:
    code = cli.run([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_refused(code: int, err: str, *needles: str) -> None:
    assert code == 3, err
    assert err.startswith("error: ") and "Traceback" not in err
    for needle in needles:
        assert needle in err, (needle, err)


def test_report_writes_all_three(
    gap_bmc: Run, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.html"
    code, stdout, _ = run(capsys, "report", gap_bmc.path("result.json"), "-o", out,
                          "--junit", tmp_path / "j.xml", "--sarif", tmp_path / "s.sarif")  # fmt: skip
    assert code == 0
    assert f"written: {out}" in stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["j.xml", "r.html", "s.sarif"]


def test_report_default_output_name(
    gap_bmc: Run, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = tmp_path / "gap.json"
    result.write_bytes(gap_bmc.path("result.json").read_bytes())
    code, _, _ = run(capsys, "report", result, "-q")
    assert code == 0 and (tmp_path / "gap.html").is_file()


@pytest.mark.parametrize(
    ("content", "code", "needles"),
    [
        ("{not json", "SV701", ["is not valid JSON"]),
        ('["a list"]', "SV701", ["not a solvent result"]),
        ('{"verdict": "PASS"}', "SV701", ["not a solvent result"]),
        ('{"schema": "solvent-result/2", "check": "bmc"}', "SV702",
         ["another version of solvent", "reads solvent-result/1"]),
        ('{"schema": "solvent-trace/1"}', "SV702", ["does not know"]),
        ('{"schema": "solvent-result/1"}', "SV701", ["lacks check, verdict, exit_code"]),
    ],
)  # fmt: skip
def test_bad_result_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, code: str, needles: list[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    out = tmp_path / "out.html"
    exit_code, _, err = run(capsys, "report", bad, "-o", out, "--junit", tmp_path / "j.xml")
    assert_refused(exit_code, err, "bad.json", f"[{code}]", *needles)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json"]  # nothing written


def test_missing_result_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "report", tmp_path / "none.json")
    assert_refused(code, err, "none.json", "does not exist", "[SV701]")


def test_output_in_missing_directory(
    gap_bmc: Run, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "no" / "such" / "dir" / "r.html"
    code, _, err = run(capsys, "report", gap_bmc.path("result.json"), "-o", target)
    assert_refused(code, err, "does not exist; create it first", "[SV300]")
    assert not (tmp_path / "no").exists()


def test_output_in_read_only_directory(
    gap_bmc: Run,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """(Root may write anywhere, so the directory's write permission is faked as missing.)"""
    folder = tmp_path / "ro"
    folder.mkdir()
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode: False if Path(p) == folder else real_access(p, mode)
    )
    code, _, err = run(capsys, "report", gap_bmc.path("result.json"), "-o", folder / "r.html")
    assert_refused(code, err, "is not writable", "[SV300]")
    assert list(folder.iterdir()) == []


def test_verb_refuses_bad_report_path_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], in_root: None
) -> None:
    """The path is checked before the (possibly long) check runs: nothing is written."""
    for option in ("--report", "--junit", "--sarif"):
        code, out, err = run(capsys, "prove", PERP_ONE.relative_to(ROOT), "--no-slack", "-o",
                             tmp_path / "r.json", option, tmp_path / "missing" / "x")  # fmt: skip
        assert_refused(code, err, "missing", "does not exist", "[SV300]")
        assert "[PASS]" not in out
    code, out, err = run(capsys, "frontier", PERP_ONE.relative_to(ROOT), "--param", "move",
                         "--sarif", tmp_path / "missing" / "x.sarif")  # fmt: skip
    assert_refused(code, err, "does not exist", "[SV300]")
    assert list(tmp_path.iterdir()) == []


def test_replay_export_path_checked_first(
    gap_bmc: Run, tmp_path: Path, capsys: pytest.CaptureFixture[str], in_root: None
) -> None:
    code, out, err = run(capsys, "replay", PERP_ONE.relative_to(ROOT), gap_bmc.path("result.json"),
                         "--export-pytest", tmp_path / "nope" / "test_x.py")  # fmt: skip
    assert_refused(code, err, "does not exist", "[SV300]")


def test_no_partial_file_when_writing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure half-way (here: the move into place) leaves neither the file nor the temp."""
    target = tmp_path / "r.html"
    target.write_text("the previous report")

    def boom(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    from solvent.errors import UsageError

    with pytest.raises(UsageError, match="No space left on device"):
        write_atomic(str(target), "<html>new</html>")
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]
    assert target.read_text() == "the previous report"


def test_report_refuses_to_overwrite_its_input(
    gap_bmc: Run, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = tmp_path / "r.json"
    result.write_bytes(gap_bmc.path("result.json").read_bytes())
    code, _, err = run(capsys, "report", result, "-o", result)
    assert_refused(code, err, "would overwrite the result file")
    assert json.loads(result.read_text())["schema"] == "solvent-result/1"


def test_two_outputs_on_one_file(
    gap_bmc: Run, tmp_path: Path, capsys: pytest.CaptureFixture[str], in_root: None
) -> None:
    same = tmp_path / "out.txt"
    code, _, err = run(capsys, "report", gap_bmc.path("result.json"), "-o", same, "--junit", same)
    assert_refused(code, err, "are the same file")
    code, _, err = run(capsys, "lint", PERP_ONE.relative_to(ROOT), "-o", same, "--report", same)
    assert_refused(code, err, "are the same file")
    assert list(tmp_path.iterdir()) == []
