"""Proofs for every number of accounts with a shared accumulator (issue 13, point 2).

The rule (``solvent.check.decompose_shared``, docs/prove.md "Shared accumulators") is
checked against brute force: for each variant of tests/check/specs/accumulated_fund.py the
exhaustive concrete exploration of every grid path (``tests/soundness/specgen.explore``)
on 1..4 accounts must find no violation wherever the rule proved the spec for every
number of accounts, and must find one where a variant is known to break. The library's
isolated perpetual (the fund covers deficits it reads through ``min(deficit, fund)``)
is proved for any number of accounts and checked by bmc on a fixed number.

``SOLVENT_LONG_TESTS=1`` adds the engine corpus (benchmarks/engine/perp_entry.py and
perp_quote.py with lemmas, safe and buggy, at 100 accounts; about a minute).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

import solvent as sv
from solvent import Num, PerAccount, cli, requires
from solvent.check.bmc import bmc
from solvent.check.decompose import analyse, prove_any_accounts
from solvent.check.decompose_shared import SharedRule, shared_rule
from solvent.check.induction import prove
from solvent.check.solving import fresh_context
from solvent.spec.load import load_spec

ROOT = Path(__file__).resolve().parents[2]
SPEC = Path(__file__).resolve().parent / "specs" / "accumulated_fund.py"
sys.path.insert(0, str(ROOT / "tests" / "soundness"))
from specgen import explore  # noqa: E402

LONG = os.environ.get("SOLVENT_LONG_TESTS") == "1"


def fund_spec(monkeypatch: pytest.MonkeyPatch, variant: str, accounts: int = 3) -> sv.Spec:
    monkeypatch.setenv("VARIANT", variant)
    monkeypatch.setenv("ACCOUNTS", str(accounts))
    return load_spec(str(SPEC), None)


def any_n(spec: sv.Spec) -> bool:
    result = prove_any_accounts(spec, prove, max_k=1, timeout=60)
    return result.verdict == "PASS" and result.accounts == "any"


# (variant, --set cap, proved for any N, some N in 1..4 breaks within 3 steps)
CASES = [
    ("pay", "4", True, False),
    ("pay", "5", False, None),  # breaks after more steps than the exploration takes
    ("draw", None, False, True),
    ("reads", None, False, False),
]


@pytest.mark.parametrize(("variant", "cap", "proved", "breaks"), CASES)
def test_any_n_verdict_agrees_with_brute_force_on_1_to_4_accounts(
    monkeypatch: pytest.MonkeyPatch, variant: str, cap: str | None, proved: bool, breaks: Any
) -> None:
    spec = fund_spec(monkeypatch, variant)
    if cap is not None:
        spec = spec.with_params(cap=cap)
    assert any_n(spec) is proved
    violations = {n: explore(spec.with_accounts(n), 3) for n in range(1, 5)}
    if proved:  # the soundness claim: no number of accounts has a violation
        assert not any(violations.values())
    if breaks is not None:
        assert any(violations.values()) is breaks
    if variant == "draw":  # safe on one account, broken on two: the reason any-N is refused
        assert not violations[1] and violations[2]


def test_a_drawn_fund_is_not_proved_and_the_obligation_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = fund_spec(monkeypatch, "draw", 2)
    result = prove_any_accounts(spec, prove, max_k=1, timeout=60)
    assert result.accounts == 2 and result.verdict == "FAIL"
    assert "shared field fund" in result.details["decomposition"]
    # the one-account proof searches a CTI's real path on the spec itself (safe on one
    # account), no longer on the rule's spec, whose step lemma a path there broke (FAIL)
    assert "the proof on one account gave CTI" in result.details["decomposition"]


def test_a_fund_read_in_a_way_that_matters_is_refused_with_the_reader_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = fund_spec(monkeypatch, "reads", 2)
    result = prove_any_accounts(spec, prove, max_k=1, timeout=60)
    assert result.verdict == "PASS" and result.accounts == 2  # the fixed-N proof
    why = result.details["decomposition"]
    assert why.startswith("not applied: shared field fund")
    assert "the shared-accumulator rule does not apply: action claim reads" in why


def test_perp_isolated_reads_the_fund_in_a_way_proved_not_to_matter(
    tmp_path: Path,
) -> None:
    example = ROOT / "examples" / "correct" / "perp_isolated.py"
    out = tmp_path / "r.json"
    code = cli.run(["prove", str(example), "--accounts", "100", "--no-slack", "-q", "-o", str(out)])
    doc = json.loads(out.read_text())
    assert code == 0 and doc["verdict"] == "PASS" and doc["accounts"] == "any"
    how = doc["details"]["decomposition"]
    assert "insurance never falls" in how and "bad_debt never rises" in how
    assert "keeper liquidate reads them" in how
    # an independent check on a fixed number of accounts
    spec = load_spec(str(example), None).with_accounts(2)
    assert bmc(spec, 2, timeout=120).verdict == "PASS"


def test_accounts_option_resizes_bmc(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VARIANT", "draw")
    out = tmp_path / "r.json"
    code = cli.run(["bmc", str(SPEC), "--accounts", "1", "--depth", "3", "-q", "-o", str(out)])
    assert code == 0 and json.loads(out.read_text())["accounts"] == 1
    code = cli.run(["bmc", str(SPEC), "--accounts", "2", "--depth", "3", "-q", "-o", str(out)])
    assert code == 1 and json.loads(out.read_text())["accounts"] == 2
    code = cli.run(["bmc", str(SPEC), "--accounts", "0", "-q"])
    assert code == 3
    # [tool.solvent.bmc] accounts = 2 (the flag still wins)
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname = 'x'\n\n[tool.solvent.bmc]\naccounts = 2\n"
    )
    monkeypatch.chdir(tmp_path)
    code = cli.run(["bmc", str(SPEC), "--depth", "3", "-q", "-o", str(out)])
    assert code == 1 and json.loads(out.read_text())["accounts"] == 2
    code = cli.run(["bmc", str(SPEC), "--accounts", "1", "--depth", "3", "-q", "-o", str(out)])
    assert code == 0 and json.loads(out.read_text())["accounts"] == 1


# ----------------------------------------------------------------------- refusals
def _fund_spec(
    invariant: str = "fund >= 0", tick_writes: bool = False, two_readers: bool = False
) -> sv.Spec:
    spec = sv.Spec("fund", accounts=2)

    @spec.state
    class State:
        fund: Num = Num("5")
        bal: PerAccount[Num] = Num("0")

    @spec.envelope
    class Market:
        move: Num = sv.within("0", "1")

    if tick_writes:

        @spec.tick
        def mark(s, m):
            s.fund = s.fund + m.move

    @spec.action(x=sv.within("0", "1"))
    def deposit(s, p, a, x):
        s.bal[a] = s.bal[a] + x
        s.fund = s.fund + x

    if two_readers:

        @spec.action(x=sv.within("0", "1"))
        def take(s, p, a, x):
            requires(s.fund >= 1)
            s.bal[a] = s.bal[a] + x

        @spec.keeper(every_step=True)
        def look(s, p, a):
            requires(s.fund >= 2)
            s.bal[a] = s.bal[a] + 0

    if invariant == "fund >= 0":

        @spec.invariant
        def fund_ok(s):
            return s.fund >= 0

    elif invariant == "band":

        @spec.invariant
        def fund_band(s):
            return (s.fund >= 0) & (s.fund <= 100)

    else:

        @spec.lemma
        def covers(s, p, a):
            return s.fund >= s.bal[a]

    return spec


def _refusal(spec: sv.Spec) -> str | SharedRule:
    why, accumulators, _ = analyse(spec)
    assert why is None and accumulators == ["fund"]
    with fresh_context():
        return shared_rule(spec, accumulators)


def test_a_pure_accumulator_is_accepted() -> None:
    rule = _refusal(_fund_spec())
    assert isinstance(rule, SharedRule) and rule.directions == {"fund": 1}
    assert rule.reader is None


def test_a_band_asks_the_accumulator_never_to_move() -> None:
    # monotone in neither direction: the rule holds only if no account's step moves fund
    band = _refusal(_fund_spec("band"))
    assert isinstance(band, SharedRule) and band.directions == {"fund": 0}
    assert band.needs() == (
        "; invariant fund_band is not monotone in fund, so the rule needs an account's "
        "step never to change fund"
    )
    assert [d.name for d in band.spec.lemmas] == ["fund_never_changes_in_a_step"]


def test_refusals_name_the_property_or_the_body() -> None:
    mixed = _refusal(_fund_spec("covers"))
    assert isinstance(mixed, str) and mixed.startswith("lemma covers relates a shared")
    assert _refusal(_fund_spec(tick_writes=True)) == (
        "tick mark writes the shared accumulator fund"
    )
    two = _refusal(_fund_spec(two_readers=True))
    assert two == (
        "keeper look and action take each read a shared accumulator; at most one action or "
        "keeper may"
    )


# CI proves the safe entry-style spec at 100 accounts; SOLVENT_LONG_TESTS=1 adds the quote
# style and the buggy variants (not collected otherwise: nothing is skipped)
CORPUS_CELLS = [
    (style, mm, safe)
    for style in ("perp_entry", "perp_quote")
    for mm, safe in (("0.08", True), ("0.05", False))
    if LONG or (style, safe) == ("perp_entry", True)
]


@pytest.mark.parametrize(("style", "mm", "safe"), CORPUS_CELLS)
def test_engine_corpus_at_100_accounts(
    monkeypatch: pytest.MonkeyPatch, style: str, mm: str, safe: bool
) -> None:
    monkeypatch.setenv("ACCOUNTS", "100")
    monkeypatch.setenv("LEMMAS", "1")
    monkeypatch.setenv("MM", mm)
    spec = load_spec(str(ROOT / "benchmarks" / "engine" / f"{style}.py"), None)
    if safe:
        result = prove_any_accounts(spec, prove, max_k=3, timeout=300)
        assert result.verdict == "PASS" and result.accounts == "any"
    else:  # never proved for every number of accounts; the 2-account spec breaks
        result = prove_any_accounts(spec.with_accounts(2), prove, max_k=2, timeout=300)
        assert result.accounts == 2 and result.verdict != "PASS"


def test_a_cti_on_coupled_accounts_says_why_any_n_did_not_apply() -> None:
    import io

    from rich.console import Console

    from solvent.report import text

    result = prove_any_accounts(_fund_spec("band"), prove, max_k=1, timeout=60)
    assert result.verdict == "CTI" and result.accounts == 2
    buffer = io.StringIO()
    text.render_result(Console(file=buffer, width=400), result)
    lines = [x for x in buffer.getvalue().splitlines() if "for every number of accounts:" in x]
    assert len(lines) == 1, buffer.getvalue()
    assert lines[0].startswith("  not proved for every number of accounts: shared field fund ")
    # deposits move the fund: the one-account proof that no step does fails (a CTI: its
    # search for a real path runs on the spec itself, where no path breaks fund_band)
    assert lines[0].endswith(
        "invariant fund_band is not monotone in fund, so the rule needs an account's step "
        "never to change fund; the proof on one account gave CTI"
    )


def test_the_plan_reads_no_source_unless_a_message_shows_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # reading the functions' source costs 2.5-4.7 ms of CPU: the plan names the
    # accumulator's writers only when a message shows them (round 23 of
    # benchmarks/results/engine.md)
    import inspect

    from solvent.check.decompose import plan

    spec = fund_spec(monkeypatch, "pay")
    real_getsource = inspect.getsource

    def unread(obj: Any) -> str:
        raise AssertionError(f"read the source of {obj}")

    monkeypatch.setattr(inspect, "getsource", unread)
    p = plan(spec)
    assert isinstance(p.rule, SharedRule) and p.accumulators == ["fund"]
    monkeypatch.setattr(inspect, "getsource", real_getsource)
    assert p.shared_why == analyse(spec)[2]
    assert p.shared_why is not None and p.shared_why.startswith("shared field fund ")
