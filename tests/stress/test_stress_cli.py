"""`solvent stress` and `solvent shrink` on the command line: output, exit codes, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from solvent.cli import run

BASE = [
    "--scenario",
    "gbm",
    "--opt",
    "vol=2.5",
    "--paths",
    "600",
    "--steps",
    "20",
    "--seed",
    "4",
    "--confirm",
    "2",
]
SMALL = ["--scenario", "gbm", "--paths", "10", "--steps", "5"]  # a quick run, for bad input


def test_stress_text_json_traces_replay_and_shrink(
    spec_path, tmp_path, capsys, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    target = spec_path("perp_small")
    code = run(["stress", target, *BASE, "--traces-dir", "tr", "-o", "r.json"])
    out = capsys.readouterr()
    assert code == 1, out.err
    assert out.out.startswith("[FAIL] stress  600 paths x 20 steps x 8 accounts")
    assert "P(insolvency)" in out.out and "\x1b" not in out.out + out.err  # no TTY: no bar
    doc = json.loads(Path("r.json").read_text())
    assert (
        doc["schema"] == "solvent-stress/1" and doc["check"] == "stress" and doc["exit_code"] == 1
    )
    assert (
        doc["confirmation"]["confirmed"] == 2
        and doc["counterexample"]["#meta"]["found_by"] == "stress"
    )
    traces = sorted(Path("tr").iterdir())
    assert len(traces) == 2
    assert run(["replay", target, str(traces[0]), "-q"]) == 1
    assert run(["shrink", target, str(traces[0]), "--max-replays", "60", "-q"]) == 1
    shrunk = Path(str(traces[0])[:-5] + ".shrunk.json")
    assert run(["replay", target, str(shrunk), "-q"]) == 1
    assert not Path(".solvent-stress").exists()  # checkpoint removed after a full run


def test_stress_json_on_stdout_is_the_same_document(
    spec_path, tmp_path, capsys, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code = run(["stress", spec_path("perp_small"), *BASE, "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == doc["exit_code"] == 1
    assert set(doc["metrics"]) >= {
        "p_insolvency",
        "bad_debt",
        "insurance",
        "liquidations",
        "cover2",
    }
    assert doc["worst_paths"] and doc["worst_paths"][0]["prices"][0] == 2000.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scenario", "gbm", "--paths", "0", "--steps", "5"], "--paths must be a positive"),
        (["--scenario", "gbm", "--paths", "10", "--steps", "-1"], "--steps must be a positive"),
        (["--scenario", "nope", "--paths", "10", "--steps", "5"], "unknown scenario 'nope'"),
        (["--scenario", "gbm", "--history", "x.csv", "--paths", "10"], "exactly one of --scenario"),
        (["--scenario", "gbm", "--paths", "10", "--steps", "5", "--resume"], "no checkpoint"),
        (
            ["--scenario", "gbm", "--paths", "10", "--steps", "5", "--insurance-field", "fund"],
            "no scalar number field 'fund'",
        ),
        (["--history", "bad.csv", "--paths", "10"], "bad.csv"),
        (
            [*SMALL, "--impact-depth", "5", "--spec", "x"],
            "x",
        ),
    ],
)
def test_bad_input_exits_3_with_a_message(
    spec_path, tmp_path, capsys, monkeypatch, args, message
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bad.csv").write_text("timestamp,open,high,low,close,volume\n2020-01-01,1,2,0.5,-1,3\n")
    code = run(["stress", spec_path("perp_small"), *args, "--quiet"])
    err = capsys.readouterr().err
    assert code == 3, err
    assert message in err and "Traceback" not in err


def test_unreachable_scheduler_fails_fast(spec_path, tmp_path, monkeypatch, capsys) -> None:
    import time

    monkeypatch.chdir(tmp_path)
    start = time.perf_counter()
    assert (
        run(
            [
                "stress",
                spec_path("perp_small"),
                *SMALL,
                "--scheduler",
                "tcp://127.0.0.1:9",
                "--scheduler-timeout",
                "2",
                "-q",
            ]
        )
        == 3
    )
    assert time.perf_counter() - start < 30
    assert (
        "cannot reach the Dask scheduler at tcp://127.0.0.1:9 within 2s" in capsys.readouterr().err
    )


def test_shrink_refuses_a_trace_that_does_not_fail(spec_path, tmp_path, capsys) -> None:
    trace = {
        "#meta": {"format": "solvent-trace", "version": 1, "spec": "perp-stress", "accounts": 8},
        "init": {
            "price": "2000",
            "insurance": "100",
            "bad_debt": "0",
            "liquidations": "0",
            "quote": ["0"] * 8,
            "size": ["0"] * 8,
        },
        "steps": [{"market": {"move": "0.01"}, "action": None}],
    }
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(trace))
    assert run(["shrink", spec_path("perp_small"), str(path)]) == 3
    assert "does not break any invariant" in capsys.readouterr().err
