"""A custom spec runs without naming every field stress reads by default (issue 16): the
metric fields default to ``auto`` (the usual name when the spec has it, else the metric is
skipped with a note), and ``--price-field NAME`` names the start price of the account
population, with one clear error when it is missing."""

from __future__ import annotations

import json
from pathlib import Path

from solvent.cli import run

RUN = ["--scenario", "gbm", "--paths", "40", "--steps", "4", "--seed", "3"]


def _json(capsys, *argv: str) -> tuple[int, dict]:
    code = run(["stress", *argv, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_custom_fields_run_with_one_flag(spec_path, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, doc = _json(capsys, spec_path("custom_fields"), *RUN, "--price-field", "mark")
    assert code == 0, doc
    assert doc["options"]["population"] is not None  # drawn at the price of `mark`
    notes = "\n".join(doc["notes"])
    for field, option in (
        ("bad_debt", "--bad-debt-field"),
        ("insurance", "--insurance-field"),
        ("liquidations", "--liquidations-field"),
    ):
        assert f"no scalar number field '{field}'; name yours with {option} NAME" in notes
    assert doc["metrics"]["bad_debt"] is None and doc["metrics"]["insurance"] is None


def test_without_a_population_no_flag_is_needed(spec_path, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, doc = _json(capsys, spec_path("custom_fields"), *RUN, "--population", "none")
    assert code == 0 and doc["options"]["population"] is None


def test_missing_price_field_is_one_clear_error(spec_path, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code = run(["stress", spec_path("custom_fields"), *RUN])
    err = capsys.readouterr().err
    assert code == 3
    assert "Traceback" not in err and "[SV501]" in err
    assert "--price-field NAME (scalar fields with a fixed initial value: mark)" in err
    assert "--population none" in err
    # the option the message names exists: it fixes the run (see above); a wrong name is
    # the same clear error
    code = run(["stress", spec_path("custom_fields"), *RUN, "--price-field", "nope"])
    err = capsys.readouterr().err
    assert code == 3 and "no scalar field 'nope'" in err


def test_a_named_field_the_spec_lacks_is_still_an_error(
    spec_path, tmp_path, capsys, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    argv = [spec_path("custom_fields"), *RUN, "--population", "none"]
    code = run(["stress", *argv, "--bad-debt-field", "bad_debt"])
    err = capsys.readouterr().err
    assert code == 3 and "no scalar number field 'bad_debt'" in err


def test_the_default_fields_still_feed_the_perp_metrics(
    spec_path, tmp_path, capsys, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, doc = _json(capsys, spec_path("perp_small"), *RUN, "--opt", "vol=2.5", "-o", "r.json")
    assert doc["metrics"]["insurance"] is not None and doc["metrics"]["bad_debt"] is not None
    assert doc["metrics"]["liquidations"] is not None
    assert not any("not reported" in n for n in doc["notes"])
    assert "price" in (doc.get("bands") or {}) and "insurance" in doc["bands"]
    assert Path("r.json").exists() and code in (0, 1, 2)


def test_the_python_api_has_the_same_defaults(spec_path, tmp_path, monkeypatch) -> None:
    import solvent as sv

    monkeypatch.chdir(tmp_path)
    run = sv.stress(spec_path("custom_fields"), "gbm", paths=40, steps=4, price_field="mark")
    assert run.exit_code == 0
    assert any("bad debt not reported" in n for n in run.doc["notes"])
