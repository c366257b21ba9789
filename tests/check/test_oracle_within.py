"""Oracle staleness, ``@spec.oracle(within=k)``: the engine's counter and lemma, the
assumption ``oracle.NAME.within`` in prove, bmc and frontier against the closed form of
``examples/frontier/stale_oracle.py`` (largest tolerable staleness ``floor(mm / d) - 1``),
and a brute force of the same spec, written without the engine, at ``k`` and ``k + 1``."""

from __future__ import annotations

import itertools
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
from solvent.spec.load import load_spec

ROOT = Path(__file__).resolve().parents[2]
STALE = ROOT / "examples" / "frontier" / "stale_oracle.py"
MOVE, MM = Fraction(7, 10), Fraction(3)


def largest_staleness(mm: Fraction, d: Fraction) -> int | None:
    """The closed form: solvent exactly when (K + 1) * d <= mm, so K* = floor(mm / d) - 1."""
    k = mm // d - 1
    return int(k) if k >= 0 else None


def brute_force(k: int, depth: int, mm: Fraction = MM, d: Fraction = MOVE) -> int | None:
    """The first step at which some path breaks `solvent`, by enumerating every path of
    moves in {-d, 0, d} and every choice to skip the oracle (at most k steps in a row),
    simulating the example's rules directly (no engine); None if no path of `depth` does.
    The account starts at equity mm (the example's 3 at mm = 3)."""
    first: int | None = None
    for moves in itertools.product((-d, Fraction(0), d), repeat=depth):
        for skips in itertools.product((False, True), repeat=depth):
            index = oracle = Fraction(100)
            quote, size, late = mm - 100, 1, 0
            for t, (move, skip) in enumerate(zip(moves, skips, strict=True), start=1):
                if first is not None and t >= first:
                    break
                index += move
                if skip and late < k:
                    late += 1
                else:
                    oracle, late = index, 0
                if size != 0 and quote + size * oracle < mm:
                    quote, size = quote + size * index, 0
                if quote + size * index < 0:
                    first = t
                    break
    return first


def run(capsys: pytest.CaptureFixture[str], *argv: Any) -> tuple[int, str, str]:
    code = cli.run([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def spec() -> sv.Spec:
    return load_spec(str(STALE))


def test_the_declaration_adds_a_counter_a_lemma_and_runs_before_the_keepers(
    spec: sv.Spec,
) -> None:
    publish, liquidate = spec.keepers
    assert (publish.name, publish.role, publish.within) == ("publish", "oracle", 2)
    assert publish.assumption == "oracle.publish.within"
    assert liquidate.assumption == "keeper.liquidate.within"
    late = spec.fields["publish_late"]
    assert not late.per_account and late.init == (0,)
    assert spec.lemmas[0].name == "publish_late_bounded"
    assert "stale at most 2 steps" in spec.lemmas[0].doc


def test_an_oracle_declared_after_a_keeper_still_runs_first() -> None:
    spec = sv.Spec("order", accounts=1)

    @spec.keeper(every_step=True)
    def liquidate(s: Any, p: Any, a: int) -> None:
        pass

    @spec.oracle(within=1)
    def publish(s: Any, p: Any) -> None:
        pass

    @spec.oracle(within=0)
    def funding_index(s: Any, p: Any) -> None:
        pass

    assert [d.name for d in spec.keepers] == ["publish", "funding_index", "liquidate"]


@pytest.mark.parametrize("within", [-1, True, "2", None])
def test_within_must_be_a_whole_number(within: Any) -> None:
    spec = sv.Spec("bad", accounts=1)
    with pytest.raises(SpecError, match="oracle publish: within=.* whole number"):

        @spec.oracle(within=within)
        def publish(s: Any, p: Any) -> None:
            pass


def test_an_oracle_publishes_one_price_and_its_counter_may_not_clash() -> None:
    spec = sv.Spec("bad", accounts=1)
    with pytest.raises(SpecError, match=r"oracle publish must take \(s, p\)"):

        @spec.oracle(within=1)
        def publish(s: Any, p: Any, a: int) -> None:
            pass

    @spec.state
    class State:
        feed_late: sv.Num = sv.Num("0")

    with pytest.raises(NameClashError, match="feed_late"):

        @spec.oracle(within=1)
        def feed(s: Any, p: Any) -> None:
            pass


def test_closed_form_against_the_brute_force() -> None:
    # the closed form, checked against an enumeration of every path on a small grid
    for mm, d in ((MM, MOVE), (Fraction(2), Fraction(1)), (Fraction(5, 2), Fraction(1))):
        k = largest_staleness(mm, d)
        assert k is not None
        assert brute_force(k, k + 2, mm, d) is None
        assert brute_force(k + 1, k + 2, mm, d) == k + 2
    assert largest_staleness(MM, MOVE) == 3


def test_prove_and_bmc_agree_with_the_brute_force_at_k_and_k_plus_1(spec: sv.Spec) -> None:
    k = largest_staleness(MM, MOVE)
    assert k == 3
    proved = prove(spec.with_within("publish", k), k=1, max_k=1, timeout=120)
    assert proved.verdict == "PASS", proved.message
    used = proved.details["assumptions_used"]
    assert "oracle.publish.within" in used and "hyp.publish_late_bounded" in used
    assert bmc(spec.with_within("publish", k), k + 2, timeout=120).verdict == "PASS"
    found = bmc(spec.with_within("publish", k + 1), k + 2, timeout=120)
    assert (found.verdict, found.depth) == ("FAIL", brute_force(k + 1, k + 2))
    replay = found.details["replay"]
    # stale 1, 2, 3, 4 while the index falls, then the forced publication at step 5
    assert [r.state["publish_late"] for r in replay.records[1:]] == [1, 2, 3, 4, 0]
    # beyond it the proof fails (the bound is an assumption the proof needs)
    assert prove(spec.with_within("publish", k + 1), k=1, max_k=1, timeout=120).verdict != "PASS"


def test_frontier_of_the_staleness_is_the_closed_form(spec: sv.Spec) -> None:
    options = ProbeOptions(depth=5, timeout=120)
    result = frontier(spec, "oracle.publish.within", options=options, checks=0)
    assert (result.status, result.safe, result.unsafe) == ("found", 3, 4)
    assert result.beyond is not None and result.beyond.outcome == "counterexample"


def test_with_within_and_the_builder_keyword_agree(spec: sv.Spec) -> None:
    by_copy, by_build = spec.with_within("publish", 4), spec.with_params(publish_within=4)
    assert by_copy.keepers[0].within == by_build.keepers[0].within == 4
    with pytest.raises(UsageError, match="no keeper 'nope'.*oracles: publish"):
        spec.with_within("nope", 1)
    with pytest.raises(UsageError, match="oracle.publish.within must be a whole number"):
        spec.with_within("publish", "x")


def test_cli_frontier_names_the_oracle_knob(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "frontier", STALE, "--param", "oracle.nope.within")
    assert code == 3 and "oracles of spec stale-oracle: publish" in err
    code, out, err = run(capsys, "frontier", STALE, "--param", "keeper.publish.within")
    assert code == 3 and "keepers of spec stale-oracle: liquidate" in err


def test_cli_prove_and_inspect_name_the_assumption(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "prove", STALE, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    (result,) = doc["results"] if "results" in doc else [doc]
    assert "oracle.publish.within" in result["details"]["assumptions_used"]
    code, out, _ = run(capsys, "inspect", STALE)
    assert code == 0 and "publish()  oracle update, within 2 steps, once" in out
    code, out, _ = run(capsys, "inspect", STALE, "--format", "json")
    keepers = json.loads(out)["keepers"]
    assert keepers[0]["role"] == "oracle" and "role" not in keepers[1]


def test_a_keeper_made_late_then_the_oracle_rebuilt(spec: sv.Spec) -> None:
    # with_within adds liquidate's counter and lemma to a spec made by a builder; building it
    # again for another staleness makes them again (it was refused as an extension, SV804)
    both = spec.with_within("liquidate", 1).with_within("publish", 4)
    assert {d.name: d.within for d in both.keepers} == {"publish": 4, "liquidate": 1}
    assert "liquidate_late" in both.fields
    assert [d.name for d in both.lemmas].count("liquidate_late_bounded") == 1


def test_replay_says_when_the_declaration_forced_an_unchosen_update(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    trace = tmp_path / "k4.json"
    code, _, _ = run(capsys, "bmc", STALE, "--set", "publish_within=4", "--depth", 5, "-o", trace)
    assert code == 1
    # on the spec as written (within=2) the update is forced at step 3: no violation
    code, out, err = run(capsys, "replay", STALE, trace)
    assert code == 0 and "did not reproduce" in out
    assert "oracle publish ran at step 3 although the trace does not choose it" in out + err
    code, out, _ = run(capsys, "replay", STALE, trace, "--set", "publish_within=4")
    assert code == 1 and "publish ran" not in out


def test_monitor_lists_the_staleness_bound_as_not_checked(spec: sv.Spec) -> None:
    # an event stream does not say when an update was due and skipped: said, not dropped
    from solvent.monitor.core import Monitor, Options

    used = ["envelope.move.lo", "oracle.publish.within", "keeper.liquidate.every_step"]
    monitor = Monitor(spec, used, Options(distance="none", price_field="index"))
    assert any(u.startswith("oracle.publish.within (not observed") for u in monitor.rules.unchecked)
