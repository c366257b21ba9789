"""Round 19 (issue 13): every verb on new user-style specs, as a new user runs them.

Runs `solvent VERB` on tests/check/specs/{dydx_fees,bybit_tiers,gmx_pool,call_vault}.py
(round 22, `--round22`: close_factor, zero_sum_funding, hlp_backstop, borrow_index,
put_vault; round 24, `--round24`: two_market_tiers, lp_pool_withdraw, debt_pool_stale,
premium_clamp, delta_hedge), safe and buggy (`BUG=1`), at 1, 3 and 10 accounts, each as a whole process,
and prints
one markdown row per run: the verdict line's first 150 characters, the exit code, the
wall and CPU seconds (the process and its waited-for children) and the load average.

    python benchmarks/engine/every_verb.py [--specs NAME... | --round22 | --round24] [--accounts N...]
        [--verbs VERB...] [--timeout S] [--kill K]

The budget: `--timeout S` (default 60) on every verb that takes one; a run still going
after K x S (default 5) is killed and reported as such. Verbs: check, bmc3, bmc5, bmc10,
prove, frontier, synth (where the spec has a parameter to synthesise), stress.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "tests" / "check" / "specs"

# per spec: the envelope bound for frontier, the parameter and range for synth
KNOBS = {
    "wei_perp": ("priceChange", ["mmRatio"], ["--range", "0.02", "0.04"]),
    "dydx_fees": (
        "move",
        ["maintenance_margin_fraction", "liquidation_fee"],
        ["--range", "0.03", "0.06", "--range2", "0.01", "0.025"],
    ),
    "bybit_tiers": ("change", ["im_over_mm"], ["--range", "0", "0.01"]),
    "gmx_pool": (
        "price_change",
        ["max_profit_factor"],
        ["--range", "0.05", "0.5", "--direction", "up"],
    ),
    "call_vault": ("spot_return", ["max_sale"], ["--range", "1", "100"]),
    # round 22
    "close_factor": ("price_move", ["maintenance_margin"], ["--range", "0.02", "0.05"]),
    "zero_sum_funding": ("funding_usd", [], []),
    "hlp_backstop": ("move", ["max_leverage"], ["--range", "20", "60", "--direction", "up"]),
    "borrow_index": ("btc_move", ["ltv"], ["--range", "0.3", "0.8"]),
    "put_vault": ("eth_return", ["spot_margin"], ["--range", "0.1", "1"]),
}
ROUND_22 = ["close_factor", "zero_sum_funding", "hlp_backstop", "borrow_index", "put_vault"]
# round 24: five more styles (the lead's idle rerun: `--round24 --verbs check bmc5 prove
# frontier synth stress`)
KNOBS.update(
    {
        "two_market_tiers": ("btc_move", ["btc_mmf_1"], ["--range", "0.005", "0.03"]),
        "lp_pool_withdraw": ("eth_return", [], []),
        "debt_pool_stale": ("snx_return", ["liquidation_ratio"], ["--range", "1.05", "2"]),
        "premium_clamp": ("move", ["mmf"], ["--range", "0.02", "0.034"]),
        "delta_hedge": ("btc_return", ["option_contingency"], ["--range", "0", "0.01"]),
    }
)
# a spec with several envelope fields: the one stress's returns drive (the others stay 0)
STRESS_FIELD = {
    "two_market_tiers": "btc_move",
    "debt_pool_stale": "snx_return",
    "premium_clamp": "move",
}
ROUND_24 = [
    "two_market_tiers",
    "lp_pool_withdraw",
    "debt_pool_stale",
    "premium_clamp",
    "delta_hedge",
]


def commands(spec: str, timeout: int) -> dict[str, list[str]]:
    bound, params, ranges = KNOBS[spec]
    path = str(SPECS / f"{spec}.py")
    budget = ["--timeout", str(timeout)]
    synth = [a for p in params for a in ("--param", p)]
    if len(params) == 2:
        synth += ["--grid", "2"]
    return {
        "check": ["check", path, *budget],
        "bmc3": ["bmc", path, "--depth", "3", *budget],
        "bmc5": ["bmc", path, "--depth", "5", *budget],
        "bmc10": ["bmc", path, "--depth", "10", *budget],
        "prove": ["prove", path, *budget],
        "frontier": ["frontier", path, "--param", bound, *budget],
        **({"synth": ["synth", path, *synth, *ranges, *budget]} if params else {}),
        "stress": [
            "stress",
            path,
            "--scenario",
            "gbm",
            "--paths",
            "2000",
            "--steps",
            "20",
            "--action-rate",
            "0.5",
            "--seed",
            "1",
            *budget,  # round 23: stress takes --timeout too
            *(["--field", STRESS_FIELD[spec]] if spec in STRESS_FIELD else []),
        ],
    }


def run(
    env: dict[str, str], argv: list[str], timeout: int, kill: float = 5
) -> tuple[str, int, float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "solvent", *argv, "-q"]
    try:
        done = subprocess.run(
            cmd, env=env, capture_output=True, text=True, timeout=kill * timeout, cwd=ROOT
        )
        lines = [ln for ln in done.stdout.splitlines() if ln.strip()]
        err = [ln for ln in done.stderr.splitlines() if ln.strip()]
        verdicts = [ln for ln in lines if ln.startswith("[")]
        if argv[0] == "check":  # one line per check: the tag, the verb and its bound
            first = "; ".join(" ".join(ln.split()[:2] + ln.split()[2:5]) for ln in verdicts)
        else:
            first = " / ".join(verdicts[:1] or lines[:1] or err[-1:]) or "(no output)"
        code = done.returncode
    except subprocess.TimeoutExpired:
        first, code = f"killed after {kill * timeout:g} s", -9
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return first, code, wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--specs", nargs="*", default=[k for k in KNOBS if k not in ROUND_22 + ROUND_24]
    )
    parser.add_argument("--accounts", nargs="*", type=int, default=[1, 3, 10])
    parser.add_argument("--verbs", nargs="*", default=None)
    parser.add_argument("--bugs", nargs="*", default=["0", "1"])
    parser.add_argument("--timeout", type=int, default=60)
    parser.add_argument("--kill", type=float, default=5, help="kill a run after KILL x S")
    parser.add_argument("--round22", action="store_true", help="the round-22 specs")
    parser.add_argument("--round24", action="store_true", help="the round-24 specs")
    args = parser.parse_args()
    if args.round22:
        args.specs = ROUND_22
    if args.round24:
        args.specs = ROUND_24
    print(
        "| spec | variant | accounts | verb | verdict (first line) | exit | wall s | cpu s | load |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for spec in args.specs:
        for bug in args.bugs:
            for n in args.accounts:
                for verb, argv in commands(spec, args.timeout).items():
                    if args.verbs and verb not in args.verbs:
                        continue
                    env = {**os.environ, "BUG": bug, "ACCOUNTS": str(n)}
                    first, code, wall, cpu = run(env, argv, args.timeout, args.kill)
                    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
                    variant = "bug" if bug == "1" else "safe"
                    text = first.replace("|", "/")[:200]
                    print(
                        f"| {spec} | {variant} | {n} | {verb} | {text} | {code} | "
                        f"{wall:.1f} | {cpu:.1f} | {load} |",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
