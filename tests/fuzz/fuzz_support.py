"""Shared machinery of the fuzz tests: Hypothesis profiles and the property every run keeps.

Profiles (``SOLVENT_FUZZ``): ``ci`` (the default: few, derandomized examples, the whole
directory in well under 90 s) and ``long`` (``SOLVENT_FUZZ=long python -m pytest
tests/fuzz``; figures in ``benchmarks/results/fuzz.md``). ``SOLVENT_FUZZ_EXAMPLES=N``
overrides the number of examples of every test.

The property: ``solvent`` ends with exit 0 to 3 and, for 3, an error message; never exit
4, never a traceback, never a hang (each input has a time bound, enforced by SIGALRM).
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings

from solvent import cli

ROOT = Path(__file__).resolve().parents[2]
GAP_RISK = ROOT / "examples" / "bugs_detected" / "perp_gap_risk.py"
SAFE_PERP = ROOT / "examples" / "correct" / "perp_isolated.py"
COUNTER = ROOT / "tests" / "cli" / "specs" / "counter.py"

_COMMON = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
}
settings.register_profile("ci", max_examples=12, derandomize=True, **_COMMON)
settings.register_profile("long", max_examples=400, derandomize=False, **_COMMON)
PROFILE = os.environ.get("SOLVENT_FUZZ", "ci")
settings.load_profile(PROFILE)


def examples(ci: int) -> Any:
    """Settings of one test: ``ci`` examples in CI, the profile's (or the override) else."""
    override = os.environ.get("SOLVENT_FUZZ_EXAMPLES")
    if override:
        return settings(max_examples=int(override))
    if PROFILE == "ci":
        return settings(max_examples=ci)
    return settings()


#: inputs tried by every test of this session (a summary for benchmarks/results/fuzz.md)
TRIED: dict[str, int] = {}


class Hang(Exception):
    """An input ran beyond its time bound."""


@contextlib.contextmanager
def time_bound(seconds: float) -> Iterator[None]:
    def alarm(_signum: int, _frame: Any) -> None:
        raise Hang(f"no answer within {seconds} s")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@dataclass
class Outcome:
    code: int
    out: str
    err: str
    seconds: float


def solvent(argv: Sequence[Any], *, bound: float = 60.0, tag: str = "cli") -> Outcome:
    """Run the command line in this process; assert the fuzz property; return the outcome."""
    TRIED[tag] = TRIED.get(tag, 0) + 1
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), time_bound(bound):
        code = cli.run([str(a) for a in argv])
    done = Outcome(code, out.getvalue(), err.getvalue(), time.perf_counter() - start)
    assert_clean(done, argv)
    return done


def assert_clean(done: Outcome, argv: Sequence[Any]) -> None:
    shown = f"solvent {' '.join(str(a)[:80] for a in argv)}\n{done.err[-3000:]}"
    assert done.code in (0, 1, 2, 3), f"exit {done.code}: {shown}"
    assert "Traceback" not in done.out + done.err, shown
    assert "solvent bug" not in done.err, shown
    if done.code == 3:
        first = done.err.lstrip().splitlines()[0] if done.err.strip() else ""
        # solvent's own errors, or the argument parser's (Usage: ... Error: ...)
        assert first.startswith(("error: ", "Usage: ")) or "Error:" in done.err, shown
