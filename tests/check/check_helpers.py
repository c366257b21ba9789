"""Small specs several tests in tests/check build (imported by name: pytest puts this
directory on the path, as tests/monitor's ``monitor_helpers``)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import z3

import solvent as sv
from solvent import Num, PerAccount


def two_account_spec(transfer: bool, global_invariant: bool) -> sv.Spec:
    """Two accounts with a balance each: ``transfer`` gives an action on two accounts,
    ``global_invariant`` an invariant over several accounts (each couples them)."""
    spec = sv.Spec("pair", accounts=2)

    @spec.state
    class State:
        bal: PerAccount[Num] = Num("1")

    @spec.envelope
    class Market:
        move: Num = sv.within("0", "0")

    if transfer:

        @spec.action(amount=sv.within("0", "1"))
        def give(s, p, a, b, amount):
            s.bal[a] = s.bal[a] - amount
            s.bal[b] = s.bal[b] + amount

    else:

        @spec.action(amount=sv.within("0", "1"))
        def deposit(s, p, a, amount):
            s.bal[a] = s.bal[a] + amount

    if global_invariant:

        @spec.invariant
        def total(s):
            return sv.all_of(s.bal[a] >= 0 for a in s.accounts) & (s.bal[0] <= s.bal[1] + 10)

    else:

        @spec.invariant
        def nonnegative(s, p, a):
            return s.bal[a] >= 0

    return spec


def assert_partition(constraints: Sequence[Any], cases: Sequence[Any]) -> None:
    """The step's ``cases`` cover every step the ``constraints`` allow and never overlap."""
    solver = z3.Solver()
    solver.add(*constraints, z3.Not(z3.Or(cases)))
    assert solver.check() == z3.unsat  # they cover every step
    for a, b in itertools.combinations(cases, 2):
        solver = z3.Solver()
        solver.add(*constraints, a, b)
        assert solver.check() == z3.unsat  # and never overlap


def one_step(spec: sv.Spec) -> tuple[Any, dict[str, Any], dict[str, Any], list[Any]]:
    """The step of ``spec`` from a free state (``Unrolling``), in the current Z3 context:
    the unrolling, the state before and after, and the step's cases (six: no action, a
    trade and, in fixed point, its guard held or not, times the keeper fired or not)."""
    from solvent.check.cases import step_cases
    from solvent.check.encode import Unrolling

    u = Unrolling(spec, free_init=True)
    pre = u.states[0]
    u.add_step()
    cases = step_cases(u)
    assert cases is not None and len(cases) == 6
    return u, pre, u.states[1], cases


class Ticking:
    """A stand-in for the ``time`` module of a module that keeps to a budget: its
    ``perf_counter`` moves ``step`` seconds at each reading and only then, so a wait loop
    that reads it ends after a number of readings that does not depend on the machine's
    load (and never, when the loop does not look at its budget); with ``once``, only from
    when the check it waits for has begun (a forked check's first note reaches the parent
    late on a loaded machine). The rest of ``time``
    (``sleep``, ``monotonic``, ...) is the real one."""

    def __init__(
        self, step: float, start: float = 1000.0, once: Callable[[], bool] | None = None
    ) -> None:
        self.start = self.now = start
        self.step = step
        self.readings = 0
        self.once = once  # it stands still until ``once()`` (what is waited for has begun)

    def perf_counter(self) -> float:
        if self.once is None or self.once():
            self.now += self.step
            self.readings += 1
        return self.now

    def __getattr__(self, name: str) -> Any:
        import time

        return getattr(time, name)


def held_whole(constraints: Sequence[Any], posts: dict[str, list[Any]]) -> set[str]:
    """The names of ``posts`` whose every part holds under ``constraints``: each asked of
    a fresh solver, the whole step (no cases, no preprocessing); none may be unknown."""
    held = set()
    for name, parts in posts.items():
        solver = z3.Solver()
        solver.add(*constraints, z3.Or([z3.Not(p) for p in parts]))
        answer = solver.check()
        assert answer != z3.unknown, name
        if answer == z3.unsat:
            held.add(name)
    return held


def load_user_spec(monkeypatch: Any, name: str, **env: str) -> sv.Spec:
    """tests/check/specs/NAME.py loaded with its knobs ``BUG`` and ``ACCOUNTS`` set as
    given (unset otherwise)."""
    from pathlib import Path

    from solvent.spec.load import load_spec

    for key in ("BUG", "ACCOUNTS"):
        if key in env:
            monkeypatch.setenv(key, env[key])
        else:
            monkeypatch.delenv(key, raising=False)
    return load_spec(str(Path(__file__).resolve().parent / "specs" / f"{name}.py"), None)


def in_process(first: Any, then: Any, seconds: float) -> Any:
    """``watchdog.guarded`` without its fork: the stand-ins of a test (and their fake
    clock) run in the test's process; every stage answers."""
    result = first()
    for fn in then:
        result = fn(result)
    return result, 1 + len(then), None


def put_vault_hand_lemmas(spec: sv.Spec) -> sv.Spec:
    """``spec`` (tests/check/specs/put_vault.py, safe) with the lemmas its proof needs,
    written by hand: the strikes' relation, the locked cash covered, no negative puts."""

    @spec.lemma
    def strikes_locked(s):  # type: ignore[no-untyped-def]
        return s.locked_usdc == 1800 * s.puts_1800 + 1600 * s.puts_1600

    @spec.lemma
    def locked_covered(s):  # type: ignore[no-untyped-def]
        return (s.locked_usdc <= s.vault_usdc) & (s.premium_usdc >= 0) & (s.eth_spot >= 0)

    @spec.lemma
    def puts_not_negative(s):  # type: ignore[no-untyped-def]
        return (s.puts_1800 >= 0) & (s.puts_1600 >= 0)

    return spec


def check_on_a_fake_clock(monkeypatch: Any, start: float) -> list[float]:
    """`solvent check`'s budget (``verify``, ``startup``) read from ``now[0]`` (returned:
    the stand-ins move it), its checks run in process (``in_process``)."""
    from types import SimpleNamespace

    from solvent.api import startup, verify
    from solvent.check import watchdog

    now = [start]
    clock = SimpleNamespace(perf_counter=lambda: now[0])
    monkeypatch.setattr(verify, "time", clock)
    monkeypatch.setattr(startup, "time", clock)
    monkeypatch.setattr(watchdog, "guarded", in_process)
    return now
