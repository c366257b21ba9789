"""The Spec registry: params, state, envelope, actions, keepers, invariants, witnesses.

The declarations it holds are in :mod:`solvent.spec.decls`; how its decorators read the
author's classes and functions is in :mod:`solvent.spec.introspect`.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, get_args, get_origin

from solvent.errors import EmptyDomainError, NameClashError, SpecError, UsageError
from solvent.lang.domains import AnyBool, PerAccount, Within
from solvent.lang.values import BOOL, NUM, Bool, format_number, to_fraction
from solvent.spec import liveness as liveness_mod
from solvent.spec import rebuild
from solvent.spec.decls import (
    LIVENESS,
    RESERVED,
    ActionDecl,
    FieldDecl,
    Instance,
    Params,
    PredicateDecl,
)
from solvent.spec.introspect import (
    _arity,
    _check_decl_name,
    _check_name,
    _class_fields,
    _def_where,
    _doc,
    _init_value,
    _num,
    _param_names,
)
from solvent.spec.recipe import Recipe

__all__ = [
    "LIVENESS",
    "RESERVED",
    "ActionDecl",
    "FieldDecl",
    "Instance",
    "Params",
    "PredicateDecl",
    "Spec",
]


Predicate = Callable[..., Any]


def _declarer(kind: str, doc: str) -> Callable[[Spec, Predicate], Predicate]:
    """The decorator ``@spec.KIND``: check ``fn`` and append it to the spec's ``KINDs``."""

    def declare(self: Spec, fn: Predicate) -> Predicate:
        getattr(self, "witnesses" if kind == "witness" else f"{kind}s").append(
            self._predicate(fn, kind)
        )
        return fn

    declare.__name__ = declare.__qualname__ = kind
    declare.__doc__ = doc
    return declare


@dataclass(slots=True)
class Spec:
    """A protocol spec. Build one with decorators::

    perp = sv.Spec("perp-isolated", accounts=3)

    @perp.params
    class Params:
        maintenance_margin: Num = Num("0.05")
    """

    name: str
    accounts: int = 1
    arithmetic: str = "exact"
    where: str | None = None
    param_decls: dict[str, Any] = field(default_factory=dict)
    param_where: dict[str, str | None] = field(default_factory=dict)
    fields: dict[str, FieldDecl] = field(default_factory=dict)
    bounds: dict[str, Within] = field(default_factory=dict)
    bounds_where: dict[str, str | None] = field(default_factory=dict)
    scenarios: dict[str, dict[str, Any]] = field(default_factory=dict)
    ticks: list[ActionDecl] = field(default_factory=list)
    actions: list[ActionDecl] = field(default_factory=list)
    keepers: list[ActionDecl] = field(default_factory=list)
    invariants: list[PredicateDecl] = field(default_factory=list)
    lemmas: list[PredicateDecl] = field(default_factory=list)
    witnesses: list[PredicateDecl] = field(default_factory=list)
    initials: list[PredicateDecl] = field(default_factory=list)
    metrics: list[PredicateDecl] = field(default_factory=list)
    overrides: dict[str, Any] = field(default_factory=dict)
    decimals: int | None = None
    # how the spec was built (set by @sv.builder): --set rebuilds through it
    recipe: Recipe | None = None
    # changes made after the build (envelope bounds, accounts), replayed on a rebuild
    adjustments: tuple[tuple[Any, ...], ...] = ()
    # parameters read as plain values while the spec was built (Params.NAME): name -> where
    static_reads: rebuild.StaticReads = field(default_factory=lambda: rebuild.StaticReads())
    # constants the builder derived from its parameters (scan points...): name -> (value, doc)
    derived: dict[str, tuple[Any, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise SpecError("Spec(name, ...) needs a non-empty name")
        if isinstance(self.accounts, bool) or not isinstance(self.accounts, int):
            raise SpecError(f"accounts must be an int, got {self.accounts!r}")
        if self.accounts < 1:
            raise SpecError(f"accounts must be at least 1, got {self.accounts}")
        if self.arithmetic not in ("exact", "fixed"):
            raise SpecError(
                f"arithmetic={self.arithmetic!r} is not supported; use 'exact' (rationals, the "
                "default) or 'fixed' with decimals=N (decimal fixed point, explicit rounding)"
            )
        if self.arithmetic == "fixed":
            from solvent.backends.fixed import check_decimals

            if self.decimals is None:
                from solvent.errors import FixedPointError

                raise FixedPointError(
                    "arithmetic='fixed' needs decimals=N, the number of decimal places of the "
                    "protocol's integers (e.g. 18 for wei-style amounts, 6 for USDC)"
                )
            check_decimals(self.decimals)
        elif self.decimals is not None:
            raise SpecError(
                f"decimals={self.decimals!r} is only meaningful with arithmetic='fixed'"
            )
        if self.where is None:
            from solvent.errors import user_location

            self.where = user_location()

    # ---------------------------------------------------------------- declarations
    def params(self, cls: type) -> type:
        """Declare static parameters: a class of annotated fields with defaults."""
        for fname, ann, default, where in _class_fields(cls, require_default=True):
            _check_name("parameter", fname, self.param_decls, self.param_where.get(fname), where)
            if ann is Bool or isinstance(default, bool):
                if not isinstance(default, bool):
                    raise SpecError(
                        f"parameter {fname} is Bool but its default is {default!r}", where=where
                    )
                value: Any = default
            elif ann is int and isinstance(default, int):
                value = default
            else:
                value = _num(default, f"default of parameter {fname}", where)
            self.param_decls[fname] = value
            self.param_where[fname] = where
            setattr(cls, fname, rebuild.StaticParam(self.static_reads, fname, default))
        return cls

    def state(self, cls: type) -> type:
        """Declare the state: scalar fields and ``PerAccount[...]`` fields."""
        for fname, ann, default, where in _class_fields(cls, require_default=True):
            old = self.fields.get(fname)
            _check_name("state field", fname, self.fields, old.where if old else None, where)
            per_account = get_origin(ann) is PerAccount
            inner = get_args(ann)[0] if per_account and get_args(ann) else ann
            sort = BOOL if inner is Bool or isinstance(default, bool | AnyBool) else NUM
            if per_account and isinstance(default, list | tuple):
                if len(default) != self.accounts:
                    raise SpecError(
                        f"state field {fname} lists {len(default)} initial values but the spec "
                        f"has {self.accounts} accounts; give one per account or a single value",
                        where=where,
                    )
                inits = tuple(_init_value(x, sort, fname, where) for x in default)
            else:
                one = _init_value(default, sort, fname, where)
                inits = (one,) * (self.accounts if per_account else 1)
            self.fields[fname] = FieldDecl(fname, sort, per_account, inits, where)
        return cls

    def envelope(self, cls: type) -> type:
        """Declare the stress envelope: per-step market draws, each ``within(lo, hi)``."""
        for fname, _ann, default, where in _class_fields(cls, require_default=True):
            _check_name("envelope draw", fname, self.bounds, self.bounds_where.get(fname), where)
            if isinstance(default, Within):
                dom = default
            else:
                q = _num(default, f"envelope bound {fname}", where)
                dom = Within(q, q, where)
            self.bounds[fname] = dom
            self.bounds_where[fname] = where
        return cls

    def derive(self, name: str, value: Any, doc: str = "") -> Any:
        """Record a constant computed from the parameters while building (shown by
        ``inspect`` and in results); returns ``value``."""
        self.derived[name] = (value, doc)
        return value

    def scenario(self, name: str, **draws: Any) -> None:
        """Declare a named sampling scenario for ``stress`` (see the stress docs)."""
        self.scenarios[name] = dict(draws)

    def tick(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Declare the market tick ``tick(s, m)`` or ``tick(s, p, m)``, run first in each step."""
        n = _arity(fn)
        if n not in (2, 3):
            raise SpecError(
                f"tick {fn.__name__} must take (s, m) or (s, p, m), it takes {n} arguments",
                where=_def_where(fn),
            )
        self.ticks.append(
            ActionDecl(fn.__name__, fn, "tick", {}, 0, n == 3, None, _def_where(fn), _doc(fn))
        )
        return fn

    def action(self, fn: Callable[..., Any] | None = None, **args: Any) -> Any:
        """Declare a user action ``action(s, p, *accounts, **args)`` with argument domains."""

        def register(f: Callable[..., Any]) -> Callable[..., Any]:
            where = _def_where(f)
            names = _param_names(f)
            if len(names) < 2:
                raise SpecError(
                    f"action {f.__name__} must take (s, p, accounts..., args...)", where=where
                )
            doms = {}
            for aname, dom in args.items():
                if aname not in names[2:]:
                    raise SpecError(
                        f"action {f.__name__} declares a domain for {aname!r} but has no such "
                        "parameter",
                        where=where,
                    )
                if not isinstance(dom, Within | AnyBool):
                    q = _num(dom, f"argument {aname}", where)
                    dom = Within(q, q, where)
                doms[aname] = dom
            accounts = [n for n in names[2:] if n not in doms]
            _check_decl_name("action", f.__name__, self.actions, where)
            if len(accounts) > self.accounts:
                raise SpecError(
                    f"action {f.__name__} takes {len(accounts)} accounts ({', '.join(accounts)}) "
                    f"but the spec has {self.accounts}; declare at least {len(accounts)} "
                    f"(sv.Spec(..., accounts={len(accounts)}), or the count your spec reads "
                    "from its environment; --accounts changes it only after this check), or "
                    "give the other parameters a domain",
                    where=where,
                )
            self.actions.append(
                ActionDecl(f.__name__, f, "user", doms, len(accounts), True, None, where, _doc(f))
            )
            return f

        return register(fn) if fn is not None else register

    def keeper(
        self,
        fn: Callable[..., Any] | None = None,
        *,
        every_step: bool = False,
        adversarial: bool = False,
        within: int | None = None,
    ) -> Any:
        """Declare a keeper ``keeper(s, p)`` or ``keeper(s, p, a)`` and its liveness.

        ``every_step=True``: runs after each market tick, for every account where enabled.
        ``adversarial=True``: may or may not run, as the adversary chooses.
        ``within=k``: the adversary may skip it for at most ``k`` consecutive steps in which
        it is enabled, per account (see :mod:`solvent.spec.liveness`).
        """

        def register(f: Callable[..., Any]) -> Callable[..., Any]:
            where = _def_where(f)
            if every_step + adversarial + (within is not None) != 1:
                raise SpecError(
                    f"keeper {f.__name__} must declare its liveness: every_step=True, "
                    "adversarial=True or within=K (exactly one)",
                    where=where,
                )
            n = _arity(f)
            if n not in (2, 3):
                raise SpecError(
                    f"keeper {f.__name__} must take (s, p) or (s, p, a), it takes {n}",
                    where=where,
                )
            _check_decl_name("keeper", f.__name__, self.keepers, where)
            liveness = "every_step" if every_step else "adversarial" if adversarial else "within"
            decl = ActionDecl(
                f.__name__, f, "keeper", {}, n - 2, True, liveness, where, _doc(f), within
            )
            if within is not None:
                liveness_mod.check_within(f.__name__, within, where)
                liveness_mod.counter(self, decl)
                self.lemmas.append(liveness_mod.bound_lemma(decl))
            self.keepers.append(decl)
            return f

        return register(fn) if fn is not None else register

    def oracle(self, *, within: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Declare an oracle update ``publish(s, p)`` (it writes the price the protocol
        reads) that the adversary may skip for at most ``within`` consecutive steps: the
        price is at most ``within`` steps stale (see :mod:`solvent.spec.liveness`)."""

        def register(f: Callable[..., Any]) -> Callable[..., Any]:
            liveness_mod.declare_oracle(self, f, within)
            return f

        return register

    # the predicate decorators: @spec.invariant, .lemma, .witness, .initial and .metric
    invariant = _declarer(
        "invariant",
        "Declare an invariant ``inv(s)``, ``inv(s, p)`` or per account ``inv(s, p, a)``.",
    )
    lemma = _declarer(
        "lemma",
        "Declare an auxiliary invariant: proved like an invariant and assumed by induction.",
    )
    witness = _declarer(
        "witness", "Declare an event that must be reachable, or a proof is vacuous."
    )
    initial = _declarer(
        "initial", "Constrain the (symbolic) initial state: ``initial(s, p) -> Bool``."
    )
    metric = _declarer(
        "metric", "A number shown in replay tables: ``m(s, p)`` or per account ``m(s, p, a)``."
    )

    def _predicate(self, fn: Callable[..., Any], kind: str) -> PredicateDecl:
        n = _arity(fn)
        where = _def_where(fn)
        if n not in (1, 2, 3):
            raise SpecError(
                f"{kind} {fn.__name__} must take (s), (s, p) or (s, p, a), it takes {n}",
                where=where,
            )
        for d in self.all_predicates():
            if d.name == fn.__name__:
                first = f" (first: {d.kind} at {d.where})" if d.where else ""
                raise NameClashError(
                    f"{kind} name {fn.__name__!r} is used twice{first}; invariants, lemmas, "
                    "witnesses, initial conditions and metrics share one namespace (results "
                    "and --invariant name them): rename one",
                    where=where,
                )
        return PredicateDecl(fn.__name__, fn, kind, n == 3, n >= 2, where, _doc(fn))

    # ---------------------------------------------------------------- queries
    def all_predicates(self) -> Iterator[PredicateDecl]:
        yield from self.invariants
        yield from self.lemmas
        yield from self.witnesses
        yield from self.initials
        yield from self.metrics

    def properties(self) -> list[PredicateDecl]:
        """Invariants and lemmas: everything that must hold in every reachable state."""
        return [*self.invariants, *self.lemmas]

    def param_values(self) -> Params:
        values = dict(self.param_decls)
        values.update(self.overrides)
        return Params(values)

    def instances(self) -> list[Instance]:
        """User-action instances in a fixed order (index 1.. in traces; 0 is no action)."""
        out = []
        for act in self.actions:
            for accs in itertools.permutations(range(self.accounts), act.n_accounts):
                out.append(Instance(act, tuple(accs)))
        return out

    def find_action(self, name: str) -> ActionDecl:
        for act in self.actions:
            if act.name == name:
                return act
        raise KeyError(name)

    # ---------------------------------------------------------------- variants
    def with_params(self, **values: Any) -> Spec:
        """A copy with parameters set to ``values``.

        A spec built by an ``@sv.builder`` function (every model of ``solvent.models``) is
        built again with the new values, so everything derived from them and every check
        of the builder follows; a spec without one takes new values only for parameters
        its rules read as ``p.NAME`` (a parameter read as a plain value while the spec was
        built is refused, SV804).
        """
        if self.recipe is not None and values:
            return rebuild.rebuilt(self, values)
        new = self._copy()
        for pname, value in values.items():
            rebuild.refuse_static(self, pname)
            new.overrides[pname] = self.param_value(pname, value)
        return new

    def param_value(self, pname: str, value: Any) -> Any:
        """``value`` (a string from ``--set`` or a number) as a value of parameter ``pname``."""
        if pname not in self.param_decls:
            raise UsageError(
                f"unknown parameter {pname!r} for spec {self.name}; known: "
                f"{', '.join(self.param_decls) or '(none)'}"
            )
        default = self.param_decls[pname]
        if isinstance(default, bool):
            if isinstance(value, str) and value.lower() in ("true", "false"):
                value = value.lower() == "true"
            if not isinstance(value, bool):
                raise UsageError(f"parameter {pname} is a bool; give true or false")
        elif isinstance(default, int) and not isinstance(default, Fraction):
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise UsageError(f"parameter {pname} is an int; got {value!r}") from None
        else:
            try:
                value = to_fraction(value, what=f"value of parameter {pname}")
            except SpecError as exc:
                raise UsageError(exc.message) from None
        return value

    def with_actions(self, only: Sequence[str] = (), without: Sequence[str] = ()) -> Spec:
        """A copy whose user actions are ``only`` these (all when empty) minus ``without``.

        Keepers and ticks stay. An unknown name is a UsageError naming the known actions;
        traces name their actions, so a trace of the copy replays on this spec as it is.
        """
        known = [a.name for a in self.actions]
        for flag, names in (("--action", only), ("--no-action", without)):
            for n in names:
                if n not in known:
                    keepers = (
                        " (a keeper: --action picks user actions only)"
                        if any(k.name == n for k in self.keepers)
                        else ""
                    )
                    raise UsageError(
                        f"{flag} {n}: spec {self.name} has no user action {n!r}{keepers}; "
                        f"known: {', '.join(known) or '(none: it declares no @spec.action)'}"
                    )
        new = self._copy()
        new.actions = [
            a for a in self.actions if (not only or a.name in only) and a.name not in without
        ]
        return new

    def with_within(self, keeper: str, k: Any) -> Spec:
        """A copy in which the ``within`` keeper ``keeper`` may be late ``k`` steps."""
        return liveness_mod.with_within(self, keeper, k)

    def with_envelope(self, name: str, lo: Any, hi: Any) -> Spec:
        """A copy with envelope bound ``name`` set to ``[lo, hi]``."""
        if name not in self.bounds:
            raise UsageError(
                f"unknown envelope bound {name!r}; known: {', '.join(self.bounds) or '(none)'}"
            )
        flo, fhi = to_fraction(lo), to_fraction(hi)
        if flo > fhi:
            raise EmptyDomainError(
                f"envelope bound {name}: lower end {format_number(flo)} exceeds upper end "
                f"{format_number(fhi)}"
            )
        new = self._copy()
        new.bounds[name] = Within(flo, fhi, self.bounds[name].where)
        new.adjustments = (*self.adjustments, ("envelope", name, flo, fhi))
        return new

    def with_accounts(self, n: int) -> Spec:
        """A copy with ``n`` accounts (per-account initial values must be uniform)."""
        if n < 1:
            raise UsageError(f"accounts must be at least 1, got {n}")
        new = self._copy()
        new.accounts = n
        new.adjustments = (*self.adjustments, ("accounts", n))
        for fname, fd in self.fields.items():
            if fd.per_account:
                first = fd.init[0] if fd.init else None
                same = all(x is first for x in fd.init)  # one object: no repr of each
                if not same and len(set(map(repr, fd.init))) > 1:
                    raise UsageError(
                        f"state field {fname} has different initial values per account; "
                        "cannot change the number of accounts"
                    )
                new.fields[fname] = dataclasses.replace(fd, init=(fd.init[0],) * n)
        return new

    def _copy(self) -> Spec:
        new = dataclasses.replace(self)
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, dict | list):
                setattr(new, f.name, type(v)(v))
        return new
