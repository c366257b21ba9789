"""The Spec registry: params, state, envelope, actions, keepers, invariants, witnesses."""

from __future__ import annotations

import dataclasses
import inspect
import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, get_args, get_origin

from solvent.errors import (
    EmptyDomainError,
    FloatLiteralError,
    NameClashError,
    SpecError,
    UsageError,
)
from solvent.lang.domains import AnyBool, PerAccount, Within
from solvent.lang.values import BOOL, NUM, Bool, Num, format_number, to_fraction
from solvent.spec import rebuild
from solvent.spec.recipe import Recipe

LIVENESS = ("every_step", "adversarial")

# Attribute names of the views a spec reads through (``s``, ``p``, ``m``): a state field,
# parameter or envelope draw of one of these names could not be read or written
RESERVED = {
    "state field": ("accounts",),  # s.accounts is the range of account indices
    "parameter": ("as_dict",),  # p.as_dict() lists the parameters
    "envelope draw": (),
}


@dataclass(frozen=True, slots=True)
class FieldDecl:
    """A state field; ``init`` holds one entry per account for per-account fields."""

    name: str
    sort: str
    per_account: bool
    init: tuple[Fraction | bool | Within | AnyBool, ...]
    where: str | None = None

    def symbolic(self) -> bool:
        return any(isinstance(x, Within | AnyBool) for x in self.init)


@dataclass(frozen=True, slots=True)
class ActionDecl:
    """A user action, keeper or market tick."""

    name: str
    fn: Callable[..., Any]
    kind: str  # "user" | "keeper" | "tick"
    args: Mapping[str, Within | AnyBool]
    n_accounts: int
    takes_params: bool
    liveness: str | None = None
    where: str | None = None
    doc: str = ""


@dataclass(frozen=True, slots=True)
class PredicateDecl:
    """An invariant, lemma, witness, initial condition or metric."""

    name: str
    fn: Callable[..., Any]
    kind: str  # "invariant" | "lemma" | "witness" | "initial" | "metric"
    per_account: bool
    takes_params: bool
    where: str | None = None
    doc: str = ""


@dataclass(frozen=True, slots=True)
class Instance:
    """One user-action instance: an action with its account indices."""

    action: ActionDecl
    accounts: tuple[int, ...]

    def label(self) -> str:
        acc = ", ".join(str(a) for a in self.accounts)
        return f"{self.action.name}({acc})" if self.accounts else self.action.name


class Params:
    """Read-only view of static parameters (``p.maintenance_margin``)."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise SpecError(
                f"unknown parameter {name!r}; known: {', '.join(self._values) or '(none)'}"
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise SpecError(f"parameters are static; cannot assign p.{name} inside a spec")

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)


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
                    raise SpecError(f"parameter {fname} is Bool but its default is {default!r}", where=where)
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
                    f"but the spec has {self.accounts}; give the other parameters a domain",
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
    ) -> Any:
        """Declare a keeper ``keeper(s, p)`` or ``keeper(s, p, a)`` and its liveness.

        ``every_step=True``: runs after each market tick, for every account where enabled.
        ``adversarial=True``: may or may not run, as the adversary chooses.
        """

        def register(f: Callable[..., Any]) -> Callable[..., Any]:
            where = _def_where(f)
            if every_step == adversarial:
                raise SpecError(
                    f"keeper {f.__name__} must declare its liveness: every_step=True or "
                    "adversarial=True (exactly one)",
                    where=where,
                )
            n = _arity(f)
            if n not in (2, 3):
                raise SpecError(
                    f"keeper {f.__name__} must take (s, p) or (s, p, a), it takes {n}", where=where
                )
            _check_decl_name("keeper", f.__name__, self.keepers, where)
            liveness = "every_step" if every_step else "adversarial"
            self.keepers.append(
                ActionDecl(f.__name__, f, "keeper", {}, n - 2, True, liveness, where, _doc(f))
            )
            return f

        return register(fn) if fn is not None else register

    def invariant(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Declare an invariant ``inv(s)``, ``inv(s, p)`` or per account ``inv(s, p, a)``."""
        self.invariants.append(self._predicate(fn, "invariant"))
        return fn

    def lemma(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Declare an auxiliary invariant: proved like an invariant and assumed by induction."""
        self.lemmas.append(self._predicate(fn, "lemma"))
        return fn

    def witness(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Declare an event that must be reachable, or a proof is vacuous."""
        self.witnesses.append(self._predicate(fn, "witness"))
        return fn

    def initial(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Constrain the (symbolic) initial state: ``initial(s, p) -> Bool``."""
        self.initials.append(self._predicate(fn, "initial"))
        return fn

    def metric(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """A number shown in replay tables: ``m(s, p)`` or per account ``m(s, p, a)``."""
        self.metrics.append(self._predicate(fn, "metric"))
        return fn

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
                if len(set(map(repr, fd.init))) > 1:
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


# ------------------------------------------------------------------------ helpers
def _check_name(
    kind: str, name: str, existing: Mapping[str, Any], first: str | None, where: str | None
) -> None:
    """Refuse a second field/parameter/draw of one name and names the views reserve."""
    if name in existing:
        at = f" (first declared at {first})" if first else ""
        raise NameClashError(
            f"{kind} {name!r} is declared twice{at}; traces and results identify it by its "
            "name, so the second would silently replace the first: rename one",
            where=where,
        )
    if name.startswith("_") or name in RESERVED[kind]:
        why = (
            "names starting with '_' are reserved for solvent's own attributes"
            if name.startswith("_")
            else f"{name!r} is an attribute of the spec's view"
            + (" (s.accounts is the range of account indices)" if name == "accounts" else "")
        )
        hint = f"{name.strip('_')}_"
        raise NameClashError(
            f"{kind} {name!r} cannot be read in the spec: {why}; rename it (e.g. {hint})",
            where=where,
        )


def _check_decl_name(kind: str, name: str, existing: list[ActionDecl], where: str | None) -> None:
    """Refuse a second action (or keeper) of one name: traces choose it by name."""
    for d in existing:
        if d.name == name:
            at = f" at {d.where}" if d.where else ""
            raise NameClashError(
                f"{kind} {name!r} is declared twice (first{at}); a trace names the {kind} it "
                "runs, so two of one name cannot be told apart: give each its own name (a "
                "factory can set `fn.__name__` before registering)",
                where=where,
            )


def _class_fields(cls: type, *, require_default: bool) -> Iterator[tuple[str, Any, Any, str | None]]:
    anns = cls.__dict__.get("__annotations__", {})
    lines = _source_lines(cls)
    for fname, ann in anns.items():
        where = _field_where(cls, fname, lines)
        if fname not in cls.__dict__:
            if require_default:
                raise SpecError(
                    f"{cls.__name__}.{fname} has no value; give it one, e.g. "
                    f"`{fname}: Num = Num('0')` or `= sv.within('0', '1')`",
                    where=where,
                )
            continue
        yield fname, _resolve(ann, cls), cls.__dict__[fname], where


def _resolve(ann: Any, cls: type) -> Any:
    """Resolve a string annotation (``from __future__ import annotations``)."""
    if not isinstance(ann, str):
        return ann
    import sys

    import solvent

    namespace = dict(vars(sys.modules[cls.__module__])) if cls.__module__ in sys.modules else {}
    namespace.setdefault("sv", solvent)
    namespace.setdefault("solvent", solvent)
    namespace.update({"Num": Num, "Bool": Bool, "PerAccount": PerAccount})
    try:
        return eval(ann, namespace)  # noqa: S307 - annotations are the spec author's own code
    except Exception:  # noqa: BLE001
        text = ann.replace(" ", "")
        if "PerAccount[" in text:
            inner = text.split("PerAccount[", 1)[1].rstrip("]")
            return PerAccount[Bool] if inner.endswith("Bool") else PerAccount[Num]
        return Bool if text.endswith("Bool") else Num


def _source_lines(obj: Any) -> tuple[str | None, int, list[str]]:
    try:
        lines, start = inspect.getsourcelines(obj)
        return inspect.getsourcefile(obj), start, lines
    except (OSError, TypeError):
        return None, 0, []


def _field_where(cls: type, fname: str, info: tuple[str | None, int, list[str]]) -> str | None:
    from solvent.errors import _short

    path, start, lines = info
    if path is None:
        return None
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith(f"{fname}:") or stripped.startswith(f"{fname} :"):
            return f"{_short(path)}:{start + i}"
    return f"{_short(path)}:{start}"


def _def_where(fn: Callable[..., Any]) -> str | None:
    """``file:line`` of the ``def`` line (``co_firstlineno`` is the first decorator's)."""
    from solvent.errors import _short

    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    line = code.co_firstlineno
    try:
        lines, start = inspect.getsourcelines(fn)
        for offset, text in enumerate(lines):
            if text.lstrip().startswith(("def ", "async def ")):
                line = start + offset
                break
    except (OSError, TypeError):
        pass
    return f"{_short(code.co_filename)}:{line}"


def _doc(fn: Callable[..., Any]) -> str:
    doc = inspect.getdoc(fn) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def _param_names(fn: Callable[..., Any]) -> list[str]:
    sig = inspect.signature(fn)
    return [
        p.name
        for p in sig.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]


def _arity(fn: Callable[..., Any]) -> int:
    return len(_param_names(fn))


def _num(value: Any, what: str, where: str | None) -> Fraction:
    try:
        return Num(value) if not isinstance(value, Num) else value
    except FloatLiteralError as exc:
        raise FloatLiteralError(exc.message, where=where) from None
    except SpecError as exc:
        raise SpecError(f"{what}: {exc.message}", where=where) from None


def _init_value(x: Any, sort: str, fname: str, where: str | None) -> Fraction | bool | Within | AnyBool:
    if sort == BOOL:
        if isinstance(x, bool | AnyBool):
            return x
        raise SpecError(
            f"state field {fname} is Bool; its initial value must be True, False or "
            f"sv.any_bool(), got {x!r}",
            where=where,
        )
    if isinstance(x, Within):
        return x
    if isinstance(x, AnyBool):
        raise SpecError(f"state field {fname} is a number; use sv.within(lo, hi)", where=where)
    return Fraction(_num(x, f"initial value of state field {fname}", where))
