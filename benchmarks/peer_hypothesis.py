"""Peer comparison: `solvent bmc` vs a Hypothesis state machine of the same model.

Issue "Foundation", speed section: time for ``bmc`` to find the gap-risk counterexample
(``examples/bugs_detected/perp_gap_risk.py``) against a Hypothesis
``RuleBasedStateMachine`` searching for the same violation, as a ratio, plus the needle
(``examples/bugs_detected/perp_needle.py``: a stale tier-2 maintenance amount that only
bites for notionals in a narrow band) that random search rarely finds. Targets: ``bmc`` at
least 10x faster on the plain bug, and it finds the needle that Hypothesis misses within
10,000 examples.

The Hypothesis side is a plain-Python, Fraction-exact reimplementation of the isolated
perpetual (:class:`PerpModel`). Each rule is one spec step: the market tick, the keeper
on every account, then the user action (a ``trade`` or ``withdraw`` rule is a step with a
zero move). Draws: initial deposits as integers in [0, 10000], moves as integer basis
points within the envelope, trade sizes in thousandths within [-50, 50], withdrawals as
integers. Shrinking is off, so the Hypothesis time is the time to the first failure.

Both sides are cross-checked: every Hypothesis failure is converted into a solvent
``Trace`` and must violate ``solvent`` on the concrete replay engine, and every ``bmc``
counterexample must violate the invariant in :class:`PerpModel`.

    python benchmarks/peer_hypothesis.py            # full run (about 15 minutes)
    python benchmarks/peer_hypothesis.py --quick    # smoke run (about a minute)

Writes ``benchmarks/results/peer_hypothesis.md`` (``--out`` to change).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import ClassVar

import hypothesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from solvent.check.replay import replay
from solvent.engine.trace import ActionChoice, Trace, TraceStep
from solvent.spec.load import load_spec
from solvent.spec.spec import Spec

ROOT = Path(__file__).resolve().parents[1]
ACCOUNTS = 3
BPS = 10_000
QTY_UNIT = 1_000  # trade sizes are drawn in thousandths


# ----------------------------------------------------------------------- the model
@dataclass(frozen=True, slots=True)
class Config:
    """One variant of the isolated perpetual, mirroring a spec in examples/."""

    name: str
    spec_path: str
    initial_margin: Fraction
    requirement: Callable[[Fraction], Fraction]  # notional -> maintenance requirement
    liquidation_fee: Fraction = Fraction("0.01")
    insurance_fund: Fraction = Fraction(100)
    start_price: Fraction = Fraction(2000)
    max_move_bps: int = 800
    max_trade: int = 50
    max_collateral: int = 10_000


def _flat(rate: str) -> Callable[[Fraction], Fraction]:
    r = Fraction(rate)
    return lambda n: n * r


def _tiered(amount: str) -> Callable[[Fraction], Fraction]:
    boundary, r1, r2, cum = Fraction(50_000), Fraction("0.08"), Fraction("0.10"), Fraction(amount)
    return lambda n: n * r1 if n < boundary else n * r2 - cum


GAP_RISK = Config(
    name="gap risk (margin 5%, move 8%)",
    spec_path="examples/bugs_detected/perp_gap_risk.py",
    initial_margin=Fraction("0.10"),
    requirement=_flat("0.05"),
)
NEEDLE = Config(
    name="needle (stale tier-2 maintenance amount)",
    spec_path="examples/bugs_detected/perp_needle.py",
    initial_margin=Fraction("0.125"),
    requirement=_tiered("1200"),
)


class PerpModel:
    """The isolated perpetual of ``solvent.models.perp_isolated``, step for step."""

    def __init__(self, config: Config, quote: list[Fraction]) -> None:
        self.c = config
        self.price = config.start_price
        self.insurance = config.insurance_fund
        self.bad_debt = Fraction(0)
        self.quote = list(quote)
        self.size = [Fraction(0)] * len(quote)

    def equity(self, a: int) -> Fraction:
        return self.quote[a] + self.size[a] * self.price

    def notional(self, a: int) -> Fraction:
        return abs(self.size[a]) * self.price

    def step(self, move: Fraction, action: tuple[str, int, Fraction] | None = None) -> None:
        """Market tick, keeper on every account in order, then the user action."""
        self.price = self.price * (1 + move)
        for a in range(len(self.quote)):
            self._liquidate(a)
        if action is not None:
            name, a, x = action
            self._trade(a, x) if name == "trade" else self._withdraw(a, x)

    def _liquidate(self, a: int) -> None:
        e, n = self.equity(a), self.notional(a)
        if not e < self.c.requirement(n):
            return
        fee = min(max(e, Fraction(0)), n * self.c.liquidation_fee)
        deficit = max(-e, Fraction(0))
        covered = min(deficit, self.insurance)
        self.insurance += fee - covered
        self.bad_debt += deficit - covered
        self.quote[a] = max(e - fee, Fraction(0))
        self.size[a] = Fraction(0)

    def _meets_initial(self, a: int, quote: Fraction, size: Fraction) -> bool:
        return quote + size * self.price >= abs(size) * self.price * self.c.initial_margin

    def _trade(self, a: int, qty: Fraction) -> None:
        quote, size = self.quote[a] - qty * self.price, self.size[a] + qty
        if self._meets_initial(a, quote, size):
            self.quote[a], self.size[a] = quote, size

    def _withdraw(self, a: int, amount: Fraction) -> None:
        quote = self.quote[a] - amount
        if self._meets_initial(a, quote, self.size[a]):
            self.quote[a] = quote

    def solvent(self) -> bool:
        return self.bad_debt <= 0 and all(self.equity(a) >= 0 for a in range(len(self.quote)))


def model_violates(config: Config, trace: Trace) -> bool:
    """Run a solvent trace on :class:`PerpModel`; True if ``solvent`` fails at some step."""
    model = PerpModel(config, [Fraction(q) for q in trace.init["quote"]])
    if not model.solvent():
        return True
    for st_ in trace.steps:
        act = st_.action
        action = None
        if act is not None:
            (arg,) = act.args.values()
            action = (act.name, act.accounts[0], Fraction(arg))
        model.step(Fraction(st_.market["move"]), action)
        if not model.solvent():
            return True
    return False


# ------------------------------------------------------------------ Hypothesis side
class PerpMachine(RuleBasedStateMachine):
    """Hypothesis state machine over :class:`PerpModel`; subclassed per variant."""

    config: ClassVar[Config]
    examples: ClassVar[int] = 0
    failing: ClassVar[Trace | None] = None

    def __init__(self) -> None:
        super().__init__()
        self.model: PerpModel | None = None
        self.init_quote: tuple[Fraction, ...] = ()
        self.steps: list[TraceStep] = []

    @initialize(quote=st.lists(st.integers(0, 10_000), min_size=ACCOUNTS, max_size=ACCOUNTS))
    def deposit(self, quote: list[int]) -> None:
        type(self).examples += 1
        self.init_quote = tuple(Fraction(q) for q in quote)
        self.model = PerpModel(self.config, list(self.init_quote))

    @rule(bps=st.integers(-800, 800))
    def market(self, bps: int) -> None:
        move = Fraction(bps, BPS)
        self._step(move, None)

    @rule(account=st.integers(0, ACCOUNTS - 1), qty=st.integers(-50 * QTY_UNIT, 50 * QTY_UNIT))
    def trade(self, account: int, qty: int) -> None:
        self._step(Fraction(0), ("trade", account, Fraction(qty, QTY_UNIT)))

    @rule(account=st.integers(0, ACCOUNTS - 1), amount=st.integers(0, 10_000))
    def withdraw(self, account: int, amount: int) -> None:
        self._step(Fraction(0), ("withdraw", account, Fraction(amount)))

    def _step(self, move: Fraction, action: tuple[str, int, Fraction] | None) -> None:
        assert self.model is not None
        self.model.step(move, action)
        choice = None
        if action is not None:
            arg = "qty" if action[0] == "trade" else "amount"
            choice = ActionChoice(action[0], (action[1],), {arg: action[2]})
        self.steps.append(TraceStep({"move": move}, choice))

    @invariant()
    def solvent(self) -> None:
        if self.model is None or self.model.solvent():
            return
        type(self).failing = self.trace()
        raise AssertionError("solvent violated: bad debt beyond the insurance fund")

    def trace(self) -> Trace:
        m = self.model
        assert m is not None
        init = {
            "price": m.c.start_price,
            "insurance": m.c.insurance_fund,
            "bad_debt": Fraction(0),
            "liquidations": Fraction(0),
            "quote": self.init_quote,
            "size": (Fraction(0),) * ACCOUNTS,
        }
        return Trace("hypothesis", ACCOUNTS, init, tuple(self.steps))


@dataclass(slots=True)
class HypothesisRun:
    seed: int
    found: bool
    seconds: float
    examples: int  # test cases started, up to and including the first failure
    replay_confirmed: bool | None = None


def run_hypothesis(config: Config, spec: Spec, seed: int, max_examples: int) -> HypothesisRun:
    machine = type(f"Machine_{seed}", (PerpMachine,), {"config": config, "examples": 0})
    machine.failing = None
    factory = hypothesis.seed(seed)(machine)
    run_settings = settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],  # no shrinking: measure time to the first failure
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    t0 = time.perf_counter()
    found = False
    try:
        run_state_machine_as_test(factory, settings=run_settings)
    except AssertionError:
        found = True
    seconds = time.perf_counter() - t0
    # after a failure Hypothesis runs the failing example once more to report it
    examples = machine.examples - 1 if found else machine.examples
    run = HypothesisRun(seed, found, seconds, examples)
    if found:
        trace = machine.failing
        if trace is None:
            raise RuntimeError(f"seed {seed}: Hypothesis failed without a recorded trace")
        result = replay(spec, Trace(spec.name, trace.accounts, trace.init, trace.steps))
        run.replay_confirmed = (
            result.violated
            and result.first_failure is not None
            and (result.first_failure.name == "solvent")
        )
    return run


# ------------------------------------------------------------------------ solvent side
@dataclass(slots=True)
class BmcRun:
    verdict: str
    seconds: float  # wall time of the bmc() call, measured here
    reported_seconds: float
    depth: int | None
    invariant: str | None
    model_confirmed: bool | None = None
    error: str | None = None
    path: str = ""


def run_bmc(config: Config, spec: Spec, depth: int, repeats: int) -> BmcRun:
    """Median wall time of ``repeats`` calls of ``bmc(spec, depth=depth)``."""
    try:
        from solvent.check.bmc import bmc
    except ImportError as exc:
        return BmcRun(
            "MISSING",
            float("nan"),
            float("nan"),
            None,
            None,
            error=f"solvent.check.bmc is not available ({exc})",
        )
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = bmc(spec, depth=depth)
        times.append(time.perf_counter() - t0)
    assert result is not None
    run = BmcRun(
        result.verdict, statistics.median(times), result.seconds, result.depth, result.invariant
    )
    cex = result.counterexample
    if cex is not None:
        run.model_confirmed = model_violates(config, cex)
        run.path = ", ".join(_describe(s) for s in cex.steps)
    return run


def _describe(step: TraceStep) -> str:
    move = Fraction(step.market["move"])
    text = f"{float(move) * 100:+.2f}%" if move else "0"
    return text + (f" {step.action.label()}" if step.action else "")


# ---------------------------------------------------------------------------- report
@dataclass(slots=True)
class Outcome:
    config: Config
    max_examples: int
    hypothesis: list[HypothesisRun] = field(default_factory=list)
    bmc: BmcRun | None = None

    def found_runs(self) -> list[HypothesisRun]:
        return [r for r in self.hypothesis if r.found]

    def hyp_median_seconds(self) -> float:
        """Median time to the first failure; a run that gave up counts as its full time."""
        return statistics.median(r.seconds for r in self.hypothesis)


def _fmt_s(x: float) -> str:
    if x != x:  # nan
        return "n/a"
    return f"{x:.3f} s" if x < 10 else f"{x:.1f} s"


def machine_info() -> list[str]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import z3

    return [
        f"- nproc: {os.cpu_count()}" + (f" ({cpu})" if cpu else ""),
        f"- Python {platform.python_version()} on {platform.system()} {platform.machine()}",
        f"- hypothesis {hypothesis.__version__}, z3-solver {z3.get_version_string()}",
        "- load average (1/5/15 min) at the end of the run: "
        + " / ".join(f"{x:.2f}" for x in os.getloadavg()),
    ]


def render(outcomes: list[Outcome], command: str, quick: bool, depth: int) -> str:
    lines = [
        "# Peer comparison: `solvent bmc` vs Hypothesis stateful testing",
        "",
        f"Produced by `{command}`"
        + (" (smoke run: fewer seeds and examples)" if quick else "")
        + ", run from the repository root.",
        "",
        *machine_info(),
        "",
        "Hypothesis: `RuleBasedStateMachine` over a Fraction-exact reimplementation of the same "
        "model (`PerpModel` in `benchmarks/peer_hypothesis.py`); deposits drawn as integers in "
        "[0, 10000], moves as integer basis points in [-800, 800], trade sizes in thousandths "
        "in [-50, 50], withdrawals as integers; `stateful_step_count` 50 (the default), "
        "`deadline=None`, `database=None`, `@seed(n)` per run, shrinking off, so its time is "
        "the time to the *first* failure (a run that finds nothing counts its full time). "
        f"solvent: `bmc(spec, depth={depth})` in the same process (shortest counterexample, "
        "confirmed by concrete replay), median wall time of the call.",
        "",
        "| bug | Hypothesis: found | Hypothesis: examples to failure (median) | "
        "Hypothesis: time (median) | solvent bmc | bmc time | ratio Hypothesis / bmc |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for o in outcomes:
        found = o.found_runs()
        hyp_t = o.hyp_median_seconds()
        ex_text = (
            f"{statistics.median(r.examples for r in found):g}"
            if found
            else f"none within {o.max_examples:,}"
        )
        b = o.bmc
        if b is None or b.error:
            bmc_text, bmc_t, ratio = "not run: " + (b.error if b else "?"), "n/a", "n/a"
        else:
            bmc_text = f"{b.verdict} at depth {b.depth}" if b.verdict == "FAIL" else b.verdict
            bmc_t = _fmt_s(b.seconds)
            r = hyp_t / b.seconds if b.seconds > 0 else float("inf")
            ratio = f"{r:.1f}x" if found else f"> {r:.1f}x (Hypothesis gave up)"
        lines.append(
            f"| {o.config.name} | {len(found)}/{len(o.hypothesis)} seeds within "
            f"{o.max_examples:,} examples | {ex_text} | {_fmt_s(hyp_t)} | {bmc_text} | {bmc_t} | "
            f"{ratio} |"
        )
    lines += ["", "Per seed (Hypothesis); a failure is replayed on solvent's concrete engine:", ""]
    lines += [
        "| bug | seed | found | examples | seconds | failure replays on solvent |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for o in outcomes:
        for r in o.hypothesis:
            conf = "n/a" if r.replay_confirmed is None else ("yes" if r.replay_confirmed else "NO")
            lines.append(
                f"| {o.config.name} | {r.seed} | {'yes' if r.found else 'no'} | "
                f"{r.examples} | {r.seconds:.3f} | {conf} |"
            )
    lines += ["", "solvent bmc; its counterexample is also run on the Hypothesis model:", ""]
    for o in outcomes:
        b = o.bmc
        if b is None or b.error:
            lines.append(f"- {o.config.name}: not run: {b.error if b else '?'}")
            continue
        conf = "n/a" if b.model_confirmed is None else ("yes" if b.model_confirmed else "NO")
        lines.append(
            f"- {o.config.name}: {b.verdict} ({b.invariant or '-'}) at depth {b.depth}, "
            f"{b.seconds:.3f} s wall ({b.reported_seconds:.3f} s reported by bmc); violates "
            f"the Hypothesis model too: {conf}; path: {b.path or '-'}"
        )
    gap, needle = outcomes
    lines += [
        "",
        "Targets (issue Foundation, speed section):",
        "",
        "- bmc at least 10x faster than Hypothesis on the plain gap-risk bug: "
        + _target_speed(gap),
        "- bmc finds the needle that Hypothesis misses within 10,000 examples: "
        + _target_needle(needle),
    ]
    return "\n".join(lines) + "\n"


def _target_speed(o: Outcome) -> str:
    b = o.bmc
    if b is None or b.error:
        return "not measured (bmc missing)"
    if b.verdict != "FAIL":
        return f"NOT met (bmc verdict {b.verdict})"
    r = o.hyp_median_seconds() / b.seconds
    return f"{'met' if r >= 10 else 'NOT met'} ({r:.1f}x)"


def _target_needle(o: Outcome) -> str:
    b = o.bmc
    missed = len(o.hypothesis) - len(o.found_runs())
    hyp = (
        f"Hypothesis missed it in {missed}/{len(o.hypothesis)} seeds at {o.max_examples:,} examples"
    )
    if b is None or b.error:
        return f"bmc not measured; {hyp}"
    if o.max_examples < 10_000:
        return f"not measured (smoke run; bmc: {b.verdict}; {hyp})"
    ok = b.verdict == "FAIL" and missed == len(o.hypothesis)
    return f"{'met' if ok else 'NOT met'} (bmc: {b.verdict}; {hyp})"


# ------------------------------------------------------------------------------ main
def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: fewer seeds and examples")
    ap.add_argument(
        "--seeds", type=int, help="Hypothesis seeds on the gap-risk bug (default 7, quick 2)"
    )
    ap.add_argument(
        "--needle-seeds", type=int, help="Hypothesis seeds on the needle (default 3, quick 1)"
    )
    ap.add_argument(
        "--needle-examples",
        type=int,
        help="Hypothesis max_examples on the needle (default 10000, quick 300)",
    )
    ap.add_argument(
        "--bmc-repeats", type=int, help="bmc calls per bug, median taken (default 3, quick 1)"
    )
    ap.add_argument("--depth", type=int, default=5, help="bmc depth bound (default 5)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks/results/peer_hypothesis.md"))
    args = ap.parse_args(argv)
    seeds = args.seeds or (2 if args.quick else 7)
    needle_seeds = args.needle_seeds or (1 if args.quick else 3)
    needle_examples = args.needle_examples or (300 if args.quick else 10_000)
    repeats = args.bmc_repeats or (1 if args.quick else 3)
    command = " ".join(["python benchmarks/peer_hypothesis.py", *argv])

    outcomes = []
    plan = ((GAP_RISK, seeds, 10_000), (NEEDLE, needle_seeds, needle_examples))
    for config, n_seeds, max_examples in plan:
        spec = load_spec(str(ROOT / config.spec_path))
        outcome = Outcome(config, max_examples)
        for seed in range(n_seeds):
            run = run_hypothesis(config, spec, seed, max_examples)
            print(
                f"hypothesis  {config.name}, seed {seed}: found={run.found} "
                f"examples={run.examples} {run.seconds:.3f}s replay={run.replay_confirmed}",
                flush=True,
            )
            outcome.hypothesis.append(run)
        outcome.bmc = b = run_bmc(config, spec, args.depth, repeats)
        print(
            f"solvent bmc {config.name}: "
            + (
                b.error or f"{b.verdict} depth {b.depth} {b.seconds:.3f}s model={b.model_confirmed}"
            ),
            flush=True,
        )
        outcomes.append(outcome)

    text = render(outcomes, command, args.quick, args.depth)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(f"wrote {out}")
    if any(o.bmc is None or o.bmc.error for o in outcomes):
        print(
            "error: solvent.check.bmc is missing, so the solvent side was not measured; "
            "the Hypothesis side is in the report",
            file=sys.stderr,
        )
        return 2
    mismatch = [r for o in outcomes for r in o.hypothesis if r.replay_confirmed is False]
    mismatch += [o for o in outcomes if o.bmc is not None and o.bmc.model_confirmed is False]
    if mismatch:
        print(
            "error: a counterexample did not reproduce on the other implementation", file=sys.stderr
        )
        return 4
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
