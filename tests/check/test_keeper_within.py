"""Bounded keeper liveness, ``@spec.keeper(within=k)``: the engine's counter and lemma,
bmc and replay against a closed form, prove without a lemma about the counter, the frontier
of the delay (``keeper.NAME.within``) against the closed form of the late-keeper perpetual,
and stress with ``--keeper-delay`` capped by the declaration."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

import solvent as sv
from solvent import cli
from solvent.check.bmc import bmc
from solvent.check.frontier import frontier
from solvent.check.induction import prove
from solvent.check.probes import ProbeOptions
from solvent.errors import NameClashError, SpecError, UsageError
from solvent.models import perp_keeper_late
from solvent.spec.load import load_spec

SHORT = Path(__file__).resolve().parent / "specs" / "short_late.py"


def run(capsys: pytest.CaptureFixture[str], *argv: Any) -> tuple[int, str, str]:
    code = cli.run([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_within_adds_the_counter_and_its_lemma() -> None:
    spec = load_spec(str(SHORT))
    (keeper,) = spec.keepers
    assert (keeper.liveness, keeper.within) == ("within", 2)
    late = spec.fields["liquidate_late"]
    assert late.per_account and late.init == (0,)
    assert [d.name for d in spec.lemmas] == [
        "liquidate_late_bounded",
        "short_only",
        "survives_late",
    ]


@pytest.mark.parametrize(
    "kwargs", [{}, {"within": -1}, {"within": 1, "every_step": True}, {"within": True}]
)
def test_liveness_must_be_one_whole_number(kwargs: dict[str, Any]) -> None:
    spec = sv.Spec("bad", accounts=1)
    with pytest.raises(SpecError):

        @spec.keeper(**kwargs)
        def liquidate(s: Any, p: Any, a: int) -> None:
            pass


def test_the_counter_name_may_not_clash() -> None:
    spec = sv.Spec("clash", accounts=1)

    @spec.state
    class State:
        liquidate_late: sv.PerAccount[sv.Num] = sv.Num("0")

    with pytest.raises(NameClashError, match="liquidate_late"):

        @spec.keeper(within=1)
        def liquidate(s: Any, p: Any, a: int) -> None:
            pass


def test_bmc_matches_the_closed_form_of_the_short() -> None:
    spec = load_spec(str(SHORT))
    assert bmc(spec.with_within("liquidate", 3), 6, timeout=120).verdict == "PASS"
    found = bmc(spec.with_within("liquidate", 4), 6, timeout=120)
    assert (found.verdict, found.depth) == ("FAIL", 5)
    replay = found.details["replay"]
    # late 1, 2, 3, 4 while the price rises, then forced to run at step 5 (k + 1 moves)
    assert [r.state["liquidate_late"][0] for r in replay.records[1:]] == [1, 2, 3, 4, 0]
    assert [bool(r.fired) for r in replay.records[1:]] == [False] * 4 + [True]


def test_with_within_refuses_unknown_keepers_and_bad_values() -> None:
    spec = load_spec(str(SHORT))
    with pytest.raises(UsageError, match="no keeper 'nope'"):
        spec.with_within("nope", 1)
    with pytest.raises(UsageError, match="whole number"):
        spec.with_within("liquidate", "1.5")


@pytest.fixture(scope="module")
def late_perp() -> sv.Spec:
    return perp_keeper_late.build(liquidate_within=1, max_move="0.02")


def test_prove_needs_no_lemma_about_the_counter(late_perp: sv.Spec) -> None:
    result = prove(late_perp, k=1, max_k=1, timeout=120)
    assert result.verdict == "PASS", result.message
    used = result.details["assumptions_used"]
    assert "keeper.liquidate.within" in used and "hyp.liquidate_late_bounded" in used


def test_frontier_of_the_delay_is_the_closed_form_of_the_short() -> None:
    spec = load_spec(str(SHORT))
    # largest k with 1.01 ** (k + 1) <= 1.05, by exact arithmetic
    expected = max(k for k in range(10) if Fraction(101, 100) ** (k + 1) <= Fraction(105, 100))
    assert expected == 3
    options = ProbeOptions(depth=6, timeout=120)
    result = frontier(spec, "keeper.liquidate.within", options=options, checks=0)
    assert (result.status, result.safe, result.unsafe) == ("found", expected, expected + 1)
    assert result.beyond is not None and result.beyond.outcome == "counterexample"


def test_late_perpetual_closed_form_and_frontier() -> None:
    # (1 + d) ** (k + 1) <= 1 + m, checked by brute force over k
    for move, margin in (("0.02", "0.05"), ("0.01", "0.05"), ("0.08", "0.05"), ("0.03", "0.1")):
        d, m = Fraction(move), Fraction(margin)
        ok = [k for k in range(40) if (1 + d) ** (k + 1) <= 1 + m]
        assert perp_keeper_late.largest_delay(move, margin) == (max(ok) if ok else None)
    spec = perp_keeper_late.build(liquidate_within=0, max_move="0.03")
    assert spec.derived["largest_delay"][0] == 0
    options = ProbeOptions(depth=3, timeout=120)
    result = frontier(spec, "keeper.liquidate.within", options=options, checks=0)
    assert (result.status, result.safe, result.unsafe) == ("found", 0, 1)
    assert result.beyond is not None and result.beyond.outcome == "counterexample"


def test_frontier_cli_names_the_knob(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "frontier", SHORT, "--param", "keeper.nope.within")
    assert code == 3 and "keepers of spec short-late: liquidate" in err


def _stress(capsys: pytest.CaptureFixture[str], spec: Path, delay: int) -> dict[str, Any]:
    code, out, _ = run(
        capsys, "stress", spec, "--scenario", "gbm", "--opt", "vol=3", "--paths", "300",
        "--steps", "20", "--keeper-delay", delay, "--action-rate", "0.5", "--format", "json",
    )  # fmt: skip
    doc = json.loads(out)
    assert code == doc["exit_code"] and doc["engine"] == "lanes"
    return {k: doc["metrics"][k] for k in ("p_insolvency", "liquidations", "bad_debt")}


def test_stress_keeper_delay_is_capped_by_the_declaration(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    spec = tmp_path / "late.py"
    text = "from solvent.models import perp_keeper_late\nspec = perp_keeper_late.build({})\n"
    spec.write_text(text.format("liquidate_within=0"))
    # within=0: the keeper must run whenever needed, so a scheduled delay changes nothing
    assert _stress(capsys, spec, 5) == _stress(capsys, spec, 0)
    spec.write_text(text.format("liquidate_within=3"))
    # within=3: the delay takes effect, up to 3 steps
    assert _stress(capsys, spec, 5) != _stress(capsys, spec, 0)


def test_frontier_cli_simplifies_the_counterexample_by_default(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["frontier", SHORT, "--param", "keeper.liquidate.within", "--depth", "6",
            "--checks", "0", "--format", "json"]  # fmt: skip
    code, out, _ = run(capsys, *argv)
    assert code == 0
    steps = json.loads(out)["beyond"]["counterexample"]["steps"]
    assert [s["market"]["move"] for s in steps] == ["0.01"] * 5  # the envelope's corner


STALE = """\
import solvent as sv
from solvent import Num


@sv.builder
def build(publish_within: int = 2, max_gap: str = "2"):
    spec = sv.Spec("stale-oracle", accounts=1)
    gap = Num(max_gap)

    @spec.params
    class Params:
        max_gap: Num = gap

    @spec.state
    class State:
        index: Num = Num("100")
        oracle: Num = Num("100")

    @spec.envelope
    class Market:
        move: Num = sv.within("-1", "1")

    @spec.tick
    def market(s, m):
        s.index = s.index + m.move

    @spec.keeper(within=publish_within)
    def publish(s, p):
        sv.requires(s.oracle != s.index)
        s.oracle = s.index

    @spec.invariant
    def oracle_close(s, p):
        return (s.oracle - s.index <= p.max_gap) & (s.index - s.oracle <= p.max_gap)

    @spec.lemma
    def gap_per_late_step(s, p):
        return (s.oracle - s.index <= s.publish_late) & (s.index - s.oracle <= s.publish_late)

    return spec


spec = build()
"""


def test_oracle_staleness_is_the_same_bounded_liveness(tmp_path: Path) -> None:
    """An oracle published by a `within=K` keeper is at most K steps stale: with moves of at
    most 1 it is at most K from the index (proved with a lemma reading `publish_late`);
    the largest K for a gap of 2 is 2 (frontier), and K = 3 breaks it at step 3 (bmc)."""
    path = tmp_path / "stale.py"
    path.write_text(STALE)
    spec = load_spec(str(path))
    assert prove(spec, k=1, max_k=1, timeout=120).verdict == "PASS"
    found = bmc(spec.with_within("publish", 3), 4, timeout=120)
    assert (found.verdict, found.depth) == ("FAIL", 3)
    options = ProbeOptions(depth=4, timeout=120)
    result = frontier(spec, "keeper.publish.within", options=options, checks=0)
    assert (result.status, result.safe, result.unsafe) == ("found", 2, 3)
