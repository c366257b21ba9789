"""Regenerate the worked examples of this folder (the committed expected output).

    python examples/frontier/generate.py            # both tables (a few minutes)
    python examples/frontier/generate.py frontier   # only the move frontier
    python examples/frontier/generate.py region     # only the two-parameter safe region

Writes move_frontier.csv / .md (the frontier of the per-step move for several maintenance
margins, next to the closed form) and safe_region.csv / .md (maintenance margin x initial
margin at an 8% move). The files hold no timings, so a rerun reproduces them unless an
answer changes; timings go to stdout. It uses only solvent's public API.
"""

from __future__ import annotations

import csv
import io
import sys
import time
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import solvent as sv

HERE = Path(__file__).resolve().parent
MARGINS = ("0.02", "0.04", "0.05", "0.08", "0.10", "0.15")
TOL = "0.001"
COLUMNS = (
    "maintenance_margin",
    "initial_margin",
    "closed_form",
    "proved_up_to",
    "counterexample_at",
    "status",
)


def move_spec(maintenance_margin: str) -> object:
    """The 3-account isolated perp, no insurance fund, initial margin twice maintenance."""
    mm = Fraction(maintenance_margin)
    return sv.model(
        "perp-isolated",
        name=f"perp-mm-{maintenance_margin}",
        accounts=3,
        maintenance_margin=maintenance_margin,
        initial_margin=format_number(2 * mm),
        insurance_fund="0",
        max_move="0.08",
    )


def format_number(q: Fraction) -> str:
    """Shortest exact text: a terminating decimal (0.10 -> 0.1), else ``a/b``."""
    d = q.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    if d != 1:
        return f"{q.numerator}/{q.denominator}"
    text = format(Decimal(q.numerator) / Decimal(q.denominator), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def closed_form(maintenance_margin: str) -> Fraction:
    """The largest safe per-step move: the maintenance margin itself (see README.md)."""
    return Fraction(maintenance_margin)


def frontier_rows(margins: tuple[str, ...] = MARGINS) -> list[dict[str, str]]:
    rows = []
    for mm in margins:
        start = time.perf_counter()
        result = sv.frontier(move_spec(mm), "move", tol=TOL, checks=0, depth=3)
        print(
            f"mm={mm}: {result.status} {result.message} [{result.doc['method']}, "
            f"{time.perf_counter() - start:.1f}s]",
            file=sys.stderr,
        )
        rows.append(
            {
                "maintenance_margin": format_number(Fraction(mm)),
                "initial_margin": format_number(2 * Fraction(mm)),
                "closed_form": format_number(closed_form(mm)),
                "proved_up_to": result.safe or "",
                "counterexample_at": result.unsafe or "",
                "status": result.status,
            }
        )
    return rows


def rows_csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def rows_markdown(rows: list[dict[str, str]]) -> str:
    head = [
        "maintenance margin",
        "initial margin (max leverage)",
        "closed form: largest safe move",
        "proved safe up to move",
        "counterexample at move",
        "status",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        leverage = _leverage(Fraction(r["initial_margin"]))
        lines.append(
            "| "
            + " | ".join(
                [
                    r["maintenance_margin"],
                    f"{r['initial_margin']} ({leverage}x)",
                    r["closed_form"],
                    r["proved_up_to"],
                    r["counterexample_at"],
                    r["status"],
                ]
            )
            + " |"
        )
    return "\n".join(lines) + "\n"


def _leverage(initial_margin: Fraction) -> str:
    exact = format_number(1 / initial_margin)
    return (
        exact if "/" not in exact else "~" + format_number(Fraction(round(1 / initial_margin, 2)))
    )


def region() -> tuple[str, str]:
    spec = sv.model(
        "perp-isolated",
        name="perp-region",
        accounts=3,
        insurance_fund="0",
        max_move="0.08",
        max_leverage="5",
    )
    start = time.perf_counter()
    result = sv.synth(
        spec,
        ("maintenance_margin", "max_leverage"),
        grid=6,
        search_range=("0.02", "0.12"),
        range2=("5", "20"),
        direction=("down", "up"),  # cheap: less margin, more leverage
    )
    print(f"region: {result.message} [{time.perf_counter() - start:.1f}s]", file=sys.stderr)
    return result.to_csv(), result.to_markdown()


def main(argv: list[str]) -> None:
    which = set(argv) or {"frontier", "region"}
    if "frontier" in which:
        rows = frontier_rows()
        (HERE / "move_frontier.csv").write_text(rows_csv(rows), encoding="utf-8")
        (HERE / "move_frontier.md").write_text(rows_markdown(rows), encoding="utf-8")
    if "region" in which:
        as_csv, as_md = region()
        (HERE / "safe_region.csv").write_text(as_csv, encoding="utf-8")
        (HERE / "safe_region.md").write_text(as_md, encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
