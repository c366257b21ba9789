"""Run one trace on the spec (the concrete judge) and on the implementation; compare.

After the initial state and after every step, the action's acceptance, the keepers'
firings (when the adapter reports them) and every field ``observe()`` returns are compared
exactly. The first difference is a :class:`Divergence`; the spec side names the tick,
keeper or action that last wrote the field (best effort: its ``def`` line).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from solvent.backends.modes import concrete_for, plain_value
from solvent.check.replay import TraceChooser, initial_concrete, plain
from solvent.conform.adapter import AdapterError, ImplementationError, normalize, to_exact
from solvent.engine import state as state_module
from solvent.engine.state import MarketView, StateView, copy_state
from solvent.engine.step import run_guarded, run_step, sorts_of
from solvent.engine.trace import Trace
from solvent.errors import SolventError, location_of_exception
from solvent.lang.values import format_number
from solvent.spec.spec import Spec


@dataclass(frozen=True, slots=True)
class Divergence:
    """The first place the implementation and the spec disagree."""

    trace: Trace
    step: int  # 0: the initial state
    what: str  # "quote[1]", "action trade(0) accepted", "keeper liquidate(2) fired"
    spec_value: Any
    impl_value: Any
    writer: str | None = None  # "keeper liquidate (file.py:12)"
    action: str | None = None  # the step's action label

    def values(self) -> tuple[str, str]:
        return show(self.spec_value), show(self.impl_value)

    def to_json(self) -> dict[str, Any]:
        spec_v, impl_v = self.values()
        return {
            "step": self.step,
            "what": self.what,
            "spec": spec_v,
            "implementation": impl_v,
            "written_by": self.writer,
            "action": self.action,
            "steps": len(self.trace.steps),
        }


@dataclass(slots=True)
class Outcome:
    """One trace's comparison: steps compared and the divergence, if any."""

    steps: int
    divergence: Divergence | None
    compared: set[str] = field(default_factory=set)


def show(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Fraction | int):
        return format_number(Fraction(v))
    return str(v)


def _call(what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except SolventError:
        raise
    except Exception as exc:  # noqa: BLE001 - the implementation's own failure
        raise ImplementationError(
            f"the adapter raised {type(exc).__name__} in {what}: {exc}; a rejection must be "
            "reported by returning False from action(), not by raising",
            where=location_of_exception(exc),
        ) from None


class Comparer:
    """Compares traces of one spec against one adapter."""

    def __init__(self, spec: Spec, adapter: Any, decimals: Mapping[str, int]) -> None:
        self.spec = spec
        self.adapter = adapter
        self.decimals = decimals
        self.params = spec.param_values()
        self.plain_params = {k: v for k, v in self.params.as_dict().items()}
        self.backend = concrete_for(spec)
        self.compared: set[str] = set()
        # grid units of a fixed-point spec (what an int64 lane of solvent.conform.batch holds)
        self.unit_decimals = int(getattr(spec, "decimals", 0) or 0)
        self.unit_scale = 10**self.unit_decimals

    # ------------------------------------------------------------------ one trace
    def run(self, trace: Trace) -> Outcome:
        """Compare ``trace`` on the exact judge (the reference every other side answers to)."""
        return self.drive(trace, _Judge(self, trace))

    def drive(self, trace: Trace, side: Any) -> Outcome:
        """Run ``trace`` on the adapter, comparing with ``side``'s expectations.

        ``side`` is the spec's side of the comparison: :class:`_Judge` (exact) or a lane of
        :mod:`solvent.conform.batch`; it answers ``start()``, ``step(t)`` (the step's
        tick, keepers and action), ``fired(keeper, account)``, ``accepted()``,
        ``fields()`` and ``writer(t, name, index)``.
        """
        spec, adapter = self.spec, self.adapter
        _call("reset()", adapter.reset, dict(self.plain_params), _plain_init(trace))
        div = self._compare_fields(trace, 0, side.start(), None, side)
        if div is not None:
            return Outcome(0, div, set(self.compared))
        for t, st in enumerate(trace.steps, start=1):
            side.step(t)
            _call(f"tick() at step {t}", adapter.tick, dict(st.market))
            for kp in spec.keepers:
                accounts = list(range(spec.accounts)) if kp.n_accounts else [None]
                recorded = st.keepers.get(kp.name)
                for a in accounts:
                    offered = recorded is None or recorded[0 if a is None else a]
                    if kp.liveness == "within":
                        # chosen, or forced by its declaration (late K steps): exactly
                        # where the spec ran it, whatever the trace recorded
                        offered = (recorded is not None and offered) or side.fired(kp.name, a)
                    if not offered:
                        continue  # adversarial keeper not chosen, or a recorded outage
                    if recorded is None and kp.liveness == "adversarial":
                        continue
                    got = _call(f"keeper({kp.name!r}, {a}) at step {t}", adapter.keeper, kp.name, a)
                    if isinstance(got, bool):
                        self.compared.add(f"keeper {kp.name} fired")
                        fired = side.fired(kp.name, a)
                        if got != fired:
                            what = f"keeper {kp.name}" + ("" if a is None else f"({a})") + " fired"
                            return Outcome(
                                t - 1,
                                Divergence(trace, t, what, fired, got, _where(kp), _label(st)),
                                set(self.compared),
                            )
            if st.action is not None:
                accs = st.action.accounts
                account: Any = accs[0] if len(accs) == 1 else (None if not accs else accs)
                got = _call(
                    f"action({st.action.name!r}) at step {t}",
                    adapter.action,
                    st.action.name,
                    account,
                    **dict(st.action.args),
                )
                if not isinstance(got, bool):
                    raise AdapterError(
                        f"action({st.action.name!r}, ...) returned {got!r} at step {t}; it "
                        "must return True (accepted) or False (rejected or reverted)"
                    )
                accepted = side.accepted()
                self.compared.add("action accepted")
                if got != accepted:
                    act = spec.find_action(st.action.name)
                    return Outcome(
                        t - 1,
                        Divergence(
                            trace,
                            t,
                            f"action {_label(st)} accepted",
                            accepted,
                            got,
                            side.refusal(t) if not accepted else _where(act),
                            _label(st),
                        ),
                        set(self.compared),
                    )
            div = self._compare_fields(trace, t, side.fields(), st, side)
            if div is not None:
                return Outcome(t - 1, div, set(self.compared))
        return Outcome(len(trace.steps), None, set(self.compared))

    def _compare_fields(
        self, trace: Trace, t: int, expected: dict[str, Any], st: Any, side: Any
    ) -> Divergence | None:
        raw = _call(f"observe() at step {t}", self.adapter.observe)
        if getattr(side, "units", False):  # an int64 lane: compare grid units, no Fractions
            if self._agree_units(raw, expected):
                return None
            # the judge re-runs this trace and reports the difference (or the bad value)
            return Divergence(trace, t, "a field (int64 lane)", None, None, None, _label(st))
        observed = normalize(self.spec, raw, self.decimals)
        for name in self.spec.fields:  # the spec's order: deterministic reports
            if name not in observed:
                continue
            self.compared.add(name)
            got, want = observed[name], expected[name]
            if isinstance(want, list):
                for i, (g, w) in enumerate(zip(got, want, strict=True)):
                    if g != w:
                        writer = side.writer(t, name, i)
                        return Divergence(trace, t, f"{name}[{i}]", w, g, writer, _label(st))
            elif got != want:
                return Divergence(trace, t, name, want, got, side.writer(t, name, None), _label(st))
        return None

    def _agree_units(self, raw: Any, expected: dict[str, Any]) -> bool:
        """Whether ``observe()``'s ``raw`` mapping equals a lane's grid units exactly.

        Anything unusual (an unknown field, a wrong length, a float) answers False: the
        judge then compares the same step and raises the proper error.
        """
        if not isinstance(raw, Mapping) or not raw.keys() <= self.spec.fields.keys():
            return False
        scale = self.unit_scale
        for name in self.spec.fields:
            if name not in raw:
                continue
            self.compared.add(name)
            got, want, d = raw[name], expected[name], self.decimals[name]
            if isinstance(want, list):
                if not isinstance(got, list | tuple) or len(got) != len(want):
                    return False
                pairs = zip(got, want, strict=True)
            else:
                pairs = zip((got,), (want,), strict=True)
            for g, w in pairs:
                if type(g) is int and d == self.unit_decimals and type(w) is int:
                    if g != w:
                        return False
                elif type(w) is bool or type(g) is bool:
                    if g is not w:
                        return False
                else:
                    try:
                        if to_exact(g, d, name) != Fraction(w, scale):
                            return False
                    except SolventError:
                        return False
        return True

    # ------------------------------------------------------------------ attribution
    def _writer(
        self,
        trace: Trace,
        t: int,
        name: str,
        index: int | None,
        before: Any,
        guard: bool = False,
    ) -> str | None:
        """The tick, keeper or action of step ``t`` that last wrote ``name[index]``; with
        ``guard``, the ``requires`` of the step's action that refused it (file:line)."""
        if t == 0:
            fd = self.spec.fields[name]
            return f"initial state ({fd.where})" if fd.where else "initial state"
        spec, backend, params = self.spec, self.backend, self.params
        sorts = sorts_of(spec)
        st = trace.steps[t - 1]
        s = copy_state(before)
        last, line = None, None
        lines: dict[tuple[str, int | None], tuple[str, int]] = {}
        state_module.WRITE_LINES = lines
        try:
            market = {k: TraceChooser(spec, trace, backend).market(t, k) for k in spec.bounds}
            for tick in spec.ticks:
                old = _get(s, name, index) if name else None
                view = StateView(s, sorts, backend, writable=True, accounts=spec.accounts)
                tick_args = (
                    (view, params, MarketView(market))
                    if tick.takes_params
                    else (view, MarketView(market))
                )
                lines.clear()
                tick.fn(*tick_args)
                if name and (_get(s, name, index) != old or (name, index) in view._written):
                    last, line = tick, lines.get((name, index))
            decls: list[tuple[Any, tuple[Any, ...], dict[str, Any]]] = []
            for kp in spec.keepers:
                decls += [
                    (kp, (a,) if kp.n_accounts else (), {})
                    for a in (range(spec.accounts) if kp.n_accounts else [None])
                ]
            if st.action is not None:
                act = spec.find_action(st.action.name)
                chooser = TraceChooser(spec, trace, backend)
                decls.append((act, tuple(st.action.accounts), chooser.args(t, act)))
            for decl, accs, args in decls:
                accs = tuple(a for a in accs if a is not None)
                lines.clear()
                if guard and decl.kind == "user":
                    return _refusal(decl, s, sorts, backend, params, accs, args, spec.accounts)
                try:
                    new, written, enabled = run_guarded(
                        decl, s, sorts, backend, params, accs, args, spec.accounts
                    )
                except SolventError:
                    continue
                ok = enabled is True or bool(getattr(enabled, "raw", enabled))
                if decl.kind == "keeper":
                    recorded = st.keepers.get(decl.name)
                    if recorded is not None and not recorded[accs[0] if accs else 0]:
                        ok = False
                if ok:
                    s = new
                    if (name, index) in written or (name, None) in written:
                        last, line = decl, lines.get((name, index)) or lines.get((name, None))
        finally:
            state_module.WRITE_LINES = None
        return None if last is None else _where(last, line)


def _plain_init(trace: Trace) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in trace.init.items()}


class _Judge:
    """The spec's side on the exact judge, one trace: the reference."""

    def __init__(self, comparer: Comparer, trace: Trace) -> None:
        self.c = comparer
        self.trace = trace
        self.state = initial_concrete(comparer.spec, trace, comparer.backend)
        self.before = self.state
        self.chooser = TraceChooser(comparer.spec, trace, comparer.backend)
        self.out: Any = None

    def start(self) -> dict[str, Any]:
        return plain(self.state)

    def step(self, t: int) -> None:
        c = self.c
        self.before = self.state
        self.out = run_step(c.spec, c.params, c.backend, self.state, t, self.chooser)
        self.state = self.out.state

    def fired(self, keeper: str, account: int | None) -> bool:
        return bool(self.out.fired[(keeper, account)].raw)

    def accepted(self) -> bool:
        return bool(next(iter(self.out.enabled.values())).raw)

    def fields(self) -> dict[str, Any]:
        return plain(self.state)

    def writer(self, t: int, name: str, index: int | None) -> str | None:
        return self.c._writer(self.trace, t, name, index, self.before)

    def refusal(self, t: int) -> str | None:
        return self.c._writer(self.trace, t, "", None, self.before, guard=True)


def _refusal(
    decl: Any, s: Any, sorts: Any, backend: Any, params: Any, accs: Any, args: Any, n: int
) -> str:
    """``action withdraw (spec.py:67: requires(...))``: the first condition that refused."""
    import linecache

    from solvent.engine.step import run_body

    _, _, frame = run_body(decl, s, sorts, backend, params, accs, args, n)
    for cond, why in zip(frame.conditions, frame.reasons, strict=True):
        if not bool(getattr(cond, "raw", cond)):
            where = why.removeprefix("requires at ")
            file, _, line = where.rpartition(":")
            text = linecache.getline(file, int(line)).strip() if line.isdigit() else ""
            return f"{_where(decl).split(' (')[0]} ({where}{': ' + text if text else ''})"
    return _where(decl)


def _label(st: Any) -> str | None:
    """The step's action label (built only when a divergence is reported)."""
    return st.action.label() if st is not None and st.action is not None else None


def _get(state: Any, name: str, index: int | None) -> Any:
    v = state[name] if index is None else state[name][index]
    return plain_value(v.backend, v.raw)


def _where(decl: Any, line: tuple[str, int] | None = None) -> str:
    """``keeper liquidate (spec.py:79: s.insurance = ...)``: the rule and, when known, the
    line of the spec that assigned the value (else the rule's own location)."""
    kind = {"user": "action", "keeper": "keeper", "tick": "tick"}.get(decl.kind, decl.kind)
    if line is not None:
        import linecache

        from solvent.errors import short_path

        text = linecache.getline(line[0], line[1]).strip()
        return f"{kind} {decl.name} ({short_path(line[0])}:{line[1]}: {text})"
    return f"{kind} {decl.name}" + (f" ({decl.where})" if decl.where else "")
