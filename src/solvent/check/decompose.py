"""Proofs for every number of accounts, when the accounts do not interact.

The decomposition applies when a static pass over one traced step (on two accounts, every
value symbolic) shows that:

- no user action takes two accounts;
- each account's fields after the step depend only on that account's fields, the shared
  fields, the market, the parameters and the choices of that account (its keeper firings;
  the user action and its arguments, which act on one account);
- every shared field after the step depends only on shared fields and the market (the
  shared state is *read-only* for accounts: a price moved by the tick, for example);
- every invariant, lemma and ``@initial`` condition reads one account at a time (declared
  per account) or only shared fields;
- all accounts start from the same initial values (or the same ``within`` domain).

Then every path of the spec on N accounts projects onto a path of the spec on one account
(the same market, hence the same shared state; that account's own actions and keeper
firings; a step that acts on another account is a step without a user action), so a
property broken on N accounts is broken on one. A proof on one account is a proof for
every number of accounts. A coupling is named (the field, the actions that write it), and
``prove`` falls back to the spec's own accounts (lemmas inferred there: ``decompose_one``);
shared fields written by accounts (an insurance fund) are one, even when updates commute.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import z3

from solvent.backends.modes import symbolic_for
from solvent.check import progress
from solvent.check.decompose_one import (
    capped_out,
    inferred_note,
    inferred_pass,
    lifted,
    own_first,
    search_one,
)
from solvent.check.decompose_reader import any_with_reader_lemmas, reader_refused
from solvent.check.decompose_why import shared_why, writers
from solvent.check.encode import Unrolling, conjuncts
from solvent.check.results import CTI, FAIL, PASS, UNKNOWN, RanOut
from solvent.check.solving import fresh_context, searched_properties
from solvent.check.verdicts import own_timeout
from solvent.check.z3terms import constant_ids
from solvent.engine.step import eval_predicate
from solvent.spec.spec import Spec


def _vars(expr: Any, memo: dict[int, frozenset[int]]) -> frozenset[int]:
    """Ids of the uninterpreted constants in a Z3 term (``z3terms``: through Z3's C API)."""
    return constant_ids(expr, memo)


def coupling(spec: Spec) -> str | None:
    """Why the accounts of ``spec`` interact (one sentence), or None when they do not."""
    why, _accumulators, sentence = analyse(spec)
    return why if why is not None else sentence


def analyse(spec: Spec) -> tuple[str | None, list[str], str | None]:
    """(why the accounts interact other than through shared accumulators, or None; the
    shared fields accounts write (accumulators); the sentence naming the first of them)."""
    why, accumulators, first = _analyse(spec)
    return why, accumulators, shared_why(spec, first)


def _analyse(spec: Spec) -> tuple[str | None, list[str], str | None]:
    """``analyse`` with the name of the first accumulator in place of its sentence."""
    for act in spec.actions:
        if act.n_accounts >= 2:
            return f"action {act.name} takes {act.n_accounts} accounts", [], None
    for name, fd in spec.fields.items():
        if fd.per_account and len(set(map(repr, fd.init))) > 1:
            return f"the accounts start with different values of {name}", [], None
    try:
        with fresh_context():
            return _coupling(spec.with_accounts(2))
    except Exception as exc:  # the proof itself reports a spec error, exactly as before
        return f"the step could not be analysed on two accounts ({exc})", [], None


def _coupling(spec: Spec) -> tuple[str | None, list[str], str | None]:
    u = Unrolling(spec, free_init=True)
    pre = u.states[0]
    sv = u.add_step()
    post = u.states[1]
    # ids of live terms only (Z3 reuses the ids of freed terms): one memo for the step's
    # own terms, a fresh one for each simplified temporary
    memo: dict[int, frozenset[int]] = {}
    # the proof assumes every named assumption: substitute them (an every-step keeper's
    # "runs anyway" choice then disappears)
    truths = [(lit, z3.BoolVal(True)) for lit in u.literals.values()]
    definitions = {}
    for d in u.definitions.values():  # fresh post-state variable -> its term
        lhs, rhs = d.children()
        definitions[lhs.get_id()] = rhs

    def term(value: Any) -> Any:
        raw = value.raw
        raw = definitions.get(raw.get_id(), raw)
        return z3.simplify(z3.substitute(raw, *truths)) if truths else raw

    shared: set[int] = set()
    own: dict[int, set[int]] = {0: set(), 1: set()}
    for value in pre.values():
        if isinstance(value, list):
            for a, v in enumerate(value):
                own[a] |= _vars(v.raw, memo)
        else:
            shared |= _vars(value.raw, memo)
    market = set().union(*(_vars(v, memo) for v in sv.market.values()))
    choices: set[int] = set()
    if sv.action_var is not None:
        choices |= _vars(sv.action_var, memo)
    for args in sv.args.values():
        for var in args.values():
            choices |= _vars(var, memo)
    for (_keeper, account), var in sv.keepers.items():
        if account is not None:
            own[account] |= _vars(var, memo)
        else:
            choices |= _vars(var, memo)
    accumulators: list[str] = []
    read_only: dict[str, Any] = {}
    for name, value in post.items():
        if isinstance(value, list):
            for a, v in enumerate(value):
                t = term(v)
                extra = _vars(t, {}) - own[a] - shared - market - choices
                if extra:
                    return (
                        (
                            f"field {name} of one account depends on another account's state "
                            f"or choices after a step{writers(spec, name)}"
                        ),
                        [],
                        None,
                    )
                why = _acted_on_by_others(spec, u, sv, a, t)
                if why:
                    return f"field {name} of one account is changed by {why}", [], None
        elif _vars(term(value), {}) - shared - market:
            accumulators.append(name)
        else:
            read_only[name] = term(value)
    written = set().union(*(_vars(pre[f].raw, memo) for f in accumulators))
    for name, t in read_only.items():
        if _vars(t, {}) & written:
            return (
                (
                    f"shared field {name} is updated from {', '.join(accumulators)}, which "
                    "accounts write"
                ),
                [],
                None,
            )
    why = _properties_split(spec, pre, shared, own)
    return why, (accumulators if why is None else []), (accumulators[0] if accumulators else None)


def _properties_split(
    spec: Spec, pre: Any, shared: set[int], own: dict[int, set[int]]
) -> str | None:
    """Why a property or ``@initial`` condition is not a conjunction of per-account parts
    (the same for every account) and shared parts, or None."""
    backend = symbolic_for(spec)
    params = spec.param_values()
    rename = [(value[1].raw, value[0].raw) for value in pre.values() if isinstance(value, list)]
    for decl in [*spec.properties(), *spec.initials]:
        for acc, val in eval_predicate(spec, params, backend, pre, decl):
            if acc is not None:  # declared per account: the same function for each
                if _vars(val.raw, {}) - shared - own[acc]:
                    return _several(decl)
                continue
            parts: dict[int | None, set[str]] = {None: set(), 0: set(), 1: set()}
            for part in conjuncts(val.raw):
                read = _vars(part, {})
                mine = [a for a in (0, 1) if read & own[a]]
                if len(mine) > 1 or read - shared - own[0] - own[1]:
                    return _several(decl)
                key = mine[0] if mine else None
                renamed = z3.substitute(part, *rename) if key == 1 else part
                parts[key].add(renamed.sexpr())
            if parts[0] != parts[1]:
                return (
                    f"{decl.kind} {decl.name} does not say the same of every account; state "
                    "it per account (def f(s, a) or def f(s, p, a)) to decompose"
                )
    return None


def _several(decl: Any) -> str:
    return (
        f"{decl.kind} {decl.name} reads several accounts' fields; state it "
        "per account (def f(s, a) or def f(s, p, a)) to decompose"
    )


def _acted_on_by_others(spec: Spec, u: Unrolling, sv: Any, a: int, t: Any) -> str | None:
    """A user action on another account that changes account ``a``'s field term ``t``."""
    if sv.action_var is None:
        return None
    idle = z3.substitute(t, (sv.action_var, z3.RealVal(0)))
    for index, inst in enumerate(u.instances, start=1):
        if a in inst.accounts:
            continue
        acted = z3.substitute(t, (sv.action_var, z3.RealVal(index)))
        solver = z3.Solver()
        solver.add(acted != idle)
        solver.set("timeout", 5000)
        if solver.check() != z3.unsat:
            return f"action {inst.label()} (an action on another account)"
    return None


# Z3 resource units per inductive-step query of the one-account proof (a counter, not a
# clock: the same answer on a busy and an idle machine); the corpus's step queries that
# answer use well under a tenth of it
ONE_STEP_RLIMIT = 20_000_000


@dataclasses.dataclass
class Plan:
    """How a spec decomposes: the one-account spec to check, or why it does not."""

    coupled: str | None  # why the accounts interact other than through accumulators
    accumulators: list[str]  # shared fields accounts write
    shared: tuple[Spec, str] | None  # (the spec, its first accumulator)
    why: str | None = None  # why a check on one account does not cover N, or None
    rule: Any = None  # a decompose_shared.SharedRule when that rule applies

    @property
    def shared_why(self) -> str | None:
        """The sentence naming the first accumulator (built when asked: ``shared_why``)."""
        return None if self.shared is None else shared_why(*self.shared)

    def spec(self, spec: Spec) -> Spec:
        """The one-account spec whose checks cover every number of accounts."""
        return spec.with_accounts(1) if self.rule is None else self.rule.spec


def plan(spec: Spec, invariants: Any = None) -> Plan:
    """The decomposition of ``spec`` (``analyse``, then the shared-accumulator rule)."""
    coupled, accumulators, first = _analyse(spec)
    out = Plan(coupled, accumulators, None if first is None else (spec, first), coupled)
    if coupled is None and accumulators:
        from solvent.check.decompose_shared import shared_rule

        try:
            with fresh_context():
                found = shared_rule(spec, accumulators, invariants)
        except Exception as exc:  # the proof itself reports a spec error, exactly as before
            found = f"the step could not be analysed on one account ({exc})"
        if isinstance(found, str):
            out.why = f"{out.shared_why}; the shared-accumulator rule does not apply: {found}"
        else:
            out.rule = found
    return out


def prove_any_accounts(spec: Spec, prove: Any, **kwargs: Any) -> Any:
    """``prove(spec, **kwargs)``, for every number of accounts when the accounts decouple.

    When ``plan`` finds no coupling, the proof runs on one account; its PASS is reported as
    ``proved for every number of accounts`` with ``accounts = "any"``. After a CTI there,
    lemmas inferred from the spec may complete it (``decompose_one.inferred_pass``). A
    counterexample on one account is lifted to the spec's accounts and replayed there
    (``decompose_one.lifted``); so is a real path a bounded search finds on one account
    when the proof did not pass (also when only the accumulator rule refused). Otherwise
    the spec's own proof runs and ``details["decomposition"]`` says why the decomposition
    did not apply.
    """
    began = time.perf_counter()
    one_account = ""  # the one-account proof's verdict and message, when it did not pass
    progress.note(phase="prove: how the accounts interact (decomposition)")
    p = plan(spec, kwargs.get("invariants"))
    names = [d.name for d in searched_properties(spec, kwargs.get("invariants"))]
    why = p.why
    if reader_refused(p):
        steps = (plan, _one_account, _any, _capped(kwargs), _left, spent)
        done = any_with_reader_lemmas(spec, prove, kwargs, began, names, steps)
        if done is not None:
            return done
        one_account = "the rule with lemmas inferred for its reader: not proved"
    if why is None:
        one, inferred, real = _one_account(spec, p, prove, kwargs, began, names)
        if real is not None:  # a real path of the spec, found on the way
            return _lifted(real, spec, began, _gave(p, FAIL))
        found = lifted(spec, one, names)
        if found is None and one.verdict == PASS:
            return _any(one, p, began, inferred[1] if inferred is not None else [])
        if found is not None:
            return _lifted(found, spec, began, _gave(p, FAIL))
        why = _gave(p, one.verdict)
        one_account = f"{one.verdict}: {one.message}"
        if one.verdict == UNKNOWN and spent(
            kwargs.get("timeout"), began
        ):  # no time left to fall back
            return _out_of_budget(one, spec, began, kwargs["timeout"], why)
    if early := own_first(spec, prove, _capped(kwargs), began, why, one_account, p.coupled):
        return early  # k=1 on the spec's accounts, with lemmas inferred there
    searched = p.coupled is None and spec.accounts > 1
    if searched:  # a real path on one account, lifted
        from solvent.check.bmc import bmc

        depth = max(int(kwargs.get("search_depth", 5)), int(kwargs.get("max_k") or 1))
        left, jobs = _left(kwargs, began), kwargs.get("jobs")
        found = search_one(spec, bmc, depth, names, left, jobs, bool(one_account))
        if found is not None:
            found.check, found.k = "prove", kwargs.get("max_k") or kwargs.get("k") or 1
            # the one-account check as a whole (proof, then search): a real counterexample
            return _lifted(found, spec, began, _gave(p, FAIL) if p.why is None else why)
    original = kwargs.get("timeout")
    if kwargs.get("timeout") is not None:  # the fallback gets what is left of the budget
        kwargs = {**kwargs, "timeout": _left(kwargs, began)}
    given = kwargs.get("timeout")
    result = prove(spec, **kwargs)
    used = 0.0 if given is None or original is None else original - given
    first = "the proof on one account" if one_account else "the search on one account"
    if one_account and searched:
        first = "the proof and the search on one account"
    note = f" ({first} used {used:.1f}s of it first)"
    whole(result, began, original if one_account or searched else None, given, note)
    result.details["decomposition"] = f"not applied: {why}"
    if one_account:
        result.details["decomposition_one_account"] = one_account
    return result


def _one_account(
    spec: Spec, p: Plan, prove: Any, kwargs: dict[str, Any], began: float, names: list[str]
) -> tuple[Any, Any, Any]:
    """The proof on one account (``p`` applies): its result, the inferred lemmas that
    completed it (``decompose_one.inferred_pass``, or None) and a real path of ``spec``
    the proof with them found (lifted, or None)."""
    one_spec = p.spec(spec)
    # each step query capped by Z3's resource counter: a hard one is UNKNOWN on every
    # machine (uncapped, the fee variant's k=2 step ran past any budget, or not)
    capped = _capped(kwargs)
    if p.rule is not None:  # a CTI's search on the spec: bmc stalls on the rule's (tiered_hl)
        capped["search_spec"] = spec.with_accounts(1)
    # a spec without lemmas tries inferred ones after k, before the larger k's (whose
    # step queries Z3 does not always stop at their cap): the plain corpus variants
    k = int(kwargs.get("k") or 1)
    max_k = int(kwargs.get("max_k") or k)
    first_max = max_k if spec.lemmas else k
    one = prove(one_spec, **{**capped, "max_k": first_max})
    inferred = None
    if one.verdict == CTI or capped_out(one):  # lemmas the spec implies (infer)
        exclude = [*p.accumulators, *(f for f in one_spec.fields if f not in spec.fields)]
        inferred = inferred_pass(one_spec, one, prove, exclude, _left(kwargs, began), capped)
        with_them = None if inferred is None else inferred[0]
        real = None if with_them is None else lifted(spec, with_them, names)
        if real is not None:
            return one, inferred, real
        if with_them is not None and with_them.verdict == PASS:
            one = with_them
        elif first_max < max_k:  # the larger k's, without inferred lemmas
            one = prove(one_spec, **{**capped, "timeout": _left(kwargs, began)})
    return one, inferred, None


def _capped(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {**kwargs, "search_depth": 1, "step_rlimit": ONE_STEP_RLIMIT}


def proved_for_any(spec: Spec, prove: Any, **kwargs: Any) -> Any:
    """The PASS of ``prove_any_accounts`` when the decomposition gives one (for every
    number of accounts and path length), else None: nothing else is tried (no fallback
    to the spec's own accounts, no search). bmc's 1-induction member asks it."""
    began = time.perf_counter()
    p = plan(spec, kwargs.get("invariants"))
    names = [d.name for d in searched_properties(spec, kwargs.get("invariants"))]
    if reader_refused(p):
        steps = (plan, _one_account, _any, _capped(kwargs), _left, spent)
        return any_with_reader_lemmas(spec, prove, kwargs, began, names, steps)
    if p.why is not None:
        return None
    one, inferred, real = _one_account(spec, p, prove, kwargs, began, names)
    if real is not None or one.verdict != PASS:
        return None
    return _any(one, p, began, inferred[1] if inferred is not None else [])


def spent(budget: float | None, began: float) -> bool:
    """Whether the one-account work used (nearly) all of the budget: the fallback on the
    spec's own accounts is then not run (encoding 100 accounts, which Z3's timeout does not
    stop, took `prove --timeout 60` of the fixed-point corpus spec to 65 s)."""
    if budget is None:
        return False
    return bool(budget - (time.perf_counter() - began) < min(1.0, 0.02 * budget + 0.1))


def _out_of_budget(one: Any, spec: Spec, began: float, timeout: float, why: str) -> Any:
    """The one-account proof's UNKNOWN as the verdict when it used the whole budget (its
    solver timeout named by the check's budget, not by the last sub-check's share)."""
    took = time.perf_counter() - began
    own_timeout(one, timeout)
    one.message += (
        f" (the budget ran out in the proof on one account, at {one.bound}, after {took:.1f}s "
        f"in it; the proof on {spec.accounts} account(s) was not started)"
    )
    one.seconds, one.accounts = took, spec.accounts
    one.details["decomposition"] = f"not applied: {why}"
    return one


def whole(
    result: Any, began: float, budget: float | None, given: float | None, note: str = ""
) -> None:
    """``result`` of the fallback after the one-account work as the whole check's: its
    time counts from ``began``, a timeout names the user's ``budget`` (it read "after
    0.001s" when the one-account work had used it up, at 60 s of wall time), then
    ``note``."""
    result.seconds = time.perf_counter() - began
    if budget is not None and given is not None:
        own_timeout(result, budget, note)


def timed_out(one: Any, spec: Spec, began: float, budget: float) -> Any:
    """The one-account result ``one`` as the spec's UNKNOWN when the budget ran out (an
    UNKNOWN keeps its words, "base case: ...", with the user's budget in them)."""
    if one.verdict == UNKNOWN and one.ran_out is not None:
        own_timeout(one, budget, count=1)
    else:
        one.ran_out = RanOut(budget, progress.phase(), time.perf_counter() - began)
        one.message = one.ran_out.words
    one.verdict, one.accounts, one.spec = UNKNOWN, spec.accounts, spec.name
    one.counterexample, one.cti_state, one.depth = None, None, None
    one.details["reason"] = "timeout"
    one.seconds = time.perf_counter() - began
    return one


def _gave(p: Plan, verdict: str) -> str:
    why = f"the proof on one account gave {verdict}"
    return why if p.rule is None else f"{p.shared_why}{p.rule.needs()}; {why}"


def _lifted(found: Any, spec: Spec, began: float, why: str | None) -> Any:
    """A FAIL found on one account and lifted: not a proof for any N, a real path on N."""
    found.seconds = time.perf_counter() - began
    how = "found on one account was lifted to"  # or found on them (decompose_one.search_one)
    if found.counterexample.meta.get("lifted_from_accounts") != 1:
        how = "was found by bmc on"
    found.details["decomposition"] = (
        f"not applied: {why}; the counterexample {how} {spec.accounts} account(s) and "
        "replayed there"
    )
    return found


def _any(one: Any, p: Plan, began: float, inferred: list[Any]) -> Any:
    """The one-account PASS ``one`` as a proof for every number of accounts."""
    one.accounts = "any"
    one.seconds = time.perf_counter() - began
    note = inferred_note(inferred) if inferred else ""
    if p.rule is None:
        one.message = (
            "proved for every path length and every number of accounts (the accounts "
            f"never interact, so the proof on one account covers any number){note}"
        )
        one.details["decomposition"] = "applied: proved on one account"
    else:
        fields = ", ".join(p.rule.fields)
        one.message = (
            "proved for every path length and every number of accounts (the accounts "
            f"interact only through {fields}, which each account's step moves only "
            f"in the direction its properties allow: proved on one account){note}"
        )
        one.details["decomposition"] = (
            f"applied: proved on one account; shared accumulators: {p.rule.summary()}"
        )
    return one


def _left(kwargs: dict[str, Any], began: float) -> float | None:
    if kwargs.get("timeout") is None:
        return None
    return float(max(0.001, kwargs["timeout"] - (time.perf_counter() - began)))
