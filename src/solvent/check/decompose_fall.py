"""bmc to a depth through one account when an account's step may move a shared accumulator
against its property: a bound on what one step of one account may take from it.

The accumulator rule (``decompose_shared``) proves on one account that an account's step
never moves an accumulator ``f`` against its direction (``insurance`` never falls). When a
liquidation pays a deficit from the fund that lemma is false, the rule gives nothing, and
bmc falls back to unrollings that stall (tests/check/specs/funding_index.py with a fund of
50,000: UNKNOWN at depth 4 of 5 after 600 s). Yet the fund can fall only so fast. For a
question to depth ``d`` on ``N`` accounts, ``bounded_fall`` proves on one account that no
step among the first ``d`` moves ``f`` against its direction by more than ``D`` (the fall
bound, a lemma of its own shape, below); each step of the ``N`` accounts then moves ``f``
by at most ``N x D`` that way, so within ``d`` steps ``f`` stays beyond ``f0 - d x N x D``,
and ``D`` is chosen so that every property that reads ``f`` holds there (checked by the
solver).

Why the one-account proof covers the ``N`` accounts (the rule's argument, bounded): the
rule's conditions hold and no body reads the accumulators (``SharedRule.reader`` is None),
so every account's fields and additions to ``f`` in a step of the ``N`` accounts are those
of the one-account spec's step from that account's own state with the same market, and the
step adds them up; the shared fields that are not accumulators are written only by the
ticks (checked), so they follow the same path for every number of accounts.

The one-account spec of the proof is the rule's, with

- a step counter (``steps_taken``: 0 at the start, one more in each step) and, per step
  ``t <= d``, a box the read-only shared fields lie in (``[lo_t, hi_t]``: the image of the
  box at ``t - 1`` under the ticks and the envelope, each bound found at a corner of the
  box and checked by the solver); these are lemmas (``steps_taken`` is 0, 1, ..., ``d`` or
  more; at step ``t`` the fields are in box ``t``), inductive by construction;
- the fall bound instead of the rule's step lemma: ``steps_taken > d or f - f_before >= -D``
  (``<= D`` for an accumulator that may only fall);
- without the properties that read the accumulators (they are what the bound gives).

It is proved by k-induction at k=1 (each step query capped by Z3's resource counter), with
lemmas inferred from the spec after a CTI (``infer.strengthen``: the keepers' guards, and
here also the range each account field is written in, when every write is a constant or an
action's argument: a position's size). funding_index with a fund of 50,000 on 3 accounts,
depth 5: the fall bound 3,333.33 (the fund over 5 x 3), proved with ``liquidate_not_enabled``
and ``qty`` within [-10, 10]: PASS in about 1.5 s of CPU. The answer is for paths of up to
``d`` steps only, as bmc's: nothing is said beyond.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from fractions import Fraction
from itertools import product
from typing import TYPE_CHECKING, Any

import z3

from solvent.backends.modes import number_var
from solvent.backends.symbolic import literal_value, z3_num
from solvent.check.decompose_shared import unsat
from solvent.check.encode import Unrolling, conjuncts, free_vars
from solvent.check.results import PASS, CheckResult
from solvent.engine.state import MarketView, StateView, copy_state
from solvent.engine.step import call_user, eval_predicate, run_guarded, sorts_of
from solvent.lang.domains import Within
from solvent.lang.guards import no_guards
from solvent.lang.values import NUM, Value
from solvent.spec.decls import FieldDecl
from solvent.spec.spec import ActionDecl, PredicateDecl, Spec

if TYPE_CHECKING:  # suggest is imported when a range is built: a plain bmc does not load it
    from solvent.check.suggest import Candidate

_TIMEOUT_MS = 10_000
MAX_CORNER_DIMENSIONS = 10  # the shared fields' boxes: at most 2**10 corners a step
STEPS = "steps_taken"


def bounded_fall(
    spec: Spec,
    rule: Any,
    depth: int,
    invariants: Sequence[str] | None,
    timeout: float | None,
    seen: CheckResult | None = None,
) -> CheckResult | None:
    """bmc's PASS to ``depth`` on ``spec``'s accounts by the fall bound (module doc), or
    None when it does not apply or its proof on one account does not pass.

    ``seen``: the rule's one-account path that broke a step lemma (bmc's FAIL, replayed);
    when one of its first ``depth`` steps moves an accumulator further than the bound, the
    bound is false and nothing is tried (the default fund of funding_index, 500)."""
    began = time.perf_counter()
    one = spec.with_accounts(1)
    if depth < 1 or rule.reader is not None or rule.still or one.arithmetic != "exact":
        return None
    plan = _plan(one, rule, depth, spec.accounts, invariants)
    if plan is None:
        return None
    bounds, kept, boxes = plan
    if _refuted(seen, bounds, rule.directions, depth):
        return None
    bounded = _bounded_spec(rule, one, bounds, kept, boxes, depth)
    found = _proved(bounded, rule, one.fields, timeout)
    if found is None:
        return None
    result, lemmas = found
    n = spec.accounts
    said = "; ".join(
        f"{f} {'falls' if rule.directions[f] > 0 else 'rises'} by at most {_num(d)} in one "
        f"account's step within {depth} steps, so it stays "
        f"{'at or above' if rule.directions[f] > 0 else 'at or below'} "
        f"{_num(f0 - rule.directions[f] * depth * n * d)} ({_num(f0)} "
        f"{'-' if rule.directions[f] > 0 else '+'} {depth} x {n} x {_num(d)}), where "
        f"{', '.join(names)} hold{'s' if len(names) == 1 else ''}"
        for f, (f0, d, names) in sorted(bounds.items())
    )
    how = f"proved on one account by induction with the lemmas {', '.join(lemmas)}"
    return CheckResult(
        "bmc",
        spec.name,
        PASS,
        f"depth {depth}/{depth}",
        time.perf_counter() - began,
        n,
        message=(
            f"no violation in any path of up to {depth} step{'s' if depth != 1 else ''} "
            f"({n} account{'s' if n != 1 else ''}): {said} ({how})"
        ),
        depth=depth,
        details={
            "method": "fall bound per account and step",
            "fall_bound": {f: str(d) for f, (_f0, d, _n) in sorted(bounds.items())},
            "inferred_lemmas": lemmas,
            "proof_on_one_account": result.message,
        },
    )


def _refuted(seen: CheckResult | None, bounds: Any, directions: Any, depth: int) -> bool:
    """Whether the replayed path ``seen`` moves an accumulator further than its bound in
    one of its first ``depth`` steps."""
    records = getattr(seen.details.get("replay") if seen else None, "records", [])
    for before, after in zip(records, records[1:], strict=False):
        if after.step > depth:
            break
        for f, (_f0, d, _names) in bounds.items():
            try:
                moved = (Fraction(after.state[f]) - Fraction(before.state[f])) * directions[f]
            except (KeyError, TypeError, ValueError):
                return False
            if moved < -d:
                return True
    return False


def _num(x: Fraction) -> str:
    if x.denominator == 1:
        return f"{x.numerator:,}"
    return f"{float(x):,.2f}"


# ----------------------------------------------------------------------- the plan
def _plan(
    one: Spec, rule: Any, depth: int, n: int, invariants: Sequence[str] | None
) -> tuple[dict[str, tuple[Fraction, Fraction, list[str]]], list[str], list[Any]] | None:
    """(accumulator -> (start, fall bound, the properties on it), the properties kept on
    one account, the shared fields' boxes per step), or None when the bound cannot apply."""
    u = Unrolling(one, free_init=True)
    pre = u.states[0]
    acc = {f: pre[f].raw for f in rule.fields}
    names = {str(v) for v in acc.values()}
    decls = [d for d in one.invariants if invariants is None or d.name in invariants]
    decls += one.lemmas
    parts: dict[str, list[Any]] = {f: [] for f in rule.directions}
    readers: dict[str, list[str]] = {f: [] for f in rule.directions}
    kept = []
    for decl in decls:
        reads = False
        for _a, val in eval_predicate(one, u.params, u.backend, pre, decl):
            for part in conjuncts(val.raw):
                read = free_vars(part)
                if not read & names:
                    continue
                reads = True
                mine = [f for f, v in acc.items() if str(v) in read]
                if len(mine) != 1 or read != {str(acc[mine[0]])} or mine[0] not in parts:
                    return None  # it reads another field too: no threshold of its own
                parts[mine[0]].append(part)
                readers[mine[0]].append(decl.name)
        if not reads:
            kept.append(decl.name)
    bounds = {}
    for f, sign in rule.directions.items():
        init = one.fields[f].init
        if not parts[f] or len(init) != 1 or not isinstance(init[0], Fraction | int):
            return None
        f0 = Fraction(init[0])
        d = _fall(acc[f], sign, z3.And(parts[f]), f0, depth * n)
        if d is None:
            return None
        bounds[f] = (f0, d, list(dict.fromkeys(readers[f])))
    boxes = _boxes(one, u, rule.fields, depth)
    return None if boxes is None else (bounds, kept, boxes)


def _fall(var: Any, sign: int, holds: Any, f0: Fraction, steps: int) -> Fraction | None:
    """The largest fall per account step the properties ``holds`` on ``var`` afford over
    ``steps`` account steps (the extreme value they allow, then checked), or None."""
    opt = z3.Optimize()
    opt.set("timeout", _TIMEOUT_MS)
    opt.add(holds)
    h = opt.minimize(var) if sign > 0 else opt.maximize(var)
    if opt.check() != z3.sat:
        return None
    edge = _frac(h.value())
    if edge is None:  # unbounded, or an infinitesimal away
        return None
    room = (f0 - edge) * sign
    for share in (Fraction(1), Fraction(999, 1000)):  # a strict property: just inside
        d = room * share / steps
        if d <= 0:
            return None
        end = f0 - sign * steps * d
        if unsat((var >= z3_num(end)) if sign > 0 else (var <= z3_num(end)), z3.Not(holds)):
            return d
    return None


def _boxes(one: Spec, u: Unrolling, accumulators: Sequence[str], depth: int) -> list[Any] | None:
    """Per step 0..depth, the box {field: (lo, hi)} the read-only shared fields lie in
    (a field without a bound is left out), or None when a keeper or action writes one."""
    pre = u.states[0]
    shared = [f for f, fd in one.fields.items() if not fd.per_account and f not in accumulators]
    shared = [f for f in shared if one.fields[f].sort == NUM]
    sorts = sorts_of(one)
    for decl in [*one.keepers, *one.actions]:
        args = {a: Value(u.backend, number_var(one, f"arg_{a}"), NUM) for a in decl.args}
        accounts = (0,) if decl.n_accounts else ()
        try:
            _new, written, _g = run_guarded(
                decl, pre, sorts, u.backend, u.params, accounts, args, 1
            )
        except Exception:  # noqa: BLE001 - a body the symbolic run cannot take: no bound
            return None
        if any(name in shared for name, _i in written):
            return None
    market = {}
    draws = []
    for name, dom in one.bounds.items():
        if not isinstance(dom, Within):
            return None
        var = number_var(one, f"m_{name}")
        market[name] = Value(u.backend, var, NUM)
        draws.append((var, Fraction(dom.lo), Fraction(dom.hi)))
    new = _after_ticks(one, u, market)
    post = {f: new[f].raw for f in shared}
    start: dict[str, tuple[Fraction, Fraction]] = {}
    for f in shared:
        ends = one.fields[f].number_ends()
        if len(one.fields[f].init) == 1 and ends:
            start[f] = (min(ends), max(ends))
    boxes = [start]
    for _t in range(depth):
        boxes.append(_image(boxes[-1], pre, post, draws))
    return boxes


def _image(
    box: dict[str, tuple[Fraction, Fraction]],
    pre: Any,
    post: dict[str, Any],
    draws: list[tuple[Any, Fraction, Fraction]],
) -> dict[str, tuple[Fraction, Fraction]]:
    """The box of the shared fields after one step from ``box`` (the fields whose step reads
    only fields in ``box`` and the market ``draws``: var, lo, hi), each bound checked."""
    dims = [(pre[f].raw, lo, hi) for f, (lo, hi) in box.items()] + draws
    if len(dims) > MAX_CORNER_DIMENSIONS:
        return {}
    known = {str(var) for var, _lo, _hi in dims}
    within = [c for var, lo, hi in dims for c in (var >= z3_num(lo), var <= z3_num(hi))]
    ranges = [[(var, z3_num(lo)), (var, z3_num(hi))] for var, lo, hi in dims]
    out = {}
    for f, term in post.items():
        if not free_vars(term) <= known:
            continue
        values: list[Fraction] = []
        for corner in product(*ranges):
            v = _frac(z3.simplify(z3.substitute(term, *corner)))
            if v is None:
                values = []
                break
            values.append(v)
        if not values:
            continue
        lo, hi = min(values), max(values)
        if unsat(*within, z3.Or(term < z3_num(lo), term > z3_num(hi))):
            out[f] = (lo, hi)
    return out


# ----------------------------------------------------------------------- the proof
def _bounded_spec(
    rule: Any,
    one: Spec,
    bounds: dict[str, tuple[Fraction, Fraction, list[str]]],
    kept: list[str],
    boxes: list[Any],
    depth: int,
) -> Spec:
    """The rule's one-account spec with the step counter, the boxes and the fall bounds
    (module doc)."""
    from solvent.check.decompose_shared import before_name

    aug = rule.spec
    new = aug._copy()
    steps = STEPS
    while steps in new.fields:
        steps += "_"
    new.fields[steps] = FieldDecl(steps, NUM, False, (Fraction(0),), one.where)

    def count(s: Any, m: Any) -> None:
        setattr(s, steps, getattr(s, steps) + 1)

    count.__name__ = f"count_{steps}"
    new.ticks = [
        new.ticks[0],
        ActionDecl(count.__name__, count, "tick", {}, 0, False, None, one.where, ""),
        *new.ticks[1:],
    ]
    new.invariants = [d for d in one.invariants if d.name in kept]
    new.lemmas = [d for d in aug.lemmas if d.name in kept]  # the rule's step lemmas go
    new.witnesses = []

    def whole(s: Any) -> Any:
        out = getattr(s, steps) > depth
        for t in range(depth + 1):
            out = out | (getattr(s, steps) == t)
        return out

    def boxed(s: Any) -> Any:
        out = getattr(s, steps) > depth
        for t, box in enumerate(boxes):
            at = getattr(s, steps) == t
            for f, (lo, hi) in sorted(box.items()):
                at = at & (getattr(s, f) >= lo) & (getattr(s, f) <= hi)
            out = out | at
        return out

    lemmas = [(f"{steps}_counts_steps", whole)]
    if any(boxes):
        lemmas.append((f"shared_fields_within_{depth}_steps", boxed))
    for name, fn in lemmas:
        fn.__name__ = name
        new.lemmas.append(PredicateDecl(name, fn, "lemma", False, False, one.where, ""))
    for f, (_f0, d, _names) in sorted(bounds.items()):
        copy, sign = before_name(one, f), rule.directions[f]

        def fall(s: Any, f: str = f, copy: str = copy, d: Fraction = d, sign: int = sign) -> Any:
            moved = getattr(s, f) - getattr(s, copy)
            ok = moved >= -d if sign > 0 else moved <= d
            return (getattr(s, steps) > depth) | ok

        fall.__name__ = f"{f}_falls_at_most_{str(d).replace('/', '_')}_a_step"
        new.invariants.append(
            PredicateDecl(fall.__name__, fall, "invariant", False, False, one.where, "")
        )
    return new


def _proved(
    bounded: Spec, rule: Any, fields: Any, timeout: float | None
) -> tuple[CheckResult, list[str]] | None:
    """The proof of ``bounded`` at k=1 (capped), with inferred lemmas after a CTI
    (``fields``: the spec's own)."""
    from solvent.check.decompose import ONE_STEP_RLIMIT
    from solvent.check.induction import prove
    from solvent.check.infer import strengthen
    from solvent.check.results import CTI

    caps: dict[str, Any] = {"k": 1, "max_k": 1, "search_depth": 1, "step_rlimit": ONE_STEP_RLIMIT}
    first = prove(bounded, timeout=timeout, **caps)
    if first.verdict == PASS:
        return first, []
    if first.verdict != CTI:
        return None
    # candidates may read the read-only shared fields (a price), not the accumulators, their
    # copies or the step counter
    own = [f for f in bounded.fields if f in rule.fields or f not in fields]
    found = strengthen(
        bounded, first, prove, exclude=own, timeout=timeout, extra=_ranges(bounded), **caps
    )
    if found is None or found[0].verdict != PASS:
        return None
    return found[0], [i.decl.name for i in found[1]]


def _ranges(spec: Spec) -> list[Candidate]:
    """``lo <= f[a] <= hi`` for each account field every write puts a constant or an
    action's argument in (its start, those constants and the arguments' domains)."""
    from solvent.check.suggest import Candidate

    u = Unrolling(spec, free_init=True)
    pre = u.states[0]
    sorts = sorts_of(spec)
    values: dict[str, list[Fraction]] = {}
    for name, fd in spec.fields.items():
        if fd.per_account and fd.sort == NUM and (ends := fd.number_ends()):
            values[name] = ends
    moved = _ticked(spec, u)
    for name in list(values):
        if name in moved:
            values.pop(name)
    for decl in [*spec.keepers, *spec.actions]:
        doms = {a: d for a, d in decl.args.items() if isinstance(d, Within)}
        args = {a: Value(u.backend, number_var(spec, f"arg_{a}"), NUM) for a in decl.args}
        accounts = (0,) if decl.n_accounts else ()
        try:
            new, written, _g = run_guarded(decl, pre, sorts, u.backend, u.params, accounts, args, 1)
        except Exception:  # noqa: BLE001 - a body the symbolic run cannot take: no range
            return []
        for name, index in written:
            if name not in values or index is None:
                values.pop(name, None)
                continue
            raw = new[name][index].raw
            if raw.eq(pre[name][index].raw):
                continue
            number = _frac(raw)
            if number is not None:
                values[name].append(number)
                continue
            arg = next((a for a in doms if raw.eq(args[a].raw)), None)
            if arg is None:
                values.pop(name)
            else:
                values[name] += [Fraction(doms[arg].lo), Fraction(doms[arg].hi)]
    out = []
    for name, xs in values.items():
        out += [Candidate(name, "<=", max(xs), True), Candidate(name, ">=", min(xs), True)]
    return out


def _ticked(spec: Spec, u: Unrolling) -> set[str]:
    """The fields the ticks change."""
    pre = u.states[0]
    market = {n: Value(u.backend, number_var(spec, f"m_{n}"), NUM) for n in spec.bounds}
    new = _after_ticks(spec, u, market)
    out = set()
    for name, value in new.items():
        before = pre[name]
        pairs = zip(value, before, strict=True) if isinstance(value, list) else [(value, before)]
        if any(not a.raw.eq(b.raw) for a, b in pairs):
            out.add(name)
    return out


def _after_ticks(spec: Spec, u: Unrolling, market: dict[str, Value]) -> Any:
    """The state after ``spec``'s ticks from ``u``'s first state, the market's values
    ``market`` (the ticks' guards not asserted)."""
    new = copy_state(u.states[0])
    view = StateView(new, sorts_of(spec), u.backend, writable=True, accounts=1)
    for tick in spec.ticks:
        with no_guards(tick.name):
            extra = (u.params,) if tick.takes_params else ()
            call_user(f"tick {tick.name}", tick.where, tick.fn, view, *extra, MarketView(market))
    return new


# ----------------------------------------------------------------------- helpers
def _frac(v: Any) -> Fraction | None:
    """A Z3 numeral as a Fraction (None for anything else)."""
    q = literal_value(v)
    return None if isinstance(q, bool) else q
