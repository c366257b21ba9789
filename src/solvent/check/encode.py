"""Unroll a spec into Z3 constraints, step by step (shared by bmc, prove and frontier).

Every step gets fresh state variables (``s3.quote[0]``) equal to the transition's terms,
which keeps terms small and names readable. The choices of a step are free variables:
market draws (``s3.market.move``), the user-action instance (``s3.action``: 0 = none,
else an index into ``spec.instances()``), its arguments (``s3.trade.qty``) and the
firings of adversarial keepers (``s3.liquidate[0]``).

**Namespaces.** Z3 identifies a variable by its name, so two variables must never get
one name, whatever the spec calls its fields, draws, actions, arguments and keepers (a
field named ``action`` once made the field and the action choice one variable: false
PASS verdicts, see docs/soundness.md). Every step variable is named by
:class:`VarNames`: the readable name above when it is free, else the marked name
``s3:KIND.BODY`` (``s3:state.action``, ``s3:arg.market.move``); a Python identifier has
no ``:``, so marked names collide with nothing. Initial values are ``init.FIELD[i]``,
assumption literals ``assume:NAME``; both prefixes are used by no step variable.

Assumptions a verdict depends on are *named*: each is a Boolean literal ``lit`` and its
constraint enters as ``lit -> c``. Checks pass the literals to ``solver.check`` and read
the unsat core to report which assumptions a proof used:

- ``envelope.NAME.lo`` / ``envelope.NAME.hi``: the per-step bound on a market draw;
- ``keeper.NAME.every_step``: the keeper runs wherever enabled (without it: adversarial);
- ``keeper.NAME.within``: a ``within=k`` keeper runs once late k steps (without it:
  adversarial); ``oracle.NAME.within`` the same for an ``@spec.oracle(within=k)`` update;
- ``action.NAME.ARG``: the domain of an action argument;
- ``init.FIELD``: the domain of a symbolic initial value, and ``initial.NAME`` conditions;
- ``hyp.NAME``: an invariant or lemma assumed on the pre-states of an induction step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import z3

from solvent.backends.modes import number_var, scale_of, symbolic_for
from solvent.engine.state import StateDict
from solvent.engine.step import eval_predicate, run_step
from solvent.lang.domains import AnyBool, Within
from solvent.lang.values import BOOL, NUM, Value
from solvent.spec.spec import ActionDecl, Instance, PredicateDecl, Spec

VAR_KINDS = ("state", "market", "action", "arg", "keeper", "runs")


def readable_name(kind: str, t: int, *parts: str, account: int | None = None) -> str:
    """The readable solver name of a step variable (may be shared by two kinds).

    ``state``: ``s3.FIELD[i]``; ``market``: ``s3.market.NAME``; ``action``: ``s3.action``;
    ``arg``: ``s3.ACTION.ARG``; ``keeper``: ``s3.NAME[a]``; ``runs``:
    ``s3.NAME[a].runs_anyway`` (the free "runs anyway" of an every-step keeper).
    """
    suffix = "" if account is None else f"[{account}]"
    body = ".".join(parts)
    if kind in ("state", "keeper"):
        return f"s{t}.{body}{suffix}"
    if kind == "market":
        return f"s{t}.market.{body}"
    if kind == "action":
        return f"s{t}.action"
    if kind == "arg":
        return f"s{t}.{body}"
    if kind == "runs":
        return f"s{t}.{body}{suffix}.runs_anyway"
    raise ValueError(f"unknown variable kind {kind!r}")


def marked_name(kind: str, t: int, *parts: str, account: int | None = None) -> str:
    """The unambiguous solver name: ``s3:KIND.BODY`` (``:`` is in no readable name)."""
    if kind not in VAR_KINDS:
        raise ValueError(f"unknown variable kind {kind!r}")
    suffix = "" if account is None else f"[{account}]"
    return f"s{t}:{kind}." + ".".join(parts) + suffix


class VarNames:
    """Solver names of step variables, one per (kind, owner): never one name for two.

    A variable gets its readable name unless another variable already holds it (a state
    field named ``action`` and the action choice, an action ``market`` with an argument
    named like a market draw, a keeper and a field of one name); then it gets its marked
    name ``s3:KIND.BODY``, which no readable name and no other kind's marked name can
    equal. ``owner`` identifies the declaration (the action declaration object for
    arguments), so the same variable asked for twice gets the same name. Names are
    assigned in the unrolling's fixed order, so they are deterministic.
    """

    def __init__(self) -> None:
        self._owner: dict[str, tuple[Any, ...]] = {}
        self._name: dict[tuple[Any, ...], str] = {}

    def get(
        self, kind: str, t: int, *parts: str, account: int | None = None, owner: Any = None
    ) -> str:
        key = (kind, t, parts, account, owner)
        name = self._name.get(key)
        if name is not None:
            return name
        name = readable_name(kind, t, *parts, account=account)
        if name in self._owner:
            name = marked_name(kind, t, *parts, account=account)
            assert name not in self._owner, name  # marked names are injective
        self._owner[name] = key
        self._name[key] = name
        return name


@dataclass(slots=True)
class InputVar:
    """A free choice of the path (what a trace records)."""

    name: str
    var: Any
    kind: str  # "init" | "action" | "arg" | "market" | "keeper"
    step: int
    domain: Within | None = None
    scale: int = 1  # raw units per 1 (fixed arithmetic: 10**decimals)


@dataclass(slots=True)
class StepVars:
    t: int
    outcome: Any = None
    action_var: Any = None
    # action declaration (by identity, ``id(decl)``) -> argument name -> variable
    args: dict[int, dict[str, Any]] = field(default_factory=dict)
    market: dict[str, Any] = field(default_factory=dict)
    keepers: dict[tuple[str, int | None], Any] = field(default_factory=dict)


class Unrolling:
    """Incremental unrolling of one spec into a Z3 solver."""

    def __init__(
        self,
        spec: Spec,
        solver: z3.Solver | None = None,
        *,
        free_init: bool = False,
        bound_terms: Mapping[str, tuple[Any, Any]] | None = None,
    ) -> None:
        self.spec = spec
        # envelope bound name -> (lo, hi) Z3 terms replacing its constants (frontier)
        self.bound_terms = dict(bound_terms or {})
        self.params = spec.param_values()
        self.backend = symbolic_for(spec)
        self.scale = scale_of(spec)
        self.solver = solver if solver is not None else _Recorder()
        self.free_init = free_init
        self.instances: list[Instance] = spec.instances()
        self.literals: dict[str, z3.BoolRef] = {}
        self.inputs: list[InputVar] = []
        self.states: list[StateDict] = []
        self.steps: list[StepVars] = []
        self.definitions: dict[str, Any] = {}  # fresh state variable -> (var == term)
        self.names = VarNames()
        self.states.append(self._initial_state())

    # ------------------------------------------------------------------ assumptions
    def literal(self, name: str) -> z3.BoolRef:
        lit = self.literals.get(name)
        if lit is None:
            lit = z3.Bool(f"assume:{name}")
            self.literals[name] = lit
        return lit

    def assume(self, name: str, constraint: Any) -> None:
        self.solver.add(z3.Implies(self.literal(name), constraint))

    def assumption_literals(self) -> list[z3.BoolRef]:
        return [self.literals[k] for k in sorted(self.literals)]

    # ------------------------------------------------------------------ states
    def _initial_state(self) -> StateDict:
        from solvent.engine.start import start

        state: StateDict = {}
        begin = start(self.spec)  # the spec's own initial state (as stress, replay, monitor)
        for name, fd in self.spec.fields.items():
            vals = []
            for i, init in enumerate(begin[name]):
                vname = f"init.{name}[{i}]" if fd.per_account else f"init.{name}"
                if self.free_init:
                    fresh = self.names.get("state", 0, name, account=i if fd.per_account else None)
                    var = number_var(self.spec, fresh) if fd.sort == NUM else z3.Bool(fresh)
                    vals.append(Value(self.backend, var, fd.sort))
                    self.inputs.append(
                        InputVar(str(var), var, "init", 0, scale=self._scale(fd.sort))
                    )
                    continue
                if isinstance(init, Within):
                    var = number_var(self.spec, vname)
                    self.assume(
                        f"init.{name}", z3.And(var >= self._num(init.lo), var <= self._num(init.hi))
                    )
                    vals.append(Value(self.backend, var, NUM))
                    self.inputs.append(InputVar(vname, var, "init", 0, init, self.scale))
                elif isinstance(init, AnyBool):
                    var = z3.Bool(vname)
                    vals.append(Value(self.backend, var, BOOL))
                    self.inputs.append(InputVar(vname, var, "init", 0))
                elif isinstance(init, bool):
                    vals.append(Value(self.backend, z3.BoolVal(init), BOOL))
                else:
                    vals.append(Value(self.backend, self._num(init), NUM))
            state[name] = vals if fd.per_account else vals[0]
        if not self.free_init:
            for decl in self.spec.initials:
                for _acc, cond in eval_predicate(self.spec, self.params, self.backend, state, decl):
                    self.assume(f"initial.{decl.name}", cond.raw)
        return state

    def _num(self, q: Any) -> Any:
        """The Z3 numeral of a plain number in this spec's arithmetic."""
        return self.backend.const(Fraction(q))

    def _scale(self, sort: str) -> int:
        return self.scale if sort == NUM else 1

    def add_step(self) -> StepVars:
        t = len(self.states)
        sv = StepVars(t)
        chooser = _SymbolicChooser(self, sv)
        out = run_step(self.spec, self.params, self.backend, self.states[-1], t, chooser)
        sv.outcome = out
        # fresh variables for the post-state keep terms small and names readable
        new: StateDict = {}
        for name, value in out.state.items():
            fd = self.spec.fields[name]
            if isinstance(value, list):
                new[name] = [
                    self._fresh(self.names.get("state", t, name, account=i), v, fd.sort)
                    for i, v in enumerate(value)
                ]
            else:
                new[name] = self._fresh(self.names.get("state", t, name), value, fd.sort)
        self.states.append(new)
        self.steps.append(sv)
        return sv

    def _fresh(self, name: str, value: Value, sort: str) -> Value:
        raw = value.raw
        if z3.is_rational_value(raw) or z3.is_int_value(raw) or z3.is_true(raw) or z3.is_false(raw):
            return value
        var = number_var(self.spec, name) if sort == NUM else z3.Bool(name)
        definition = var == raw
        self.definitions[name] = definition
        if not isinstance(self.solver, _Recorder):
            self.solver.add(definition)
        return Value(self.backend, var, sort)

    def sliced(self, goal: Any, memo: dict[int, frozenset[str]]) -> list[Any]:
        """The constraints in the cone of influence of ``goal`` (a sound under-set).

        Definitions are followed backwards from the goal's variables; other constraints
        (hypotheses, domains) are kept when they speak only of variables in the cone.
        Dropping constraints only weakens the assumptions, so an unsat answer on the
        slice is a proof; a sat answer must be re-checked on the full set.
        """
        assert isinstance(self.solver, _Recorder)
        cone: set[str] = set()
        frontier = list(free_vars(goal, memo))
        while frontier:
            v = frontier.pop()
            if v in cone:
                continue
            cone.add(v)
            d = self.definitions.get(v)
            if d is not None:
                frontier.extend(free_vars(d, memo) - cone)
        # in the order they were encoded: a set's order follows the process's hash seed,
        # and the order of the constraints changes Z3's time (3x on one step query) and
        # its models; sorted by name, one mutant of the waterfall took 37 s, not 2.5 s
        chosen = [d for name, d in self.definitions.items() if name in cone]
        for c in self.solver.constraints:
            vs = {x for x in free_vars(c, memo) if not x.startswith("assume:")}
            if vs <= cone:
                chosen.append(c)
        return chosen

    def everything(self) -> list[Any]:
        assert isinstance(self.solver, _Recorder)
        return [*self.definitions.values(), *self.solver.constraints]

    # ------------------------------------------------------------------ properties
    def properties(
        self, t: int, decls: Sequence[PredicateDecl] | None = None
    ) -> list[tuple[PredicateDecl, int | None, Any]]:
        decls = self.spec.properties() if decls is None else decls
        out = []
        for decl in decls:
            for acc, val in eval_predicate(
                self.spec, self.params, self.backend, self.states[t], decl
            ):
                out.append((decl, acc, val.raw))
        return out


class _Recorder:
    """Stands in for a solver: keeps the constraints for per-query slicing."""

    def __init__(self) -> None:
        self.constraints: list[Any] = []

    def add(self, *cs: Any) -> None:
        self.constraints.extend(cs)


def conjuncts(expr: Any) -> list[Any]:
    """Split nested conjunctions (``And``) into their parts."""
    out, stack = [], [expr]
    while stack:
        e = stack.pop()
        if z3.is_and(e):
            stack.extend(reversed(e.children()))
        else:
            out.append(e)
    return out


def free_vars(expr: Any, memo: dict[int, frozenset[str]] | None = None) -> frozenset[str]:
    """Names of the uninterpreted constants (variables) in a Z3 term."""
    memo = {} if memo is None else memo
    key = expr.get_id()
    if key in memo:
        return memo[key]
    stack: list[tuple[Any, bool]] = [(expr, False)]
    while stack:
        e, expanded = stack.pop()
        k = e.get_id()
        if k in memo:
            continue
        if not expanded:
            stack.append((e, True))
            stack.extend((c, False) for c in e.children() if c.get_id() not in memo)
            continue
        if z3.is_const(e) and e.decl().kind() == z3.Z3_OP_UNINTERPRETED:
            memo[k] = frozenset((e.decl().name(),))
        else:
            acc: frozenset[str] = frozenset()
            for c in e.children():
                acc = acc | memo[c.get_id()]
            memo[k] = acc
    return memo[key]


class _SymbolicChooser:
    """Fresh solver variables for every choice of step ``t``."""

    def __init__(self, unrolling: Unrolling, sv: StepVars) -> None:
        self.u = unrolling
        self.sv = sv

    def market(self, t: int, name: str) -> Value:
        dom = self.u.spec.bounds[name]
        var = number_var(self.u.spec, self.u.names.get("market", t, name))
        lo, hi = self.u.bound_terms.get(name, (self.u._num(dom.lo), self.u._num(dom.hi)))
        self.u.assume(f"envelope.{name}.lo", var >= lo)
        self.u.assume(f"envelope.{name}.hi", var <= hi)
        self.u.inputs.append(InputVar(str(var), var, "market", t, dom, self.u.scale))
        self.sv.market[name] = var
        return Value(self.u.backend, var, NUM)

    def adversarial(self, t: int, keeper: str, account: int | None) -> Value:
        var = z3.Bool(self.u.names.get("keeper", t, keeper, account=account))
        self.u.inputs.append(InputVar(str(var), var, "keeper", t))
        self.sv.keepers[(keeper, account)] = var
        return Value(self.u.backend, var, BOOL)

    def every_step(self, t: int, keeper: str, account: int | None) -> Value:
        # fires wherever enabled while `keeper.NAME.every_step` is assumed; without the
        # assumption the keeper becomes adversarial (this is how a proof's use of the
        # liveness assumption shows in its unsat core)
        skip_free = z3.Bool(self.u.names.get("runs", t, keeper, account=account))
        return Value(
            self.u.backend, z3.Or(self.u.literal(f"keeper.{keeper}.every_step"), skip_free), BOOL
        )

    def bounded(self, t: int, assumption: str, forced: Value) -> Value:
        # a `within=k` keeper is forced to run, once late k steps, while its assumption
        # `keeper.NAME.within` (or `oracle.NAME.within`) holds; without it: adversarial
        lit = self.u.literal(assumption)
        return Value(self.u.backend, z3.And(lit, forced.raw), BOOL)

    def candidates(self, t: int) -> Sequence[tuple[int, Instance]]:
        if not self.u.instances:
            return []
        # a Real restricted to 0..n keeps every query in pure real arithmetic (an Int
        # here made Z3 leave nlsat and time out on deeper needles)
        var = z3.Real(self.u.names.get("action", t))
        self.u.solver.add(z3.Or([var == i for i in range(len(self.u.instances) + 1)]))
        self.u.inputs.append(InputVar(str(var), var, "action", t))
        self.sv.action_var = var
        return list(enumerate(self.u.instances, start=1))

    def selected(self, t: int, index: int) -> Value:
        return Value(self.u.backend, self.sv.action_var == index, BOOL)

    def args(self, t: int, action: ActionDecl) -> dict[str, Value]:
        out = {}
        mine: dict[str, Any] = {}
        self.sv.args[id(action)] = mine
        for aname, dom in action.args.items():
            vname = self.u.names.get("arg", t, action.name, aname, owner=id(action))
            if isinstance(dom, AnyBool):
                var = z3.Bool(vname)
                out[aname] = Value(self.u.backend, var, BOOL)
                self.u.inputs.append(InputVar(vname, var, "arg", t))
            else:
                var = number_var(self.u.spec, vname)
                self.u.assume(
                    f"action.{action.name}.{aname}",
                    z3.And(var >= self.u._num(dom.lo), var <= self.u._num(dom.hi)),
                )
                out[aname] = Value(self.u.backend, var, NUM)
                self.u.inputs.append(InputVar(vname, var, "arg", t, dom, self.u.scale))
            mine[aname] = var
        return out
