"""CPU time by phase of one solvent command run in this process (``phases.py``,
``prove_profile.py``): functions wrapped where solvent's modules imported them, each
phase counted once where they nest, and the check's watchdog run in process."""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Sequence
from typing import Any


class PhaseTimer:
    """``spent[label]``: CPU seconds in the functions wrapped under ``label``, less the
    time of other phases they called (a label re-entered is counted once)."""

    def __init__(self, phases: Sequence[str]) -> None:
        self.spent: dict[str, float] = dict.fromkeys(phases, 0.0)
        self.active: list[str] = []

    def timed(self, label: str, fn: Any) -> Any:
        spent, active = self.spent, self.active

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if label in active:
                return fn(*args, **kwargs)
            start = time.process_time()
            active.append(label)
            try:
                return fn(*args, **kwargs)
            finally:
                active.pop()
                took = time.process_time() - start
                spent[label] += took
                if active:  # counted once: taken out of the phase it ran in
                    spent[active[-1]] -= took

        return wrapper

    def patch(self, module: Any, name: str, label: str) -> None:
        """Wrap ``module.name`` wherever a solvent module imported it."""
        fn = getattr(module, name)
        wrapped = self.timed(label, fn)
        for mod in list(sys.modules.values()):
            if (
                getattr(mod, "__name__", "").startswith("solvent")
                and getattr(mod, name, None) is fn
            ):
                setattr(mod, name, wrapped)
        setattr(module, name, wrapped)

    def run_solvent(self, argv: Sequence[str], began: float) -> float:
        """Run ``solvent ARGV`` in this process; the CPU seconds since ``began`` (the
        process's start), the part no phase counted kept as ``spent["rest"]``."""
        from solvent.cli.core import main

        sys.argv = ["solvent", *argv]
        try:
            main()
        except SystemExit:
            pass
        total = time.process_time() - began
        self.spent["rest"] = total - sum(self.spent.values())
        return total


def watchdog_in_process() -> None:
    """Run the check's watchdog stages in this process (its fork would hide their time)."""
    from solvent.check import watchdog

    def in_process(first: Any, then: Any, seconds: Any) -> Any:
        result = first()
        for fn in then:
            result = fn(result)
        return result, 1 + len(then), None

    watchdog._forked = in_process
