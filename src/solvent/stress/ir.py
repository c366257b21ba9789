"""Trace one step of a spec into a small IR over the closed op set (like a jaxpr).

The spec's own Python (tick, keepers, invariants) runs once on a *tracing backend* whose
raw values are node ids; every primitive op appends a hash-consed node. The pieces the
stress kernel needs are then put in an account-generic form:

- the **tick** and each **global** keeper/predicate may read globals, market draws and
  folds over accounts (``sv.all_of``, ``sv.sum`` ... are left folds over ``s.accounts``);
- each **per-account** keeper/predicate is traced for account 0 of a 2-account spec and
  must read and write only that account (and globals): it becomes a loop body.

A fold is recognised by tracing at 3 and at 4 accounts: the result must be
``op(...op(op(init, g(0)), g(1))..., g(N-1))`` (or start at ``g(0)``) with every ``g(k)``
the same graph with account ``k`` in place of account 0, and both sizes must give the
same template. Anything else (a keeper that touches other accounts, a tick that writes
per-account fields, user code that branches on an account index) raises
:class:`NotCompilable`; the runner then uses the NumPy-lanes engine, which runs the spec's
functions as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from solvent.backends.base import Backend
from solvent.engine.context import no_guards
from solvent.engine.state import MarketView, StateDict, StateView
from solvent.engine.step import call_user, check_bool, run_guarded, sorts_of
from solvent.lang.values import BOOL, NUM, SIGNATURES, Value
from solvent.spec.spec import ActionDecl, Params, PredicateDecl, Spec

FOLD_OPS = ("and", "or", "add", "max", "min", "mul")


class NotCompilable(Exception):
    """The spec's step does not fit the compiled kernel's shape (reason in the message)."""


@dataclass(frozen=True, slots=True)
class Node:
    op: str  # a primitive op, or "g", "acc", "mkt", "c", "cb"
    args: tuple[int, ...]
    data: Any = None


class Builder:
    """Hash-consed nodes in creation (= topological) order, with account dependencies."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.deps: list[frozenset[int]] = []
        self._index: dict[tuple[str, tuple[int, ...], Any], int] = {}

    def node(self, op: str, args: tuple[int, ...] = (), data: Any = None) -> int:
        key = (op, args, data)
        found = self._index.get(key)
        if found is not None:
            return found
        nid = len(self.nodes)
        self.nodes.append(Node(op, args, data))
        if op == "acc":
            deps = frozenset({data[1]})
        else:
            deps = frozenset().union(*(self.deps[a] for a in args)) if args else frozenset()
        self.deps.append(deps)
        self._index[key] = nid
        return nid


class TracingBackend(Backend):
    """Raw values are node ids of a :class:`Builder`."""

    name = "tracing"

    def __init__(self, builder: Builder) -> None:
        self.builder = builder
        self.RULES = {op: self._rule(op) for op in SIGNATURES}

    def _rule(self, op: str) -> Callable[..., int]:
        return lambda *args: self.builder.node(op, tuple(args))

    def const(self, q: Fraction) -> int:
        return self.builder.node("c", (), Fraction(q))  # exact: the kernel bounds float(q)

    def const_bool(self, b: bool) -> int:
        return self.builder.node("cb", (), bool(b))


def _raw(backend: TracingBackend, v: Any, sort: str) -> int:
    if isinstance(v, Value):
        return v.raw
    if isinstance(v, bool):
        return backend.const_bool(v)
    return backend.const(Fraction(v))


def traced_state(spec: Spec, backend: TracingBackend, n: int) -> StateDict:
    b = backend.builder
    state: StateDict = {}
    for name, fd in spec.fields.items():
        if fd.per_account:
            state[name] = [Value(backend, b.node("acc", (), (name, k)), fd.sort) for k in range(n)]
        else:
            state[name] = Value(backend, b.node("g", (), name), fd.sort)
    return state


# -- templates ---------------------------------------------------------------------------
# T := ("n", node)                      a node whose account deps are empty or {loop account}
#    | ("op", op, (T, ...))             a node combining folds / globals
#    | ("fold", op, T | None, leaf)     left fold over accounts of the graph `leaf` (account 0)


@dataclass(slots=True)
class Traced:
    """One traced piece: its builder, output templates and canonical signature."""

    builder: Builder
    outputs: dict[str, Any]  # output name -> template
    guard: Any = None  # template of a keeper's guard (None: always enabled)
    signature: tuple[Any, ...] = ()
    per_account: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class _Canon:
    """Structural canonical ids, shared across builders (to compare traces)."""

    def __init__(self) -> None:
        self.table: dict[Any, int] = {}

    def key(self, b: Builder, nid: int, account: int | None, memo: dict[int, int]) -> int:
        if nid in memo:
            return memo[nid]
        node = b.nodes[nid]
        data = node.data
        if node.op == "acc":
            data = (data[0], "a" if data[1] == account else data[1])
        k = (node.op, data, tuple(self.key(b, a, account, memo) for a in node.args))
        out = self.table.setdefault(k, len(self.table))
        memo[nid] = out
        return out


def _template(b: Builder, nid: int, n: int, canon: _Canon) -> Any:
    """Account-generic template of a global quantity traced with ``n`` accounts."""
    deps = b.deps[nid]
    if not deps:
        return ("n", nid)
    node = b.nodes[nid]
    everyone = frozenset(range(n))
    if node.op in FOLD_OPS and deps == everyone:
        fold = _fold(b, nid, n, canon)
        if fold is not None:
            return fold
    if node.op in ("g", "acc", "mkt", "c", "cb"):
        raise NotCompilable(
            f"a quantity reads account {sorted(deps)} outside a fold over all accounts"
        )
    return ("op", node.op, tuple(_template(b, a, n, canon) for a in node.args))


def _fold(b: Builder, nid: int, n: int, canon: _Canon) -> Any:
    op = b.nodes[nid].op
    leaves: list[int] = []
    cur = nid
    for j in range(n - 1, 0, -1):
        node = b.nodes[cur]
        if node.op != op or len(node.args) != 2:
            return None
        left, right = node.args
        if b.deps[right] != frozenset({j}):
            return None
        leaves.append(right)
        cur = left
    leaves.reverse()
    rest = [canon.key(b, leaf, k + 1, {}) for k, leaf in enumerate(leaves)]
    if len(set(rest)) > 1:
        return None
    candidates: list[tuple[Any, int]] = []
    node = b.nodes[cur]
    if node.op == op and len(node.args) == 2 and not b.deps[node.args[0]]:
        candidates.append((("n", node.args[0]), node.args[1]))
    candidates.append((None, cur))
    for init, leaf0 in candidates:
        if b.deps[leaf0] != frozenset({0}):
            continue
        if not rest or canon.key(b, leaf0, 0, {}) == rest[0]:
            return ("fold", op, init, leaf0)
    return None


def _signature(b: Builder, t: Any, canon: _Canon) -> Any:
    """Structural form of a template (compared across account counts)."""
    kind = t[0]
    if kind == "n":
        return ("n", canon.key(b, t[1], 0, {}))
    if kind == "op":
        return ("op", t[1], tuple(_signature(b, x, canon) for x in t[2]))
    init = None if t[2] is None else _signature(b, t[2], canon)
    return ("fold", t[1], init, canon.key(b, t[3], 0, {}))


# -- tracing the pieces of a step -----------------------------------------------------------


class StepTracer:
    """Trace the tick, the keepers and the properties of ``spec``."""

    def __init__(self, spec: Spec, params: Params) -> None:
        self.spec = spec
        self.params = params
        self.sorts = sorts_of(spec)
        self.canon = _Canon()

    def _fresh(self, n: int) -> tuple[TracingBackend, StateDict]:
        tb = TracingBackend(Builder())
        return tb, traced_state(self.spec, tb, n)

    def _market(self, tb: TracingBackend) -> dict[str, Value]:
        return {name: Value(tb, tb.builder.node("mkt", (), name), NUM) for name in self.spec.bounds}

    def _global(self, run: Callable[[int], tuple[Builder, dict[str, int]]]) -> Traced:
        """Trace a global piece at 3 and 4 accounts; keep the 4-account templates."""
        sigs = []
        result = None
        for n in (3, 4):
            b, outs = run(n)
            outputs = {name: _template(b, nid, n, self.canon) for name, nid in outs.items()}
            sigs.append({k: _signature(b, t, self.canon) for k, t in outputs.items()})
            result = Traced(b, outputs)
        assert result is not None
        if sigs[0] != sigs[1]:
            raise NotCompilable("a global quantity has a different shape for 3 and 4 accounts")
        return result

    def tick(self) -> Traced:
        spec = self.spec

        def run(n: int) -> tuple[Builder, dict[str, int]]:
            tb, s = self._fresh(n)
            market = self._market(tb)
            for t in spec.ticks:
                view = StateView(s, self.sorts, tb, writable=True, accounts=n)
                with no_guards(t.name):
                    args = (
                        (view, self.params, MarketView(market))
                        if t.takes_params
                        else (view, MarketView(market))
                    )
                    call_user(f"tick {t.name}", t.where, t.fn, *args)
            outs: dict[str, int] = {}
            for name, fd in spec.fields.items():
                if fd.per_account:
                    for k, v in enumerate(s[name]):
                        if v.raw != tb.builder.node("acc", (), (name, k)):
                            raise NotCompilable(f"the tick writes the per-account field {name}")
                elif s[name].raw != tb.builder.node("g", (), name):
                    outs[name] = s[name].raw
            return tb.builder, outs

        return self._global(run)

    def keeper(self, decl: ActionDecl) -> Traced:
        if decl.liveness == "within":  # its counter lives in the engine's step, not here
            raise NotCompilable(f"keeper {decl.name} is declared within={decl.within}")
        if decl.n_accounts == 0:
            return self._global_keeper(decl)
        traced = []
        for a in (0, 1):
            tb, s = self._fresh(2)
            new, written, guard = run_guarded(decl, s, self.sorts, tb, self.params, (a,), {}, 2)
            b = tb.builder
            outs: dict[str, int] = {}
            for name, index in sorted(written, key=lambda w: (w[0], -1 if w[1] is None else w[1])):
                if index is None:
                    outs[name] = new[name].raw
                elif index == a:
                    outs[f"{name}[a]"] = new[name][index].raw
                else:
                    raise NotCompilable(
                        f"keeper {decl.name}({a}) writes {name}[{index}] of another account"
                    )
            g = None if guard is True else _raw(tb, guard, BOOL)
            for what, nid in [*outs.items(), ("guard", g)]:
                if nid is not None and not b.deps[nid] <= {a}:
                    raise NotCompilable(f"keeper {decl.name} reads other accounts in {what}")
            sig = tuple(
                (k, self.canon.key(b, v, a, {}))
                for k, v in [*outs.items(), ("guard", g)]
                if v is not None
            )
            traced.append((b, outs, g, sig))
        if traced[0][3] != traced[1][3]:
            raise NotCompilable(f"keeper {decl.name} does not run the same code for every account")
        b, outs, g, sig = traced[0]
        return Traced(
            b, {k: ("n", v) for k, v in outs.items()}, None if g is None else ("n", g), sig, True
        )

    def _global_keeper(self, decl: ActionDecl) -> Traced:
        guards: list[Any] = []

        def run(n: int) -> tuple[Builder, dict[str, int]]:
            tb, s = self._fresh(n)
            new, written, guard = run_guarded(decl, s, self.sorts, tb, self.params, (), {}, n)
            outs: dict[str, int] = {}
            for name, index in sorted(written, key=lambda w: (w[0], w[1] is not None)):  # a set
                if index is not None:
                    raise NotCompilable(f"keeper {decl.name} writes the per-account field {name}")
                outs[name] = new[name].raw
            if guard is not True:
                outs["#guard"] = _raw(tb, guard, BOOL)
            return tb.builder, outs

        traced = self._global(run)
        g = traced.outputs.pop("#guard", None)
        traced.guard = g
        del guards
        return traced

    def predicate(self, decl: PredicateDecl) -> Traced:
        spec = self.spec
        if decl.per_account:
            tb, s = self._fresh(2)
            view = StateView(s, self.sorts, tb, writable=False, accounts=2)
            args = (view, self.params, 0) if decl.takes_params else (view, 0)
            with no_guards(decl.name):
                result = call_user(f"{decl.kind} {decl.name}", decl.where, decl.fn, *args)
            nid = self._result(decl, result, tb)
            if not tb.builder.deps[nid] <= {0}:
                raise NotCompilable(f"{decl.kind} {decl.name}(a) reads other accounts")
            return Traced(tb.builder, {"value": ("n", nid)}, per_account=True)

        def run(n: int) -> tuple[Builder, dict[str, int]]:
            tb, s = self._fresh(n)
            view = StateView(s, self.sorts, tb, writable=False, accounts=n)
            args = (view, self.params) if decl.takes_params else (view,)
            with no_guards(decl.name):
                result = call_user(f"{decl.kind} {decl.name}", decl.where, decl.fn, *args)
            return tb.builder, {"value": self._result(decl, result, tb)}

        del spec
        return self._global(run)

    def _result(self, decl: PredicateDecl, result: Any, tb: TracingBackend) -> int:
        if decl.kind == "metric":
            return _raw(tb, result, NUM)
        return check_bool(decl, result, tb).raw


def reads_accounts(t: Any) -> bool:
    """Whether template ``t`` reads the accounts (a fold over them)."""
    return t[0] == "fold" or (t[0] == "op" and any(reads_accounts(x) for x in t[2]))


def conjunction(t: Any) -> bool:
    """Whether a global predicate's template is a conjunction of terms that each read
    no account or one account (``and`` folds): on fewer accounts it only loses terms."""
    if t[0] == "op" and t[1] == "and":
        return all(conjunction(x) for x in t[2])
    if t[0] == "fold":
        return t[1] == "and" and (t[2] is None or conjunction(t[2]))
    return not reads_accounts(t)
