"""Event streams of the issue-15 monitor tests: multi-account keeper breaches, bad lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SAFE_PERP = str(REPO / "examples" / "correct" / "perp_isolated.py")


def keeper_episodes(episodes: int, accounts: int = 3) -> list[dict[str, Any]]:
    """Each episode: every account opens 10 long at 2000, the price gaps to 1900 (all
    liquidatable), the next step 1890 passes with no liquidation (one keeper breach per
    account, all at the same event), then the accounts close and the price recovers."""
    events: list[dict[str, Any]] = []

    def add(**event: Any) -> None:
        events.append({"schema": "solvent-event/1", "seq": len(events) + 1,
                       "ts": float(len(events) + 1), **event})  # fmt: skip

    add(type="price", price="2000")
    add(type="insurance", balance="100")
    for _ in range(episodes):
        for a in range(accounts):
            add(type="account", account=a, set={"quote": "-18000", "size": "10"})
        add(type="price", price="2000")
        add(type="price", price="1900")
        add(type="price", price="1890")
        for a in range(accounts):
            add(type="account", account=a, set={"quote": "0", "size": "0"})
        add(type="price", price="2000")
    return events


def write_lines(path: Path, events: list[dict[str, Any] | str]) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for e in events:
            fh.write((e if isinstance(e, str) else json.dumps(e)) + "\n")
    return path


def alerts_of(path: Path) -> list[dict[str, Any]]:
    out = []
    for raw in path.read_text().splitlines():
        try:
            out.append(json.loads(raw))
        except ValueError:
            continue  # a line torn by SIGKILL
    return out
