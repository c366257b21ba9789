"""The isolated perp as a radCAD model (run with a Python that has radcad installed).

radCAD pins numpy < 1.26.4, which conflicts with solvent's environment, so
``stress_throughput.py`` runs this file in a separate virtual environment (default
``/tmp/radcad-venv``; set RADCAD_PYTHON). It prints one JSON line: runs, accounts, steps,
seconds, account_steps_per_s. The model mirrors ``benchmarks/stress_baselines.py``: GBM
moves, liquidation of every account below maintenance in account order, the loss
waterfall, and the solvency check, written the way a radCAD user would (policies and
state-update functions in Python over NumPy arrays).
"""

import json
import sys
import time

import numpy as np
from perp_waterfall import liquidate
from radcad import Experiment, Model, Simulation
from radcad.engine import Backend, Engine

RUNS, ACCOUNTS, STEPS = (int(x) for x in sys.argv[1:4])
MM, FEE, VOL = 0.05, 0.01, 2.5 / np.sqrt(8760)


def initial(seed):
    rng = np.random.default_rng(seed)
    lev = np.minimum(5 * np.exp(0.6 * rng.standard_normal(ACCOUNTS)), 9.99)
    notional = 1000 * (1 + rng.pareto(1.5, ACCOUNTS))
    side = np.where(rng.random(ACCOUNTS) < 0.5, 1.0, -1.0)
    size = side * notional / 2000.0
    quote = notional / lev - size * 2000.0
    return {
        "price": 2000.0,
        "insurance": 100.0,
        "bad_debt": 0.0,
        "quote": quote,
        "size": size,
        "fail": -1,
        "rng": rng,
    }


def p_market(params, substep, history, state):
    return {"move": float(np.clip(state["rng"].standard_normal() * VOL, -0.95, 10))}


def s_price(params, substep, history, state, signal):
    return "price", state["price"] * (1 + signal["move"])


def p_liquidate(params, substep, history, state):
    price, ins, bad = state["price"], state["insurance"], state["bad_debt"]
    quote, size = state["quote"].copy(), state["size"].copy()
    ins, bad = liquidate(quote, size, price, ins, bad, MM, FEE)
    return {"quote": quote, "size": size, "insurance": ins, "bad_debt": bad}


def s_set(name):
    return lambda params, substep, history, state, signal: (name, signal[name])


def s_check(params, substep, history, state, signal):
    if state["fail"] >= 0:
        return "fail", state["fail"]
    ok = state["bad_debt"] <= 0 and bool(
        np.all(state["quote"] + state["size"] * state["price"] >= 0)
    )
    return "fail", -1 if ok else history[-1][-1]["timestep"] + 1


blocks = [
    {"policies": {"m": p_market}, "variables": {"price": s_price}},
    {
        "policies": {"l": p_liquidate},
        "variables": {k: s_set(k) for k in ("quote", "size", "insurance", "bad_debt")},
    },
    {"policies": {}, "variables": {"fail": s_check}},
]
sims = [
    Simulation(
        model=Model(initial_state=initial(r), state_update_blocks=blocks, params={}),
        timesteps=STEPS,
        runs=1,
    )
    for r in range(RUNS)
]
exp = Experiment(sims)
exp.engine = Engine(backend=Backend.SINGLE_PROCESS, drop_substeps=True)
start, cpu = time.perf_counter(), time.process_time()
exp.run()
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
print(
    json.dumps(
        {
            "runs": RUNS,
            "accounts": ACCOUNTS,
            "steps": STEPS,
            "seconds": seconds,
            "cpu": cpu,
            "account_steps_per_s": RUNS * ACCOUNTS * STEPS / seconds,
        }
    )
)
