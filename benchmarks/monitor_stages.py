"""CPU of each stage of the sharded pipeline against one process, the same events, no Redis.

    python benchmarks/monitor_stages.py [--accounts 100000] [--events 20000] [--shards 2]
        [--paired-with OTHER/src] [--repeat 3]

The venue of ``benchmarks/monitor_scale.py`` fed, in this one process and without Redis
(so redis-server's and the clients' share is left out: ``monitor_scale.py`` measures the
pipeline through Redis), to:

* ``single``: one monitor (exact distance to insolvency after every event), as
  ``solvent monitor`` applies the lines;
* ``shard K/N``: a shard's monitor and :class:`~solvent.monitor.shard.Shard` fed the lines
  of its routed stream (prices and fund to every shard, each account's to its owner),
  its records encoded and queued as a shard process sends them (one entry per batch of
  1,000 lines read);
* ``aggregator``: ``monitor-aggregate``'s merge of those entries (JSON decoded, added,
  drained), read in the order the shards wrote them; of it, ``catch_up``: the deferred
  account changes put into its book (``ProbeSums.sync``), and the catch-up left at the end
  (with the exact values that lag the book's index put in, where they do).

Every stage runs over the events after the set-up (the set-up is applied first, not
timed), with the collector as the run loops set it (``solvent.monitor.heap.QuietHeap``).
Each stage's CPU is that of this process (``time.process_time``). ``--paired-with`` runs
it with another checkout's ``src`` and with this one, ``--repeat`` pairs, the order
alternated within the pairs (other this, this other, ...; each row and the summary say which
ran first; ``--dry-run`` prints the order only), and prints each stage's ratio this/other
pair by pair (the machine's speed drifts between runs: compare within a pair).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import monitor_scale as ms  # noqa: E402

BATCH = 1000  # lines a shard reads at once (the run loop's XREADGROUP count)


class _Client:
    """The shard's Redis client, reduced to what it sends: the record entries."""

    def __init__(self) -> None:
        self.entries: list[bytes] = []

    def xadd(self, _name: str, fields: dict[str, bytes]) -> None:
        self.entries.append(fields["rs"])


class _Source:
    def __init__(self, k: int, n: int) -> None:
        from solvent.monitor.shard import ShardName

        self.shard, self.routed, self.base = ShardName(k, n), True, ms.STREAM
        self.client = _Client()


def _timed(fn: Any) -> float:
    from solvent.monitor.heap import QuietHeap

    with QuietHeap() as heap:
        c = time.process_time()
        fn(heap)
        return time.process_time() - c


def stages(accounts: int, events: int, shards: int) -> dict[str, Any]:
    from solvent.models import perp_isolated
    from solvent.monitor.aggregate import Aggregator, _records
    from solvent.monitor.core import Monitor, Options
    from solvent.monitor.shard import Shard, owner

    lines, setup = ms.venue(accounts, events)
    spec = perp_isolated.build(
        name="venue", accounts=accounts, initial_margin="0.10",
        maintenance_margin="0.08", max_move="0.08",
    )  # fmt: skip
    res: dict[str, Any] = {"events": len(lines) - setup, "load": ms.load()}
    m = Monitor(spec, ms.USED, Options(detector="none", distance="closed"))
    for line in lines[:setup]:
        m.feed(line)

    def single(heap: Any) -> None:
        for i in range(setup, len(lines), BATCH):
            for line in lines[i : i + BATCH]:
                m.feed(line)
            heap.read(BATCH)

    res["single"] = _timed(single)
    assert m.book is not None
    res["distance"] = float(m.book.distance(m.price()).value or 0)
    routed: list[list[bytes]] = [[] for _ in range(shards)]
    for line in lines:
        d = json.loads(line)
        for k in [owner(d["account"], shards)] if "account" in d else range(shards):
            routed[k].append(line)
    entries = []
    for k in range(shards):
        mk = Monitor(spec, ms.USED, Options(detector="none", distance="none"))
        sh = Shard(_Source(k, shards))  # type: ignore[arg-type]
        own_setup = sum(1 for x in routed[k] if json.loads(x)["seq"] <= setup)
        for line in routed[k][:own_setup]:
            sh.feed(mk, line)
        sh.flush()
        first = list(sh.client.entries)
        sh.client.entries.clear()
        rest = routed[k][own_setup:]

        def shard(heap: Any, sh: Any = sh, mk: Any = mk, rest: list[bytes] = rest) -> None:
            for i in range(0, len(rest), BATCH):
                for line in rest[i : i + BATCH]:
                    sh.feed(mk, line)
                sh.flush()
                heap.read(BATCH)
            sh.mark()

        res[f"shard {k}/{shards}"] = _timed(shard)
        res[f"shard {k}/{shards} lines"] = len(rest)
        res[f"shard {k}/{shards} bytes sent"] = sum(map(len, sh.client.entries))
        entries.append((first, list(sh.client.entries)))
    agg = Aggregator(spec, ms.USED, shards, Options())
    for k in range(shards):
        for e in entries[k][0]:
            for r in _records({b"rs": e}):
                agg.add(k, r)
    agg.drain()
    agg.sync()
    fast, sync, spent = agg.fast, agg.fast.sync, [0.0]

    def timed_sync(limit: int | None = None) -> None:
        c = time.process_time()
        sync(limit)
        spent[0] += time.process_time() - c

    fast.sync = timed_sync  # type: ignore[method-assign]

    add_all = getattr(agg, "add_all", None)

    def aggregate(heap: Any) -> None:
        for i in range(max(len(e[1]) for e in entries)):
            got = 0
            for k in range(shards):
                if i < len(entries[k][1]):
                    recs = _records({b"rs": entries[k][1][i]})
                    if add_all is not None:  # an entry's records at once, as run_aggregate
                        add_all(k, recs)  # adds them (round 22; before, one add each)
                    else:
                        for r in recs:
                            agg.add(k, r)
                    got += len(recs)
            heap.read(got)
            agg.drain()

    res["aggregator"] = _timed(aggregate)
    res["aggregator catch_up"] = spent[0]
    res["aggregator catch_up left at the end"] = _timed(lambda _heap: sync())
    if hasattr(fast, "fresh"):  # the exact values that lag the index (from round 21)
        res["aggregator exact values at the end"] = _timed(lambda _heap: fast.fresh())
    assert agg.monitor.book is not None
    res["aggregator distance"] = float(agg.monitor.book.distance(agg.monitor.price()).value or 0)
    res["aggregator deferred"] = fast.deferred
    res["all stages"] = res["aggregator"] + sum(res[f"shard {k}/{shards}"] for k in range(shards))
    return res


def paired(other: str, args: argparse.Namespace) -> None:
    here = str(Path(__file__).resolve().parent.parent / "src")
    cmd = [sys.executable, __file__, "--accounts", str(args.accounts), "--events",
           str(args.events), "--shards", str(args.shards)]  # fmt: skip
    runs: dict[str, list[dict[str, Any]]] = {"other": [], "this": []}
    firsts = []
    for pair, order in enumerate(pair_order(args.repeat)):
        firsts.append(order[0])
        for name in order:
            row = {"pair": pair, "first": order[0]}
            if not args.dry_run:
                env = {**os.environ, "PYTHONPATH": other if name == "other" else here}
                out = subprocess.run(cmd, env=env, capture_output=True, check=True, text=True)
                row.update(json.loads(out.stdout.strip().splitlines()[-1]))
            runs[name].append(row)
            print(json.dumps({"run": name, **row}), flush=True)
    if args.dry_run:
        print(json.dumps({"ran_first": firsts}))
        return
    keys = [k for k, v in runs["this"][0].items() if isinstance(v, float) and k != "load"]
    ratios = {
        k: [
            round(t[k] / o[k], 3) if o.get(k) else None
            for t, o in zip(runs["this"], runs["other"], strict=True)
        ]
        for k in keys
        if "distance" not in k
    }
    print(json.dumps({"ratio_this_over_other": ratios, "ran_first": firsts, "load": ms.load()}))


def pair_order(repeat: int) -> list[tuple[str, str]]:
    """The order of the two runs of each pair, alternated (other this, this other, ...):
    whichever runs first in a pair runs on a machine the other has not yet warmed or
    loaded, so a fixed order biases every ratio the same way."""
    return [("other", "this") if i % 2 == 0 else ("this", "other") for i in range(repeat)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--events", type=int, default=20_000)
    ap.add_argument("--shards", type=int, default=2)
    ap.add_argument("--paired-with", metavar="SRC", help="another checkout's src, alternated")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--dry-run", action="store_true", help="with --paired-with: print the order, run nothing"
    )
    args = ap.parse_args()
    if args.paired_with:
        paired(args.paired_with, args)
        return 0
    print(json.dumps(stages(args.accounts, args.events, args.shards)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
