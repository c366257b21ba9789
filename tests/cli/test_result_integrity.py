"""Result files written with -o carry content_sha256; report and replay say when one was edited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from solvent.cli import run
from solvent.integrity import RESULT_HASH_KEY, result_warning, seal_result

COUNTER = str(Path(__file__).parent / "specs" / "counter.py")


def test_result_files_carry_a_hash_and_edits_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = tmp_path / "r.json"
    assert run(["bmc", COUNTER, "--depth", "6", "-q", "-o", str(result)]) == 1
    doc = json.loads(result.read_text())
    assert len(doc[RESULT_HASH_KEY]) == 64 and result_warning(doc, "r.json") is None
    capsys.readouterr()
    assert run(["replay", COUNTER, str(result)]) == 1
    assert run(["report", str(result), "-o", str(tmp_path / "r.html")]) == 0
    out = capsys.readouterr()
    assert "edited" not in out.out + out.err

    result.write_text(result.read_text().replace('"depth": 4', '"depth": 3'))
    assert run(["replay", COUNTER, str(result)]) == 1
    assert f"warning: {result} was edited after solvent wrote it" in capsys.readouterr().out
    assert run(["report", str(result), "-o", str(tmp_path / "r.html")]) == 0
    assert f"warning: {result} was edited after solvent wrote it" in capsys.readouterr().err


def test_the_hash_covers_every_key_and_ignores_layout() -> None:
    doc = seal_result({"schema": "solvent-result/1", "a": [1, 2.5, None], "b": {"2": "x"}})
    assert result_warning(json.loads(json.dumps(doc, indent=None)), "f") is None
    assert result_warning({**doc, "a": [1, 2.5]}, "f") is not None
    assert result_warning({**doc, "extra": 1}, "f") is not None
    assert result_warning({k: v for k, v in doc.items() if k != "a"}, "f") is not None
    assert result_warning({"schema": "solvent-result/1"}, "f") is None  # no hash: no claim
