"""The headline of a stress run: P(insolvency) from the certain and confirmed invariant
violations (lemmas beside it; a sampled estimate when lanes stay unchecked), and the
verdict. See :mod:`solvent.stress.confirm` for how lanes are settled."""

from __future__ import annotations

from typing import Any

import numpy as np

from solvent.stress.metrics import clopper_pearson


def assess(
    conf: dict[str, Any],
    rerun: int,
    n: int,
    fail_by_prop: dict[str, int],
    certain: dict[str, int] | None = None,
    invariants: set[str] | None = None,
    certain_later: int = 0,
) -> dict[str, Any]:
    """P(insolvency): the share of paths that break an **invariant** (lemmas beside it).

    ``rerun``: the lanes to re-run (their invariant status is not known from float64);
    ``certain``: certain violations by property (first failure of the lane, no re-run);
    ``certain_later``: lanes whose certain first violation is a lemma's and which break an
    invariant later, certainly too (the float64 run checks the invariants on).
    ``paths`` (and ``estimate``) count the certain plus the exactly confirmed invariant
    violations: the lower end. ``upper_estimate`` adds the lanes left unchecked (each
    might be a violation). The 95% Clopper-Pearson interval runs from the lower end of the
    first count to the upper end of the second; with every lane re-run it is the exact
    interval of the count. When lanes are left unchecked but a uniform random sample of
    them was re-run (``conf["sample"]``), ``sampled`` estimates the share with its own
    interval: the violations of the sample scaled to the unchecked lanes, Clopper-Pearson
    at 97.5% on the sample and on the paths (Bonferroni: both hold with 95%).
    """
    certain = certain or {}
    invariants = set(fail_by_prop) if invariants is None else invariants
    unchecked = rerun - conf["checked"]
    certain_inv = certain_later + sum(k for name, k in certain.items() if name in invariants)
    count = certain_inv + conf.get("invariant_violations", conf["confirmed"])
    lo, _ = clopper_pearson(count, n)
    _, hi = clopper_pearson(count + unchecked, n)
    by_property = dict(certain)
    for name, k in conf["by_property"].items():
        by_property[name] = by_property.get(name, 0) + k
    out: dict[str, Any] = {
        "counts": "invariant violations",
        "invariants": sorted(invariants),
        "estimate": count / n if n else 0.0,
        "upper_estimate": (count + unchecked) / n if n else 0.0,
        "ci_low": lo,
        "ci_high": hi,
        "level": 0.95,
        "method": "Clopper-Pearson",
        "paths": count,
        "certain": certain_inv,
        "confirmed": count - certain_inv,
        "unchecked": unchecked,
        "by_property": by_property,
        "lemmas": {k: v for k, v in by_property.items() if k not in invariants},
        "flagged_by_property": fail_by_prop,
        "sampled": None,
    }
    s = conf.get("sample", 0)
    if unchecked and s and n:
        k = conf.get("sample_invariant", 0)
        q_lo, q_hi = clopper_pearson(k, s, 0.975)
        rest = rerun - s  # the lanes outside the sample (re-run or not)
        low_k = count + int(np.floor(q_lo * unchecked))
        high_k = count + int(np.ceil(q_hi * unchecked))
        out["sampled"] = {
            "sample": s,
            "of": rerun,
            "sample_violations": k,
            "unchecked": unchecked,
            "outside_sample": rest,
            "estimate": (count + k / s * unchecked) / n,
            "ci_low": clopper_pearson(low_k, n, 0.975)[0],
            "ci_high": clopper_pearson(min(high_k, n), n, 0.975)[1],
            "level": 0.95,
            "method": "uniform random sample of the lanes to re-run; Clopper-Pearson 97.5% "
            "on the sample and on the paths (Bonferroni)",
        }
    return out


def verdict(conf: dict[str, Any], flagged: int) -> tuple[str, list[str]]:
    """FAIL on a confirmed violation (certain by the error bounds, or by exact re-run);
    PASS only when every lane to settle was settled.

    ``flagged``: the lanes to settle (flagged or undecided); ``conf["checked"]``: those
    settled. The others, left by a budget, make the verdict UNKNOWN (INTERRUPTED after
    Ctrl-C), never PASS.
    """
    unchecked = flagged - conf["checked"]
    notes: list[str] = []
    if unchecked:
        why = {
            "count": "--confirm capped the re-runs",
            "time": "the time budget --confirm-seconds ran out",
            "timeout": "the run's --timeout ran out",
            "interrupted": "interrupted (Ctrl-C)",
        }.get(conf["stopped"] or "", "not re-run")
        notes.append(
            f"{unchecked:,} of {flagged:,} lanes to settle (flagged, or with a float64 decision "
            f"within its rounding-error bound) were not re-run exactly ({why}); "
            "they are not counted as violations, only in the upper end of P(insolvency) "
            "(and in its sampled estimate, when a random sample of them was re-run); "
            "--confirm all and a larger --confirm-seconds"
            + (" and --timeout" if conf["stopped"] == "timeout" else "")
            + " re-run them"
        )
    if conf["confirmed"]:
        return "FAIL", notes
    if unchecked:
        return ("INTERRUPTED" if conf["stopped"] == "interrupted" else "UNKNOWN"), notes
    return "PASS", notes
