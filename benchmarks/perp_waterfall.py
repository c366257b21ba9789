"""The isolated perp's liquidation step, written once for the stress benchmarks'
baselines: ``stress_baselines.py`` compiles it with numba, ``stress_radcad.py`` (a
separate environment without numba or solvent) calls it as plain Python.

Every account below maintenance is liquidated in account order: the fee goes to the
fund, the fund covers the deficit, the rest is bad debt.
"""


def liquidate(quote, size, price, ins, bad, mm, fee_rate):
    """Liquidate ``quote``/``size`` (arrays, changed in place) at ``price``; return the
    insurance fund and the bad debt after it."""
    for a in range(quote.shape[0]):
        e = quote[a] + size[a] * price
        notional = abs(size[a]) * price
        if e < notional * mm:
            fee = min(max(e, 0.0), notional * fee_rate)
            deficit = max(-e, 0.0)
            covered = min(deficit, ins)
            ins = ins + fee - covered
            bad = bad + deficit - covered
            quote[a] = max(e - fee, 0.0)
            size[a] = 0.0
    return ins, bad
