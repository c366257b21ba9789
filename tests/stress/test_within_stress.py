"""Declared delays are what stress draws: ``--keeper-delay`` and ``--oracle-delay`` are
scenarios of a spec's ``within=K`` declarations (capped by them, replaying inside them),
and what they do to a spec without a declaration (documented in docs/stress.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from solvent import cli

ROOT = Path(__file__).resolve().parents[2]
STALE = ROOT / "examples" / "frontier" / "stale_oracle.py"
NO_FIELDS = ["--bad-debt-field", "none", "--insurance-field", "none"]
NO_FIELDS += ["--liquidations-field", "none", "--population", "none"]


def stress(capsys: pytest.CaptureFixture[str], target: Path, *argv: Any) -> dict[str, Any]:
    code = cli.run(
        ["stress", str(target), "--scenario", "gbm", "--paths", "200", "--steps", "20",
         "--format", "json", *map(str, argv)]
    )  # fmt: skip
    out, _ = capsys.readouterr()
    doc = json.loads(out)
    assert code == doc["exit_code"]
    return doc


def replay_notes(
    capsys: pytest.CaptureFixture[str], target: Path, trace: Any, tmp: Path, *argv: str
) -> str:
    path = tmp / "trace.json"
    path.write_text(json.dumps(trace))
    code = cli.run(["replay", str(target), str(path), *argv])
    out, err = capsys.readouterr()
    assert code == 1, out + err  # the violation stress confirmed replays
    return out + err


def test_oracle_delay_is_a_scenario_of_the_oracle_declaration(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    def run(within: int, delay: int) -> dict[str, Any]:
        return stress(
            capsys, STALE, *NO_FIELDS, "--opt", "vol=10", "--set", f"publish_within={within}",
            "--set", "mm=0.5", "--oracle-delay", delay,
        )  # fmt: skip

    fresh = run(0, 0)
    assert fresh["metrics"]["p_insolvency"]["paths"] == 0
    # within=0: the oracle publishes every step whatever the delay asks
    capped = run(0, 5)
    assert capped["metrics"]["p_insolvency"] == fresh["metrics"]["p_insolvency"]
    # within=5: the delay takes effect on the declared update; the scenario's prices are
    # not made stale a second time (no heartbeat jumps beyond the envelope)
    stale = run(5, 5)
    assert stale["exit_code"] == 1 and stale["metrics"]["p_insolvency"]["paths"] > 0
    assert stale["metrics"]["beyond_envelope"] == 0
    assert any("oracle update publish is offered a run only" in n for n in stale["notes"])
    trace = stale["counterexample"]
    offered = [st["keepers"]["publish"] == [True] for st in trace["steps"]]
    assert offered == [t % 6 == 0 for t in range(1, len(offered) + 1)]
    built = ("--set", "publish_within=5", "--set", "mm=0.5")
    notes = replay_notes(capsys, STALE, trace, tmp_path, *built)
    assert "note:" not in notes  # skips within the declaration are not outages
    # what the replay ran: stale at most 5 steps (the declaration), as stress drew it
    notes = replay_notes(capsys, STALE, trace, tmp_path, *built, "--format", "json")
    steps = json.loads(notes[: notes.rindex("}") + 1])["replay"]["steps"]
    late = [int(r["state"]["publish_late"]) for r in steps[1:]]
    assert late == [t % 6 for t in range(1, len(late) + 1)] and max(late) <= 5


def test_keeper_delay_replays_inside_a_within_declaration_and_outside_every_step(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    late = tmp_path / "late.py"
    late.write_text(
        "from solvent.models import perp_keeper_late\n"
        "spec = perp_keeper_late.build(liquidate_within=3)\n"
    )
    doc = stress(capsys, late, "--opt", "vol=3", "--keeper-delay", 5, "--action-rate", "0.5")
    assert doc["exit_code"] == 1
    notes = replay_notes(capsys, late, doc["counterexample"], tmp_path)
    assert "did not run" not in notes  # skips within the declaration are not outages
    # without a declaration (every_step=True) the same delay is an outage outside the
    # spec's liveness assumption: the replay runs it and says so
    every = ROOT / "examples" / "correct" / "perp_isolated.py"
    doc = stress(capsys, every, "--opt", "vol=3", "--keeper-delay", 5)
    assert doc["exit_code"] == 1
    notes = replay_notes(capsys, every, doc["counterexample"], tmp_path)
    assert "every-step keeper liquidate did not run (recorded keeper outage)" in notes
