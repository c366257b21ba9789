"""Lint: trace one step of the spec under every backend, without solving.

Catches spec errors (traced bools, float literals, non-Bool invariants, misspelled
fields...) at pre-commit speed: every action, keeper, tick, invariant, lemma, witness
and metric runs once on the concrete backend and once on the symbolic one.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from solvent.backends.modes import concrete_for
from solvent.check.encode import Unrolling
from solvent.check.float_lint import compare
from solvent.check.results import PASS, CheckResult
from solvent.check.sample import num, sample_state
from solvent.engine.step import eval_predicate, require_spec_sane, run_step
from solvent.lang.domains import AnyBool
from solvent.lang.values import BOOL, Value
from solvent.spec.spec import ActionDecl, Instance, Spec


class _AllInstances:
    """Concrete choices that run every action body (none of them commits)."""

    def __init__(self, spec: Spec) -> None:
        self.instances = spec.instances()
        self.spec = spec
        self.backend = concrete_for(spec)

    def market(self, t: int, name: str) -> Value:
        return _num(self.backend, self.spec.bounds[name].lo)

    def adversarial(self, t: int, keeper: str, account: int | None) -> Value:
        return Value(self.backend, True, BOOL)

    def every_step(self, t: int, keeper: str, account: int | None) -> Value | None:
        return None

    def candidates(self, t: int) -> Sequence[tuple[int, Instance]]:
        return list(enumerate(self.instances, start=1))

    def selected(self, t: int, index: int) -> Value:
        return Value(self.backend, False, BOOL)

    def args(self, t: int, action: ActionDecl) -> dict[str, Value]:
        return {
            k: Value(self.backend, False, BOOL)
            if isinstance(d, AnyBool)
            else _num(self.backend, d.lo)
            for k, d in action.args.items()
        }


_num = num
_sample_state = sample_state  # the old private names (tests/soundness use them)


def lint(spec: Spec) -> CheckResult:
    """Trace one step on the concrete and symbolic backends; raise SpecError on problems."""
    start = time.perf_counter()
    require_spec_sane(spec)
    params = spec.param_values()
    state = _sample_state(spec)
    backend = concrete_for(spec)
    decls = [*spec.properties(), *spec.witnesses, *spec.metrics]
    for decl in decls:
        eval_predicate(spec, params, backend, state, decl)
    out = run_step(spec, params, backend, state, 1, _AllInstances(spec))
    for decl in decls:
        eval_predicate(spec, params, backend, out.state, decl)
    u = Unrolling(spec)
    u.add_step()
    u.properties(1, [*spec.properties(), *spec.witnesses])
    n_inst = len(spec.instances())
    floats = compare(spec)  # float64 decisions vs the judge's (warnings: stress re-runs them)
    message = (
        f"{_count(n_inst, 'action instance')}, {_count(len(spec.keepers), 'keeper')}, "
        f"{_count(len(spec.properties()), 'property', 'properties')} traced without errors"
    )
    if floats["findings"]:
        message += (
            f"; warning: float64 decides differently from the exact judge on "
            f"{floats['lanes']} of {floats['samples']} sampled states (stress re-runs such "
            "lanes exactly)"
        )
    return CheckResult(
        "lint",
        spec.name,
        PASS,
        "1 step traced on concrete and symbolic backends",
        time.perf_counter() - start,
        spec.accounts,
        message=message,
        details={"float64": floats},
    )


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"
