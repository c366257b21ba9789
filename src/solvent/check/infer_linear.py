"""Lemma candidates: linear relations between fields that no step changes, and the
accounts' net totals (``net_totals``: one field's total, when an action takes two accounts).

A put-selling vault (tests/check/specs/put_vault.py) locks ``strike x puts`` on each sale:
``locked_usdc == 1800 * puts_1800 + 1600 * puts_1600`` holds in every reachable state,
and its invariant (the vault pays every put's intrinsic value) needs it. No guard and no
sign fact says it, and a CTI's templates compare two fields at a time: the proof stayed
UNKNOWN. The relation is *conserved*: every step changes ``locked_usdc - 1800 * puts_1800
- 1600 * puts_1600`` by 0.

The columns are the spec's number fields that start at constants: a shared field as
itself, a per-account field as its total over the accounts (``sum(shares_usdc) ==
vault_usdc`` for a vault's deposits). One step is encoded on at most two accounts, every
choice free (``Unrolling(free_init=True)``), and evaluated exactly at seeded random
points, each user action (and the step with no action) as often as the others: each
point gives the vector of the columns' changes. Every vector ``c`` with ``c . change ==
0`` at all of them (the null space of the changes, exact rationals) is a candidate
``c . fields == c . (their initial values)``, one per vector of the null space's reduced
basis, its coefficients made whole numbers. Guards are not asked: a change they forbid is
one more vector the relation must keep, so a relation can be missed, never assumed.
A candidate only: Houdini keeps it when it holds initially and is inductive with the
rest, and the proof with it proves it again by k-induction. Exact arithmetic only (in
fixed point a step rounds: no relation is kept exactly).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from fractions import Fraction
from math import gcd, lcm
from typing import Any

import z3

from solvent.lang.functions import sum_
from solvent.lang.values import NUM, format_number
from solvent.spec.spec import PredicateDecl, Spec

SEED = 23  # the points are drawn from a seeded generator: the same candidates every run
POINTS_PER_CHOICE = 3  # points per user action (and for the step without one), at least
MAX_COLUMNS = 24  # more fields than this: not searched (the null space's cost and noise)
TRIES = 10  # draws per point wanted: a draw where the action's guards fail is not one
STATE_SPAN = 10**6  # a state's numbers are drawn from [-SPAN, SPAN]


def linear_relations(spec: Spec, exclude: Any = ()) -> list[tuple[PredicateDecl, str, str]]:
    """(declaration, what it says, code to paste) of each candidate, in a fixed order."""
    columns = _columns(spec, exclude)
    if len(columns) < 2 or len(columns) > MAX_COLUMNS:
        return []
    changes = _changes(spec, columns)
    if changes is None:
        return []
    moved = [i for i in range(len(columns)) if any(row[i] for row in changes)]
    if len(moved) < 2:
        return []
    rows = [[row[i] for i in moved] for row in changes]
    out = []
    for vector in null_space(rows, len(moved)):
        coef = _whole(vector)
        terms = [(columns[moved[i]], c) for i, c in enumerate(coef) if c]
        if len(terms) < 2:  # one field alone: a constant field or a net total (infer)
            continue
        out.append(_declared(spec, terms))
    return out


def net_totals(
    spec: Spec, taken: set[str], exclude: Sequence[str]
) -> list[tuple[PredicateDecl, str, str]]:
    """``sum(s.f[a] for a in s.accounts) == TOTAL`` for each per-account number field that
    starts at constants (``TOTAL``, their sum), when an action takes two or more accounts:
    a trade between two accounts keeps the positions netting to zero, a transfer keeps the
    balances' total (tests/check/specs/zero_sum_funding.py: funding is zero-sum only
    because the positions net to zero). Houdini drops it where a step changes the total.
    Each as (declaration, what it says, code to paste)."""
    if not any(act.n_accounts >= 2 for act in spec.actions):
        return []
    out = []
    for name, fd in spec.fields.items():
        if not fd.per_account or fd.sort != NUM or fd.symbolic() or name in exclude:
            continue
        total = sum((Fraction(x) for x in fd.init if isinstance(x, Fraction | int)), Fraction(0))
        shown = format_number(total)
        # the accounts alike: the total on any number of them (a lemma found on a few
        # accounts is proved on the spec's: decompose_one.inferred_on_fewer)
        each = Fraction(fd.init[0]) if len(set(fd.init)) == 1 else None  # type: ignore[arg-type]

        def fn(
            s: Any,
            p: Any,
            a: int | None = None,
            name: str = name,
            total: Any = total,
            each: Any = each,
        ) -> Any:
            whole = total if each is None else each * len(s.accounts)
            return sum_(getattr(s, name)[b] for b in s.accounts) == whole

        lemma = f"{name}_total_{shown}".replace("-", "minus_").replace(".", "_").replace("/", "_")
        if lemma in taken:
            continue
        code = (
            f"@spec.lemma\ndef {lemma}(s):\n"
            f"    return sv.sum(s.{name}[a] for a in s.accounts) == {shown}\n"
        )
        decl = PredicateDecl(lemma, fn, "lemma", False, True, fd.where, "inferred lemma")
        text = f"the accounts' {name} add up to {shown}, their initial total"
        out.append((decl, text, code))
    return out


def _columns(spec: Spec, exclude: Any) -> list[str]:
    """The number fields that start at one constant (every account at the same one)."""
    return [
        name
        for name, fd in spec.fields.items()
        if fd.sort == NUM and not fd.symbolic() and name not in exclude and len(set(fd.init)) == 1
    ]


def _initial(spec: Spec, name: str) -> Fraction:
    """A field's initial value; a per-account field's for one account."""
    return Fraction(spec.fields[name].init[0])  # type: ignore[arg-type]


def _changes(spec: Spec, columns: list[str]) -> list[list[Fraction]] | None:
    """Each point's change of each column (a per-account field's total), or None (fixed
    point; fewer than two columns any step moves: nothing to relate)."""
    from solvent.backends.modes import symbolic_for
    from solvent.check.encode import Unrolling
    from solvent.check.solving import in_fresh_context

    small = spec.with_accounts(min(spec.accounts, 2))
    if getattr(symbolic_for(small), "fixed", False):
        return None

    @in_fresh_context
    def run() -> list[list[Fraction]] | None:
        u = Unrolling(small, free_init=True)
        sv = u.add_step()
        before, after = u.states[0], sv.outcome.state

        def total(state: Any, name: str) -> Any:
            v = state[name]
            return z3.Sum([x.raw for x in v]) if isinstance(v, list) else v.raw

        deltas = [z3.simplify(total(after, c) - total(before, c)) for c in columns]
        live = [i for i, d in enumerate(deltas) if _rational(d) != 0]  # a field some step moves
        if len(live) < 2:
            return None
        enabled = sv.outcome.enabled
        free = _constants([*(deltas[i] for i in live), *(e.raw for e in enabled.values())])
        kinds = _kinds(free, sv.action_var, {str(i.var): i.domain for i in u.inputs})
        choices = len(u.instances) + 1
        rng = random.Random(SEED)
        rows: list[list[Fraction]] = []
        points = max(POINTS_PER_CHOICE, len(live) // choices + 1)
        for choice in range(choices):
            guard = enabled.get(choice)
            got = 0
            for _ in range(points * TRIES):  # points where the action's guards hold
                pairs = [(v, _draw(kind, choice, rng)) for v, kind in zip(free, kinds, strict=True)]
                if guard is not None and not z3.is_true(
                    z3.simplify(z3.substitute(guard.raw, *pairs))
                ):
                    continue
                row = [Fraction(0)] * len(columns)
                for i in live:
                    x = _rational(z3.simplify(z3.substitute(deltas[i], *pairs)))
                    if x is None:
                        break
                    row[i] = x
                else:
                    rows.append(row)
                    got += 1
                if got == points:
                    break
        return rows

    return run()


def _constants(terms: list[Any]) -> list[Any]:
    """The uninterpreted constants of ``terms``, in the order first met (deterministic)."""
    seen: set[int] = set()
    found: dict[int, Any] = {}
    stack = list(reversed(terms))
    while stack:
        t = stack.pop()
        key = t.get_id()
        if key in seen:
            continue
        seen.add(key)
        if z3.is_const(t) and t.decl().kind() == z3.Z3_OP_UNINTERPRETED:
            found[key] = t
        elif z3.is_app(t):
            stack.extend(reversed(t.children()))
    return list(found.values())


def _kinds(free: list[Any], selector: Any, domains: dict[str, Any]) -> list[tuple[str, Any]]:
    """How each variable is drawn: an assumption (true), a choice (true or false), the
    user action (each in turn), an input in its domain, a state's number (anywhere)."""
    out: list[tuple[str, Any]] = []
    for v in free:
        name = str(v)
        if z3.is_bool(v):
            out.append(("assumed" if name.startswith("assume:") else "bool", None))
        elif selector is not None and v.eq(selector):
            out.append(("selector", None))
        else:
            out.append(("real" if z3.is_real(v) else "int", domains.get(name)))
    return out


def _draw(kind: tuple[str, Any], choice: int, rng: random.Random) -> Any:
    what, dom = kind
    if what == "assumed":
        return z3.BoolVal(True)
    if what == "bool":
        return z3.BoolVal(rng.random() < 0.5)
    if what == "selector":
        return z3.RealVal(choice)
    if dom is not None:
        lo, hi = Fraction(dom.lo), Fraction(dom.hi)
        x = lo + (hi - lo) * Fraction(rng.randint(0, 1000), 1000)
    else:
        x = Fraction(rng.randint(-STATE_SPAN, STATE_SPAN), rng.randint(1, 7))
    return z3.RealVal(x) if what == "real" else z3.IntVal(int(x))


def _rational(term: Any) -> Fraction | None:
    if z3.is_rational_value(term):
        return Fraction(term.numerator_as_long(), term.denominator_as_long())
    if z3.is_int_value(term):
        return Fraction(term.as_long())
    return None


def null_space(rows: list[list[Fraction]], n: int) -> list[list[Fraction]]:
    """The reduced basis of {c : row . c == 0 for every row} (exact Gauss-Jordan; also
    bmc's sampled equalities, ``bmc_lemmas``)."""
    m = [list(r) for r in rows]
    pivots: list[int] = []
    r = 0
    for col in range(n):
        found = next((i for i in range(r, len(m)) if m[i][col] != 0), None)
        if found is None:
            continue
        m[r], m[found] = m[found], m[r]
        p = m[r][col]
        m[r] = [x / p for x in m[r]]
        for i in range(len(m)):
            if i != r and m[i][col] != 0:
                f = m[i][col]
                m[i] = [a - f * b for a, b in zip(m[i], m[r], strict=True)]
        pivots.append(col)
        r += 1
        if r == len(m):
            break
    basis = []
    for free in (c for c in range(n) if c not in pivots):
        v = [Fraction(0)] * n
        v[free] = Fraction(1)
        for i, col in enumerate(pivots):
            v[col] = -m[i][free]
        basis.append(v)
    return basis


def _whole(vector: list[Fraction]) -> list[int]:
    """``vector`` scaled to whole numbers without a common factor, its first one > 0."""
    scale = lcm(*(x.denominator for x in vector))
    ints = [int(x * scale) for x in vector]
    g = 0
    for x in ints:
        g = gcd(g, x)
    ints = [x // g for x in ints] if g else ints
    first = next((x for x in ints if x), 1)
    return [-x for x in ints] if first < 0 else ints


def _declared(spec: Spec, terms: list[tuple[str, int]]) -> tuple[PredicateDecl, str, str]:
    """The candidate ``sum(c x field) == its initial value``: a per-account field's total
    starts at the accounts' number times one account's value, on any number of accounts
    (the candidate found on few accounts is proved on the spec's: ``decompose_one``)."""
    per = {name: spec.fields[name].per_account for name, _c in terms}
    start = {name: _initial(spec, name) for name, _c in terms}

    def initial(accounts: int) -> Fraction:
        return sum((c * start[n] * (accounts if per[n] else 1) for n, c in terms), Fraction(0))

    def fn(s: Any, p: Any, a: int | None = None) -> Any:
        total: Any = 0
        for name, c in terms:
            x = sum_(getattr(s, name)[b] for b in s.accounts) if per[name] else getattr(s, name)
            total = total + c * x
        return total == initial(len(s.accounts))

    value = initial(spec.accounts)

    def shown(name: str, code: bool) -> str:
        if not per[name]:
            return f"s.{name}" if code else name
        return f"sv.sum(s.{name}[a] for a in s.accounts)" if code else f"sum({name})"

    def side(pairs: list[tuple[str, int]], code: bool, const: Fraction | None) -> str:
        parts = [shown(n, code) if c == 1 else f"{c} * {shown(n, code)}" for n, c in pairs]
        if const:
            parts.append(format_number(const))
        return " + ".join(parts) or "0"

    left = [(n, c) for n, c in terms if c > 0]
    right = [(n, -c) for n, c in terms if c < 0]
    said = f"{side(left, False, None)} == {side(right, False, value)}"
    code_expr = f"{side(left, True, None)} == {side(right, True, value)}"
    name = "linked_" + "_".join(n for n, _c in terms)
    code = f"@spec.lemma\ndef {name}(s):\n    return {code_expr}\n"
    decl = PredicateDecl(name, fn, "lemma", False, True, None, "inferred lemma")
    text = f"{said}: no step changes {_combination(terms)}, so it keeps its initial value"
    return decl, text, code


def _combination(terms: list[tuple[str, int]]) -> str:
    out = ""
    for i, (name, c) in enumerate(terms):
        sign = "-" if c < 0 else "+"
        mag = "" if abs(c) == 1 else f"{abs(c)} x "
        out += (f"{'-' if c < 0 else ''}" if i == 0 else f" {sign} ") + f"{mag}{name}"
    return out
