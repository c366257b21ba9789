"""prove says why, not just UNKNOWN or CTI (issue 13, point 4): check/suggest.py.

Specs a user would write without the lemma their proof needs:

- tests/check/specs/keeper_outage.py: a counter bounds a keeper outage; the proof needs
  ``down >= 0`` (the counter never goes below zero);
- tests/check/specs/per_account_range.py and tests/cli/specs/spurious_cti.py: a level
  that never leaves its start needs a range lemma (per account, and shared);
- tests/check/specs/relation_lemma.py: a relation between two fields (``x <= y``).

Every suggestion shown is checked; the tests check it again independently, by pasting its
code into the spec and running ``solvent prove`` on the result (exit 0), and show that a
false candidate is never shown.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from solvent import cli
from solvent.check import suggest
from solvent.check.induction import prove
from solvent.check.results import CTI, UNKNOWN, CheckResult
from solvent.spec.load import load_spec

ROOT = Path(__file__).resolve().parents[2]
OUTAGE = ROOT / "tests" / "check" / "specs" / "keeper_outage.py"
PER_ACCOUNT = ROOT / "tests" / "check" / "specs" / "per_account_range.py"
SPURIOUS = ROOT / "tests" / "cli" / "specs" / "spurious_cti.py"
RELATION = ROOT / "tests" / "check" / "specs" / "relation_lemma.py"


def prove_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = cli.run(["prove", *args, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("path", "name", "line"),
    [
        (OUTAGE, "down_at_least_0", "return s.down >= 0"),
        (PER_ACCOUNT, "level_at_most_5", "return s.level[a] <= 5"),
        (SPURIOUS, "level_at_most_5", "return s.level <= 5"),
        (RELATION, "x_at_most_y", "return s.x <= s.y"),
    ],
)
def test_cti_suggests_the_missing_lemma_and_it_really_proves(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, path: Path, name: str, line: str
) -> None:
    code, doc = prove_json(capsys, str(path), "--no-slack")
    assert code == 2 and doc["verdict"] == CTI
    lemmas = doc["details"]["lemmas"]
    assert [x["name"] for x in lemmas] == [name]
    assert lemmas[0]["proves"] and line in lemmas[0]["code"]
    assert "found and checked: with it the proof passes" in doc["message"]
    # independent check: the user pastes the code into the spec and proves it
    pasted = tmp_path / path.name
    pasted.write_text(path.read_text() + "\n\n" + lemmas[0]["code"], encoding="utf-8")
    code, doc = prove_json(capsys, str(pasted), "--no-slack")
    assert code == 0 and doc["verdict"] == "PASS", doc["message"]


def test_text_output_shows_the_lemma_as_code(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.run(["prove", str(OUTAGE), "--no-slack"])
    out = capsys.readouterr().out
    assert code == 2
    assert "suggested lemma (checked: prove passes with it added):" in out
    assert "    @spec.lemma\n    def down_at_least_0(s):\n" in out


def test_a_false_candidate_is_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = load_spec(str(OUTAGE), None)
    result = prove(spec, k=1, max_k=3, search_depth=1)
    assert result.verdict == CTI
    false = [
        suggest.Candidate("pending", "<=", Fraction(5), False),  # pending reaches 20
        suggest.Candidate("down", ">=", Fraction(1), False),  # down starts at 0
        suggest.Candidate("down", "<=", Fraction(1), False),  # down reaches 2
    ]
    monkeypatch.setattr(suggest, "candidates", lambda *a: list(false))
    assert suggest.suggest(spec, result, prove, k=1, max_k=3, seconds=30) == []
    true = suggest.Candidate("down", ">=", Fraction(0), False)
    monkeypatch.setattr(suggest, "candidates", lambda *a: [*false, true])
    found = suggest.suggest(spec, result, prove, k=1, max_k=3, seconds=30)
    assert [s.name for s in found] == ["down_at_least_0"] and found[0].proves


def test_candidates_rule_out_the_cti_state_weakest_first() -> None:
    spec = load_spec(str(OUTAGE), None)
    cands = suggest.candidates(spec, {"down": "-1.25", "pending": "10.25"}, "losses_bounded")
    # the counter is below every constant of the spec: its bound comes first, weakest first
    assert cands[0] == suggest.Candidate("down", ">=", Fraction(0), False)
    for c in cands:  # each one is false in the CTI state
        v = {"down": Fraction("-1.25"), "pending": Fraction("10.25")}
        rhs = v[c.rhs] if isinstance(c.rhs, str) else c.rhs
        assert not (v[c.field] >= rhs if c.op == ">=" else v[c.field] <= rhs)


def test_unknown_names_the_obligation_what_was_tried_and_what_next() -> None:
    spec = load_spec(str(OUTAGE), None)
    base = CheckResult(
        "prove",
        spec.name,
        UNKNOWN,
        "k=2",
        1.0,
        1,
        message="base case: solver timeout after 0.001s",
        k=2,
        details={"reason": "timeout"},
    )
    out = suggest.explain(spec, base, prove, k=1, max_k=3, timeout=0.0, budget=1.0)
    assert "Tried: the base case (bmc to depth 1): incremental bmc (one strategy)" in out.message
    assert "a larger --timeout (this run had 1s)" in out.message
    assert "--jobs N" in out.message and "--max-k 1" in out.message
    step = CheckResult(
        "prove",
        spec.name,
        UNKNOWN,
        "k=1",
        1.0,
        1,
        message="solver timeout after 1s",
        k=1,
        details={"reason": "timeout", "obligation": "losses_bounded"},
    )
    out = suggest.explain(spec, step, prove, k=1, max_k=3, timeout=0.0, budget=1.0)
    assert "the inductive step obligation losses_bounded" in out.message
    assert "s.pending >= LO" in out.message  # a template over the fields it reads
    assert out.details["why"]["obligation"] == "the inductive step obligation losses_bounded"
    witness = CheckResult(
        "prove", spec.name, UNKNOWN, "k=1", 1.0, 1, k=1, details={"reason": "unknown"},
        message="could not decide whether witness w is reachable (solver gave up)",
    )  # fmt: skip
    out = suggest.explain(spec, witness, prove, k=1, max_k=3, timeout=0.0, budget=None)
    assert "Tried: the vacuity check (witness reachability)" in out.message
    assert "a smaller --witness-depth" in out.message and "the default budget" in out.message


def test_unknown_after_a_cti_at_a_smaller_k_gets_a_checked_lemma() -> None:
    spec = load_spec(str(OUTAGE), None)
    ran_out = CheckResult(
        "prove",
        spec.name,
        UNKNOWN,
        "k=3",
        1.0,
        1,
        message="solver timeout after 1s",
        k=3,
        details={"reason": "timeout", "obligation": "losses_bounded"},
    )
    out = suggest.explain(spec, ran_out, prove, k=1, max_k=3, timeout=20.0, budget=1.0)
    assert [x["name"] for x in out.details["lemmas"]] == ["down_at_least_0"]
    assert "the lemma below, built from the CTI at k=2 and checked" in out.message
