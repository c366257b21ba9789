"""The spec's invariants over every account at once: one account per NumPy lane.

The monitor judges a violation, and audits its closed form, with the spec's own
invariants on the observed state. One concrete evaluation per account costs about 50
microseconds (exact ``Fraction`` arithmetic through the traced values), 5 s or more at
100,000 accounts, at the first event and at every audit. Here the same invariant
functions run once, on the spec with one account, whose fields hold every account's
values as lanes (:class:`~solvent.backends.vector.BoundedVectorBackend`: float64 with a
rigorous error bound per number, the ``solvent stress`` engine's).

Why the lanes give the spec's verdict:

- **One account per lane is the whole book** when every invariant is a conjunction of
  parts that each read one account (the same part for every account) or only shared
  fields (:func:`lane_plan`, by tracing each invariant on 2 and on 3 symbolic accounts,
  as ``prove``'s decomposition does). Then the invariant on N accounts is the
  conjunction over the lanes of the invariant on one account; a per-account invariant
  (``def f(s, a)``) must read only its account and shared fields. Otherwise the monitor
  keeps one concrete evaluation per account.
- **Every decision is exact**: an account's numbers enter as the doubles nearest to them
  with their distance bounded (0 for integers below 2**53), and a comparison whose
  operands lie closer than their bounds marks its lane *unsure*. Each unsure lane is
  judged again on the concrete backend (the account alone, exact rationals), so a lane's
  verdict is always the exact one.

Any error on the lanes (a number beyond float64, an operation the vector backend has no
rule for) sends that evaluation to the concrete path; the verdict never depends on which
path gave it (tested against the concrete evaluation on random books).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from solvent.lang.values import BOOL, NUM, Value
from solvent.spec.spec import Spec

#: from this many accounts on the monitor evaluates its invariants on lanes (NumPy is
#: imported only then)
LANES_FROM = 5_000
#: from this many accounts the monitor says on stderr what its start-up is doing
PROGRESS_FROM = 20_000
_EXACT_INT = 2.0**53


def lane_plan(spec: Spec) -> tuple[Spec | None, str | None]:
    """The spec on one account when its invariants split by account (see the module), and
    None with the reason otherwise."""
    if getattr(spec, "arithmetic", "exact") != "exact":
        return None, "fixed-point arithmetic"
    for name, fd in spec.fields.items():
        if fd.per_account and fd.init and any(x is not fd.init[0] for x in fd.init):
            if len(set(map(repr, fd.init))) > 1:
                return None, f"the accounts start with different values of {name}"
    try:
        for k in (2, 3):
            why = _split_on(spec.with_accounts(k))
            if why is not None:
                return None, why
        return spec.with_accounts(1), None
    except Exception as exc:  # the concrete path reports a spec error exactly as before
        return None, f"the invariants could not be traced ({exc})"


def _split_on(spec: Spec) -> str | None:
    """Why an invariant of ``spec`` (k symbolic accounts) does not split by account."""
    import z3

    from solvent.backends.modes import symbolic_for
    from solvent.check.encode import Unrolling, conjuncts
    from solvent.check.solving import fresh_context
    from solvent.check.z3terms import constant_ids
    from solvent.engine.step import eval_predicate

    with fresh_context():
        pre = Unrolling(spec, free_init=True).states[0]
        shared: set[int] = set()
        own = [set() for _ in range(spec.accounts)]  # type: list[set[int]]
        for value in pre.values():
            if isinstance(value, list):
                for a, v in enumerate(value):
                    own[a] |= constant_ids(v.raw, {})
            else:
                shared |= constant_ids(value.raw, {})
        renames = [
            [(v[a].raw, v[0].raw) for v in pre.values() if isinstance(v, list)]
            for a in range(spec.accounts)
        ]
        backend, params = symbolic_for(spec), spec.param_values()
        for decl in spec.invariants:
            for acc, val in eval_predicate(spec, params, backend, pre, decl):
                if acc is not None:
                    if constant_ids(val.raw, {}) - shared - own[acc]:
                        return f"invariant {decl.name} reads other accounts' fields"
                    continue
                parts: list[set[str]] = [set() for _ in range(spec.accounts)]
                for part in conjuncts(val.raw):
                    read = constant_ids(part, {})
                    mine = [a for a in range(spec.accounts) if read & own[a]]
                    if len(mine) > 1 or read - shared - set().union(*own):
                        return f"invariant {decl.name} relates several accounts"
                    if mine:
                        a = mine[0]
                        renamed = z3.substitute(part, *renames[a]) if a else part
                        parts[a].add(renamed.sexpr())
                if any(p != parts[0] for p in parts):
                    return f"invariant {decl.name} does not say the same of every account"
    return None


def _column(xs: list[Any]) -> Any:
    """Numbers as float64 lanes with their error bounds (``Bounded``)."""
    import numpy as np

    from solvent.backends.vector import Bounded

    n = len(xs)
    first: Any = xs[0] if xs else None
    v: Any
    if all(x is first for x in xs):  # one object (the start values): one conversion
        v = np.full(n, float(first), dtype=np.float64)
        exact = np.full(n, first.denominator == 1 and abs(v[0]) <= _EXACT_INT)
    else:
        v = np.fromiter(map(float, xs), np.float64, n)
        whole = np.fromiter((x.denominator == 1 for x in xs), bool, n)
        exact = whole & (np.abs(v) <= _EXACT_INT)
    # float(Fraction) rounds correctly: within half an ulp, |v| * 2**-53 (+ subnormals)
    e = np.where(exact, 0.0, np.abs(v) * 2.0**-52 + 2.0**-1073)
    return Bounded(v, e)


class Lanes:
    """The invariants of a monitor's spec, judged on lanes (see the module)."""

    def __init__(self, spec: Spec) -> None:
        from solvent.backends.vector import BoundedVectorBackend

        self.one, self.why = lane_plan(spec)
        self.backend = BoundedVectorBackend()
        self.unsure_lanes = 0  # lanes judged again exactly (all evaluations)

    def failures(self, values: dict[str, Any], concrete: Any) -> list[str] | None:
        """The names of the failed invariants, as the concrete evaluation names them
        (``name`` or ``name[account a]``); None: the lanes cannot say (use the concrete)."""
        one = self.one
        if one is None:
            return None
        try:
            return self._failures(one, values, concrete)
        except Exception:  # the concrete evaluation judges (and reports a spec error)
            return None

    def _failures(self, one: Spec, values: dict[str, Any], concrete: Any) -> list[str]:
        import numpy as np

        from solvent.engine.step import eval_predicate

        backend = self.backend
        n = next(len(v) for f, v in values.items() if one.fields[f].per_account)
        state: dict[str, Any] = {}
        for name, fd in one.fields.items():
            v = values[name]
            if fd.sort == BOOL:
                raw = np.array(v, dtype=bool) if fd.per_account else np.bool_(v)
                state[name] = (
                    [Value(backend, raw, BOOL)] if fd.per_account else Value(backend, raw, BOOL)
                )
            elif fd.per_account:
                state[name] = [Value(backend, _column(v), NUM)]
            else:
                state[name] = Value(backend, backend.const(Fraction(v)), NUM)
        params = one.param_values()
        failed: list[str] = []
        for decl in one.invariants:
            backend.reset(n)
            ((acc, val),) = eval_predicate(one, params, backend, state, decl)
            ok = np.broadcast_to(np.asarray(val.raw, dtype=bool), (n,))
            unsure = np.broadcast_to(np.asarray(backend.unsure, dtype=bool), (n,))
            bad = ~ok & ~unsure
            for a in np.flatnonzero(unsure).tolist():
                self.unsure_lanes += 1
                if not self._exact(one, params, values, concrete, decl, a):
                    bad[a] = True
            if acc is None:
                if bad.any():
                    failed.append(decl.name)
            else:
                failed.extend(f"{decl.name}[account {a}]" for a in np.flatnonzero(bad).tolist())
        return failed

    @staticmethod
    def _exact(
        one: Spec, params: Any, values: dict[str, Any], backend: Any, decl: Any, a: int
    ) -> bool:
        """``decl`` on account ``a`` alone, on the concrete backend."""
        from solvent.engine.step import eval_predicate
        from solvent.monitor.witness import one_state

        state = one_state(one, values, backend, a)
        ((_, val),) = eval_predicate(one, params, backend, state, decl)
        return bool(val.raw)
