"""Baselines for the stress benchmarks: a hand-written numba kernel of the isolated perp.

The kernel does the same work per step as the generated one for
``solvent.models.perp_isolated``: the mark price moves, each account below maintenance
is liquidated in account order (fee to the fund, the fund covers the deficit, the rest is
bad debt), then the ``solvent`` invariant (no bad debt, every equity >= 0) is checked
until it first fails. It skips what the generated kernel also does (the three lemmas,
per-field min/max tracking, Cover-2): the roofline a careful engineer would write by hand.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from perp_waterfall import liquidate as liquidate_py

liquidate = njit(cache=True, nogil=True)(liquidate_py)


@njit(cache=True, nogil=True)
def perp_kernel(price0, insurance0, quote0, size0, moves, mm, fee_rate, out_bad, out_fail):
    n_paths, n_steps = moves.shape
    n_acc = quote0.shape[1]
    quote = np.empty(n_acc)
    size = np.empty(n_acc)
    for p in range(n_paths):
        price = price0
        ins = insurance0
        bad = 0.0
        for a in range(n_acc):
            quote[a] = quote0[p, a]
            size[a] = size0[p, a]
        fail = -1
        for t in range(n_steps):
            price = price * (1.0 + moves[p, t])
            ins, bad = liquidate(quote, size, price, ins, bad, mm, fee_rate)
            if fail < 0:
                ok = bad <= 0.0
                if ok:
                    for a in range(n_acc):
                        if quote[a] + size[a] * price < 0.0:
                            ok = False
                            break
                if not ok:
                    fail = t + 1
        out_bad[p] = bad
        out_fail[p] = fail


def population(
    rng: np.random.Generator, n_paths: int, n_accounts: int, price: float
) -> tuple[np.ndarray, np.ndarray]:
    """The same draws as ``solvent.scenarios.population.Population()`` (defaults)."""
    from solvent.scenarios.population import Population

    drawn = Population().sample(rng, n_paths, n_accounts, price)
    return drawn["quote"], drawn["size"]
