"""Random small specs and an exhaustive concrete explorer, for differential soundness tests.

The API (stable; other test suites reuse it):

- :func:`specs` -- a Hypothesis strategy of :class:`GeneratedSpec`: a small random spec
  written as Python **source** (so every CLI verb can run on it), with names drawn from a
  pool that includes words of the trace format (``action``, ``market``, ``init``,
  ``steps``, ``params``, ...) and names shared between kinds (a keeper and a field both
  named ``drain``, an action ``market`` whose argument is named like a market draw),
  integer and rational domains, guards (``sv.requires``), adversarial and every-step
  keepers, per-account fields (with per-account initial values given as a list) and exact
  or fixed-point arithmetic (with ``sv.mul_down``/``sv.mul_up`` roundings).

  ``GeneratedSpec`` has ``.source`` (the file text), ``.write(directory) -> Path``,
  ``.load() -> Spec`` (written to a temporary file and loaded the way the CLI loads it),
  ``.variant(arithmetic, decimals)`` (the same spec in another arithmetic) and metadata:
  ``.fields``, ``.bounds``, ``.actions``, ``.keepers``, ``.invariants`` (names, in
  declaration order), ``.accounts``, ``.arithmetic``, ``.decimals``, ``.rounds`` (uses a
  rounding function, so exact and fixed point may legitimately differ).

  Options: ``specs(arithmetic=("exact", "fixed"), max_branching=BRANCHING,
  rounding=None)`` (``rounding=False``: never a rounding function).

- :func:`explore` -- ``explore(spec, depth, *, stats=None) -> list[Trace]``: every path of
  at most ``depth`` steps over a finite grid of choices, run on the concrete judge (exact
  ``Fraction`` or the fixed-point integers of the spec), breadth first with states merged
  (a state reached by two paths is expanded once). The grid of a domain ``[lo, hi]`` is
  its corners, its midpoint and 0 when inside (on the fixed-point grid in fixed
  arithmetic); every adversarial keeper fires or not per account; every user-action
  instance (or none) with every grid point of its arguments; every symbolic initial value
  on its grid (filtered by the spec's ``@initial`` conditions). Returns one trace per
  violating state (the first path found to it), in a deterministic order; each trace
  replays to a violation with :func:`solvent.check.replay.replay`. ``stats`` (a dict)
  receives ``paths`` (transitions run), ``states`` (distinct states) and
  ``violations``.

- :func:`grid` -- the grid points of one domain (used by :func:`explore`).

- :func:`check_bmc`, :func:`check_prove`, :func:`check_arithmetic` -- the differential
  properties on one generated spec (``check(g, depth, stats)``; AssertionError with the
  spec's source on a disagreement): the tests of this directory and the long profile
  (``benchmarks/soundness.py``) run them.

Import it from a test in ``tests/soundness`` as ``from specgen import specs, explore``
(pytest puts the test's directory on ``sys.path``); from elsewhere, add
``tests/soundness`` to ``sys.path`` first.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from solvent.backends.modes import concrete_for, plain_value
from solvent.check.replay import number
from solvent.engine.step import eval_predicate, run_step
from solvent.engine.trace import ActionChoice, Trace, TraceStep
from solvent.lang.domains import AnyBool, Within
from solvent.lang.values import Value, format_number
from solvent.spec.load import load_spec
from solvent.spec.spec import ActionDecl, Instance, Spec

# Names that look like the trace format's or the solver encoding's own words, and plain
# ones; every kind draws from this one pool so that kinds share names.
NAME_POOL = (
    "action",
    "market",
    "init",
    "steps",
    "params",
    "keepers",
    "name",
    "args",
    "move",
    "drain",
    "add",
    "amount",
    "total",
    "hyp",
    "envelope",
    "keeper",
    "runs_anyway",
    "x",
    "debt",
    "lo",
    "hi",
)
# words the generated source itself needs (module-level names, parameters of functions)
_TAKEN = {"sv", "spec", "Num", "Bool", "PerAccount", "s", "p", "m", "a", "b"}
ARG_POOL = ("amount", "move", "qty", "drain", "action", "market", "x", "lo")
BRANCHING = 160  # cap on the choices of one step (keeps the exploration exhaustive but fast)


def _num(q: Fraction) -> str:
    return format_number(q)


@dataclass(frozen=True)
class GenField:
    name: str
    kind: str  # "num" | "bool"
    per_account: bool
    init: tuple[Any, ...]  # per account when given as a list; (Fraction|bool|("within",lo,hi),)
    listed: bool = False  # per-account initial values written as a list


@dataclass(frozen=True)
class GenAction:
    name: str
    accounts: int  # 0 or 1 (or 2 with two accounts)
    args: tuple[tuple[str, Any], ...]  # (name, (lo, hi) | "bool")
    guards: tuple[str, ...]
    body: tuple[str, ...]


@dataclass(frozen=True)
class GenKeeper:
    name: str
    liveness: str  # "adversarial" | "every_step"
    per_account: bool
    guards: tuple[str, ...]
    body: tuple[str, ...]


@dataclass(frozen=True)
class GenInvariant:
    name: str
    per_account: bool
    expr: str


@dataclass(frozen=True)
class GeneratedSpec:
    """One generated spec: its source text and what it declares (see the module doc)."""

    accounts: int
    arithmetic: str
    decimals: int | None
    fields_: tuple[GenField, ...]
    bounds_: tuple[tuple[str, Fraction, Fraction], ...]
    tick: tuple[str, ...]
    actions_: tuple[GenAction, ...]
    keepers_: tuple[GenKeeper, ...]
    invariants_: tuple[GenInvariant, ...]
    rounds: bool = False
    title: str = "generated"

    # ------------------------------------------------------------------ metadata
    @property
    def fields(self) -> list[str]:
        return [f.name for f in self.fields_]

    @property
    def bounds(self) -> list[str]:
        return [b[0] for b in self.bounds_]

    @property
    def actions(self) -> list[str]:
        return [a.name for a in self.actions_]

    @property
    def keepers(self) -> list[str]:
        return [k.name for k in self.keepers_]

    @property
    def invariants(self) -> list[str]:
        return [i.name for i in self.invariants_]

    # ------------------------------------------------------------------ source
    @property
    def source(self) -> str:
        out = ["import solvent as sv", "from solvent import Bool, Num, PerAccount", ""]
        extra = (
            "" if self.arithmetic == "exact" else f', arithmetic="fixed", decimals={self.decimals}'
        )
        out.append(f'spec = sv.Spec("{self.title}", accounts={self.accounts}{extra})')
        out += ["", "", "@spec.state", "class State:"]
        for f in self.fields_:
            out.append(f"    {f.name}: {_annotation(f)} = {_init_text(f)}")
        out += ["", "", "@spec.envelope", "class Market:"]
        for name, lo, hi in self.bounds_:
            out.append(f'    {name}: Num = sv.within("{_num(lo)}", "{_num(hi)}")')
        out += ["", "", "@spec.tick", "def tick(s, m):", '    """the market moves"""']
        out += [f"    {line}" for line in self.tick]
        for act in self.actions_:
            doms = ", ".join(
                f"{n}=sv.any_bool()"
                if d == "bool"
                else f'{n}=sv.within("{_num(d[0])}", "{_num(d[1])}")'
                for n, d in act.args
            )
            accs = ["a", "b"][: act.accounts]
            params = ", ".join(["s", "p", *accs, *(n for n, _ in act.args)])
            out += ["", "", f"@spec.action({doms})", f"def {act.name}({params}):"]
            out += [f"    sv.requires({g})" for g in act.guards]
            out += [f"    {line}" for line in act.body] or ["    pass"]
        for kp in self.keepers_:
            flag = "adversarial=True" if kp.liveness == "adversarial" else "every_step=True"
            params = "s, p, a" if kp.per_account else "s, p"
            out += ["", "", f"@spec.keeper({flag})", f"def {kp.name}({params}):"]
            out += [f"    sv.requires({g})" for g in kp.guards]
            out += [f"    {line}" for line in kp.body] or ["    pass"]
        for inv in self.invariants_:
            params = "s, p, a" if inv.per_account else "s"
            out += [
                "",
                "",
                "@spec.invariant",
                f"def {inv.name}({params}):",
                f"    return {inv.expr}",
            ]
        return "\n".join(out) + "\n"

    def write(self, directory: Path | str) -> Path:
        """Write the source to ``directory/<title>.py`` and return the path."""
        path = Path(directory) / f"{self.title.replace('-', '_')}.py"
        path.write_text(self.source)
        return path

    def load(self) -> Spec:
        """Write to a temporary file and load it like the CLI (``solvent.spec.load``)."""
        with tempfile.TemporaryDirectory(prefix="solvent-specgen-") as d:
            return load_spec(str(self.write(d)))

    def variant(self, arithmetic: str, decimals: int | None = None) -> GeneratedSpec:
        """The same spec in another arithmetic (constants are on a 2-decimal grid)."""
        return replace(
            self, arithmetic=arithmetic, decimals=decimals if arithmetic == "fixed" else None
        )


def _annotation(f: GenField) -> str:
    inner = "Num" if f.kind == "num" else "Bool"
    return f"PerAccount[{inner}]" if f.per_account else inner


def _one_init(x: Any) -> str:
    if isinstance(x, bool):
        return repr(x)
    if isinstance(x, tuple):
        return f'sv.within("{_num(x[1])}", "{_num(x[2])}")'
    return f'Num("{_num(x)}")'


def _init_text(f: GenField) -> str:
    if f.listed:
        return (
            "["
            + ", ".join(
                _one_init(x) if not isinstance(x, Fraction) else f'"{_num(x)}"' for x in f.init
            )
            + "]"
        )
    return _one_init(f.init[0])


# ---------------------------------------------------------------------- strategies
_FACTORS = ("0.5", "0.25", "1.5", "0.75", "0.01")  # on a 2-decimal grid: fine in fixed point
_CONSTS = tuple(Fraction(x) for x in ("0", "1", "2", "3", "5", "-1", "1/2", "3/2", "0.25"))


def _const(draw: Any, *, positive: bool = False) -> Fraction:
    pool = [c for c in _CONSTS if c > 0] if positive else list(_CONSTS)
    return draw(st.sampled_from(pool))


def _domain(draw: Any) -> tuple[Fraction, Fraction]:
    lo = draw(
        st.sampled_from([Fraction(-2), Fraction(-1), Fraction(0), Fraction(1, 2), Fraction(1)])
    )
    width = draw(
        st.sampled_from([Fraction(0), Fraction(1), Fraction(2), Fraction(5, 2), Fraction(4)])
    )
    return lo, lo + width


def _name(draw: Any, used: set[str], pool: Sequence[str] = NAME_POOL) -> str:
    """A name from ``pool`` (repeats weigh more) not in ``used`` (one kind never repeats)."""
    name = draw(st.sampled_from([n for n in pool if n not in used and n not in _TAKEN]))
    used.add(name)
    return name


def _num_term(draw: Any, num_fields: list[GenField], acc: str | None, extra: Sequence[str]) -> str:
    """A number term: a field (indexed by the account if per-account), a constant or ``extra``."""
    options: list[str] = [f'Num("{_num(_const(draw))}")', *extra]
    for f in num_fields:
        if not f.per_account:
            options.append(f"s.{f.name}")
        elif acc is not None:
            options.append(f"s.{f.name}[{acc}]")
        else:
            options.append(f"s.{f.name}[0]")
    return draw(st.sampled_from(options))


def _target(draw: Any, fields: list[GenField], acc: str | None) -> tuple[GenField, str]:
    f = draw(st.sampled_from(fields))
    if f.per_account:
        return f, f"s.{f.name}[{acc if acc is not None else '0'}]"
    return f, f"s.{f.name}"


def _update(
    draw: Any, fields: list[GenField], acc: str | None, extra: Sequence[str], rounding: bool
) -> str:
    f, lhs = _target(draw, fields, acc)
    if f.kind == "bool":
        nums = [g for g in fields if g.kind == "num"]
        choice = draw(st.integers(0, 2))
        if choice == 0 or not nums:
            return f"{lhs} = {draw(st.booleans())}"
        if choice == 1:
            c = _num(_const(draw))
            return f'{lhs} = {_num_term(draw, nums, acc, extra)} >= Num("{c}")'
        return f"{lhs} = {_num_term(draw, nums, acc, extra)} < {_num_term(draw, nums, acc, extra)}"
    nums = [g for g in fields if g.kind == "num"]
    term = _num_term(draw, nums, acc, extra)
    op = draw(
        st.sampled_from(["+", "-", "=", "*2", "round"] if rounding else ["+", "-", "=", "*2"])
    )
    if op == "=":
        return f"{lhs} = {term}"
    if op == "*2":
        return f"{lhs} = {lhs} * 2 - {term}"
    if op == "round":
        if term.startswith("Num("):  # a product of two constants would be a plain,
            term = lhs  # unrounded number (off the grid in fixed point: SV810)
        fn = draw(st.sampled_from(["sv.mul_down", "sv.mul_up"]))
        return f'{lhs} = {lhs} + {fn}({term}, Num("{draw(st.sampled_from(_FACTORS))}"))'
    return f"{lhs} = {lhs} {op} {term}"


def _guard(draw: Any, fields: list[GenField], acc: str | None, extra: Sequence[str]) -> str:
    nums = [g for g in fields if g.kind == "num"]
    bools = [g for g in fields if g.kind == "bool"]
    kinds = ["cmp"] + (["bool"] if bools else [])
    if draw(st.sampled_from(kinds)) == "bool":
        f = draw(st.sampled_from(bools))
        ref = f"s.{f.name}[{acc or '0'}]" if f.per_account else f"s.{f.name}"
        return ref if draw(st.booleans()) else f"~{ref}"
    op = draw(st.sampled_from(["<=", ">=", "<", ">"]))
    return f"{_num_term(draw, nums, acc, extra)} {op} {_num_term(draw, nums, acc, extra)}"


@st.composite
def specs(
    draw: Any,
    arithmetic: Sequence[str] = ("exact", "fixed"),
    max_branching: int = BRANCHING,
    rounding: bool | None = None,
) -> GeneratedSpec:
    """A small random spec (see the module doc); ``rounding=False``: no mul_down/mul_up."""
    for _attempt in range(50):
        g = _one_spec(draw, arithmetic, rounding=rounding)
        if branching(g) <= max_branching:
            return g
    return _one_spec(draw, arithmetic, tiny=True, rounding=rounding)


def _one_spec(
    draw: Any, arithmetic: Sequence[str], tiny: bool = False, rounding: bool | None = None
) -> GeneratedSpec:
    accounts = 1 if tiny else draw(st.integers(1, 2))
    arith = draw(st.sampled_from(list(arithmetic)))
    decimals = 2 if arith == "fixed" else None
    rounding = draw(st.booleans()) if rounding is None else rounding
    # names: one pool for every kind; kinds may share names (across kinds only), and the
    # pools favour the sharings that once merged solver variables: a field named
    # `action`, a Bool field named like an adversarial keeper (same per-account shape),
    # an action `market` with an argument named like a market draw
    keeper_names: set[str] = set()
    keeper_heads = []
    for _ in range(draw(st.integers(0, 0 if tiny else 2))):
        name = _name(draw, keeper_names, ("drain", "drain", "x", *NAME_POOL))
        liveness = draw(st.sampled_from(["adversarial", "adversarial", "every_step"]))
        keeper_heads.append((name, liveness, draw(st.booleans())))
    bound_names: set[str] = set()
    bounds = []
    for _ in range(draw(st.integers(1, 1 if tiny else 2))):
        lo, hi = _domain(draw)
        bounds.append((_name(draw, bound_names, ("move", "move", *NAME_POOL)), lo - 1, hi - 1))
    field_names: set[str] = set()
    fields: list[GenField] = []
    shared = [k[0] for k in keeper_heads] * 2
    for i in range(draw(st.integers(1, 1 if tiny else 3))):
        name = _name(draw, field_names, ("action", "action", *shared, *NAME_POOL))
        like = [k for k in keeper_heads if k[0] == name]
        if i > 0 and like and draw(st.integers(0, 3)) > 0:
            kind, per_account = "bool", like[0][2]
        else:
            kind = "num" if i == 0 else draw(st.sampled_from(["num", "num", "bool"]))
            per_account = draw(st.booleans())
        if kind == "bool":
            init: Any = draw(st.sampled_from([False, True]))
            fields.append(GenField(name, kind, per_account, (init,)))
            continue
        symbolic = draw(st.integers(0, 3)) == 0
        if per_account and accounts > 1 and draw(st.booleans()):
            vals = tuple(_const(draw) for _ in range(accounts))
            fields.append(GenField(name, kind, True, vals, listed=True))
            continue
        if symbolic:
            lo, hi = _domain(draw)
            fields.append(GenField(name, kind, per_account, (("within", lo, hi),)))
        else:
            fields.append(GenField(name, kind, per_account, (_const(draw),)))
    nums = [f for f in fields if f.kind == "num"]
    tick = []
    if draw(st.booleans()):
        f, lhs = _target(draw, nums, None)
        tick.append(f"{lhs} = {lhs} + m.{draw(st.sampled_from([b[0] for b in bounds]))}")
    if not tick:
        tick.append("pass")
    action_names: set[str] = set()
    actions = []
    for _ in range(draw(st.integers(1, 1 if tiny else 2))):
        name = _name(draw, action_names, ("market", "market", *NAME_POOL))
        n_acc = draw(st.integers(0, min(1, accounts) if accounts == 1 else 2))
        acc = "a" if n_acc else None
        args: list[tuple[str, Any]] = []
        arg_names: set[str] = set()
        arg_pool = (*[b[0] for b in bounds] * 2, *ARG_POOL)
        for _ in range(draw(st.integers(0, 1 if tiny else 2))):
            an = _name(draw, arg_names, arg_pool)
            args.append((an, "bool" if draw(st.integers(0, 4)) == 0 else _domain(draw)))
        num_args = [n for n, d in args if d != "bool"]
        guards = tuple(_guard(draw, fields, acc, num_args) for _ in range(draw(st.integers(0, 1))))
        guards += tuple(n for n, d in args if d == "bool" and draw(st.booleans()))
        body = tuple(
            _update(draw, fields, acc, num_args, rounding) for _ in range(draw(st.integers(1, 2)))
        )
        actions.append(GenAction(name, n_acc, tuple(args), guards, body))
    keepers = []
    for name, liveness, per_account in keeper_heads:
        acc = "a" if per_account else None
        guards = tuple(_guard(draw, fields, acc, ()) for _ in range(draw(st.integers(0, 1))))
        body = tuple(
            _update(draw, fields, acc, (), rounding) for _ in range(draw(st.integers(1, 2)))
        )
        keepers.append(GenKeeper(name, liveness, per_account, guards, body))
    inv_names: set[str] = set()
    invariants = []
    for _ in range(draw(st.integers(1, 2))):
        name = _name(draw, inv_names)
        per_account = accounts > 1 and draw(st.booleans())
        acc = "a" if per_account else None
        f, ref = _target(draw, nums, acc)
        op = draw(st.sampled_from(["<=", ">="]))
        c = draw(st.sampled_from([Fraction(x) for x in ("-1", "0", "1", "2", "3", "5/2", "6")]))
        invariants.append(GenInvariant(name, per_account, f'{ref} {op} Num("{_num(c)}")'))
    uses_rounding = any("sv.mul_" in line for a in actions for line in a.body) or any(
        "sv.mul_" in line for k in keepers for line in k.body
    )
    return GeneratedSpec(
        accounts,
        arith,
        decimals,
        tuple(fields),
        tuple(bounds),
        tuple(tick),
        tuple(actions),
        tuple(keepers),
        tuple(invariants),
        uses_rounding,
    )


def branching(g: GeneratedSpec) -> int:
    """Choices of one step on the exploration grid (market x keepers x action)."""
    draws = 1
    for _n, lo, hi in g.bounds_:
        draws *= len(_grid_points(lo, hi, g.decimals))
    keeper = 2 ** sum(
        (g.accounts if k.per_account else 1) for k in g.keepers_ if k.liveness == "adversarial"
    )
    acts = 1
    for a in g.actions_:
        n = 1
        for _n, d in a.args:
            n *= 2 if d == "bool" else len(_grid_points(d[0], d[1], g.decimals))
        perms = len(list(itertools.permutations(range(g.accounts), a.accounts)))
        acts += n * perms
    return draws * keeper * acts


# ---------------------------------------------------------------------- exploration
def _grid_points(lo: Fraction, hi: Fraction, decimals: int | None) -> list[Fraction]:
    pts = {lo, hi, (lo + hi) / 2}
    if lo <= 0 <= hi:
        pts.add(Fraction(0))
    if decimals is not None:
        unit = Fraction(1, 10**decimals)
        pts = {Fraction((x / unit).__floor__()) * unit for x in pts}
        pts = {x for x in pts if lo <= x <= hi}
    return sorted(pts)


def grid(dom: Within | AnyBool, decimals: int | None = None) -> list[Any]:
    """Grid points of a domain: corners, midpoint and 0 when inside (on the fixed grid)."""
    if isinstance(dom, AnyBool):
        return [False, True]
    return _grid_points(Fraction(dom.lo), Fraction(dom.hi), decimals)


class _FixedChooser:
    """The choices of one step, fixed in advance (the explorer's Chooser)."""

    def __init__(
        self,
        backend: Any,
        market: dict[str, Fraction],
        keepers: dict[tuple[str, int | None], bool],
        action: tuple[int, Instance, dict[str, Any]] | None,
    ) -> None:
        self.backend = backend
        self._market = market
        self._keepers = keepers
        self._action = action

    def market(self, t: int, name: str) -> Value:
        return number(self.backend, self._market[name])

    def adversarial(self, t: int, keeper: str, account: int | None) -> Value:
        return Value(self.backend, self._keepers[(keeper, account)], "bool")

    def every_step(self, t: int, keeper: str, account: int | None) -> Value | None:
        return None

    def candidates(self, t: int) -> Sequence[tuple[int, Instance]]:
        return [] if self._action is None else [(self._action[0], self._action[1])]

    def selected(self, t: int, index: int) -> Value:
        return Value(self.backend, True, "bool")

    def args(self, t: int, action: ActionDecl) -> dict[str, Value]:
        assert self._action is not None
        return {
            k: Value(self.backend, v, "bool") if isinstance(v, bool) else number(self.backend, v)
            for k, v in self._action[2].items()
        }


def _key(state: dict[str, Any]) -> tuple[Any, ...]:
    out = []
    for name in sorted(state):
        v = state[name]
        out.append((name, tuple(v) if isinstance(v, list) else v))
    return tuple(out)


def _plain(state: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (
            [plain_value(x.backend, x.raw) for x in v]
            if isinstance(v, list)
            else plain_value(v.backend, v.raw)
        )
        for k, v in state.items()
    }


def _step_choices(spec: Spec, decimals: int | None) -> list[tuple[Any, ...]]:
    market_axes = [[(name, x) for x in grid(dom, decimals)] for name, dom in spec.bounds.items()]
    slots = [
        (k.name, a)
        for k in spec.keepers
        if k.liveness == "adversarial"
        for a in (range(spec.accounts) if k.n_accounts else [None])
    ]
    actions: list[Any] = [None]
    for i, inst in enumerate(spec.instances(), start=1):
        axes = [[(n, x) for x in grid(dom, decimals)] for n, dom in inst.action.args.items()]
        for combo in itertools.product(*axes):
            actions.append((i, inst, dict(combo)))
    out = []
    for market in itertools.product(*market_axes):
        for fires in itertools.product([False, True], repeat=len(slots)):
            for act in actions:
                out.append((dict(market), dict(zip(slots, fires, strict=True)), act))
    return out


def _initial_states(spec: Spec, decimals: int | None, backend: Any) -> list[dict[str, Any]]:
    axes = []
    for name, fd in spec.fields.items():
        per = [grid(x, decimals) if isinstance(x, Within | AnyBool) else [x] for x in fd.init]
        axes.append([(name, fd.per_account, combo) for combo in itertools.product(*per)])
    params = spec.param_values()
    out = []
    for combo in itertools.product(*axes):
        state: dict[str, Any] = {}
        for name, per_account, vals in combo:
            sort = spec.fields[name].sort
            vs = [
                Value(backend, v, sort) if isinstance(v, bool) else number(backend, v) for v in vals
            ]
            state[name] = vs if per_account else vs[0]
        if all(
            val.raw
            for d in spec.initials
            for _a, val in eval_predicate(spec, params, backend, state, d)
        ):
            out.append(state)
    return out


def _broken(spec: Spec, params: Any, backend: Any, state: dict[str, Any]) -> bool:
    return any(
        not val.raw
        for d in spec.properties()
        for _a, val in eval_predicate(spec, params, backend, state, d)
    )


def explore(
    spec: Spec,
    depth: int,
    *,
    stats: dict[str, int] | None = None,
    grid_decimals: int | None = None,
) -> list[Trace]:
    """Every path of at most ``depth`` steps on the grid; one trace per violating state.

    ``grid_decimals`` snaps the grid to that many decimals (default: the spec's own in
    fixed point, none in exact arithmetic), so an exact spec can be explored on the grid
    of its fixed-point twin.
    """
    backend = concrete_for(spec)
    decimals = spec.decimals if spec.arithmetic == "fixed" else grid_decimals
    params = spec.param_values()
    choices = _step_choices(spec, decimals)
    seen: set[tuple[Any, ...]] = set()
    frontier: list[tuple[dict[str, Any], dict[str, Any], tuple[TraceStep, ...]]] = []
    violations: list[Trace] = []
    paths = 0
    for state in _initial_states(spec, decimals, backend):
        plain = _plain(state)
        key = _key(plain)
        if key in seen:
            continue
        seen.add(key)
        init = {k: tuple(v) if isinstance(v, list) else v for k, v in plain.items()}
        frontier.append((state, init, ()))
        if _broken(spec, params, backend, state):
            violations.append(Trace(spec.name, spec.accounts, init, (), params.as_dict()))
    for t in range(1, depth + 1):
        nxt = []
        for state, init, steps in frontier:
            for market, fires, act in choices:
                chooser = _FixedChooser(backend, market, fires, act)
                out = run_step(spec, params, backend, state, t, chooser)
                paths += 1
                plain = _plain(out.state)
                key = _key(plain)
                if key in seen:
                    continue
                seen.add(key)
                keepers: dict[str, tuple[bool, ...]] = {}
                for (kname, _a), fired in fires.items():
                    keepers.setdefault(kname, ())
                    keepers[kname] = (*keepers[kname], fired)
                choice = (
                    None
                    if act is None
                    else ActionChoice(act[1].action.name, act[1].accounts, act[2])
                )
                path = (*steps, TraceStep(market, choice, keepers))
                nxt.append((out.state, init, path))
                if _broken(spec, params, backend, out.state):
                    violations.append(Trace(spec.name, spec.accounts, init, path, params.as_dict()))
        frontier = nxt
    if stats is not None:
        stats["paths"] = stats.get("paths", 0) + paths
        stats["states"] = stats.get("states", 0) + len(seen)
        stats["violations"] = stats.get("violations", 0) + len(violations)
    return violations


def all_names(g: GeneratedSpec) -> Iterable[str]:
    yield from g.fields
    yield from g.bounds
    yield from g.actions
    yield from g.keepers
    yield from g.invariants


# ---------------------------------------------------------------------- the differential checks
# Each check runs one property on one generated spec, raises AssertionError (with the spec
# source) on a disagreement and adds its figures to ``stats``. The tests in this directory
# and `benchmarks/soundness.py` (the long profile) run them on `specs()`.


def _first_depth(traces: Sequence[Trace]) -> int | None:
    return min((len(t.steps) for t in traces), default=None)


def _fail(g: GeneratedSpec, what: str, extra: str = "") -> AssertionError:
    return AssertionError(f"{what}\n--- spec ---\n{g.source}{extra}")


def check_bmc(g: GeneratedSpec, depth: int, stats: dict[str, int], timeout: float = 60) -> None:
    """bmc at ``depth`` against the exhaustive exploration of the same depth.

    Every violation the exploration finds makes bmc FAIL, with a shortest counterexample
    no longer than the exploration's; bmc PASS means the exploration found none; every
    bmc FAIL replays to a violation within ``depth`` on the concrete judge.
    """
    from solvent.check.bmc import bmc
    from solvent.check.replay import replay

    spec = g.load()
    found = explore(spec, depth, stats=stats)
    result = bmc(spec, depth, timeout=timeout)
    stats["specs"] = stats.get("specs", 0) + 1
    stats[f"bmc {result.verdict}"] = stats.get(f"bmc {result.verdict}", 0) + 1
    if found:
        if result.verdict == "PASS":
            raise _fail(g, f"bmc PASS at depth {depth}, exploration violates", found[0].dumps())
        if result.verdict != "FAIL":  # UNKNOWN: inconclusive, never a disagreement
            return
        first = _first_depth(found)
        assert first is not None and result.depth is not None
        if result.depth > first:
            raise _fail(
                g,
                f"bmc's shortest counterexample has {result.depth} steps, "
                f"the exploration found one of {first}",
                found[0].dumps(),
            )
    if result.verdict == "FAIL":
        trace = result.counterexample
        assert trace is not None
        if not replay(spec, trace).violated or len(trace.steps) > depth:
            raise _fail(g, "bmc FAIL does not replay", trace.dumps())


def check_prove(g: GeneratedSpec, depth: int, stats: dict[str, int], timeout: float = 60) -> None:
    """prove PASS has no violation in the exploration to ``depth``; prove FAIL replays."""
    from solvent.check.induction import prove
    from solvent.check.replay import replay

    spec = g.load()
    result = prove(spec, timeout=timeout, max_k=3)
    stats["specs"] = stats.get("specs", 0) + 1
    stats[f"prove {result.verdict}"] = stats.get(f"prove {result.verdict}", 0) + 1
    if result.verdict == "PASS":
        found = explore(spec, depth, stats=stats)
        if found:
            raise _fail(g, "prove PASS, exploration violates", found[0].dumps())
    if result.verdict == "FAIL":
        assert result.counterexample is not None
        if not replay(spec, result.counterexample).violated:
            raise _fail(g, "prove FAIL does not replay", result.counterexample.dumps())


def check_arithmetic(
    g: GeneratedSpec, depth: int, stats: dict[str, int], timeout: float = 60
) -> None:
    """Exact and fixed point agree on a spec without roundings (where both apply).

    Without ``mul_down``/``mul_up`` every operation is exact on the 2-decimal grid, so the
    two judges explore the same grid to the same violating states, and every fixed-point
    path is an exact path: fixed-point bmc FAIL implies exact bmc FAIL.
    """
    from solvent.check.bmc import bmc

    assert not g.rounds
    exact, fixed = g.variant("exact").load(), g.variant("fixed", 2).load()
    on_exact = explore(exact, depth, stats=stats, grid_decimals=2)
    on_fixed = explore(fixed, depth, stats=stats)
    stats["specs"] = stats.get("specs", 0) + 2
    a = sorted(t.dumps() for t in on_exact)
    b = sorted(t.dumps() for t in on_fixed)
    if a != b:
        raise _fail(g, f"exact explores to {len(a)} violations, fixed point to {len(b)}")
    rx, rf = bmc(exact, depth, timeout=timeout), bmc(fixed, depth, timeout=timeout)
    stats[f"bmc {rx.verdict}/{rf.verdict}"] = stats.get(f"bmc {rx.verdict}/{rf.verdict}", 0) + 1
    if rf.verdict == "FAIL" and rx.verdict == "PASS":
        raise _fail(g, "fixed-point bmc FAIL but exact bmc PASS")
    if (a or b) and "PASS" in (rx.verdict, rf.verdict):
        raise _fail(g, f"bmc {rx.verdict} (exact) / {rf.verdict} (fixed) on a violating grid")


__all__ = [
    "NAME_POOL",
    "GeneratedSpec",
    "branching",
    "check_arithmetic",
    "check_bmc",
    "check_prove",
    "explore",
    "grid",
    "specs",
]
