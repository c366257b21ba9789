"""The economic story of a replayed trace, as series a chart or a table can show.

Input is the ``replay`` object of a ``solvent-result/1`` document (per-step state and
metrics, exact numbers as strings), so reports need no spec. Fields are recognised by
name, the same way for every spec (docs/report.md lists the conventions):

- price: scalar state fields whose name contains ``price`` (``price``, ``mark_price``);
- equity / requirement: per-account metrics whose name contains ``equity``, and
  ``maintenance`` or ``requirement``;
- insurance fund: scalar state fields whose name contains ``insurance``;
- socialized loss / ADL: scalar state fields named like ``bad_debt``, ``socialized``,
  ``adl``, ``haircut``, ``deficit``, ``unassigned``, ``write_off`` or ``shortfall``.

The loss waterfall of a step where a keeper acted: the liquidated accounts' collateral
absorbs the loss first (their equity before the step, less what they keep), then the
insurance fund (its decrease), then the rest is socialized (the increase of the
socialized-loss fields). Their sum is the loss the step realised.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from solvent.lang.values import to_fraction

_SOCIALIZED = re.compile(
    r"bad_debt|sociali[sz]ed|(^|_)adl($|_)|haircut|deficit|unassigned|write_?off|shortfall"
)
_ACCOUNT = re.compile(r"\((\d+)")


def num(value: Any) -> Fraction | None:
    """An exact number from its JSON form (``"0.05"``, ``"1/3"``, 3); None otherwise."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, str):
        try:
            return to_fraction(value)
        except Exception:  # noqa: BLE001 - not a number: the caller shows it as text
            return None
    return None


@dataclass(frozen=True, slots=True)
class WaterfallRow:
    """How one step's losses were absorbed."""

    step: int
    accounts: tuple[int, ...]
    keepers: tuple[str, ...]
    collateral: Fraction | None  # None: the spec has no per-account equity metric
    insurance: Fraction
    socialized: Fraction
    insurance_after: Fraction | None

    @property
    def total(self) -> Fraction:
        return (self.collateral or Fraction(0)) + self.insurance + self.socialized


@dataclass(slots=True)
class Story:
    """Everything the counterexample charts and tables need, as exact numbers."""

    steps: list[int]
    market: dict[str, list[Fraction | None]]
    prices: dict[str, list[Fraction | None]]
    keeper_steps: list[tuple[int, list[str]]]
    failures: list[tuple[int, list[str]]]
    accounts: list[int]
    equity_metric: str | None
    requirement_metric: str | None
    equity: dict[int, list[Fraction | None]] = field(default_factory=dict)
    requirement: dict[int, list[Fraction | None]] = field(default_factory=dict)
    insurance_field: str | None = None
    socialized_fields: list[str] = field(default_factory=list)
    waterfall: list[WaterfallRow] = field(default_factory=list)

    @property
    def first_failure(self) -> tuple[int, list[str]] | None:
        return self.failures[0] if self.failures else None


def _scalars(step: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in step.get("state", {}).items() if not isinstance(v, list)}


def _pick(names: Sequence[str], *needles: str) -> str | None:
    for needle in needles:
        for name in names:
            if needle in name.lower():
                return name
    return None


def involved_accounts(steps: Sequence[Mapping[str, Any]]) -> list[int]:
    """Accounts whose state or metrics change, that a keeper acts on, or that fail."""
    keep: set[int] = set()
    for prev, cur in zip(steps, steps[1:], strict=False):
        for part in ("state", "metrics"):
            before = prev.get(part, {})
            for name, values in cur.get(part, {}).items():
                old = before.get(name)
                if isinstance(values, list) and isinstance(old, list):
                    keep.update(a for a, v in enumerate(values) if a < len(old) and v != old[a])
        for label in cur.get("keepers", []):
            m = _ACCOUNT.search(label)
            if m:
                keep.add(int(m.group(1)))
    for st in steps:
        for label in st.get("failures", []):
            m = re.search(r"\[account (\d+)\]", label)
            if m:
                keep.add(int(m.group(1)))
    return sorted(keep)


def story(replay: Mapping[str, Any]) -> Story:
    """The series of a ``replay`` object (see the module docstring)."""
    steps = list(replay.get("steps") or [])
    if not steps:
        return Story([], {}, {}, [], [], [], None, None)
    numbers = [s.get("step", i) for i, s in enumerate(steps)]
    scalar_names = list(_scalars(steps[0]))
    draws = sorted({k for s in steps for k in s.get("market", {})})
    market = {k: [num(s.get("market", {}).get(k)) for s in steps] for k in draws}
    price_names = [n for n in scalar_names if "price" in n.lower()]
    prices = {n: [num(s["state"].get(n)) for s in steps] for n in price_names}
    keepers = [(numbers[i], list(s.get("keepers", []))) for i, s in enumerate(steps)]
    failures = [(numbers[i], list(s.get("failures", []))) for i, s in enumerate(steps)]
    metric_names = [k for k, v in steps[0].get("metrics", {}).items() if isinstance(v, list)]
    equity_metric = _pick(metric_names, "equity")
    requirement_metric = _pick(
        [n for n in metric_names if n != equity_metric], "maintenance", "requirement", "margin"
    )
    out = Story(
        steps=numbers,
        market=market,
        prices=prices,
        keeper_steps=[k for k in keepers if k[1]],
        failures=[f for f in failures if f[1]],
        accounts=involved_accounts(steps),
        equity_metric=equity_metric,
        requirement_metric=requirement_metric,
        insurance_field=_pick(scalar_names, "insurance"),
        socialized_fields=[n for n in scalar_names if _SOCIALIZED.search(n.lower())],
    )
    for a in out.accounts:
        for metric, target in ((equity_metric, out.equity), (requirement_metric, out.requirement)):
            if metric is not None:
                target[a] = [_at(s.get("metrics", {}).get(metric), a) for s in steps]
    out.waterfall = _waterfall(steps, out)
    return out


def _at(values: Any, a: int) -> Fraction | None:
    return num(values[a]) if isinstance(values, list) and a < len(values) else None


def _waterfall(steps: Sequence[Mapping[str, Any]], s: Story) -> list[WaterfallRow]:
    rows = []
    for i in range(1, len(steps)):
        prev, cur = steps[i - 1], steps[i]
        labels = list(cur.get("keepers", []))
        ins_before = num(prev["state"].get(s.insurance_field)) if s.insurance_field else None
        ins_after = num(cur["state"].get(s.insurance_field)) if s.insurance_field else None
        drawn = Fraction(0)
        if ins_before is not None and ins_after is not None:
            drawn = max(Fraction(0), ins_before - ins_after)
        socialized = Fraction(0)
        for name in s.socialized_fields:
            before, after = num(prev["state"].get(name)), num(cur["state"].get(name))
            if before is not None and after is not None:
                socialized += max(Fraction(0), after - before)
        if not labels and drawn == 0 and socialized == 0:
            continue
        accounts = tuple(sorted({int(m.group(1)) for lab in labels if (m := _ACCOUNT.search(lab))}))
        collateral: Fraction | None = None
        if s.equity_metric is not None and accounts:
            collateral = Fraction(0)
            for a in accounts:
                before = _at(prev.get("metrics", {}).get(s.equity_metric), a) or Fraction(0)
                after = _at(cur.get("metrics", {}).get(s.equity_metric), a) or Fraction(0)
                collateral += max(Fraction(0), max(before, Fraction(0)) - max(after, Fraction(0)))
        rows.append(
            WaterfallRow(
                numbers_of(steps)[i],
                accounts,
                tuple(labels),
                collateral,
                drawn,
                socialized,
                ins_after,
            )
        )
    return rows


def numbers_of(steps: Sequence[Mapping[str, Any]]) -> list[int]:
    return [int(s.get("step", i)) for i, s in enumerate(steps)]


def waterfall_totals(rows: Sequence[WaterfallRow]) -> tuple[Fraction, Fraction, Fraction]:
    """Collateral, insurance fund and socialized loss summed over the trace."""
    return (
        sum((r.collateral or Fraction(0) for r in rows), Fraction(0)),
        sum((r.insurance for r in rows), Fraction(0)),
        sum((r.socialized for r in rows), Fraction(0)),
    )
