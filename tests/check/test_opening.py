"""The opening of a bmc (vacuity, depth 0) beside the first attempt's process (round 20).

With ``--jobs 2`` the first attempt's process starts before the opening's checks and works
on the other core (``check/opening.py``); the report is the one of the checks in turn
(``--jobs 1``), and when the opening answers or raises, the started process is stopped.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from solvent.check import opening, portfolio
from solvent.check.first_attempt import Child
from solvent.check.results import FAIL, UNKNOWN, CheckResult
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
    monkeypatch.setattr(portfolio, "first_attempt", first_attempt)
    return events, children


def _doc(result: CheckResult) -> str:
    assert result.counterexample is not None
    return json.dumps(result.counterexample.to_json(), sort_keys=True)


def test_the_attempt_starts_before_the_opening_with_two_jobs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = entry(monkeypatch, 1)
    counting_races(monkeypatch)
    events, children = _watch(monkeypatch)
    two = portfolio.portfolio_bmc(spec, 3, jobs=2, timeout=120)
    assert events == ["started", "prefix", "attempt of the started"]
    assert not children[0].proc.is_alive()
    events.clear()
    one = portfolio.portfolio_bmc(spec, 3, jobs=1, timeout=120)
    assert events == ["prefix", "attempt"]  # --jobs 1: one process works at a time
    assert (two.verdict, two.depth, two.message) == (one.verdict, one.depth, one.message)
    assert two.verdict == FAIL and _doc(two) == _doc(one)
    assert two.details["portfolio"]["winner"] == one.details["portfolio"]["winner"]


def test_an_opening_that_answers_stops_the_started_attempt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = entry(monkeypatch, 1)
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
    spec: Spec = entry(monkeypatch, 1)
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
