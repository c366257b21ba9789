"""Assumption attribution: what a proof used, what it did not, and how much slack it has.

A PASS from ``prove`` lists the named assumptions its unsat cores used
(``details["assumptions_used"]``). This module groups them for people (envelope bounds,
keeper liveness, lemmas, argument domains), runs the frontier machinery on every used
numeric envelope bound to measure its slack, and writes the sentence::

    proved because |move| ≤ 0.08 and liquidate runs every step (lemmas: healthy,
    insurance_nonnegative, price_positive); action.trade.qty, action.withdraw.amount not
    needed; |move| can grow to 0.094 before the first counterexample (at 0.095)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from solvent.check.frontier import FOUND, LOWER_BOUND, UNBOUNDED, FrontierResult, frontier
from solvent.check.knobs import MAGNITUDE, Knob, envelope_knob
from solvent.check.probes import ProbeOptions
from solvent.check.results import PASS, CheckResult
from solvent.errors import UsageError
from solvent.lang.values import format_number
from solvent.spec.spec import Spec


@dataclass(frozen=True, slots=True)
class Slack:
    """How far one used envelope bound can be widened before the proof fails."""

    knob: Knob
    assumptions: tuple[str, ...]  # e.g. ("envelope.move.hi", "envelope.move.lo")
    limit: Fraction | None  # the widest proved value
    slack: Fraction | None  # |limit - current|
    frontier: FrontierResult | None
    text: str
    # the time budget ran out during its search: ``limit`` is a bound, not the exact value
    stopped: bool = False


@dataclass(frozen=True, slots=True)
class Attribution:
    """A proof's assumptions, grouped, with the slack of each used envelope bound."""

    spec: str
    used: tuple[str, ...]
    unused: tuple[str, ...]
    minimized: bool  # the used set is minimal (each one is needed), not just a raw core
    bounds_used: tuple[str, ...]  # "|move| ≤ 0.08", "oracle_delay ≤ 3"
    keepers_used: tuple[str, ...]  # keeper names whose every-step liveness was used
    lemmas_used: tuple[str, ...]
    others_used: tuple[str, ...]  # argument and initial-state domains
    not_needed: tuple[str, ...]  # readable names of unused assumptions
    slacks: tuple[Slack, ...]
    sentence: str


def attribute(
    spec: Spec,
    proof: CheckResult,
    *,
    slack: bool = True,
    tol: Any = None,
    options: ProbeOptions | None = None,
) -> Attribution:
    """Explain a PASS of ``prove``: the assumptions it rests on and their slack.

    Parameters
    ----------
    proof : CheckResult
        A PASS from :func:`solvent.check.induction.prove` on ``spec``.
    slack : bool
        Run a frontier on every used numeric envelope bound (costs a few proofs each).
    tol : number, optional
        Precision of the slack (default: 1% of each bound's value).
    """
    if proof.verdict != PASS or proof.check != "prove":
        raise UsageError(f"attribution explains a PASS of prove; got {proof.check} {proof.verdict}")
    used = tuple(proof.details.get("assumptions_used", ()))
    unused = tuple(proof.details.get("assumptions_unused", ()))
    lemma_names = {d.name for d in spec.lemmas}
    knobs = _bound_knobs(spec, used)
    keepers = tuple(
        n.split(".")[1] for n in used if n.startswith("keeper.") and n.endswith(".every_step")
    )
    lemmas = tuple(sorted({n[4:] for n in used if n.startswith("hyp.") and n[4:] in lemma_names}))
    others = tuple(n for n in used if n.startswith(("action.", "init.", "initial.")))
    not_needed = _readable_unused(spec, unused, used)
    slacks = []
    if slack:
        options = options or ProbeOptions(k=proof.k or 1)
        for knob, names in knobs:
            slacks.append(_slack(spec, knob, names, tol, options))
    bounds = tuple(knob.describe(knob.current) for knob, _ in knobs)
    sentence = _sentence(bounds, keepers, lemmas, others, not_needed, slacks)
    return Attribution(
        spec.name,
        used,
        unused,
        bool(proof.details.get("assumptions_minimized", False)),
        bounds,
        keepers,
        lemmas,
        others,
        not_needed,
        tuple(slacks),
        sentence,
    )


def attribution_json(a: Attribution) -> dict[str, Any]:
    """The plain-data form of an attribution (JSON output, reports)."""
    return {
        "sentence": a.sentence,
        "used": list(a.used),
        "unused": list(a.unused),
        "minimized": a.minimized,
        "bounds_used": list(a.bounds_used),
        "keepers_used": list(a.keepers_used),
        "lemmas_used": list(a.lemmas_used),
        "domains_used": list(a.others_used),
        "not_needed": list(a.not_needed),
        "slack": [
            {
                "bound": s.knob.name,
                "assumptions": list(s.assumptions),
                "current": format_number(s.knob.current),
                "limit": None if s.limit is None else format_number(s.limit),
                "slack": None if s.slack is None else format_number(s.slack),
                "first_counterexample": (
                    None
                    if s.frontier is None or s.frontier.unsafe is None
                    else format_number(s.frontier.unsafe)
                ),
                "status": None if s.frontier is None else s.frontier.status,
                "stopped_by_budget": s.stopped,
                "text": s.text,
            }
            for s in a.slacks
        ],
    }


def _bound_knobs(spec: Spec, used: Sequence[str]) -> list[tuple[Knob, tuple[str, ...]]]:
    """Used envelope literals as knobs: both ends of a symmetric bound become its magnitude."""
    out = []
    for name, dom in spec.bounds.items():
        sides = [s for s in ("lo", "hi") if f"envelope.{name}.{s}" in used]
        if not sides:
            continue
        lits = tuple(f"envelope.{name}.{s}" for s in sides)
        if len(sides) == 2 and dom.lo == -dom.hi:
            out.append((envelope_knob(spec, name), lits))
        else:
            for s, lit in zip(sides, lits, strict=True):
                out.append((envelope_knob(spec, f"{name}.{s}"), (lit,)))
    for keeper in spec.keepers:  # within=k: the delay bound is an assumption like a bound
        lit = keeper.assumption
        if lit in used:
            out.append((envelope_knob(spec, lit), (lit,)))
    return out


def _readable_unused(spec: Spec, unused: Sequence[str], used: Sequence[str]) -> tuple[str, ...]:
    out = []
    for name, dom in spec.bounds.items():
        sides = [s for s in ("lo", "hi") if f"envelope.{name}.{s}" in unused]
        if len(sides) == 2:
            out.append(f"{name} (both ends)" if dom.lo != -dom.hi else name)
        else:
            out.extend(f"{name}.{s}" for s in sides)
    for n in unused:
        if n.startswith("keeper.") and n.endswith(".every_step"):
            out.append(f"{n.split('.')[1]} every step (holds even if it is adversarial)")
        elif n.startswith(("keeper.", "oracle.")) and n.endswith(".within"):
            out.append(f"{n.split('.')[1]} within its delay (holds even if it is adversarial)")
        elif n.startswith(("action.", "init.", "initial.")):
            out.append(n)
        elif n.startswith("hyp.") and n[4:] in {d.name for d in spec.lemmas}:
            out.append(f"lemma {n[4:]}")
    return tuple(out)


def _slack(
    spec: Spec, knob: Knob, names: tuple[str, ...], tol: Any, options: ProbeOptions
) -> Slack:
    result = frontier(spec, knob.name, tol=tol, options=options, checks=0)
    limit = result.safe
    amount = None if limit is None else abs(limit - knob.current)
    label = f"|{knob.target}|" if knob.side == MAGNITUDE else knob.name
    if result.status == FOUND and limit is not None and result.unsafe is not None:
        if amount == 0:
            text = (
                f"{label} has no slack: a counterexample exists already at "
                f"{format_number(result.unsafe)}"
            )
        else:
            text = (
                f"{label} can grow to {format_number(limit)} before the first counterexample "
                f"(at {format_number(result.unsafe)})"
            )
    elif result.status == LOWER_BOUND and limit is not None:
        text = (
            f"{label} is proved up to {format_number(limit)}; beyond it the proof fails but no "
            f"counterexample was found within {result.options.depth} steps"
        )
    elif result.status == UNBOUNDED and limit is not None:
        text = f"{label} can grow to at least {format_number(limit)} (no failure in the range searched)"
    else:
        text = f"the slack of {label} is unknown ({result.message})"
    # a search the budget stopped (the wall clock, the only one it reads) has one side of
    # its evidence or none: what it proved is proved, the slack may be larger
    stopped = result.status != FOUND and options.expired()
    if stopped:
        text += (
            " (the time budget ran out during this search: a bound, not the exact slack; "
            "give a longer --timeout for the exact one)"
        )
    return Slack(knob, names, limit, amount, result, text, stopped)


def _sentence(
    bounds: Sequence[str],
    keepers: Sequence[str],
    lemmas: Sequence[str],
    others: Sequence[str],
    not_needed: Sequence[str],
    slacks: Sequence[Slack],
) -> str:
    reasons = [*bounds, *(f"{k} runs every step" for k in keepers)]
    because = _join(reasons) if reasons else "of the induction hypotheses alone"
    parts = [f"proved because {because}"]
    if lemmas:
        parts[0] += f" (lemmas: {', '.join(lemmas)})"
    if others:
        parts[0] += f" (domains: {', '.join(others)})"
    if not_needed:
        parts.append(f"{', '.join(not_needed)} not needed")
    parts.extend(s.text for s in slacks)
    return "; ".join(parts)


def _join(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
