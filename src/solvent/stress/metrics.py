"""Tail-risk metrics from the per-block summaries (merged in block order: deterministic).

Definitions (also in docs/stress.md):

- **P(insolvency)**: the fraction of paths on which some checked property (the spec's
  invariants and lemmas, or those named with ``--invariant``) fails at some step, with a
  two-sided 95% Clopper-Pearson interval. Counted: every lane the float64 engine flags,
  minus the flagged lanes whose exact re-run did not confirm the violation.
- **bad debt** per path: the final value of the bad-debt field minus its initial value.
  Mean over all paths; VaR 99% = the smallest x with P(loss <= x) >= 0.99 (the
  ``ceil(0.99 n)``-th smallest loss); ES 97.5% = the mean of the ``ceil(0.025 n)``
  largest losses.
- **insurance drawdown** per path: initial fund minus its lowest value along the path;
  **exhaustion**: the fund starts positive and reaches <= 0; time to exhaustion = that
  step.
- **liquidations / ADL events**: increase of those counter fields over the path.
- **Cover-2**: on each path, the two accounts with the largest initial position (by
  ``|size|``) are assumed to default and never be liquidated: their deficits
  ``max(0, -equity)`` at the spec's mark price are summed at every step (step 0
  included) and the worst step is the path's Cover-2 loss. Reported: mean, max, and the
  fraction of paths where it exceeds the initial insurance fund.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np


def clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Exact binomial confidence interval for ``k`` successes in ``n`` trials."""
    # scipy.special, not scipy.stats: the same beta quantiles (beta.ppf is betaincinv)
    # without the second it takes scipy.stats to import.
    from scipy.special import betaincinv

    if n <= 0:
        return (0.0, 1.0)
    alpha = 1.0 - level
    lo = 0.0 if k == 0 else float(betaincinv(k, n - k + 1, alpha / 2))
    hi = 1.0 if k == n else float(betaincinv(k + 1, n - k, 1 - alpha / 2))
    return (lo, hi)


def tail(nonzero: np.ndarray, n: int) -> tuple[float, float]:
    """VaR 99% and ES 97.5% of ``n`` losses of which only the nonzero ones are given."""
    if n == 0:
        return (0.0, 0.0)
    values = np.asarray(nonzero, dtype=np.float64)
    neg = np.sort(values[values < 0])
    pos = np.sort(values[values > 0])
    zeros = n - len(neg) - len(pos)

    def kth_smallest(k: int) -> float:  # 1-based
        if k <= len(neg):
            return float(neg[k - 1])
        if k <= len(neg) + zeros:
            return 0.0
        return float(pos[k - len(neg) - zeros - 1])

    var = kth_smallest(math.ceil(0.99 * n))
    m = math.ceil(0.025 * n)
    top = pos[::-1][:m]
    rest = m - len(top)
    total = float(top.sum())
    if rest > zeros:
        total += float(neg[::-1][: rest - zeros].sum())
    return (var, total / m)


def histogram(nonzero: np.ndarray, n: int, bins: int = 20) -> dict[str, list[float]]:
    """Histogram of ``n`` losses (zeros implied) over ``[min(0, lo), max]``."""
    values = np.asarray(nonzero, dtype=np.float64)
    lo = min(0.0, float(values.min())) if len(values) else 0.0
    hi = float(values.max()) if len(values) else 1.0
    if hi <= lo:
        hi = lo + 1.0
    counts, edges = np.histogram(values, bins=bins, range=(lo, hi))
    zero_bin = min(int(np.searchsorted(edges, 0.0, side="right")) - 1, bins - 1)
    counts[zero_bin] += n - len(values)
    return {"edges": edges.tolist(), "counts": counts.tolist()}


def combine(summaries: Sequence[dict[str, Any]], n_props: int) -> dict[str, Any]:
    """Merge block summaries (sorted by block) into totals."""
    blocks = sorted(summaries, key=lambda s: s["block"])
    tot: dict[str, Any] = {
        "paths": sum(s["n"] for s in blocks),
        "excluded": sum(s.get("excluded", 0) for s in blocks),
        "beyond": sum(s["beyond"] for s in blocks),
        "fail": sum(s["fail"] for s in blocks),
        "fail_beyond": sum(s["fail_beyond"] for s in blocks),
        "fail_inside": sum(s.get("fail_inside", 0) for s in blocks),
        "fail_inside_paths": [p for s in blocks for p in s.get("fail_inside_paths", [])][:20],
        "undecided": sum(s.get("undecided", 0) for s in blocks),
        "undecided_excluded": sum(s.get("undecided_excluded", 0) for s in blocks),
        "fail_by_prop": [sum(s["fail_by_prop"][k] for s in blocks) for k in range(n_props)],
        # [path, steps to re-run, property, priority]: by priority, then path
        "lanes": sorted((lane for s in blocks for lane in s["lanes"]), key=lambda x: (x[-1], x[0])),
        # [path, step, property]: certain violations (no re-run needed), by path
        "certain": sorted((c for s in blocks for c in s.get("certain", ())), key=lambda x: x[0]),
        # [path, step, property] of the first invariant failure (-1: none) of certain lanes
        # whose first failure is a lemma's, when certain too (no re-run for the invariants)
        "inv_settled": sorted(
            (c for s in blocks for c in s.get("inv_settled", ())), key=lambda x: x[0]
        ),
    }
    for key in (
        "bad_debt_sum",
        "ins_start_sum",
        "ins_draw_sum",
        "ins_draw_rel_sum",
        "liquidations_sum",
        "adl_sum",
        "cover2_sum",
    ):
        if blocks and key in blocks[0]:
            total = 0.0
            for s in blocks:
                total += s[key]
            tot[key] = total
    for key in ("liquidations_lanes", "adl_lanes", "cover2_exceeds"):
        if blocks and key in blocks[0]:
            tot[key] = sum(s[key] for s in blocks)
    for key in ("ins_draw_max", "cover2_max"):
        if blocks and key in blocks[0]:
            tot[key] = max(s[key] for s in blocks)
    if blocks and "worst" in blocks[0]:
        tot["worst"] = sorted((w for s in blocks for w in s["worst"]), key=lambda w: (-w[1], w[0]))[
            :5
        ]
    if blocks and "bad_debt_nonzero" in blocks[0]:
        tot["bad_debt_nonzero"] = np.array([x for s in blocks for x in s["bad_debt_nonzero"]])
    if blocks and "ins_exhausted_steps" in blocks[0]:
        tot["ins_exhausted_steps"] = np.array(
            [x for s in blocks for x in s["ins_exhausted_steps"]], dtype=np.int64
        )
    return tot
