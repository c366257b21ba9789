"""Exact replay of a trace on the concrete backend (the judge)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from solvent.backends.modes import concrete_for, plain_value
from solvent.engine.state import StateDict
from solvent.engine.step import eval_predicate, run_step
from solvent.engine.trace import Trace, check_against
from solvent.errors import TraceFormatError
from solvent.lang.values import Value
from solvent.spec.spec import ActionDecl, Instance, Spec


@dataclass(frozen=True, slots=True)
class Failure:
    name: str  # invariant or lemma name
    account: int | None
    step: int

    def label(self) -> str:
        return self.name if self.account is None else f"{self.name}[account {self.account}]"


@dataclass(slots=True)
class StepRecord:
    step: int
    state: dict[str, Any]  # plain Fractions/bools (lists per account)
    market: dict[str, Fraction]
    fired: list[tuple[str, int | None]]
    action: str | None
    action_enabled: bool | None
    failures: list[Failure]
    witnesses: list[str]
    metrics: dict[str, Any]


@dataclass(slots=True)
class ReplayResult:
    spec: str
    records: list[StepRecord]
    notes: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[Failure]:
        return [f for r in self.records for f in r.failures]

    @property
    def first_failure(self) -> Failure | None:
        fs = self.failures
        return fs[0] if fs else None

    @property
    def violated(self) -> bool:
        return bool(self.failures)


class TraceChooser:
    """Choices read from a trace step."""

    def __init__(self, spec: Spec, trace: Trace, backend: Any = None) -> None:
        self.spec = spec
        self.trace = trace
        self.instances = spec.instances()
        self.backend = backend if backend is not None else concrete_for(spec)

    def _step(self, t: int) -> Any:
        return self.trace.steps[t - 1]

    def market(self, t: int, name: str) -> Value:
        return number(self.backend, self._step(t).market[name])

    def adversarial(self, t: int, keeper: str, account: int | None) -> Value:
        choices = self._step(t).keepers.get(keeper)
        if choices is None:
            return Value(self.backend, False, "bool")
        idx = 0 if account is None else account
        if idx >= len(choices):
            raise TraceFormatError(f"step {t}: keepers.{keeper} lists too few choices")
        return Value(self.backend, bool(choices[idx]), "bool")

    def every_step(self, t: int, keeper: str, account: int | None) -> Value | None:
        if keeper not in self._step(t).keepers:
            return None
        return self.adversarial(t, keeper, account)  # a recorded outage (`solvent stress`)

    def candidates(self, t: int) -> Sequence[tuple[int, Instance]]:
        act = self._step(t).action
        if act is None:
            return []
        for i, inst in enumerate(self.instances, start=1):
            if inst.action.name == act.name and inst.accounts == tuple(act.accounts):
                return [(i, inst)]
        raise TraceFormatError(f"step {t}: no instance {act.label()} in spec {self.spec.name}")

    def selected(self, t: int, index: int) -> Value:
        return Value(self.backend, True, "bool")

    def args(self, t: int, action: ActionDecl) -> dict[str, Value]:
        act = self._step(t).action
        out = {}
        for k, v in act.args.items():
            out[k] = (
                Value(self.backend, v, "bool") if isinstance(v, bool) else number(self.backend, v)
            )
        return out


def number(backend: Any, v: Any) -> Value:
    """A plain number as a constant of ``backend`` (fixed point: checked on the grid)."""
    return Value(backend, backend.const(Fraction(v)), "num")


def initial_concrete(spec: Spec, trace: Trace, backend: Any = None) -> StateDict:
    backend = backend if backend is not None else concrete_for(spec)

    def one(x: Any, sort: str) -> Value:
        return Value(backend, x, sort) if sort == "bool" else number(backend, x)

    state: StateDict = {}
    for name, fd in spec.fields.items():
        v = trace.init[name]
        if fd.per_account:
            state[name] = [one(x, fd.sort) for x in v]
        else:
            state[name] = one(v, fd.sort)
    return state


def plain(state: StateDict) -> dict[str, Any]:
    """Plain Fractions/bools of a concrete state (decimal numbers in both arithmetics)."""
    return {
        k: (
            [plain_value(x.backend, x.raw) for x in v]
            if isinstance(v, list)
            else plain_value(v.backend, v.raw)
        )
        for k, v in state.items()
    }


def evaluate(
    spec: Spec, params: Any, state: StateDict, step: int
) -> tuple[list[Failure], list[str], dict[str, Any]]:
    backend = concrete_for(spec)
    failures = []
    for decl in spec.properties():
        for acc, val in eval_predicate(spec, params, backend, state, decl):
            if not val.raw:
                failures.append(Failure(decl.name, acc, step))
    witnesses = []
    for decl in spec.witnesses:
        if any(val.raw for _, val in eval_predicate(spec, params, backend, state, decl)):
            witnesses.append(decl.name)
    metrics: dict[str, Any] = {}
    for decl in spec.metrics:
        res = eval_predicate(spec, params, backend, state, decl)
        vals = [_raw(v) for _, v in res]
        metrics[decl.name] = vals if decl.per_account else vals[0]
    return failures, witnesses, metrics


def _raw(v: Any) -> Any:
    if isinstance(v, Value):
        return plain_value(v.backend, v.raw)
    return Fraction(v) if not isinstance(v, bool) else v


def replay(spec: Spec, trace: Trace) -> ReplayResult:
    """Re-execute ``trace`` exactly; record every step and every failed invariant."""
    notes = check_against(trace, spec)
    params = spec.param_values()
    recorded = dict(trace.params)
    for k, v in params.as_dict().items():
        if k in recorded and recorded[k] != v:
            notes.append(
                f"parameter {k} is {_fmt(v)} in the spec but {_fmt(recorded[k])} in the trace; replaying with the spec's value"
            )
    state = initial_concrete(spec, trace)
    chooser = TraceChooser(spec, trace)
    failures, witnesses, metrics = evaluate(spec, params, state, 0)
    records = [StepRecord(0, plain(state), {}, [], None, None, failures, witnesses, metrics)]
    for t in range(1, len(trace.steps) + 1):
        out = run_step(spec, params, chooser.backend, state, t, chooser)
        state = out.state
        fired = [k for k, v in out.fired.items() if v.raw]
        act = trace.steps[t - 1].action
        enabled = None if act is None else bool(next(iter(out.enabled.values())).raw)
        failures, witnesses, metrics = evaluate(spec, params, state, t)
        records.append(
            StepRecord(
                t,
                plain(state),
                {k: plain_value(v.backend, v.raw) for k, v in out.market.items()},
                fired,
                act.label() if act else None,
                enabled,
                failures,
                witnesses,
                metrics,
            )
        )
    return ReplayResult(spec.name, records, notes)


def _fmt(v: Any) -> str:
    from solvent.lang.values import format_number

    return format_number(v) if isinstance(v, Fraction) else str(v)
