"""Lemmas the engine infers when the one-account proof of an any-N decomposition fails.

Users rarely write lemmas. When the proof on one account (``decompose.prove_any_accounts``)
ends in a counterexample to induction, ``strengthen`` builds candidate lemmas from the spec
itself:

- the **keepers' guards**: for each every-step keeper without arguments, "its guard does
  not hold" (after the keepers run, a liquidation keeper has nothing left to do: every
  account is above maintenance or closed);
- the **actions' guards** at neutral arguments (0, or the domain's low end): "the action
  would be allowed" (equity above the initial margin after every trade), and, when some
  of its ``requires`` read only the arguments (``qty > 0``, false at 0), "its conditions
  on the state hold" without them (a vault's ``sum(open calls) + qty <= locked`` at 0);
- **sign facts** of the initial condition: ``f >= 0`` for each number field that starts
  at or above 0;
- **net totals** (``sum(f[a]) == TOTAL`` when an action takes two or more accounts) and
  **linear relations** no step changes (``locked == 1800 * puts_1800 + 1600 * puts_1600``
  between shared fields and accounts' totals; ``infer_linear``);
- **floors**: ``f >= FLOOR`` for a field an update writes as ``maximum(x, FLOOR)`` (an
  oracle's ``minAnswer``; ``infer_floor``);
- the **CTI's templates** (``suggest.candidates``: the range of a field the CTI state lies
  outside of, relations between shared fields).

Inference starts from the guards: it runs only when the spec has per-account fields and a
keeper or action of one account with a ``requires`` (the shape of a margin protocol: a
liquidation keeper, a trade checked against the initial margin). Otherwise nothing is
inferred, and ``prove`` shows the CTI's checked suggestions for the user to paste
(``suggest``), as before.

Candidates that read an excluded field (a shared accumulator, its per-step copy) are
dropped: the accumulator rule needs every property on an accumulator to be monotone in it.
The rest go through Houdini's fixed point: every candidate must hold in every initial
state (the base case) and be kept by one step from any state where all kept candidates
and the spec's properties hold (the step); a candidate that fails either, or whose query
runs out of Z3's resource limit (``RLIMIT`` units), is dropped, and the step is checked
again until nothing is dropped. In exact arithmetic a round asks each case of the step
(``cases``) whether some candidate fails, dropping all its model falsifies at once
(``cases.split_survivors``; in fixed point the same with the hypotheses named,
``cases.named_survivors``). Otherwise, or when that gives up, a round's queries share one
incremental solver holding the step and the round's hypotheses (``QUICK_RLIMIT`` units
each); one that runs out is asked once per case, then whole under ``RLIMIT``. In fixed
point, where the whole query rarely answers within ``QUICK_RLIMIT``, every query goes to
the cases at once with the hypotheses named, and a case whose earlier proof used only
hypotheses still assumed is not asked again (``houdini_round``); so does each trial of
the deletion below. The resource counter, not a clock, decides: the same candidates
survive on a busy and an idle machine, tried in a fixed order. A query that Z3 stops by
the wall-clock safety net (``SAFETY_MS``, or the end of the budget) ends the inference
with nothing inferred: a clock never changes which lemmas are inferred. Of the survivors,
those the properties need are kept (each dropped, the last first, while the properties
and the rest stay 1-inductive). They are then added as lemmas and the whole proof runs
again (k-induction proves them too): a PASS never rests on an unproved lemma.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import z3

from solvent.check.cases import Proofs, step_cases
from solvent.check.encode import Unrolling, conjuncts, free_vars
from solvent.check.houdini_reach import as_bool, broken_on_paths
from solvent.check.houdini_round import ClockStopped, Round, decide, inductive
from solvent.check.infer_counter import counter_candidates
from solvent.check.infer_floor import floor_candidates
from solvent.check.infer_linear import linear_relations, net_totals
from solvent.check.results import FAIL, PASS, CheckResult
from solvent.check.solving import Deadline, in_fresh_context
from solvent.check.step_reuse import StepProof, from_houdini
from solvent.check.suggest import Candidate, candidates
from solvent.engine.step import run_body
from solvent.lang.domains import AnyBool, Within
from solvent.lang.values import NUM, Value, lift
from solvent.spec.decls import ActionDecl
from solvent.spec.introspect import function_tree, source_tree
from solvent.spec.rebuild import with_lemmas_added
from solvent.spec.spec import PredicateDecl, Spec

MAX_CTI_CANDIDATES = 12


@dataclass(frozen=True, slots=True)
class Inferred:
    """One candidate lemma: its declaration, where it came from and how it reads."""

    decl: PredicateDecl
    source: str  # "keeper guard" | "keeper counter" | "action guard" | "initial sign" | ...
    text: str  # what it says, for the report
    code: str | None = None  # code to paste, when it is one expression of the spec

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.decl.name,
            "source": self.source,
            "says": self.text,
            "code": self.code,
            "checked": "proved inductive (base case and step) together with the properties",
        }


# ----------------------------------------------------------------------- candidates
def _view_parts(s: Any) -> tuple[Any, Any, Any]:
    return (
        object.__getattribute__(s, "_state"),
        object.__getattribute__(s, "_sorts"),
        object.__getattribute__(s, "_backend"),
    )


def _guard(decl: ActionDecl, s: Any, p: Any, a: int | None, args: dict[str, Any]) -> Any:
    """The conjunction of ``decl``'s ``requires`` on the state behind view ``s``."""
    state, sorts, backend = _view_parts(s)
    values = {name: lift(x, backend=backend) for name, x in args.items()}
    accounts = () if a is None else (a,)
    n = max((len(v) for v in state.values() if isinstance(v, list)), default=0)
    _new, _written, frame = run_body(decl, state, sorts, backend, p, accounts, values, n)
    guard: Any = lift(True, backend=backend)
    for c in frame.conditions:
        guard = guard & (c if isinstance(c, Value) else lift(c, backend=backend))
    return guard


def _requires_text(fn: Any) -> str:
    """The ``requires(...)`` conditions of a body's source, joined with ``and``."""
    tree = source_tree(fn)
    if tree is None:
        return "its guard"
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            if name == "requires":
                found.append(ast.unparse(node.args[0]))
    return " and ".join(found) if found else "its guard"


def _keeper_quiet(keeper: ActionDecl) -> Inferred:
    def fn(s: Any, p: Any, a: int | None = None) -> Any:
        return ~_guard(keeper, s, p, a, {})

    name = f"{keeper.name}_not_enabled"
    per = bool(keeper.n_accounts)
    decl = PredicateDecl(name, fn, "lemma", per, True, keeper.where, "inferred lemma")
    text = f"after the keepers, {keeper.name}'s guard is false: not ({_requires_text(keeper.fn)})"
    return Inferred(decl, "keeper guard", text)


def _neutral(dom: Any) -> Any:
    if isinstance(dom, AnyBool):
        return False
    assert isinstance(dom, Within)
    return Fraction(0) if dom.lo <= 0 <= dom.hi else Fraction(dom.lo)


def _action_allowed(act: ActionDecl) -> Inferred | None:
    if not isinstance(act.args, dict) and act.args is None:
        return None
    args = {name: _neutral(dom) for name, dom in act.args.items()}

    def fn(s: Any, p: Any, a: int | None = None) -> Any:
        return _guard(act, s, p, a, args)

    shown = ", ".join(f"{k}={v}" for k, v in args.items())
    name = f"{act.name}_allowed"
    per = bool(act.n_accounts)
    decl = PredicateDecl(name, fn, "lemma", per, True, act.where, "inferred lemma")
    text = f"action {act.name}({shown}) would be allowed ({_requires_text(act.fn)})"
    return Inferred(decl, "action guard", text)


def _requires_read_state(fn: Any) -> list[tuple[bool, str]] | None:
    """For each ``requires(...)`` of a body's source, in order: whether it reads the state
    (its first parameter), and its text; None when the source cannot be read or a ``requires`` sits in a
    loop or a helper (then the conditions a run records may not match them one to one)."""
    body = function_tree(fn)
    if body is None or not body.args.args:
        return None
    state = body.args.args[0].arg
    reads: list[tuple[bool, str]] = []
    for stmt in body.body:
        for node in ast.walk(stmt):
            f = node.func if isinstance(node, ast.Call) else None
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            if name == "requires" and isinstance(node, ast.Call) and node.args:
                if not isinstance(stmt, ast.Expr) or stmt.value is not node:
                    return None  # inside another statement: not one condition per call
                used = {n.id for n in ast.walk(node.args[0]) if isinstance(n, ast.Name)}
                reads.append((state in used, ast.unparse(node.args[0])))
    return reads


def _action_state_allowed(act: ActionDecl) -> Inferred | None:
    """ "The action's conditions on the state hold at neutral arguments": its guard without
    the ``requires`` that read only its arguments and parameters (``qty > 0`` is false at
    the neutral 0, and then so is the whole guard; ``sum(open calls) + qty <= locked`` at
    qty = 0 is the lemma a covered-call vault needs). None when every or no ``requires``
    reads the state (then ``_action_allowed`` says the same) or the source is unclear."""
    found = _requires_read_state(act.fn)
    reads = [r for r, _text in found or ()]
    if not isinstance(act.args, dict) or not reads or all(reads) or not any(reads):
        return None
    args = {name: _neutral(dom) for name, dom in act.args.items()}

    def fn(s: Any, p: Any, a: int | None = None) -> Any:
        state, sorts, backend = _view_parts(s)
        values = {name: lift(x, backend=backend) for name, x in args.items()}
        accounts = () if a is None else (a,)
        n = max((len(v) for v in state.values() if isinstance(v, list)), default=0)
        _new, _written, frame = run_body(act, state, sorts, backend, p, accounts, values, n)
        conds = list(frame.conditions)
        # a body whose run records other conditions than its source's requires: the whole
        # guard (the candidate is then _action_allowed's, and Houdini judges it the same)
        keep = reads if len(reads) == len(conds) else [True] * len(conds)
        guard: Any = lift(True, backend=backend)
        for c, kept in zip(conds, keep, strict=True):
            if kept:
                guard = guard & (c if isinstance(c, Value) else lift(c, backend=backend))
        return guard

    shown = ", ".join(f"{k}={v}" for k, v in args.items())
    name = f"{act.name}_state_allowed"
    per = bool(act.n_accounts)
    decl = PredicateDecl(name, fn, "lemma", per, True, act.where, "inferred lemma")
    said = " and ".join(text for r, text in found or () if r)
    text = f"action {act.name}({shown})'s conditions on the state hold ({said})"
    return Inferred(decl, "action guard", text)


def _candidate(c: Candidate, source: str, taken: set[str]) -> Inferred:
    name = c.name
    i = 2
    while name in taken:
        name, i = f"{c.name}_{i}", i + 1
    return Inferred(c.decl(name), source, c.expression(), c.code(name))


def candidate_lemmas(
    spec: Spec,
    cti_state: dict[str, Any] | None,
    obligation: str | None,
    exclude: Sequence[str] = (),
    extra: Sequence[Candidate] = (),
) -> list[Inferred]:
    """The candidates for ``spec`` (a one-account spec), in a fixed order (module doc);
    ``extra``: more, after the guards (``decompose_fall``: the ranges fields are written in)."""
    taken = {d.name for d in spec.all_predicates()}
    out: list[Inferred] = []
    for keeper in spec.keepers:
        if keeper.liveness == "every_step" and not keeper.args and keeper.n_accounts <= 1:
            if _requires_text(keeper.fn) != "its guard":
                out.append(_keeper_quiet(keeper))
    for decl, text in counter_candidates(spec):  # a keeper that acts late (infer_counter)
        out.append(Inferred(decl, "keeper counter", text))
    for act in spec.actions:
        if act.n_accounts <= 1 and _requires_text(act.fn) != "its guard":
            for found in (_action_allowed(act), _action_state_allowed(act)):
                if found is not None:
                    out.append(found)
    if not out or not any(fd.per_account for fd in spec.fields.values()):
        return []  # no guard of an account's keeper or action to start from (module doc)
    out += [_candidate(c, "written values", taken) for c in extra if c.field not in exclude]
    out += [
        Inferred(d, "net total", text, code) for d, text, code in net_totals(spec, taken, exclude)
    ]
    for name, fd in spec.fields.items():
        low = fd.lowest() if fd.sort == NUM else None
        if name not in exclude and low is not None and low >= 0:
            out.append(
                _candidate(
                    Candidate(name, ">=", Fraction(0), fd.per_account), "initial sign", taken
                )
            )
    out += [_candidate(c, "floor", taken) for c in floor_candidates(spec, exclude)]  # infer_floor
    if cti_state:
        seen = {i.text for i in out}
        for c in candidates(spec, cti_state, obligation):
            if c.field in exclude or (isinstance(c.rhs, str) and c.rhs in exclude):
                continue
            if c.expression() in seen:
                continue
            seen.add(c.expression())
            out.append(_candidate(c, "CTI template", taken))
            if sum(1 for i in out if i.source == "CTI template") >= MAX_CTI_CANDIDATES:
                break
    names: set[str] = set()
    unique = []
    for cand in out:  # one name per lemma (a spec's own lemma may already hold the name)
        if cand.decl.name in taken or cand.decl.name in names:
            continue
        names.add(cand.decl.name)
        unique.append(cand)
    return unique


# ----------------------------------------------------------------------- Houdini
@in_fresh_context
def houdini(
    spec: Spec,
    cands: list[Inferred],
    assumed: list[PredicateDecl],
    deadline: Deadline,
    exclude: Sequence[str] = (),
    trust_cores: bool = False,
    minimize: bool = True,
    step: bool = True,
) -> tuple[list[Inferred], StepProof | None]:
    """The candidates that hold initially and are inductive together (module doc), and in
    fixed point the step of the proof with them from Houdini's proofs (``step_reuse``;
    ``minimize``: its assumptions minimized), or None (always without ``step``: bmc's
    member needs only the lemmas). ``trust_cores``: start the deletion from the candidates
    the properties' proofs used without first asking whether they are inductive together
    with them (the step query the proof with them asks anyway: ``strengthen`` runs that
    proof, and asks again without trusting them when it does not pass)."""
    # the step's unrolling first: its state 0 is symbolic, so what a candidate reads shows
    u = Unrolling(spec, free_init=True)
    excluded = {str(u.states[0][f].raw) for f in exclude if f in u.states[0]}
    readable: list[tuple[Inferred, list[Any]]] = []
    for cand in cands:
        try:
            parts = [as_bool(raw) for _d, _a, raw in u.properties(0, [cand.decl])]
        except Exception:  # noqa: BLE001 - a candidate the backend cannot evaluate: dropped
            continue
        if not any(free_vars(p) & excluded for p in parts):
            readable.append((cand, parts))
    # the base case: every initial state satisfies the candidate
    u0 = Unrolling(spec, z3.Solver())
    solver0 = u0.solver
    assert isinstance(solver0, z3.Solver)
    solver0.add(*u0.assumption_literals())
    alive: list[Inferred] = []
    pre: dict[str, list[Any]] = {}
    for cand, parts in readable:
        solver0.push()
        solver0.add(z3.Or([z3.Not(as_bool(raw)) for _d, _a, raw in u0.properties(0, [cand.decl])]))
        status = decide(solver0, deadline)
        solver0.pop()
        if status == z3.unsat:
            alive.append(cand)
            pre[cand.decl.name] = parts
    # the step, until a fixed point
    facts = [(d, as_bool(raw)) for d, _a, raw in u.properties(0, assumed)]
    u.add_step()
    post = {c.decl.name: [as_bool(raw) for _d, _a, raw in u.properties(1, [c.decl])] for c in alive}
    cases = step_cases(u)
    # in fixed point the whole query rarely answers within QUICK_RLIMIT (the corpus spec:
    # 17 of its 19 hard queries ran out, 3.4 s of CPU of the proof's 15): split at once
    quick = not (cases and getattr(u.backend, "fixed", False))
    base = [*u.everything(), *u.assumption_literals(), *(f for _d, f in facts)]
    # fixed point: each case's core kept between rounds (``houdini_round``); first the
    # candidates a short path from an initial state breaks dropped (``houdini_reach``)
    known: dict[str, dict[int, frozenset[str]]] | None = None if quick else {}
    gone = set() if quick else broken_on_paths(spec, [c.decl for c in alive], assumed, deadline)
    alive = [c for c in alive if c.decl.name not in gone]
    spent: dict[int, int] = {}  # exact: each case's units, round to round (``cases``)
    changed = True
    while changed and alive:
        hyps = {x.decl.name: pre[x.decl.name] for x in alive}
        asked = Round(base, hyps, deadline, cases, quick=quick, known=known, spent=spent)
        held = asked.survivors({c.decl.name: post[c.decl.name] for c in alive})
        changed = len(held) < len(alive)
        alive = [c for c in alive if c.decl.name in held]
    if not alive:
        return [], None
    # the fewest the properties need: first just those the properties' proofs used (their
    # unsat cores, the hypotheses named), when those are inductive together with them;
    # then drop each (the last found first) while the properties and the rest stay
    # 1-inductive (when they are not, all are kept: k > 1)
    goals = {d.name: [as_bool(raw) for _d, _a, raw in u.properties(1, [d])] for d in assumed}
    hyps = {x.decl.name: pre[x.decl.name] for x in alive}
    # fixed point: from here the spec's assumptions and the properties named, each case's
    # solver kept beside its core, the failed trials noted (the final step's, ``step_reuse``)
    proofs: Proofs = {}
    refuted: list[frozenset[str]] = []
    named_by: dict[str, Any] = {}
    if known is not None and step:
        for d, f in facts:
            for c in conjuncts(f):
                u.assume(f"hyp.{d.name}", c)
        base = u.everything()
        named_by = {"always": dict(u.literals), "proofs": proofs, "refuted": refuted}
    named = Round(base, hyps, deadline, cases, True, quick=quick, known=known, **named_by)
    # the goals asked together (one query per case, not one per goal and case): the
    # union of their cores is the core of the query of them all
    if named.known is not None:
        ok, direct = named.holds_all(goals)
    else:
        ok, direct = named.holds([p for parts in goals.values() for p in parts])
    if not ok:
        return alive, None
    needed = [c for c in alive if c.decl.name in direct]
    asks = (base, goals, pre, post)
    if len(needed) == len(alive) or not (
        trust_cores or inductive(*asks, _names(needed), deadline, cases, quick, known, **named_by)
    ):
        needed = list(alive)
    for c in reversed(list(needed)):
        trial = [x for x in needed if x is not c]
        if inductive(*asks, _names(trial), deadline, cases, quick, known, **named_by):
            needed = trial
    if not named_by or cases is None or known is None:
        return needed, None
    final = {**goals, **{n: post[n] for n in _names(needed)}}
    args = (final, {n: pre[n] for n in _names(needed)}, u, cases, known, named_by)
    return needed, from_houdini(*args, deadline, minimize=minimize)


def _names(cands: list[Inferred]) -> list[str]:
    return [c.decl.name for c in cands]


# ----------------------------------------------------------------------- strengthening
def with_lemmas(spec: Spec, lemmas: Sequence[Inferred]) -> Spec:
    return with_lemmas_added(spec, [i.decl for i in lemmas])


def linear_candidates(spec: Spec, exclude: Sequence[str], cands: list[Inferred]) -> list[Inferred]:
    """The linear relations no step changes (``infer_linear``) not among ``cands``."""
    taken = {d.name for d in spec.all_predicates()} | {c.decl.name for c in cands}
    return [
        Inferred(decl, "linear relation", text, code)
        for decl, text, code in linear_relations(spec, exclude)
        if decl.name not in taken
    ]


def strengthen(
    spec: Spec,
    failed: CheckResult,
    prove: Callable[..., CheckResult],
    *,
    exclude: Sequence[str] = (),
    timeout: float | None = None,
    extra: Sequence[Candidate] = (),
    **kwargs: Any,
) -> tuple[CheckResult, list[Inferred]] | None:
    """``prove`` on ``spec`` with inferred lemmas, and those lemmas; None when none held.

    ``failed`` is the proof without them (a CTI: its state seeds the CTI templates);
    ``extra``: more candidates (``candidate_lemmas``). When those give neither a proof nor
    a real path, the linear relations no step changes are added and Houdini asked again
    (``infer_linear``: their search, 0.02-0.1 s of CPU, is spent only then: a spec the
    other candidates prove, the corpus's, does not pay it).
    """
    deadline = Deadline(timeout)
    cands = candidate_lemmas(spec, failed.cti_state, failed.invariant, exclude, extra)
    found = _strengthened(spec, cands, prove, deadline, exclude, kwargs)
    if not cands or deadline.expired() or (found and found[0].verdict in (PASS, FAIL)):
        return found
    more = linear_candidates(spec, exclude, cands)
    if not more:
        return found
    return _strengthened(spec, [*cands, *more], prove, deadline, exclude, kwargs) or found


def _strengthened(
    spec: Spec,
    cands: list[Inferred],
    prove: Callable[..., CheckResult],
    deadline: Deadline,
    exclude: Sequence[str],
    kwargs: dict[str, Any],
) -> tuple[CheckResult, list[Inferred]] | None:
    """``strengthen`` with the candidates ``cands``."""
    invariants = kwargs.get("invariants")
    assumed = [d for d in spec.invariants if invariants is None or d.name in invariants] + list(
        spec.lemmas
    )

    def run(lemmas: list[Inferred], step: StepProof | None) -> CheckResult:
        left = deadline.left()  # ``step``: its step, from Houdini's proofs (``step_reuse``)
        return prove(with_lemmas(spec, lemmas), timeout=left, step_proof=step, **kwargs)

    minimize = bool(kwargs.get("minimize", True))
    asked = (spec, cands, assumed, deadline, exclude)
    try:
        # first the lemmas the properties' proofs used, unchecked (the proof with them
        # checks them); when that proof does not pass, Houdini's checked answer
        kept, step = houdini(*asked, trust_cores=True, minimize=minimize)
        if not kept or deadline.expired():
            return None
        proved = run(kept, step)
        if proved.verdict in (PASS, FAIL) or deadline.expired():
            return proved, kept  # a proof, or a real path of the spec
        checked, step = houdini(*asked, trust_cores=False, minimize=minimize)
    except ClockStopped:
        return None
    if not checked or deadline.expired():
        return None
    if [c.decl.name for c in checked] == [c.decl.name for c in kept]:
        return proved, kept
    return run(checked, step), checked  # the caller reads its verdict: PASS, or a real path
