"""Stale heap entries in a crash's liquidations: CPU of the book's reads of its heaps.

    python benchmarks/monitor_stale_heap.py [--accounts 100000] [--gap 0.12] [--liquidatable-every 100]

The book of ``benchmarks/monitor_scale.py``'s venue (seeded) at its first price, its heaps
kept; the price gaps down ``--gap``; every account below maintenance is liquidated (flat,
with what it has left), one at a time in account order as the venue's keeper does. Each
liquidation leaves a stale heap entry among the deepest. After each one the deepest 10
accounts below zero equity are read (``witness.breaking``: what an invariant's alert and
the spec's judgement read), and every ``--liquidatable-every`` liquidations the
liquidatable set (``PerpBook.liquidatable``: a watched keeper's check). The set-up is not
timed. Prints one JSON line: the liquidations, the CPU seconds of each kind of read and of
the whole burst, the heap entries left.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import monitor_scale as ms  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--gap", type=float, default=0.12)
    ap.add_argument("--liquidatable-every", type=int, default=100)
    args = ap.parse_args()
    from solvent.monitor.book import PerpBook
    from solvent.monitor.witness import breaking

    lines, setup = ms.venue(args.accounts, 1)
    first = json.loads(lines[0])
    price = Fraction(first["price"])
    mm = Fraction(8, 100)
    book = PerpBook(args.accounts, mm)
    for line in lines[2:setup]:
        e = json.loads(line)
        book.set_account(e["account"], Fraction(e["set"]["quote"]), Fraction(e["set"]["size"]))
    book.liquidatable(price)  # the heaps are built (O(N), once) and kept: not timed
    crash = price * (1 - Fraction(str(args.gap)))
    burst = book.liquidatable(crash)
    deepest = liquidatable = 0.0
    start = time.process_time()
    for i, a in enumerate(burst):
        rest = max(book.equity(a, crash), Fraction(0))
        book.set_account(a, rest, Fraction(0))
        t0 = time.process_time()
        breaking(book, crash)
        t1 = time.process_time()
        deepest += t1 - t0
        if args.liquidatable_every and i % args.liquidatable_every == 0:
            book.liquidatable(crash)
            liquidatable += time.process_time() - t1
    whole = time.process_time() - start
    print(json.dumps({
        "accounts": args.accounts, "liquidations": len(burst),
        "deepest_cpu_s": round(deepest, 3), "liquidatable_cpu_s": round(liquidatable, 3),
        "burst_cpu_s": round(whole, 3), "heap_entries_left": len(book._lh) + len(book._sh),
        "live": sum(book._counts), "load": ms.load(),
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
