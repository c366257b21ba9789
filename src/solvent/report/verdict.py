"""The verdict line's words, without Rich: what ``solvent bmc -q`` prints into a pipe.

:func:`solvent.report.text.verdict_line` styles the same two parts for a terminal. A
quiet check whose standard output is not a terminal prints the line from here, so its
command line never imports Rich (0.05-0.09 s of CPU a process, round 17 of
``benchmarks/results/engine.md``); the bytes are Rich's own (``tests/cli/test_startup.py``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TextIO

from solvent.check.results import CheckResult


def verdict_parts(result: CheckResult, properties: Sequence[str] = ()) -> tuple[str, str]:
    """``[VERDICT]`` and `` subject  check bound  seconds  message``."""
    subject = result.invariant or ", ".join(properties) or result.spec
    took = f"{result.seconds:.1f}s"
    slack = result.details.get("slack_seconds")
    if slack is not None:  # the whole wall time, and the slack search's share of it
        took += f" (slack search {slack:.1f}s)"
    return (
        f"[{result.verdict:<4}]",
        f" {subject}  {result.check} {result.bound}  {took}  {result.message}",
    )


def plain_line(result: CheckResult, properties: Sequence[str], stream: TextIO) -> str | None:
    """The verdict line as Rich would write it to ``stream``, or None when Rich could differ.

    Rich writes plain text (no styles, no wrapping for a soft-wrapped line) to a stream that
    is not a terminal unless ``FORCE_COLOR`` or ``TTY_COMPATIBLE`` says otherwise; it drops
    control characters and expands tabs, so a line holding any is left to Rich.
    """
    if os.environ.get("FORCE_COLOR") is not None or os.environ.get("TTY_COMPATIBLE"):
        return None
    isatty = getattr(stream, "isatty", None)
    try:
        if isatty is None or isatty():
            return None
    except ValueError:
        return None
    line = "".join(verdict_parts(result, properties))
    return f"{line}\n" if line.isprintable() else None
