"""Walking Z3 terms at the speed of Z3's C API.

The decomposition's analysis (``check/decompose.py``) asks, for every term of a step on two
accounts, which variables it depends on. Walking a term through z3's Python objects
(``children()``, ``is_const``, ``decl()``) builds a wrapper per node and per question: 0.1
s of CPU for one step of the corpus's entry style, a fifth of a whole `solvent bmc` on 10
accounts (benchmarks/results/engine.md, round 9). :func:`constant_ids` asks Z3's C API
directly (``z3.z3core``, the functions z3's own wrappers call) and gives the same answer.
"""

from __future__ import annotations

from typing import Any

import z3
from z3 import z3core

_APP_KINDS = (z3.Z3_APP_AST, z3.Z3_NUMERAL_AST)


def constant_ids(expr: Any, memo: dict[int, frozenset[int]]) -> frozenset[int]:
    """Ids (``get_id()``) of the uninterpreted constants (variables) in the Z3 term ``expr``.

    ``memo`` maps the id of each term seen to its answer; share it only between terms that
    stay alive together (Z3 reuses the ids of freed terms)."""
    ctx = expr.ctx_ref()
    ast_id, kind = z3core.Z3_get_ast_id, z3core.Z3_get_ast_kind
    n_args, arg = z3core.Z3_get_app_num_args, z3core.Z3_get_app_arg
    root = expr.as_ast()
    key = ast_id(ctx, root)
    if key in memo:
        return memo[key]
    below: dict[int, list[int]] = {}
    stack: list[tuple[Any, int, bool]] = [(root, key, False)]
    while stack:
        a, i, expanded = stack.pop()
        if i in memo:
            continue
        if expanded:
            acc: frozenset[int] = frozenset()
            for c in below.pop(i):
                acc |= memo[c]
            memo[i] = acc
            continue
        k = kind(ctx, a)
        if k in _APP_KINDS:
            kids = [arg(ctx, a, j) for j in range(n_args(ctx, a))]
            if not kids and _uninterpreted(ctx, a):
                memo[i] = frozenset((i,))
                continue
        elif k == z3.Z3_QUANTIFIER_AST:
            kids = [z3core.Z3_get_quantifier_body(ctx, a)]
        else:
            kids = []
        ids = [ast_id(ctx, c) for c in kids]
        below[i] = ids
        stack.append((a, i, True))
        stack.extend((c, ci, False) for c, ci in zip(kids, ids, strict=True) if ci not in memo)
    return memo[key]


def _uninterpreted(ctx: Any, app: Any) -> bool:
    decl = z3core.Z3_get_app_decl(ctx, app)
    return bool(z3core.Z3_get_decl_kind(ctx, decl) == z3.Z3_OP_UNINTERPRETED)
