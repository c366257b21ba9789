"""Lemma templates for a keeper that acts late: its counter's values, and the margin an
account may lose while the counter runs.

A venue that flags an account first and closes it ``D`` steps later (a grace period, an
auction) has an every-step keeper of one account whose guard reads ``margin < required |
counter > 0`` and which writes ``counter + 1`` until ``counter >= D`` (then it closes the
account and the counter goes back to 0): tests/check/specs/late_keeper.py. Its proof
needs what the keeper's guard says, weakened by the steps the keeper lets pass:

- **the counter's values**: ``counter`` is one of 0, 1, ..., D (a number field may hold
  any real in the step's arbitrary state; a value between two whole steps would never
  reach the close);
- **the margin while late**: the keeper's guard without its counter (the counter read as
  0) is false with each parameter ``x`` it reads lowered by ``c x counter``, ``c = r (1 +
  x) / (1 - r)``, r the largest move the envelope allows: after one move of at most r an
  account's value falls by at most r of its notional of the step before, which is at most
  ``1 / (1 - r)`` of its notional now, and the requirement it is measured against grows
  with the notional by ``(1 + r)`` at most. For the late keeper (maintenance 10%, moves
  of 3%): ``value >= |qty| x px x (mm - 0.034 x late)``.

``D`` is the number the keeper compares its counter with (``counter >= D``). Both are
candidates only: Houdini (``infer``) keeps those that hold initially and are inductive
with the properties, and the proof with them proves them again by k-induction.
"""

from __future__ import annotations

import ast
from fractions import Fraction
from typing import Any

from solvent.engine.state import copy_state
from solvent.engine.step import run_body
from solvent.lang.values import NUM, Value, format_number, lift
from solvent.spec.decls import ActionDecl, Params
from solvent.spec.introspect import function_tree
from solvent.spec.spec import PredicateDecl, Spec


def counter_candidates(spec: Spec) -> list[tuple[PredicateDecl, str]]:
    """The two templates of the module doc for each late keeper of ``spec``: (the lemma,
    what it says), in a fixed order."""
    move = _largest_move(spec)
    out: list[tuple[PredicateDecl, str]] = []
    for keeper, tree, field, limit in _late(spec):
        out.append(_values(field, limit))
        if move is not None:
            out.extend(_margin(keeper, field, x, move) for x in _params_read(tree))
    return out


def _late(spec: Spec) -> list[tuple[ActionDecl, ast.FunctionDef, str, int]]:
    """(keeper, its source tree, counter field, D) for each late keeper's counter."""
    out = []
    for keeper in spec.keepers:
        if keeper.liveness != "every_step" or keeper.args or keeper.n_accounts != 1:
            continue
        tree = _tree(keeper.fn)
        if tree is not None:
            out += [(keeper, tree, f, d) for f, d in _counters(spec, keeper, tree)]
    return out


def _tree(fn: Any) -> ast.FunctionDef | None:
    body = function_tree(fn)
    return body if body is not None and len(body.args.args) == 3 else None


def _read_field(node: ast.AST, state: str) -> str | None:
    """``f`` when ``node`` is ``STATE.f[...]``."""
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute):
        owner = node.value.value
        if isinstance(owner, ast.Name) and owner.id == state:
            return node.value.attr
    return None


def _counters(spec: Spec, keeper: ActionDecl, tree: ast.FunctionDef) -> list[tuple[str, int]]:
    """Per-account number fields starting at 0 the keeper writes as ``f + 1`` and compares
    as ``f >= D`` (D a whole number, a literal or a module constant): (f, D)."""
    state = tree.args.args[0].arg
    plus_one, limits = set(), {}
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            one = isinstance(node.right, ast.Constant) and node.right.value == 1
            if one and (f := _read_field(node.left, state)) is not None:
                plus_one.add(f)
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            f = _read_field(node.left, state)
            if f is not None and isinstance(node.ops[0], ast.GtE):
                limit = _whole(node.comparators[0], keeper.fn)
                if limit is not None and limit >= 1:
                    limits[f] = limit
    out = []
    for f in sorted(plus_one & set(limits)):
        decl = spec.fields.get(f)
        zero = decl is not None and all(_is_zero(v) for v in decl.init)
        if decl is not None and zero and decl.per_account and decl.sort == NUM:
            out.append((f, limits[f]))
    return out


def _is_zero(v: Any) -> bool:
    return isinstance(v, int | Fraction) and not isinstance(v, bool) and v == 0


def _whole(node: ast.AST, fn: Any) -> int | None:
    if isinstance(node, ast.Constant):
        value = node.value
    elif isinstance(node, ast.Name):
        value = getattr(fn, "__globals__", {}).get(node.id)
    else:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _params_read(tree: ast.FunctionDef) -> list[str]:
    """The parameters the keeper's ``requires`` read (``p.x``), in order."""
    params = tree.args.args[1].arg
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "requires":
            for sub in ast.walk(node):
                if isinstance(sub, ast.Attribute) and getattr(sub.value, "id", "") == params:
                    if sub.attr not in found:
                        found.append(sub.attr)
    return found


def _largest_move(spec: Spec) -> Fraction | None:
    """The largest relative move the envelope allows in one step (r < 1), or None."""
    bounds = [max(abs(w.lo), abs(w.hi)) for w in spec.bounds.values()]
    r = max(bounds, default=None)
    return Fraction(r) if r is not None and 0 < r < 1 else None


def _values(field: str, limit: int) -> tuple[PredicateDecl, str]:
    def fn(s: Any, p: Any, a: int | None = None) -> Any:
        x = getattr(s, field)[a]
        out = x == 0
        for v in range(1, limit + 1):
            out = out | (x == v)
        return out

    name = f"{field}_counts_to_{limit}"
    text = f"s.{field}[a] is one of 0..{limit} (the keeper counts it up to {limit}, then resets)"
    return PredicateDecl(name, fn, "lemma", True, True, None, "inferred lemma"), text


def _margin(keeper: ActionDecl, field: str, x: str, r: Fraction) -> tuple[PredicateDecl, str]:
    def fn(s: Any, p: Any, a: int = 0) -> Any:
        state = copy_state(object.__getattribute__(s, "_state"))
        sorts = object.__getattribute__(s, "_sorts")
        backend = object.__getattribute__(s, "_backend")
        counter = state[field][a]
        state[field][a] = lift(Fraction(0), backend=backend)
        given = lift(getattr(p, x), backend=backend)
        c = lift(r, backend=backend) * (given + 1) / lift(1 - r, backend=backend)
        lowered = Params({**p.as_dict(), x: given - c * counter})
        n = len(state[field])
        _new, _written, frame = run_body(keeper, state, sorts, backend, lowered, (a,), {}, n)
        guard: Any = lift(True, backend=backend)
        for cond in frame.conditions:
            guard = guard & (cond if isinstance(cond, Value) else lift(cond, backend=backend))
        return ~guard

    name = f"{keeper.name}_margin_while_{field}"
    text = (
        f"{keeper.name}'s guard with s.{field}[a] read as 0 is false with p.{x} lowered by "
        f"c x s.{field}[a], c = {r} x (1 + p.{x}) / (1 - {r}) (the margin a late account "
        "may lose)"
    )
    return PredicateDecl(name, fn, "lemma", True, True, keeper.where, "inferred lemma"), text


# ----------------------------------------------------------------------- code to paste
def counter_code(spec: Spec) -> dict[str, str]:
    """The templates of ``counter_candidates`` as ``@spec.lemma`` code to paste, by name
    (a margin template only when the keeper's ``requires`` come after local assignments
    alone, so its guard can be written out)."""
    move = _largest_move(spec)
    out: dict[str, str] = {}
    for keeper, tree, field, limit in _late(spec):
        s, p, a = (arg.arg for arg in tree.args.args)
        said = " | ".join(f"({s}.{field}[{a}] == {v})" for v in range(limit + 1))
        name = f"{field}_counts_to_{limit}"
        doc = f"{field} is one of 0..{limit} (suggested by solvent prove, checked)"
        out[name] = _lemma(name, (s, p, a), doc, [], said)
        for x in _params_read(tree) if move is not None else []:
            written = _guard_code(tree, field, x, move or Fraction(0))
            if written is not None:
                name = f"{keeper.name}_margin_while_{field}"
                doc = (
                    f"{keeper.name}'s guard, with {field} read as 0 and {p}.{x} lowered "
                    f"by c x {field}, is false (suggested by solvent prove, checked)"
                )
                out[name] = _lemma(name, (s, p, a), doc, *written)
    return out


def _lemma(name: str, args: tuple[str, ...], doc: str, lines: list[str], value: str) -> str:
    body = "".join(f"    {line}\n" for line in lines)
    return (
        f'@spec.lemma\ndef {name}({", ".join(args)}):\n    """{doc}."""\n{body}    return {value}\n'
    )


def _guard_code(
    tree: ast.FunctionDef, field: str, x: str, r: Fraction
) -> tuple[list[str], str] | None:
    """(the local assignments before the guard, ``~(guard)``) with the counter read as 0
    and ``p.x`` lowered by ``c x counter``; None when the body does not have that shape."""
    s, p, a = (arg.arg for arg in tree.args.args)
    rate = f'sv.Num("{format_number(r)}")'
    lowered = f"({p}.{x} - {rate} * (1 + {p}.{x}) / (1 - {rate}) * {s}.{field}[{a}])"

    class Late(ast.NodeTransformer):
        def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
            if _read_field(node, s) == field:
                return ast.Constant(0)
            return self.generic_visit(node)

        def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
            if isinstance(node.value, ast.Name) and node.value.id == p and node.attr == x:
                return ast.parse(lowered, mode="eval").body
            return self.generic_visit(node)

    lines: list[str] = []
    guards: list[str] = []
    for stmt in tree.body:
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "requires":
            guards.append(ast.unparse(Late().visit(call.args[0])))
        elif guards:
            break  # the guard is read before the body's writes
        elif isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name) for t in stmt.targets):
            lines.append(ast.unparse(Late().visit(stmt)))
        elif not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)):
            return None  # a write or a branch before the guard
    if not guards:
        return None
    return lines, "~(" + " & ".join(f"({g})" for g in guards) + ")"
