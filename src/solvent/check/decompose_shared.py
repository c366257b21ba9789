"""Proofs for every number of accounts when accounts share an accumulator (an insurance fund).

The rule (docs/prove.md, "Shared accumulators"): the accounts interact only through shared
fields ``f`` they update additively, each account's step adding ``d_f`` (its liquidation's
payment into the fund, its fee). It applies when

1. every property conjunct that reads an accumulator reads no account field, and is
   monotone in each accumulator it reads: it stays true when ``f`` rises (direction +1:
   ``insurance >= 0``) or when ``f`` falls (direction -1: ``bad_debt <= 0``); a conjunct
   monotone in neither (``bad_debt == 0``), or conjuncts asking opposite directions, give
   direction 0: it stays true while ``f`` does not move;
2. no tick and no global keeper writes an accumulator, and the read-only shared fields
   (a price) are not updated from one;
3. at most one action or keeper *reads* the accumulators (its guard, an account field it
   writes, or the amount it adds depends on their value); when it is a keeper, no other
   keeper writes them; and from any state where every property holds, the step's
   account fields and additions are the same for every value of the accumulators that
   satisfies the properties (``paid = min(deficit, fund)`` where a lemma makes the
   deficit 0);
4. the one-account spec, with a lemma per constrained accumulator ``f`` saying that its
   step never moves it against its direction (``insurance - insurance_before >= 0``,
   ``insurance_before`` a copy taken first in each step; ``== 0`` for direction 0), is
   proved by k-induction.

Why this covers N accounts: by (3) an account's own path on N accounts, whatever value of
the fund it read (one that satisfies the properties, by induction), is a path of the
one-account spec, so each account's additions move every constrained accumulator in its
direction only (4); the start satisfies the properties (4's base case), so by (1) the
properties on accumulators hold on N accounts, and the per-account properties hold for
each account by projection.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import z3

from solvent.backends.modes import number_var
from solvent.check.encode import Unrolling, conjuncts, free_vars
from solvent.engine.state import MarketView, StateView, copy_state
from solvent.engine.step import call_user, eval_predicate, run_guarded, sorts_of
from solvent.lang.domains import AnyBool, Within
from solvent.lang.guards import no_guards
from solvent.lang.values import BOOL, NUM, Value
from solvent.spec.decls import FieldDecl
from solvent.spec.spec import ActionDecl, PredicateDecl, Spec

_TIMEOUT_MS = 10_000
# the refusal of the reader check (``decompose`` then tries lemmas inferred for it)
READER_MATTERS = "its value can change the account's update"
_MOVES = {1: "falls", -1: "rises", 0: "changes"}  # what an account's step never does to f


@dataclasses.dataclass
class SharedRule:
    """The accumulator rule applied to a spec: the one-account spec to prove, and why."""

    spec: Spec  # the one-account spec with the step lemmas
    fields: tuple[str, ...]  # the accumulators
    directions: dict[str, int]  # accumulator -> +1 (may only rise), -1 (fall), 0 (never move)
    reader: str | None  # the one body that reads the accumulators, if any
    # accumulator -> why no step may move it (a property monotone in neither direction)
    still: dict[str, str] = dataclasses.field(default_factory=dict)

    def needs(self) -> str:
        """Why the one-account proof must show some accumulators never move ('' if none)."""
        return "".join(
            f"; {why}, so the rule needs an account's step never to change {f}"
            for f, why in sorted(self.still.items())
        )

    def summary(self) -> str:
        moves = [
            f"{f} never {_MOVES[d]} in an account's step"
            for f, d in sorted(self.directions.items())
        ]
        free = [f for f in self.fields if f not in self.directions]
        if free:
            moves.append(f"{', '.join(free)} constrained by no property")
        read = f"; {self.reader} reads them, in a way proved not to matter" if self.reader else ""
        return "; ".join(moves) + read


def unsat(*constraints: Any) -> bool:
    """Whether ``constraints`` are unsatisfiable (a solver call capped at 10 s: unknown
    counts as not proved)."""
    solver = z3.Solver()
    solver.set("timeout", _TIMEOUT_MS)
    solver.add(*constraints)
    return solver.check() == z3.unsat


def _same_for_all(term: Any, swap: list[tuple[Any, Any]], *facts: Any) -> bool:
    """Whether ``term`` is unchanged by ``swap`` (pre-values -> others) wherever facts hold."""
    other = z3.substitute(term, *swap)
    if other.eq(term):
        return True
    return unsat(*facts, other != term)


def shared_rule(
    spec: Spec, accumulators: list[str], invariants: list[str] | None = None
) -> SharedRule | str:
    """The accumulator rule for ``spec``, or why it does not apply (one sentence)."""
    one = spec.with_accounts(1)
    decls = [d for d in one.invariants if invariants is None or d.name in invariants]
    decls += one.lemmas
    directions: dict[str, int] = {}
    still: dict[str, str] = {}
    u = Unrolling(one, free_init=True)
    pre = u.states[0]
    acc_vars = {f: pre[f].raw for f in accumulators}
    names = {str(v) for v in acc_vars.values()}
    own = {str(v.raw) for value in pre.values() if isinstance(value, list) for v in value}
    for decl in decls:
        for _acc, val in eval_predicate(one, u.params, u.backend, pre, decl):
            for part in conjuncts(val.raw):
                read = free_vars(part)
                if not read & names:
                    continue
                if read & own:
                    return (
                        f"{decl.kind} {decl.name} relates a shared accumulator to an "
                        "account's fields; state the accumulator's part on its own"
                    )
                for f, var in acc_vars.items():
                    if str(var) not in read:
                        continue
                    way = _direction(part, var)
                    if way == 0 or directions.get(f, way) != way:
                        # monotone in neither direction (``bad_debt == 0``), or two
                        # conjuncts asking opposite ones: they hold while f never moves
                        still.setdefault(f, f"{decl.kind} {decl.name} is not monotone in {f}")
                        way = 0
                    directions[f] = way
    why, reader = _check_bodies(one, u, accumulators)
    if why is not None:
        return why
    aug = _with_step_lemmas(one, directions)
    if reader is not None:
        proved = {d.name for d in decls} | {d.name for d in aug.lemmas}
        why2 = _does_not_matter(aug, accumulators, proved, reader)
        if why2 is not None:
            return why2
    return SharedRule(aug, tuple(accumulators), directions, reader, still)


def _direction(part: Any, var: Any) -> int:
    """+1 when ``part`` survives ``var`` rising, -1 when it survives it falling, else 0 (it
    survives ``var`` not moving)."""
    delta = z3.FreshReal("delta") if var.sort() == z3.RealSort() else z3.FreshInt("delta")
    moved = z3.substitute(part, (var, var + delta))
    if unsat(part, delta >= 0, z3.Not(moved)):
        return 1
    if unsat(part, delta <= 0, z3.Not(moved)):
        return -1
    return 0


def _label(decl: ActionDecl) -> str:
    return f"{'action' if decl.kind == 'user' else decl.kind} {decl.name}"


def _check_bodies(
    one: Spec, u: Unrolling, accumulators: list[str]
) -> tuple[str | None, str | None]:
    """(why the rule does not apply, or None; the label of the body that reads the
    accumulators, or None)."""
    pre = u.states[0]
    sorts = sorts_of(one)
    acc = {f: pre[f].raw for f in accumulators}
    names = {str(v) for v in acc.values()}
    swap = [(v, z3.FreshConst(v.sort(), f"other_{f}")) for f, v in acc.items()]
    for tick in one.ticks:
        market = {name: Value(u.backend, number_var(one, f"m_{name}"), NUM) for name in one.bounds}
        new = copy_state(pre)
        view = StateView(new, sorts, u.backend, writable=True, accounts=1)
        with no_guards(tick.name):
            extra = (u.params,) if tick.takes_params else ()
            call_user(f"tick {tick.name}", tick.where, tick.fn, view, *extra, MarketView(market))
        for f in accumulators:
            if not new[f].raw.eq(acc[f]):
                return f"tick {tick.name} writes the shared accumulator {f}", None
    readers: list[ActionDecl] = []
    keeper_writers: list[ActionDecl] = []
    for decl in [*one.keepers, *one.actions]:
        args = {}
        for aname, dom in decl.args.items():
            if isinstance(dom, AnyBool):
                args[aname] = Value(u.backend, z3.Bool(f"arg_{aname}"), BOOL)
            else:
                args[aname] = Value(u.backend, number_var(one, f"arg_{aname}"), NUM)
        accounts = (0,) if decl.n_accounts else ()
        new, written, guard = run_guarded(decl, pre, sorts, u.backend, u.params, accounts, args, 1)
        reads = guard is not True and bool(free_vars(_raw(guard)) & names)
        writes = False
        for name, index in written:
            raw = new[name].raw if index is None else new[name][index].raw
            if name in acc:
                if raw.eq(acc[name]):
                    continue
                writes = True
                term = raw - acc[name]
            else:
                term = raw
            if free_vars(term) & names and not _same_for_all(term, swap):
                reads = True
        if (writes or reads) and not decl.n_accounts:
            why = f"{_label(decl)} (it acts on no account) changes or reads a shared accumulator"
            return why, None
        if writes and decl.kind != "user":
            keeper_writers.append(decl)
        if reads:
            readers.append(decl)
    if len(readers) > 1:
        why = (
            f"{' and '.join(map(_label, readers))} each read a shared accumulator; at most "
            "one action or keeper may"
        )
        return why, None
    if not readers:
        return None, None
    reader = readers[0]
    if reader.kind != "user" and any(k is not reader for k in keeper_writers):
        others = ", ".join(_label(k) for k in keeper_writers if k is not reader)
        why = (
            f"{_label(reader)} reads a shared accumulator that {others} also changes in the "
            "same step"
        )
        return why, None
    return None, _label(reader)


def _raw(value: Any) -> Any:
    return value.raw if hasattr(value, "raw") else value


def before_name(one: Spec, f: str) -> str:
    """The name of the copy of ``f`` taken first in each step (unused in the spec)."""
    name = f"{f}_before_step"
    while name in one.fields or any(d.name == name for d in one.all_predicates()):
        name += "_"
    return name


def _with_step_lemmas(one: Spec, directions: dict[str, int]) -> Spec:
    """``one`` with, per constrained accumulator, a copy taken first in each step and the
    lemma that the step never moves it against its direction."""
    aug = one._copy()
    copies = {f: before_name(one, f) for f in sorted(directions)}
    for f, copy in copies.items():
        fd = one.fields[f]
        aug.fields[copy] = FieldDecl(copy, fd.sort, False, fd.init, fd.where)

    def copy_before(s: Any, m: Any) -> None:
        for f, copy in copies.items():
            setattr(s, copy, getattr(s, f))

    copy_before.__name__ = "accumulators_before_step"
    aug.ticks = [
        ActionDecl(copy_before.__name__, copy_before, "tick", {}, 0, False, None, one.where, "")
    ]
    aug.ticks += one.ticks
    for f, copy in copies.items():
        sign = directions[f]

        def lemma(s: Any, f: str = f, copy: str = copy, sign: int = sign) -> Any:
            moved = getattr(s, f) - getattr(s, copy)
            return moved >= 0 if sign > 0 else moved <= 0 if sign < 0 else moved == 0

        lemma.__name__ = f"{f}_never_{_MOVES[sign].split()[0]}_in_a_step"
        aug.lemmas = [
            *aug.lemmas,
            PredicateDecl(lemma.__name__, lemma, "lemma", False, False, one.where, ""),
        ]
    inits = [d for d in one.fields.values() if d.name in copies]
    if any(isinstance(x, Within) for d in inits for x in d.init):

        def same_start(s: Any) -> Any:
            ok = None
            for f, copy in copies.items():
                eq = getattr(s, copy) == getattr(s, f)
                ok = eq if ok is None else ok & eq
            return ok

        same_start.__name__ = "accumulator_copies_start_equal"
        aug.initials = [
            *aug.initials,
            PredicateDecl(same_start.__name__, same_start, "initial", False, False, one.where, ""),
        ]
    return aug


def _does_not_matter(
    aug: Spec, accumulators: list[str], proved: set[str], reader: str
) -> str | None:
    """Refusal unless one step's account fields and additions do not depend on the
    accumulators' values, from any state where every property the proof covers holds
    (``proved``: the selected invariants and every lemma)."""
    u = Unrolling(aug, free_init=True)
    pre = u.states[0]
    covered = [d for d in aug.properties() if d.name in proved]
    facts: list[Any] = [raw for _d, _a, raw in u.properties(0, covered)]
    u.add_step()
    post = u.states[1]
    truths = [(lit, z3.BoolVal(True)) for lit in u.literals.values()]
    facts += [z3.substitute(c, *truths) for c in u.everything()]
    acc = {f: pre[f].raw for f in accumulators}
    swap = [(v, z3.FreshConst(v.sort(), f"other_{f}")) for f, v in acc.items()]
    # the other values satisfy every property that reads the accumulators (and only them)
    names = {str(v) for v in acc.values()}
    for _d, _a, raw in u.properties(0, covered):
        for part in conjuncts(raw):
            if free_vars(part) & names:
                facts.append(z3.substitute(part, *swap))
    definitions = {str(d.children()[0]): d.children()[1] for d in u.definitions.values()}

    def term(value: Any) -> Any:
        raw = value.raw
        return definitions.get(str(raw), raw) if z3.is_const(raw) else raw

    outputs = []
    for name, value in post.items():
        if name in aug.fields and name not in accumulators and not aug.fields[name].per_account:
            continue  # read-only shared fields and the copies
        for v, old in (
            zip(value, pre[name], strict=True) if isinstance(value, list) else [(value, pre[name])]
        ):
            t = term(v)
            outputs.append(t - old.raw if name in accumulators else t)
    changed = [z3.substitute(t, *swap) != t for t in outputs]
    if not changed or unsat(*facts, z3.Or(changed)):
        return None
    return (
        f"{reader} reads a shared accumulator ({', '.join(accumulators)}) and, from a state "
        f"where every property holds, {READER_MATTERS} or what the "
        "account adds to it (state a lemma that makes it irrelevant, e.g. that the deficit "
        "the fund covers is 0)"
    )
