"""Input limits: the size of what solvent accepts from a user's files and streams.

Every number, line and JSON document a user types or streams is bounded, so no input can
make solvent hang or crash; what exceeds a limit is refused (a trace, a result file, a
history CSV: exit 3) or quarantined (a monitor event: the stream goes on). Each limit has a
documented default and an environment variable that raises it (docs/limits.md):

============================  =====================  ==========
limit                         environment variable   default
============================  =====================  ==========
digits of a number            SOLVENT_MAX_DIGITS     1000
bytes of a monitor line       SOLVENT_MAX_LINE       1048576
nesting depth of JSON         SOLVENT_MAX_DEPTH      64
paths x steps x accounts      SOLVENT_MAX_WORK       10**12
paths of one stress run       SOLVENT_MAX_PATHS      10**9
============================  =====================  ==========

"Digits of a number" bounds both the significant digits and the power of ten: ``1e999999``
and a 5,000-digit price are refused, ``1e-400`` and ``123.456`` are not.

The environment is read once per process, at a limit's first use (the monitor asks for
them on every line); a program that changes ``os.environ`` afterwards, a test for one,
calls :func:`reload` so the next use reads it again. Each command line
(``solvent.cli.core.run``) starts with a :func:`reload`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from solvent.errors import UsageError


@dataclass(frozen=True, slots=True)
class Limit:
    """One documented limit: its name, environment variable and default."""

    what: str
    env: str
    default: int

    def value(self) -> int:
        """The limit in force (the environment variable, else the default), read from the
        environment at the first call after start-up or :func:`reload`."""
        value = _IN_FORCE.get(self.env)
        if value is None:
            value = _IN_FORCE[self.env] = self.read()
        return value

    def read(self) -> int:
        """The limit the environment sets now (UsageError when it is not a positive integer)."""
        raw = os.environ.get(self.env, "").strip().replace("_", "")
        if not raw:
            return self.default
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if value < 1:
            raise UsageError(
                f"environment variable {self.env}={os.environ[self.env]!r} must be a "
                f"positive integer ({self.what}; default {self.default})"
            )
        return value

    def how_to_raise(self) -> str:
        return f"the limit is {self.value():,} ({self.what}); raise it with {self.env}=N"


#: the limits read so far, by environment variable (see :func:`reload`)
_IN_FORCE: dict[str, int] = {}


def reload() -> None:
    """Forget the limits read so far: the next use of each reads the environment again."""
    _IN_FORCE.clear()


MAX_DIGITS = Limit("digits of a number", "SOLVENT_MAX_DIGITS", 1000)
MAX_LINE = Limit("bytes of a monitor event line", "SOLVENT_MAX_LINE", 1 << 20)
MAX_DEPTH = Limit("nesting depth of a JSON document", "SOLVENT_MAX_DEPTH", 64)
MAX_WORK = Limit("paths x steps x accounts of one stress run", "SOLVENT_MAX_WORK", 10**12)
MAX_PATHS = Limit("paths of one stress run", "SOLVENT_MAX_PATHS", 10**9)

LIMITS = (MAX_DIGITS, MAX_LINE, MAX_DEPTH, MAX_WORK, MAX_PATHS)

#: the compiled stress kernel's best measured speed, account-steps per CPU second
#: (benchmarks/results/stress.md): the estimate a refused run is given
KERNEL_RATE = 4e8


def work_problem(paths: int, steps: int, accounts: int) -> str | None:
    """Why a stress run is too large to finish (None when within MAX_WORK and MAX_PATHS)."""
    work = paths * steps * accounts
    if work > MAX_WORK.value():
        hours = work / KERNEL_RATE / 3600
        return (
            f"{paths:,} paths x {steps:,} steps x {accounts:,} accounts = {work:.3g} "
            f"account-steps would take at least {hours:,.1f} CPU hours at the compiled "
            f"kernel's best speed ({KERNEL_RATE:.0e} account-steps per CPU second); "
            + MAX_WORK.how_to_raise()
        )
    if paths > MAX_PATHS.value():
        return (
            f"{paths:,} paths: each block of paths keeps a summary in memory until the run "
            "ends; " + MAX_PATHS.how_to_raise()
        )
    return None


class LimitExceeded(ValueError):
    """An input is beyond a documented limit; the message names the limit and its knob."""


def number_problem(value: Decimal | str) -> str | None:
    """Why a number is too large to accept (None when it is within MAX_DIGITS)."""
    if isinstance(value, str):
        limit = MAX_DIGITS.value()
        text = value.strip()
        if len(text) <= 40 and "e" not in text.lower():
            return None  # the common case: short plain decimals
        if len(text) > 4 * limit + 40:
            return f"a number of {len(text):,} characters is too long; " + MAX_DIGITS.how_to_raise()
        try:
            value = Decimal(text.replace("_", ""))
        except (InvalidOperation, ValueError):
            return None  # not a number: the caller says so
    if not value.is_finite() or not value:
        return None
    limit = MAX_DIGITS.value()
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    if len(digits) > limit:
        return f"a number with {len(digits):,} digits is too long; " + MAX_DIGITS.how_to_raise()
    # the digits it takes written out: its integer part, or its leading zeros after the point
    written = max(len(digits) + exponent, -exponent)
    if written > limit:
        return (
            f"a number of magnitude 1e{value.adjusted()} needs {written:,} digits written out; "
            + MAX_DIGITS.how_to_raise()
        )
    return None


def check_number(value: Decimal | str, what: str) -> None:
    """Raise :class:`LimitExceeded` naming ``what`` when the number is beyond MAX_DIGITS."""
    problem = number_problem(value)
    if problem is not None:
        raise LimitExceeded(f"{what}: {problem}")


_BRACKETS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def json_depth_problem(text: str | bytes) -> str | None:
    """Why a JSON text is nested too deep to parse (None when within MAX_DEPTH).

    Scans without recursion, skipping strings; a text with fewer brackets than the limit
    is accepted at once.
    """
    limit = MAX_DEPTH.value()
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return None
    depth = 0
    for match in _BRACKETS.finditer(raw):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return f"JSON nested more than {limit} deep; " + MAX_DEPTH.how_to_raise()
        elif token in (b"]", b"}"):
            depth -= 1
    return None


def line_problem(line: bytes | str) -> str | None:
    """Why a monitor line is too long (None when within MAX_LINE)."""
    limit = MAX_LINE.value()
    if len(line) > limit:
        return f"a line of {len(line):,} bytes is too long; " + MAX_LINE.how_to_raise()
    return None
