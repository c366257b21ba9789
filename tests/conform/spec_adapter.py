"""A test adapter whose "implementation" is the spec itself, run rule by rule on the judge.

Conforming a spec against itself must pass on every trace (bmc counterexamples included);
a copy built with other parameters must diverge.
"""

from __future__ import annotations

from fractions import Fraction

from solvent.backends.modes import concrete_for, plain_value
from solvent.check.replay import number
from solvent.engine.state import MarketView, StateView
from solvent.engine.step import run_guarded, sorts_of
from solvent.lang.values import Value


class SpecAdapter:
    def __init__(self, spec):
        self.spec = spec
        self.backend = concrete_for(spec)
        self.params = spec.param_values()
        self.sorts = sorts_of(spec)

    def reset(self, params, initial_state):
        def one(x, sort):
            return Value(self.backend, x, sort) if sort == "bool" else number(self.backend, x)

        self.state = {}
        for name, fd in self.spec.fields.items():
            v = initial_state[name]
            self.state[name] = [one(x, fd.sort) for x in v] if fd.per_account else one(v, fd.sort)

    def tick(self, draws):
        market = {k: number(self.backend, v) for k, v in draws.items()}
        for tick in self.spec.ticks:
            view = StateView(
                self.state, self.sorts, self.backend, writable=True, accounts=self.spec.accounts
            )
            args = (view, self.params) if tick.takes_params else (view,)
            tick.fn(*args, MarketView(market))

    def _run(self, decl, accounts, args):
        new, _, guard = run_guarded(
            decl,
            self.state,
            self.sorts,
            self.backend,
            self.params,
            accounts,
            args,
            self.spec.accounts,
        )
        ok = guard is True or bool(guard.raw)
        if ok:
            self.state = new
        return ok

    def keeper(self, name, account):
        decl = next(k for k in self.spec.keepers if k.name == name)
        return self._run(decl, () if account is None else (account,), {})

    def action(self, name, account, **args):
        decl = self.spec.find_action(name)
        accounts = (account,) if isinstance(account, int) else tuple(account or ())
        values = {
            k: Value(self.backend, v, "bool")
            if isinstance(v, bool)
            else number(self.backend, Fraction(v))
            for k, v in args.items()
        }
        return self._run(decl, accounts, values)

    def observe(self):
        def plain(v):
            return plain_value(v.backend, v.raw)

        return {
            k: [plain(x) for x in v] if isinstance(v, list) else plain(v)
            for k, v in self.state.items()
        }
