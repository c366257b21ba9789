"""Results of checks: plain records that reporters render (checks never print)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from solvent.engine.trace import Trace

# Verdicts, with the exit code each maps to (docs/verbs.md, "Verdicts and exit codes").
PASS = "PASS"  # proved / no violation within the stated bound
FAIL = "FAIL"  # violation with a replay-confirmed counterexample
CTI = "CTI"  # induction step failed from a state that may be unreachable
UNKNOWN = "UNKNOWN"  # solver gave up, timeout, interrupted
VACUOUS = "VACUOUS"  # envelope/initial state unsatisfiable or a witness unreachable

EXIT_OF = {PASS: 0, FAIL: 1, CTI: 2, UNKNOWN: 2, VACUOUS: 2}


@dataclass(frozen=True)
class RanOut:
    """A check's budget ran out: the seconds the check that ran out was given (``given``,
    all of the budget or the share left to it), the phase it was in and how long it had run.

    The check that runs out puts it on its result (``CheckResult.ran_out``) with its
    :attr:`words` in the message; a caller that gave it a share of a larger budget says the
    timeout as its own (``verdicts.own_timeout``), and the command renders it once in the
    words of the user's budget (``api/startup.counted``, :meth:`named`).
    """

    given: float
    phase: str = ""
    elapsed: float = 0.0

    @property
    def words(self) -> str:
        """How the message of a check called without a user's budget says it."""
        return f"solver timeout after {self.given:g}s"

    def named(self, budget_words: str, budget: float) -> str:
        """The words of the user's ``budget`` (``budget_words``: "the 120s budget
        (--timeout)"), the phase that ran out and, when the check that ran out had only
        part of the budget (what was left after the process's start, the one-account proof,
        ...), that part (``tests/check/test_budget_named.py``)."""
        said = f"solver timeout: {budget_words} ran out"
        if self.phase:
            said += f" during {self.phase}"
        if self.given < 0.05:
            said += " (nothing of it was left for the check that ran out)"
        elif self.given < budget - 0.05:
            said += f" (the check that ran out had {self.given:.1f}s of it)"
        return said


@dataclass(slots=True)
class CheckResult:
    """One verdict of one check on one spec.

    ``bound`` states what the verdict covers, e.g. "depth 5/5" or "k=1, every path length".
    """

    check: str  # "bmc" | "prove" | "lint" | "replay"
    spec: str
    verdict: str
    bound: str
    seconds: float
    accounts: int
    invariant: str | None = None  # the violated (or CTI) invariant, if any
    message: str = ""
    counterexample: Trace | None = None
    cti_state: dict[str, Any] | None = None
    depth: int | None = None  # depth of the counterexample / bound reached
    k: int | None = None
    details: dict[str, Any] = field(default_factory=dict)
    ran_out: RanOut | None = None  # the budget ran out: its words are in ``message``

    @property
    def exit_code(self) -> int:
        return EXIT_OF[self.verdict]

    def coupling(self) -> str | None:
        """What couples the accounts, when an inconclusive prove could not decompose."""
        why = str(self.details.get("decomposition", ""))
        reason = why.removeprefix("not applied: ")
        if self.verdict not in (CTI, UNKNOWN) or reason == why:
            return None
        return None if reason.startswith("the proof on one account") else reason
