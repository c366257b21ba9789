"""Lemma templates for a field the spec keeps above a floor: ``s.f = maximum(x, FLOOR)``.

An oracle with a ``minAnswer`` (tests/check/specs/wei_perp.py: ``indexPrice =
maximum(mul_down(indexPrice, 1 + change), p.oracleFloor)``) never reports a price below
its floor, and the margin argument needs it: from a price below the floor the next
report jumps up to it, a move larger than the envelope allows, which a short's margin
does not cover. The step query from an arbitrary state therefore has a counterexample to
induction below the floor, and in fixed point Z3 rarely finds it (the step is nonlinear
integer arithmetic): the one-account proof ran out of time without a CTI, and Houdini's
sign fact ``indexPrice >= 0`` is not enough.

For each assignment ``S.f = maximum(expr, FLOOR)`` (or ``max``, either argument order) in
the spec's ticks, actions and keepers, where FLOOR is a parameter read as ``P.name`` or a
number literal, the candidate is ``f >= FLOOR`` (per account when ``f`` is), when every
initial value of ``f`` is at least FLOOR (else the base case fails anyway). A candidate
only: Houdini keeps it if it holds initially and is inductive with the rest, and the
proof with it proves it again by k-induction.
"""

from __future__ import annotations

import ast
from fractions import Fraction
from typing import Any

from solvent.check.suggest import Candidate
from solvent.lang.values import NUM
from solvent.spec.decls import ActionDecl
from solvent.spec.introspect import function_tree
from solvent.spec.spec import Spec

_MAXIMA = ("maximum", "max")


def floor_candidates(spec: Spec, exclude: Any = ()) -> list[Candidate]:
    """``f >= FLOOR`` for each floor the spec's updates write (module doc), in a fixed
    order, without repeats."""
    params = spec.param_values()
    out: list[Candidate] = []
    for decl in (*spec.ticks, *spec.actions, *spec.keepers):
        for field, value in _floors(decl, params):
            fd = spec.fields.get(field)
            if fd is None or fd.sort != NUM or field in exclude:
                continue
            low = fd.lowest()
            cand = Candidate(field, ">=", value, fd.per_account)
            if low is not None and low >= value and cand not in out:
                out.append(cand)
    return out


def _floors(decl: ActionDecl, params: Any) -> list[tuple[str, Fraction]]:
    fn = function_tree(decl.fn)
    if fn is None or not fn.args.args:
        return []
    names = [a.arg for a in fn.args.args]
    state = names[0]
    takes_params = decl.takes_params if decl.kind == "tick" else True
    p = names[1] if takes_params and len(names) > 1 else None
    found = []
    for node in ast.walk(fn):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
            continue
        field = _written(node.targets[0], state)
        if field is None or not isinstance(node.value, ast.Call) or len(node.value.args) != 2:
            continue
        f = node.value.func
        if (f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")) not in _MAXIMA:
            continue
        for arg in node.value.args:
            value = _constant(arg, p, params)
            if value is not None:
                found.append((field, value))
    return found


def _written(target: ast.AST, state: str) -> str | None:
    """``f`` when ``target`` is ``STATE.f`` or ``STATE.f[...]``."""
    if isinstance(target, ast.Subscript):
        target = target.value
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
        return target.attr if target.value.id == state else None
    return None


def _constant(node: ast.AST, p: str | None, params: Any) -> Fraction | None:
    """The value of ``P.name`` (a parameter) or of a number literal, else None."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        if p is not None and node.value.id == p:
            try:
                value = getattr(params, node.attr)
            except AttributeError:
                return None
            return _number(value)
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float | str):
        return _number(node.value) if not isinstance(node.value, bool) else None
    return None


def _number(value: Any) -> Fraction | None:
    try:
        return Fraction(value) if isinstance(value, Fraction) else Fraction(str(value))
    except (TypeError, ValueError):
        return None
