"""A 1-induction step on many accounts asked once per action, not once per instance.

The step of zero-sum funding on 30 accounts (tests/check/specs/zero_sum_funding.py) has 930
user-action instances, a trade between every ordered pair of accounts among them; as one
query (or 16 cases) Z3 did not answer it in 200 s, while the same obligation for one
trade is unsat in 0.01 s. The accounts are interchangeable, so one instance of each action
stands for all of it (``trade(0, 1)`` for the 870 trades) **when the engine checks, for
this spec, that renaming the accounts maps one obligation onto the other** (never assumed):

1. **the tick and the keepers treat every account alike**: for the two permutations that
   generate every permutation of the accounts (swap accounts 0 and 1; shift every account
   by one), running them on the renamed state gives the renamed result (their terms,
   with the state's variables and the keepers' per-account choices renamed, are the same
   terms: compared after Z3's ``simplify``, else proved equal by Z3);
2. **each instance is its action's first instance with the accounts renamed**: for
   ``trade(i, j)`` and the renaming ``pi`` taking i, j to 0, 1 (the other accounts in
   order), every field of every account after ``trade(i, j)`` is the field of ``pi``'s
   account after ``trade(0, 1)`` run on the renamed state, and the guards agree (an
   action that writes or reads a third account by its index fails here, and the refusal
   names the field and the account);
3. **the properties and lemmas say the same of the renamed state** (as in 1: the set of
   their conjuncts is the same).

Then for every instance ``a``, ``step_a(s) = pi^-1(step_rep(pi(s)))`` and ``I(pi(s)) =
I(s)``: the obligation of ``a`` holds iff the representative's does (``s`` ranges over
every state, ``pi(s)`` too). So the step on the representatives (one instance per action
plus "no action") proves the step of the spec. Only k = 1: a path of k steps cannot rename
its later steps' instances at once. A check that does not hold refuses the reduction
(``Refused``, saying what couples the accounts); the caller asks the whole step as before.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import z3

from solvent.backends.modes import number_var
from solvent.check import progress
from solvent.check.encode import Unrolling, conjuncts, free_vars
from solvent.check.results import PASS, CheckResult
from solvent.check.solving import searched_properties
from solvent.engine.state import StateDict
from solvent.engine.step import before_actions, eval_predicate, run_guarded, sorts_of
from solvent.lang.domains import AnyBool
from solvent.lang.values import BOOL, NUM, Value
from solvent.spec.spec import ActionDecl, Instance, PredicateDecl, Spec

# rlimit of one Z3 query proving two terms equal where ``simplify`` left them apart
EQUAL_RLIMIT = 200_000


class Refused(Exception):
    """The reduction does not apply: ``str(exc)`` says which field couples the accounts."""


@dataclasses.dataclass(slots=True)
class Representatives(Spec):
    """``spec`` whose step offers one instance per action (``orbits``): only for a step
    query after ``representatives`` checked the renamings; never for a search."""

    orbits: tuple[Instance, ...] = ()

    def instances(self) -> list[Instance]:
        return list(self.orbits)


def representatives(spec: Spec, decls: Sequence[PredicateDecl]) -> Representatives:
    """``spec`` with one instance per action for its 1-induction step of ``decls`` (with
    the spec's lemmas); raises ``Refused`` when a check of the module doc fails."""
    frame = _Frame(spec)
    names = {d.name for d in decls}
    preds = [*decls, *(d for d in spec.lemmas if d.name not in names)]
    for name, pi in frame.generators():
        frame.same_predicates(preds, pi, name)
        frame.same_before_actions(pi, name)
    reps = [frame.same_instances(act) for act in spec.actions]
    fields = {f.name: getattr(spec, f.name) for f in dataclasses.fields(Spec)}
    return Representatives(**fields, orbits=tuple(r for r in reps if r is not None))


class _Chooser:
    """The step's choices as variables named per account (the renaming renames them)."""

    def __init__(self, frame: _Frame) -> None:
        self.frame = frame

    def market(self, t: int, name: str) -> Value:
        var = number_var(self.frame.spec, f"sym.market.{name}")
        return Value(self.frame.backend, var, NUM)

    def _per_account(self, kind: str, keeper: str, account: int | None) -> Value:
        if account is None:
            var = z3.Bool(f"sym.{kind}.{keeper}")
        else:
            var = z3.Bool(f"sym.{kind}.{keeper}[{account}]")
            self.frame.per_account.setdefault(f"{kind}.{keeper}", {})[account] = var
            self.frame.owner[str(var)] = (f"{kind}.{keeper}", account)
        return Value(self.frame.backend, var, BOOL)

    def adversarial(self, t: int, keeper: str, account: int | None) -> Value:
        return self._per_account("keeper", keeper, account)

    def every_step(self, t: int, keeper: str, account: int | None) -> Value:
        runs = self._per_account("runs", keeper, account)
        return Value(self.frame.backend, z3.Or(z3.Bool(f"sym.every.{keeper}"), runs.raw), BOOL)

    def bounded(self, t: int, assumption: str, forced: Value) -> Value:
        return Value(self.frame.backend, z3.And(z3.Bool(f"sym.{assumption}"), forced.raw), BOOL)

    def candidates(self, t: int) -> Sequence[tuple[int, Instance]]:
        return []

    def selected(self, t: int, index: int) -> Value:  # pragma: no cover - no candidates
        raise AssertionError(index)

    def args(self, t: int, action: ActionDecl) -> dict[str, Value]:
        out = {}
        for aname, dom in action.args.items():
            vname = f"sym.arg.{action.name}.{aname}"
            var = z3.Bool(vname) if isinstance(dom, AnyBool) else number_var(self.frame.spec, vname)
            out[aname] = Value(self.frame.backend, var, BOOL if z3.is_bool(var) else NUM)
        return out


class _Frame:
    """One free state of ``spec`` and the renamings of its accounts."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        u = Unrolling(spec, free_init=True)
        self.backend, self.params, self.state = u.backend, u.params, u.states[0]
        self.sorts = sorts_of(spec)
        self.n = spec.accounts
        # per-account variables: the state's fields', then the keepers' choices
        self.per_account: dict[str, dict[int, Any]] = {
            name: {i: v.raw for i, v in enumerate(vals)}
            for name, vals in self.state.items()
            if isinstance(vals, list)
        }
        # the name of each per-account variable -> (its key in ``per_account``, account)
        self.owner = {str(v): (key, k) for key, d in self.per_account.items() for k, v in d.items()}
        self.chooser = _Chooser(self)
        self.args: dict[int, dict[str, Value]] = {}

    # ------------------------------------------------------------------ renamings
    def generators(self) -> Iterator[tuple[str, list[int]]]:
        """(name, pi) of the two renamings that generate all: pi[k] is k's new index."""
        if self.n < 2:
            return
        yield "accounts 0 and 1 swapped", [1, 0, *range(2, self.n)]
        if self.n > 2:
            yield "every account shifted by one", [(k + 1) % self.n for k in range(self.n)]

    def renamed(self, term: Any, pi: Sequence[int], memo: dict[int, frozenset[str]]) -> Any:
        """``term`` with each account j's variables replaced by account pi[j]'s: the term
        read on the state whose account j is this one's account pi[j]. ``memo``: the free
        variables of the terms seen (keyed by Z3's ids: only while those terms live)."""
        pairs = []
        for name in free_vars(term, memo):
            found = self.owner.get(name)
            if found is not None and pi[found[1]] != found[1]:
                by_acc = self.per_account[found[0]]
                if pi[found[1]] in by_acc:
                    pairs.append((by_acc[found[1]], by_acc[pi[found[1]]]))
        return z3.substitute(term, *pairs) if pairs else term

    def equal(self, a: Any, b: Any) -> bool:
        if a.eq(b) or z3.simplify(a).eq(z3.simplify(b)):
            return True
        solver = z3.Solver()
        solver.set("rlimit", EQUAL_RLIMIT)
        solver.add(a != b)
        return bool(solver.check() == z3.unsat)

    # ------------------------------------------------------------------ the checks
    def same_predicates(self, preds: Sequence[PredicateDecl], pi: list[int], how: str) -> None:
        terms = []
        for decl in preds:
            for _acc, val in eval_predicate(self.spec, self.params, self.backend, self.state, decl):
                terms.extend(conjuncts(_raw(val)))
        if not terms:
            return
        both = z3.And(terms)
        if not self.equal(both, self.renamed(both, pi, {})):
            names = ", ".join(d.name for d in preds)
            raise Refused(f"the properties ({names}) do not say the same with {how}")

    def same_before_actions(self, pi: list[int], how: str) -> None:
        s, _market, fired = before_actions(
            self.spec, self.params, self.backend, self.state, 1, self.chooser
        )
        memo: dict[int, frozenset[str]] = {}  # while ``s`` and ``fired`` live
        for (keeper, acc), value in fired.items():
            other = fired[(keeper, None if acc is None else pi[acc])]
            if not self.equal(self.renamed(value.raw, pi, memo), other.raw):
                raise Refused(f"keeper {keeper} does not treat every account alike ({how})")
        for name, value in s.items():
            for acc, raw in _cells(value):
                other = s[name] if acc is None else s[name][pi[acc]]
                if not self.equal(self.renamed(raw, pi, memo), other.raw):
                    where = name if acc is None else f"{name}[{acc}]"
                    ticks = ", ".join(t.name for t in self.spec.ticks) or "no tick"
                    raise Refused(
                        f"the tick and keepers ({ticks}) do not treat every account alike: "
                        f"{where} with {how}"
                    )

    def run(self, inst: Instance) -> tuple[StateDict, Any]:
        act = inst.action
        args = self.args.setdefault(id(act), self.chooser.args(1, act))
        new, _written, guard = run_guarded(
            act, self.state, self.sorts, self.backend, self.params, inst.accounts, args, self.n
        )
        return new, z3.BoolVal(True) if guard is True else _raw(guard)

    def same_instances(self, act: ActionDecl) -> Instance | None:
        """The first instance of ``act``, after checking every other is it renamed."""
        m = act.n_accounts
        if m > self.n:
            return None
        rep = Instance(act, tuple(range(m)))
        rep_new, rep_guard = self.run(rep)
        if m == 0:
            return rep
        same = self._unchanged(rep_new)
        memo: dict[int, frozenset[str]] = {}  # of rep's terms, alive while this runs
        for inst in self.spec.instances():
            if inst.action is not act or inst.accounts == rep.accounts:
                continue
            mine = list(inst.accounts)
            rest = [k for k in range(self.n) if k not in mine]
            order = [*mine, *rest]  # order[i] is the account that becomes account i
            pi = [0] * self.n
            for i, k in enumerate(order):
                pi[k] = i
            # inst's result on s, read at account k, is rep's on pi(s) at account pi[k]:
            # rep's terms with account j's variables read as account order[j]'s
            new, guard = self.run(inst)
            if not self.equal(guard, self.renamed(rep_guard, order, memo)):
                raise Refused(f"{inst.label()} is guarded other than {rep.label()} renamed")
            for name, value in new.items():
                for acc, raw in _cells(value):
                    if (name, None if acc is None else pi[acc]) in same and raw.eq(
                        self._var(name, acc)
                    ):
                        continue  # both leave the cell as it was
                    theirs = rep_new[name] if acc is None else rep_new[name][pi[acc]]
                    if self.equal(raw, self.renamed(_raw(theirs), order, memo)):
                        continue
                    where = name if acc is None else f"{name}[{acc}]"
                    if acc is not None and acc not in mine and not raw.eq(self._var(name, acc)):
                        raise Refused(
                            f"{inst.label()} writes {where}, an account it does not name "
                            f"(field {name} couples the accounts)"
                        )
                    raise Refused(
                        f"{inst.label()} is not {rep.label()} with its accounts renamed: "
                        f"{where} differs (field {name} couples the accounts)"
                    )
        return rep

    def _var(self, name: str, acc: int | None) -> Any:
        return _raw(self.state[name]) if acc is None else self.per_account[name][acc]

    def _unchanged(self, new: StateDict) -> set[tuple[str, int | None]]:
        """The cells ``new`` leaves as the free state had them."""
        return {
            (name, acc)
            for name, value in new.items()
            for acc, raw in _cells(value)
            if raw.eq(self._var(name, acc))
        }


def _cells(value: Any) -> Iterator[tuple[int | None, Any]]:
    if isinstance(value, list):
        for i, v in enumerate(value):
            yield i, _raw(v)
    else:
        yield None, _raw(value)


def _raw(value: Any) -> Any:
    raw = getattr(value, "raw", value)
    if isinstance(raw, bool):
        return z3.BoolVal(raw)
    return raw


# ------------------------------------------------------------------ callers
def reduced(spec: Spec, decls: Sequence[PredicateDecl]) -> tuple[Spec, str]:
    """(``spec`` with one instance per action, or ``spec`` itself when the reduction is
    refused; the refusal's reason, or "")."""
    if spec.accounts < 2 or not spec.actions:
        return spec, ""
    try:
        return representatives(spec, decls), ""
    except Refused as exc:
        return spec, str(exc)


def by_action(
    spec: Spec, prove: Callable[..., CheckResult], kwargs: dict[str, Any], lemmas: str = ""
) -> CheckResult:
    """``prove(spec, k=1, ...)`` with its step asked once per action when the renamings are
    checked (module doc); the proof as asked when they are refused (the refusal then says
    what couples the accounts in ``details["step_by_action"]``, and a stop by the budget
    says it after ``lemmas``, the words of what the proof assumes: ``progress.describe``)."""
    progress.note(lemmas=lemmas or None)
    if int(kwargs.get("k") or 1) != 1 or int(kwargs.get("max_k") or 1) != 1:
        return prove(spec, **kwargs)  # a path of k > 1 steps: no renaming of each step
    began = time.perf_counter()
    decls = searched_properties(spec, kwargs.get("invariants"))
    small, why = reduced(spec, decls)
    if why:
        refused = f"one instance per action refused: {why}"
        progress.note(lemmas=f"{lemmas}; {refused}" if lemmas else refused)
    if small is spec:
        result = prove(spec, **kwargs)
        if why:
            result.details["step_by_action"] = f"not applied: {why}"
        return result
    result = prove(small, **kwargs)
    if result.verdict != PASS:  # its words would name the representatives only
        budget = kwargs.get("timeout")
        if budget is not None:
            budget = max(0.001, budget - (time.perf_counter() - began))
        return prove(spec, **{**kwargs, "timeout": budget})
    shown = ", ".join(i.label() for i in small.instances())
    result.message += (
        f"; the step asked for one instance of each action ({shown}): renaming the "
        f"accounts maps each other instance's obligation onto one of these (checked)"
    )
    result.details["step_by_action"] = [i.label() for i in small.instances()]
    return result
