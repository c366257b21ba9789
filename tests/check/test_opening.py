"""The opening of a bmc (vacuity, depth 0) and the first attempt's process (rounds 20, 22).

Up to 3 accounts the attempt is the ``incremental`` unrolling of the whole spec, which asks
the opening's two checks first: the opening waits for its answer and is asked only when
the attempt did not clear them (round 22; ``check/opening.py``). Otherwise, with ``--jobs
2``, the first attempt's process starts before the opening's checks and works on the other
core. Either way the report is the one of the checks in turn, the same with ``--jobs 1``
and ``--jobs 2``, and when the opening answers or raises, the started process is stopped.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import solvent as sv
from solvent import Num, PerAccount
from solvent.check import opening, portfolio
from solvent.check.first_attempt import Child
from solvent.check.members import Answer
from solvent.check.results import FAIL, PASS, UNKNOWN, VACUOUS, CheckResult
from solvent.errors import SpecError
from solvent.spec.spec import Spec
from tests.check.test_first_attempt import counting_races, entry


def _watch(monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[Child]]:
    """What happened, in order ("started", "prefix", "attempt"), and the started children."""
    events: list[str] = []
    children: list[Child] = []
    plain_start, plain_prefix = opening.start_first, opening.prefix
    plain_attempt = portfolio.first_attempt

    def start_first(*args: Any, **kwargs: Any) -> Child | None:
        child = plain_start(*args, **kwargs)
        if child is not None:
            events.append("started")
            children.append(child)
        return child

    def prefix(*args: Any, **kwargs: Any) -> CheckResult | None:
        events.append("prefix")
        return plain_prefix(*args, **kwargs)

    def first_attempt(*args: Any, **kwargs: Any) -> Any:
        events.append("attempt" if kwargs.get("started") is None else "attempt of the started")
        return plain_attempt(*args, **kwargs)

    monkeypatch.setattr(opening, "start_first", start_first)
    monkeypatch.setattr(opening, "prefix", prefix)
    monkeypatch.setattr(portfolio, "prefix", prefix)
    monkeypatch.setattr(portfolio, "first_attempt", first_attempt)
    return events, children


def _doc(result: CheckResult) -> str:
    assert result.counterexample is not None
    return json.dumps(result.counterexample.to_json(), sort_keys=True)


def _asked_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """The opening asked before the attempt's answer counts, as before round 22 (the
    independent computation the skipped opening is checked against)."""
    monkeypatch.setattr(
        portfolio,
        "after_attempt",
        lambda *args: opening.prefix(*args[:6]),  # never skipped
    )


def test_an_attempt_that_cleared_depth_0_answers_without_the_opening(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = entry(monkeypatch, 1)
    counting_races(monkeypatch)
    events, children = _watch(monkeypatch)
    two = portfolio.portfolio_bmc(spec, 3, jobs=2, timeout=120)
    assert events == ["started", "attempt of the started"]  # the opening was not asked
    assert not children[0].proc.is_alive()
    events.clear()
    one = portfolio.portfolio_bmc(spec, 3, jobs=1, timeout=120)
    assert events == ["attempt"]  # --jobs 1: one process works at a time
    assert (two.verdict, two.depth, two.message) == (one.verdict, one.depth, one.message)
    assert two.verdict == FAIL and _doc(two) == _doc(one)
    assert two.details["portfolio"]["winner"] == one.details["portfolio"]["winner"]
    events.clear()
    _asked_first(monkeypatch)
    asked = portfolio.portfolio_bmc(spec, 3, jobs=2, timeout=120)
    assert events == ["started", "attempt of the started", "prefix"]
    assert (asked.verdict, asked.depth, asked.message) == (one.verdict, one.depth, one.message)
    assert _doc(asked) == _doc(one)


def test_a_safe_spec_passes_without_the_opening(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = entry(monkeypatch, 1, "0.08")
    counting_races(monkeypatch)
    events, _children = _watch(monkeypatch)
    got = portfolio.portfolio_bmc(spec, 2, jobs=2, timeout=120)
    assert events == ["started", "attempt of the started"]
    _asked_first(monkeypatch)
    asked = portfolio.portfolio_bmc(spec, 2, jobs=2, timeout=120)
    assert got.verdict == asked.verdict == PASS and got.message == asked.message


def _tiny(vacuous: bool) -> Spec:
    """One balance in [0, 10]: with ``vacuous`` an initial condition no state meets (the
    opening's VACUOUS), else an invariant the initial state may break (depth 0)."""
    spec = sv.Spec("tiny", accounts=1)

    @spec.state
    class State:
        bal: PerAccount[Num] = sv.within("0", "10")

    @spec.envelope
    class Market:
        move: Num = sv.within("0", "0")

    @spec.action(amount=sv.within("0", "1"))
    def deposit(s, p, a, amount):  # type: ignore[no-untyped-def]
        s.bal[a] = s.bal[a] + amount

    if vacuous:

        @spec.initial
        def impossible(s, p, a):  # type: ignore[no-untyped-def]
            return s.bal[a] > 20

    @spec.invariant
    def enough(s, p, a):  # type: ignore[no-untyped-def]
        return s.bal[a] >= (0 if vacuous else 5)

    return spec


@pytest.mark.parametrize("vacuous", [True, False])
def test_the_opening_answers_after_an_attempt_that_did_not_clear_depth_0(
    monkeypatch: pytest.MonkeyPatch, vacuous: bool
) -> None:
    events, _children = _watch(monkeypatch)
    answers: list[Answer | None] = []
    plain_after = opening.after_attempt

    def after_attempt(*args: Any) -> CheckResult | None:
        answers.append(args[-1])
        return plain_after(*args)

    monkeypatch.setattr(portfolio, "after_attempt", after_attempt)
    got = {j: portfolio.portfolio_bmc(_tiny(vacuous), 3, jobs=j, timeout=120) for j in (1, 2)}
    assert [a is not None and a.opened for a in answers] == [False, False]
    assert events == ["attempt", "prefix", "started", "attempt of the started", "prefix"]
    for result in got.values():
        if vacuous:
            assert result.verdict == VACUOUS and "initial state is unsatisfiable" in result.message
        else:
            assert result.verdict == FAIL and result.depth == 0
    assert got[1].message == got[2].message
    if not vacuous:
        assert _doc(got[1]) == _doc(got[2])
        assert got[1].counterexample is not None and not got[1].counterexample.steps


def test_an_opening_that_answers_stops_the_started_attempt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # more than 3 accounts: the ``few`` member's attempt, started beside the opening
    spec = entry(monkeypatch, 4)
    events, children = _watch(monkeypatch)
    answered = CheckResult("bmc", spec.name, UNKNOWN, "depth 0/3", 0.0, 1, message="test")

    def prefix(*args: Any, **kwargs: Any) -> CheckResult:
        events.append("prefix")
        return answered

    monkeypatch.setattr(opening, "prefix", prefix)
    got = portfolio.portfolio_bmc(spec, 3, jobs=2, timeout=120)
    assert got is answered
    assert events == ["started", "prefix"]  # no attempt asked for its answer
    assert not children[0].proc.is_alive() and children[0].proc.exitcode is not None


def test_an_opening_that_raises_stops_the_started_attempt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec: Spec = entry(monkeypatch, 4)
    _events, children = _watch(monkeypatch)

    def prefix(*args: Any, **kwargs: Any) -> None:
        raise SpecError("the spec cannot be traced (test)")

    monkeypatch.setattr(opening, "prefix", prefix)
    with pytest.raises(SpecError, match="cannot be traced"):
        portfolio.portfolio_bmc(spec, 3, jobs=2, timeout=120)
    assert len(children) == 1 and not children[0].proc.is_alive()


def test_no_attempt_starts_beside_a_depth_0_question(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = entry(monkeypatch, 1)
    events, children = _watch(monkeypatch)
    got = portfolio.portfolio_bmc(spec, 0, jobs=2, timeout=120)
    assert got.depth == 0 and events == ["prefix"] and children == []


@pytest.mark.parametrize("opens", [False, True])
def test_an_attempt_that_raises_gives_the_opening_its_turn_first(
    monkeypatch: pytest.MonkeyPatch, opens: bool
) -> None:
    spec = entry(monkeypatch, 1)
    events, _children = _watch(monkeypatch)
    answered = CheckResult("bmc", spec.name, VACUOUS, "depth 0", 0.0, 1, message="test")

    def first_attempt(*args: Any, **kwargs: Any) -> Any:
        events.append("attempt")
        raise SpecError("the spec cannot be traced (test)")

    def prefix(*args: Any, **kwargs: Any) -> CheckResult | None:
        events.append("prefix")
        return answered if opens else None

    monkeypatch.setattr(portfolio, "first_attempt", first_attempt)
    monkeypatch.setattr(portfolio, "prefix", prefix)
    if opens:  # the opening's verdict came first before round 22: it still does
        assert portfolio.portfolio_bmc(spec, 3, jobs=1, timeout=120) is answered
    else:
        with pytest.raises(SpecError, match="cannot be traced"):
            portfolio.portfolio_bmc(spec, 3, jobs=1, timeout=120)
    assert events == ["attempt", "prefix"]


def test_an_attempt_that_gave_up_after_depth_0_skips_the_opening(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = entry(monkeypatch, 1)
    events, _children = _watch(monkeypatch)
    gave_up = Answer("incremental", UNKNOWN, depth=2, note="test", opened=True)
    monkeypatch.setattr(portfolio, "first_attempt", lambda *a, **k: gave_up)
    monkeypatch.setattr(portfolio, "race", lambda *a, **k: (None, []))
    got = portfolio.portfolio_bmc(spec, 3, jobs=1, timeout=120)
    assert got.verdict == UNKNOWN and got.depth == 2 and events == []
    monkeypatch.setattr(portfolio, "first_attempt", lambda *a, **k: Answer("x", UNKNOWN, depth=2))
    got = portfolio.portfolio_bmc(spec, 3, jobs=1, timeout=120)
    assert got.verdict == UNKNOWN and events == ["prefix"]  # not cleared: asked
