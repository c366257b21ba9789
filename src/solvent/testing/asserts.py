"""Assertions for a protocol's own test suite, and a Hypothesis strategy of traces.

    from solvent.testing import assert_proved, assert_no_counterexample

    def test_margins_hold():
        assert_proved("specs/perp.py", params={"maintenance_margin": "0.05"})

Each assertion runs the verb through the public API (:mod:`solvent.api`) and fails with
the verdict line and, for a violation, the invariant and the step it breaks at. Every
result is also handed to the pytest plugin, which collects them into one HTML report
with ``pytest --solvent-report PATH``.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

from solvent import api
from solvent.api.results import Result

#: the results of this session, in order (the pytest plugin's --solvent-report reads them)
COLLECTED: list[Result] = []
_listeners: list[Callable[[Result], None]] = []


def record(result: Result) -> Result:
    """Hand an API result to the pytest plugin's ``--solvent-report`` (returns it)."""
    COLLECTED.append(result)
    for listen in _listeners:
        listen(result)
    return result


def _fail(what: str, result: Result) -> None:
    raise AssertionError(f"{what}: {result.verdict} (exit {result.exit_code}): {result.message}")


def assert_proved(spec: Any, **options: Any) -> Result:
    """Assert that ``solvent prove`` proves the spec (PASS; CTI/UNKNOWN/VACUOUS fail).

    ``options`` as for :func:`solvent.prove` (``k``, ``max_k``, ``params``, ``timeout``...);
    slack is off unless ``slack=True``.
    """
    options.setdefault("slack", False)
    result = record(api.prove(spec, **options))
    if result.verdict != "PASS":
        _fail("not proved", result)
    return result


def assert_no_counterexample(spec: Any, depth: int = 3, **options: Any) -> Result:
    """Assert that bmc finds no violation within ``depth`` steps (a bounded claim)."""
    result = record(api.bmc(spec, depth=depth, **options))
    if result.verdict != "PASS":
        _fail(f"bmc to depth {depth} did not pass", result)
    return result


def assert_replays(spec: Any, trace: Any, *, violates: str | None = None, **options: Any) -> Result:
    """Replay ``trace`` exactly. Without ``violates``: assert no invariant breaks; with
    ``violates="NAME"``: assert that invariant breaks (a regression test of a known bug)."""
    result = record(api.replay(spec, trace, **options))
    broken = sorted(
        {
            label.split("[")[0]
            for step in (result.doc.get("replay") or {}).get("steps") or []
            for label in step.get("failures") or []
        }
    )
    if violates is None and broken:
        _fail(f"the trace breaks {', '.join(broken)}", result)
    if violates is not None and violates not in broken:
        _fail(f"the trace no longer breaks {violates} (broken: {broken or 'none'})", result)
    return result


def assert_stress(spec: Any, scenario: str, *, max_p: float = 0.0, **options: Any) -> Result:
    """Assert a stress run's P(insolvency) is at most ``max_p``.

    The estimate compared is the upper one: lanes confirmed by exact replay, plus the
    flagged lanes left unchecked (``confirm=N`` or the time budget), so an unchecked lane
    never lets the assertion pass; ``options`` as for :func:`solvent.stress`
    (``paths``, ``steps``, ``seed``, ``scenario_options``...).
    """
    result = record(api.stress(spec, scenario, **options))
    p = (result.doc.get("metrics") or {}).get("p_insolvency") or {}
    if "upper_estimate" not in p:
        _fail("the stress run reports no P(insolvency)", result)
    upper = float(p["upper_estimate"])
    if upper > max_p:
        raise AssertionError(
            f"P(insolvency) {upper:.4g} > {max_p} on {scenario} (confirmed: "
            f"{float(p['estimate']):.4g}): {result.message}"
        )
    return result


def traces(spec: Any, *, max_steps: int = 4, min_steps: int = 1) -> Any:
    """A Hypothesis strategy of traces of ``spec`` that respect its envelope: every market
    draw of every step lies in its ``within(lo, hi)`` bound, and the initial state is the
    spec's own (a ``within`` start drawn inside its interval). Steps take no user action;
    the keepers do what the spec says. Replaying a drawn trace (:func:`assert_replays`)
    checks the invariants along it.
    """
    from hypothesis import strategies as st

    from solvent.engine.start import start
    from solvent.engine.trace import Trace, TraceStep
    from solvent.lang.domains import AnyBool, Within

    loaded = api.load(spec)

    def value(entry: Any) -> Any:
        if isinstance(entry, AnyBool):
            return st.booleans()
        if isinstance(entry, Within):
            lo, hi = Fraction(entry.lo), Fraction(entry.hi)
            inside = st.fractions(min_value=lo, max_value=hi, max_denominator=1000)
            return inside | st.sampled_from([lo, hi])  # the corners are where bugs live
        return st.just(entry)

    per_account = {name for name, fd in loaded.fields.items() if fd.per_account}
    init = st.fixed_dictionaries(
        {
            name: st.tuples(*map(value, entries)) if name in per_account else value(entries[0])
            for name, entries in start(loaded).items()
        }
    )
    market = st.fixed_dictionaries({name: value(b) for name, b in loaded.bounds.items()})
    steps = st.lists(st.builds(TraceStep, market), min_size=min_steps, max_size=max_steps)

    def trace(begin: dict[str, Any], path: list[TraceStep]) -> Trace:
        return Trace(spec=loaded.name, accounts=loaded.accounts, init=begin, steps=tuple(path))

    return st.builds(trace, init, steps)


def spec_path(test_file: str | Path, relative: str) -> str:
    """``relative`` resolved against the folder of ``test_file`` (use ``__file__``)."""
    return str((Path(test_file).resolve().parent / relative).resolve())
