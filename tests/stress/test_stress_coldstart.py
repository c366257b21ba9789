"""Round 24 (q13x): ``stress --timeout`` holds from a cold start (numba's cache empty).

numba's compile cannot be interrupted; a cold kernel is compiled by a child process while
the NumPy lanes run blocks in this one, the kernel takes the blocks left once compiled,
and at the deadline the child is killed: the run reports what it did (UNKNOWN, never a
PASS for blocks not run). The numbers of a mixed run are the kernel's. No wall clock: a
counted clock, and a compile made never to finish.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from stress_helpers import Counted

import solvent as sv
from solvent.scenarios import get
from solvent.spec.load import load_spec
from solvent.stress import budget
from solvent.stress.runner import StressOptions, stress

MISC = str(Path(__file__).parent / "specs" / "misc.py")


def _spec() -> sv.Spec:
    """``misc`` (a global keeper over a fold, bool fields) with an @initial condition: the
    run probes the sampled initial states before its blocks."""
    spec = load_spec(MISC)

    @spec.initial
    def bounded(s):  # type: ignore[no-untyped-def]
        return sv.all_of(s.pos[a] <= 4 for a in s.accounts)

    return spec


def _opts(**kw: object) -> StressOptions:
    return StressOptions(
        paths=256, steps=10, seed=3, block=64, checkpoint_dir=None, bad_debt_field="auto",
        insurance_field="auto", liquidations_field="auto", adl_field="auto", **kw,
    )  # fmt: skip


def _numbers(result) -> tuple:  # type: ignore[no-untyped-def]
    c = result.confirmation
    return (
        result.verdict, result.metrics["paths"], result.metrics["p_insolvency"]["estimate"],
        c["flagged"], c["confirmed"], result.metrics["excluded_initial"],
        result.metrics["insurance"],
    )  # fmt: skip


@pytest.fixture
def children(monkeypatch):  # type: ignore[no-untyped-def]
    """Every compiling child started, the kernel cold (not loaded, not in numba's cache)
    and its compile never finishing (the child sleeps until killed)."""
    from solvent.stress import loader

    started: list[Any] = []

    class Spy(loader.Compiling):
        def __init__(self, src: Any) -> None:
            super().__init__(src)
            started.append(self)

    monkeypatch.setattr(loader, "_LOADED", {})
    monkeypatch.setattr(loader, "cached", lambda src: False)
    monkeypatch.setattr(loader, "Compiling", Spy)
    parent, warm = os.getpid(), loader._warm

    def never(kernel, layout) -> None:  # type: ignore[no-untyped-def]
        if os.getpid() == parent:
            return warm(kernel, layout)
        time.sleep(600)  # in the child: until the run kills it

    monkeypatch.setattr(loader, "_warm", never)
    return started


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_compile_that_does_not_fit_is_killed_and_the_lanes_ran_meanwhile(
    children, monkeypatch
) -> None:
    """Before: the compile was waited for until the deadline (0 paths simulated), and the
    probe of the initial states then compiled the kernel again past it."""
    clock = Counted()
    monkeypatch.setattr(budget, "clock", clock)
    result = stress(_spec(), get("gbm", vol=2.5), None, _opts(timeout=40))
    assert result.verdict == "UNKNOWN" and result.exit_code == 2
    assert 0 < result.blocks_done < result.blocks_total
    assert result.metrics["paths"] > 0
    assert result.confirmation["checked"] == 0  # nothing re-run, nothing counted
    (child,) = children
    assert child.status is False and _gone(child.pid)  # killed and reaped
    assert any("compiled in a child process (stopped unfinished)" in n for n in result.notes)
    assert clock.now <= 41 + 2  # the deadline, read once more by the step and the chunk


def test_when_the_lanes_finish_first_the_numbers_are_the_kernels(children) -> None:
    """The child never finishes: the lanes run every block (the worst paths and traces on
    the lanes too); P(insolvency), flagged and confirmed lanes are the kernel's."""
    result = stress(_spec(), get("gbm", vol=2.5), None, _opts(timeout=10**6))
    (child,) = children
    assert child.status is False and _gone(child.pid)
    assert result.engine == "lanes" and result.blocks_done == result.blocks_total
    assert any("4 of the 4 blocks simulated ran on the NumPy lanes" in n for n in result.notes)
    warm = stress(_spec(), get("gbm", vol=2.5), None, _opts())
    assert warm.engine == "kernel"
    assert _numbers(result) == _numbers(warm)
    assert result.confirmation["flagged"] > 0  # the comparison covers violations


def test_the_kernel_takes_the_blocks_left_once_compiled(monkeypatch) -> None:
    """A compile done after one block: the kernel (loaded here from numba's cache) runs the
    other three; the numbers are those of the kernel alone."""
    from solvent.stress import loader

    warm = stress(_spec(), get("gbm", vol=2.5), None, _opts())  # fills numba's cache

    class Slow:
        polls = 0

        def __init__(self, src: Any) -> None:
            self.status = None

        def poll(self) -> bool | None:
            Slow.polls += 1
            return None if Slow.polls == 1 else True

        def stop(self) -> None:
            pass

    monkeypatch.setattr(loader, "_LOADED", {})
    monkeypatch.setattr(loader, "cached", lambda src: False)
    monkeypatch.setattr(loader, "Compiling", Slow)
    result = stress(_spec(), get("gbm", vol=2.5), None, _opts(timeout=10**6))
    assert result.engine == "kernel"
    assert any("1 of the 4 blocks simulated ran on the NumPy lanes" in n for n in result.notes)
    assert _numbers(result) == _numbers(warm)


def test_the_probe_of_the_initial_states_keeps_the_deadline(monkeypatch) -> None:
    """NumPy lanes, @initial conditions and a deadline that passes while they are probed:
    UNKNOWN with nothing simulated (before: an internal error, OutOfTime's traceback)."""
    monkeypatch.setattr(budget, "clock", Counted())
    result = stress(_spec(), get("gbm", vol=2.5), None, _opts(timeout=3, engine="lanes"))
    assert result.verdict == "UNKNOWN" and result.exit_code == 2
    assert result.metrics["paths"] == 0


def test_the_kernel_source_does_not_depend_on_hash_order() -> None:
    """A global keeper writing several fields: its outputs came from a set, so each process
    wrote another kernel (another file, never in numba's cache: a cold compile every run)."""
    code = (
        "from solvent.spec.load import load_spec; from solvent.scenarios import get; "
        "from solvent.stress.runner import StressOptions, prepare; "
        f"o = StressOptions(paths=64, steps=5, block=64, checkpoint_dir=None); "
        f"print(prepare(load_spec({MISC!r}), get('gbm'), None, o)[1].kernel.digest)"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout  # fmt: skip
        for seed in ("1", "2", "3")
    }
    assert len(digests) == 1, digests
