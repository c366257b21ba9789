"""Distance to insolvency for any spec: one symbolic step from the observed state (Z3).

From the concrete observed state, the next step is encoded with the spec's own tick and
keepers (every-step keepers fire where enabled, adversarial ones as the worst case
chooses, no user action); the price-move envelope field is a free variable ``r`` (not
bounded by the envelope: the answer may lie beyond it) and every other envelope field is
free within its bounds. Z3's ``Optimize`` minimises ``|r|`` subject to some invariant
failing after the step, on each side (``r <= 0`` and ``r >= 0``). The infimum of a strict
violation is not attained; Z3 then reports it with an infinitesimal, and the answer is
the standard part of that bound (the smallest |r| such that any larger gap on that side
breaks an invariant). A side with no violation for any ``r`` in (-1, 1e6] is ``None``.

This costs one or two Z3 calls (milliseconds for a few accounts, growing with the number
of accounts), so the monitor runs it when the state changes and on price events. A stop
(Ctrl-C, SIGTERM: the monitor's ``stop_event``) interrupts it at once: the encoding looks
at the flag at every account, the Z3 search is interrupted (:func:`_check`), and
:class:`SolverStopped` leaves the distance as it was.
"""

from __future__ import annotations

import threading
from fractions import Fraction
from typing import Any

from solvent.monitor.errors import MonitorConfigError
from solvent.spec.spec import Spec

UP_LIMIT = Fraction(10**6)
POLL = 0.05  # seconds between looks at the stop flag while Z3 searches


class SolverStopped(Exception):
    """The run is stopping (Ctrl-C, SIGTERM): the distance was left as it was."""


class _Chooser:
    def __init__(
        self, spec: Spec, move: str, r: Any, solver: Any, stop: threading.Event | None = None
    ) -> None:
        self.spec, self.move, self.r, self.solver = spec, move, r, solver
        self.stop = stop

    def _stopping(self) -> None:
        # the encoding of one step runs Python for every account (seconds for hundreds):
        # look at the flag at each account's keeper so a stop does not wait for it
        if self.stop is not None and self.stop.is_set():
            raise SolverStopped

    def market(self, t: int, name: str) -> Any:
        import z3

        from solvent.backends.symbolic import SYMBOLIC
        from solvent.lang.values import NUM, Value

        if name == self.move:
            return Value(SYMBOLIC, self.r, NUM)
        dom = self.spec.bounds[name]
        var = z3.Real(f"monitor.market.{name}")
        self.solver.add(var >= SYMBOLIC.const(dom.lo), var <= SYMBOLIC.const(dom.hi))
        return Value(SYMBOLIC, var, NUM)

    def adversarial(self, t: int, keeper: str, account: int | None) -> Any:
        import z3

        from solvent.backends.symbolic import SYMBOLIC
        from solvent.lang.values import BOOL, Value

        self._stopping()
        return Value(SYMBOLIC, z3.Bool(f"monitor.{keeper}[{account}]"), BOOL)

    def every_step(self, t: int, keeper: str, account: int | None) -> Any:
        self._stopping()
        return None

    def candidates(self, t: int) -> list[Any]:
        return []

    def selected(self, t: int, index: int) -> Any:  # pragma: no cover - no candidates
        raise AssertionError

    def args(self, t: int, action: Any) -> dict[str, Any]:  # pragma: no cover
        return {}


def _check(opt: Any, stop: threading.Event | None) -> Any:
    """``opt.check()``, interrupted when ``stop`` is set: Z3 searches in a helper thread
    (its C code does not return to Python, so a signal handler would wait for it) while
    this thread looks at the flag every ``POLL`` seconds and, once it is set, interrupts
    the search (``Context.interrupt``, which Z3 makes safe from another thread)."""
    if stop is None:
        return opt.check()
    if stop.is_set():
        raise SolverStopped
    box: dict[str, Any] = {}

    def search() -> None:
        try:
            box["result"] = opt.check()
        except Exception as exc:  # noqa: BLE001 - handed to the waiting thread
            box["error"] = exc

    worker = threading.Thread(target=search, name="solvent-monitor-z3", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(POLL)
        if stop.is_set():
            opt.ctx.interrupt()
            worker.join()
            raise SolverStopped
    if "error" in box:
        raise box["error"]
    return box["result"]


def _standard(expr: Any) -> Fraction:
    """The real part of a Z3 optimum that may carry an infinitesimal (``1/10 + epsilon``)."""
    import z3

    from solvent.backends.symbolic import rational_of

    e = z3.simplify(expr)
    if z3.is_rational_value(e) or z3.is_int_value(e):
        return rational_of(e)
    text = e.sexpr()
    if "epsilon" in text:
        if z3.is_add(e):
            consts = [c for c in e.children() if z3.is_rational_value(c) or z3.is_int_value(c)]
            return rational_of(consts[0]) if consts else Fraction(0)
        return Fraction(0)  # k * epsilon, or epsilon itself
    raise ValueError(f"unexpected optimum {text}")


class SolverDistance:
    """The Z3 fallback; ``distance(monitor)`` returns (smallest |r|, side)."""

    def __init__(self, spec: Spec, move: str | None, timeout_ms: int = 5000) -> None:
        if move is None:
            if len(spec.bounds) == 1:
                move = next(iter(spec.bounds))
            else:
                raise MonitorConfigError(
                    "distance to insolvency needs the envelope field of the price move; name it with "
                    f"--move-field (fields: {', '.join(spec.bounds) or '(none)'}) or use --distance none"
                )
        if move not in spec.bounds:
            raise MonitorConfigError(
                f"--move-field {move!r} is not an envelope field of spec {spec.name}"
            )
        self.spec = spec
        self.move = move
        self.timeout_ms = timeout_ms
        self.calls = 0
        self._key: Any = None

    def fresh(self, monitor: Any) -> bool:
        """True when the last answer is for exactly this state (nothing to recompute)."""
        return self._key is not None and self._key == self._state_key(monitor)

    @staticmethod
    def _state_key(monitor: Any) -> Any:
        monitor.price()
        return tuple(
            (k, tuple(v) if isinstance(v, list) else v) for k, v in sorted(monitor.values.items())
        )

    def distance(self, monitor: Any) -> tuple[Fraction | None, str | None]:
        import z3

        from solvent.backends.symbolic import SYMBOLIC
        from solvent.check.replay import number
        from solvent.engine.step import conjunction, eval_predicate, run_step
        from solvent.lang.values import Value

        key = self._state_key(monitor)
        state: dict[str, Any] = {}
        for name, fd in self.spec.fields.items():
            v = monitor.values[name]

            def conv(x: Any, sort: str = fd.sort) -> Any:
                return (
                    Value(SYMBOLIC, z3.BoolVal(bool(x)), "bool")
                    if sort == "bool"
                    else number(SYMBOLIC, x)
                )

            state[name] = [conv(x) for x in v] if fd.per_account else conv(v)
        best: list[tuple[Fraction, str]] = []
        for side in ("down", "up"):
            opt = z3.Optimize()
            opt.set("timeout", self.timeout_ms)
            r = z3.Real("monitor.move")
            stop = getattr(monitor, "stop_event", None)
            chooser = _Chooser(self.spec, self.move, r, opt, stop)
            out = run_step(self.spec, monitor.params, SYMBOLIC, state, 1, chooser)
            holds = conjunction(
                [
                    v
                    for d in self.spec.invariants
                    for _, v in eval_predicate(self.spec, monitor.params, SYMBOLIC, out.state, d)
                ],
                SYMBOLIC,
            )
            opt.add(z3.Not(holds.raw))
            if side == "down":
                opt.add(r <= 0, r > -1)
                h = opt.maximize(r)
            else:
                opt.add(r >= 0, r <= SYMBOLIC.const(UP_LIMIT))
                h = opt.minimize(r)
            self.calls += 1
            res = _check(opt, stop)
            if res == z3.unsat:
                continue
            if res != z3.sat:
                raise MonitorConfigError(
                    f"the solver could not bound the distance to insolvency ({opt.reason_unknown()}); "
                    "use --distance none"
                )
            bound = h.value()
            value = _standard(bound)
            best.append((abs(value), side))
        self._key = key  # the answer is for this state (not set when stopped)
        if not best:
            return None, None
        value, side = min(best)
        return value, side
