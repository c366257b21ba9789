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
