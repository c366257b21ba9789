"""`bmc --action / --no-action` (which user actions the search may use) and
`bmc --keep-going` (one replayed counterexample per violated property).

The spec, tests/cli/specs/two_doors.py, has known answers: `borrow` breaks `debt_capped` in
one step; `withdraw` (at most 5 a step from a vault of 10) breaks `vault_covers` first at
step 3, since 10 - 5k >= 0 exactly when k <= 2.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from solvent import cli
from solvent.check.bmc import bmc_each
from solvent.spec.load import load_spec

HERE = Path(__file__).resolve().parent
DOORS = HERE / "specs" / "two_doors.py"


def run(capsys: pytest.CaptureFixture[str], *argv: Any) -> tuple[int, str, str]:
    code = cli.run([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def actions_of(trace: dict[str, Any]) -> list[str | None]:
    return [s["action"]["name"] if s["action"] else None for s in trace["steps"]]


def test_without_restriction_bmc_finds_the_one_step_borrow(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "bmc", DOORS, "--depth", "3", "--format", "json")
    doc = json.loads(out)
    assert (code, doc["invariant"], doc["depth"]) == (1, "debt_capped", 1)
    assert actions_of(doc["counterexample"]) == ["borrow"]


def test_no_action_shows_the_withdrawal_path_and_it_replays_on_the_full_spec(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    result = tmp_path / "r.json"
    code, out, _ = run(
        capsys, "bmc", DOORS, "--depth", "3", "--no-action", "borrow", "--format", "json",
        "-o", result,
    )  # fmt: skip
    doc = json.loads(out)
    assert (code, doc["invariant"], doc["depth"]) == (1, "vault_covers", 3)
    assert actions_of(doc["counterexample"]) == ["withdraw"] * 3
    assert doc["details"]["actions"] == ["withdraw"]
    code, out, _ = run(capsys, "replay", DOORS, result)
    assert code == 1 and "trace violates vault_covers at step 3" in out


def test_action_restricts_and_a_pass_names_the_actions_it_covers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "bmc", DOORS, "--depth", "2", "--action", "withdraw")
    assert code == 0, out
    assert out.startswith("[PASS] debt_capped, vault_covers  bmc depth 2/2")
    assert "(user actions: withdraw)" in out
    # the closed form's boundary: one step more and withdrawals alone break the vault
    code, out, _ = run(capsys, "bmc", DOORS, "--depth", "3", "--action", "withdraw")
    assert code == 1 and out.startswith("[FAIL] vault_covers  bmc depth 3/3")


@pytest.mark.parametrize("flag", ["--action", "--no-action"])
def test_unknown_action_is_exit_3_naming_the_known_ones(
    capsys: pytest.CaptureFixture[str], flag: str
) -> None:
    code, out, err = run(capsys, "bmc", DOORS, flag, "lend")
    assert code == 3, (out, err)
    assert f"{flag} lend: spec two-doors has no user action 'lend'" in err
    assert "known: withdraw, borrow" in err and "Traceback" not in out + err


def test_keep_going_gives_one_replayed_counterexample_per_property(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    result = tmp_path / "all.json"
    code, out, _ = run(capsys, "bmc", DOORS, "--depth", "3", "--keep-going", "-o", result)
    assert code == 1
    verdicts = [line.split("  ")[0] for line in out.splitlines() if line.startswith("[")]
    assert verdicts == ["[FAIL] debt_capped", "[FAIL] vault_covers"]
    doc = json.loads(result.read_text())
    found = [(r["invariant"], r["depth"], actions_of(r["counterexample"])) for r in doc["results"]]
    assert found == [("debt_capped", 1, ["borrow"]), ("vault_covers", 3, ["withdraw"] * 3)]
    for r in doc["results"]:  # each one replayed on the judge, failing where it says
        assert r["replay"]["steps"][-1]["failures"] == [r["invariant"]]


def test_keep_going_ends_with_what_still_holds(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "bmc", DOORS, "--depth", "2", "--keep-going")
    assert code == 1
    verdicts = [line.split("  ")[0] for line in out.splitlines() if line.startswith("[")]
    assert verdicts == ["[FAIL] debt_capped", "[PASS] vault_covers"]


def test_keep_going_drops_a_broken_lemma_from_the_facts() -> None:
    spec = load_spec(str(DOORS))
    vault = dataclasses.replace(spec.invariants[1], kind="lemma")
    spec = dataclasses.replace(spec, invariants=[spec.invariants[0]], lemmas=[vault])
    results = bmc_each(spec, 3, timeout=60)
    assert [(r.verdict, r.invariant, r.depth) for r in results] == [
        ("FAIL", "debt_capped", 1),
        ("FAIL", "vault_covers", 3),
    ]
