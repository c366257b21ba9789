"""The monitor's start-up at venue scale: wall time from the command to its first event.

    python benchmarks/monitor_startup.py [--accounts 1000,10000,100000] [--repeat 3]
        [--paired-with OTHER/src] [--only single,loaded,shard,aggregate,first,proved,priced]
        [--cap SECONDS] [--phases]

Runs ``solvent`` as a user does (``python -m solvent``, a new process each time, the
spec in a file) on the venue of ``benchmarks/monitor_scale.py`` (isolated perp,
maintenance 8%, envelope +-8%; ``--no-prove``, ``--detector none``) and times, from the
process start to its exit:

* ``single``: ``solvent monitor SPEC --source FIRST --max-events 1`` on the venue's
  first line (a price event): start-up to the first processed event (that event is
  the one the first audit of the invariants runs at);
* ``loaded``: the same on the venue's set-up (the price, the fund and one line per
  account, ``accounts + 2`` lines): start-up to every account loaded;
* ``shard``: ``solvent monitor --group G --consumer 0/2 --max-events 1`` on a Redis
  stream holding the set-up (a private redis-server): a shard's start-up to its first
  event;
* ``aggregate``: ``solvent monitor-aggregate --shards 1 --idle-exit 0.5`` over the records
  one shard wrote for the set-up's first line: start-up, the first record, then the
  0.5 s of idleness that ends it (the same in both trees of a pair);
* ``first``: as a user starts a venue's monitor: the set-up then the venue's first
  event after it (``accounts + 3`` lines), ``--no-prove``;
* ``proved``: the same with the proof at start (the default: no ``--no-prove``);
* ``priced``: as ``first``, through the venue's first price event after the set-up (the
  first event that reads the book's index: from round 21 the set-up's insertions wait
  for it, ``monitor/bulk_index.py``, so ``first`` alone would leave them out).

Each row gives the wall and the CPU seconds (user + system of the process and its
children: the proof runs in a forked process). ``--cap`` kills a run at that many
seconds (shown as ``>CAP``). ``--phases`` instead times, in this process and this tree,
the parts of the start of ``first``/``proved``: building the spec, the proof (with
``--only proved``), the
monitor's set-up (``Monitor()``), the first line (the first audit), the set-up's account
lines, the first event after them and the events through the first price after them,
each as wall and CPU.

With ``--paired-with`` each measurement alternates the other tree's ``src`` and this
one's, ``--repeat`` times, and prints the ratio other/this per pair (the machine is
shared: the ratio in one run is the figure to read, with ``uptime``'s load).
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# the tree measured: this one, or BENCH_SRC (``--phases`` of another tree)
SRC = os.environ.get("BENCH_SRC") or str(HERE.parent / "src")
sys.path.insert(0, str(HERE))
sys.path.insert(0, SRC)

SPEC = """from solvent.models import perp_isolated

venue = perp_isolated.build(
    name="venue", accounts={n}, initial_margin="0.10", maintenance_margin="0.08",
    max_move="0.08",
)
"""
COMMON = ["--no-prove", "--detector", "none", "--quarantine", os.devnull]
CAP: float | None = None  # --cap: seconds after which a run is killed


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(src: str, args: list[str]) -> float:
    return timed_cpu(src, args)[0]


def timed_cpu(src: str, args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of ``solvent ARGS`` run from ``src``; wall ``inf`` when
    ``--cap`` killed it."""
    env = {**os.environ, "PYTHONPATH": src}
    c0, t0 = children_cpu(), time.perf_counter()
    try:
        out = subprocess.run(
            [sys.executable, "-m", "solvent", *args], env=env, capture_output=True, text=True,
            timeout=CAP,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return math.inf, children_cpu() - c0
    took = time.perf_counter() - t0
    if out.returncode not in (0, 1):
        raise SystemExit(f"solvent {' '.join(args)} failed ({out.returncode}):\n{out.stderr}")
    return took, children_cpu() - c0


def phases(
    n: int, spec_file: Path, lines: list[bytes], setup: int, prove: bool, priced: int
) -> None:
    """Wall and CPU of each part of a venue's start, in this process (this tree); the
    proof only with ``prove`` (``--only proved``), else ``--no-prove``'s assumptions."""
    from solvent.monitor.core import Monitor, Options
    from solvent.monitor.runner import assumptions
    from solvent.spec.load import load_spec

    got: list[tuple[str, float, float]] = []

    def part(name: str, fn: Any) -> Any:
        c0, t0 = time.process_time() + children_cpu(), time.perf_counter()
        out = fn()
        got.append((name, time.perf_counter() - t0, time.process_time() + children_cpu() - c0))
        return out

    spec = part("spec", lambda: load_spec(str(spec_file), None))
    used, how = part("proof", lambda: assumptions(spec, None, prove))
    m = part("Monitor()", lambda: Monitor(spec, used, Options(detector="none")))
    part("first line (the audit)", lambda: m.feed(lines[0]))
    part(f"{setup - 1:,} set-up lines", lambda: [m.feed(x) for x in lines[1:setup]])
    part("first event after", lambda: m.feed(lines[setup]))
    part("through the first price", lambda: [m.feed(x) for x in lines[setup + 1 : priced]])
    print(f"| {n:,} | " + " | ".join(f"{w:.2f} / {c:.2f}" for _, w, c in got)
          + f" | {load()} |  <!-- {how} -->", flush=True)  # fmt: skip


class Redis:
    def __init__(self, work: str) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", work],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        self.url = f"redis://127.0.0.1:{self.port}/0"
        import redis

        self.client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                self.client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)

    def add(self, stream: str, lines: list[bytes]) -> None:
        pipe = self.client.pipeline()
        for ln in lines:
            pipe.xadd(stream, {"event": ln})
        pipe.execute()

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait()


def main() -> None:
    from monitor_scale import venue

    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", default="1000,10000,100000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--paired-with", metavar="SRC")
    ap.add_argument("--only", default="single,loaded,shard,aggregate")
    ap.add_argument("--cap", type=float, help="kill a run after this many seconds")
    ap.add_argument("--phases", action="store_true", help="the parts of a start, in process")
    args = ap.parse_args()
    global CAP
    CAP = args.cap
    trees = [("other", args.paired_with), ("this", SRC)] if args.paired_with else [("this", SRC)]
    kinds = args.only.split(",")
    work = tempfile.mkdtemp(prefix="monitor_startup_")
    redis = Redis(work) if {"shard", "aggregate"} & set(kinds) and not args.phases else None
    if args.phases:
        print("| accounts | spec | proof | Monitor() | first line (the audit) | set-up lines "
              "| first event after | through the first price | load |\n" + "| --- " * 9 + "|")  # fmt: skip
    else:
        print("| accounts | start-up to | pair | " + " | ".join(f"{t} wall / CPU s" for t, _ in trees)
              + (" | other/this (wall)" if len(trees) == 2 else "") + " | load |")  # fmt: skip
        print("| --- " * (4 + len(trees) + (len(trees) == 2)) + "|")
    try:
        for n in [int(x) for x in args.accounts.split(",")]:
            spec = Path(work, f"venue_{n}.py")
            spec.write_text(SPEC.format(n=n))
            # the events after the set-up through the first price (``first``: one of them)
            lines, setup = venue(n, 20)
            priced = next(i for i in range(setup, len(lines)) if b'"price"' in lines[i]) + 1
            if args.phases:
                phases(n, spec, lines, setup, "proved" in kinds, priced)
                continue
            first, loaded = Path(work, f"first_{n}.jsonl"), Path(work, f"setup_{n}.jsonl")
            first.write_bytes(lines[0] + b"\n")
            loaded.write_bytes(b"\n".join(lines[:setup]) + b"\n")
            after = Path(work, f"after_{n}.jsonl")
            after.write_bytes(b"\n".join(lines[: setup + 1]) + b"\n")
            to_price = Path(work, f"priced_{n}.jsonl")
            to_price.write_bytes(b"\n".join(lines[:priced]) + b"\n")
            stream = f"venue{n}"
            if redis is not None and "shard" in kinds:
                redis.add(stream, lines[:setup])
            for kind in kinds:
                for k in range(args.repeat):
                    got = []
                    for name, src in trees:
                        if kind in ("single", "loaded"):
                            path = first if kind == "single" else loaded
                            cmd = ["monitor", str(spec), "--source", str(path), "--alerts",
                                   os.devnull, "--max-events", str(1 if kind == "single" else setup),
                                   *COMMON]  # fmt: skip
                        elif kind == "priced":
                            cmd = ["monitor", str(spec), "--source", str(to_price), "--alerts",
                                   os.devnull, "--max-events", str(priced), *COMMON]  # fmt: skip
                        elif kind in ("first", "proved"):
                            cmd = ["monitor", str(spec), "--source", str(after), "--alerts",
                                   os.devnull, "--max-events", str(setup + 1),
                                   *(COMMON if kind == "first" else COMMON[1:])]  # fmt: skip
                        else:
                            assert redis is not None
                            group = f"g{n}{kind}{k}{name}"
                            ck = str(Path(work, f"{group}.ck"))
                            shard = ["monitor", str(spec), "--source", redis.url, "--stream",
                                     stream, "--group", group, "--consumer", "0/1", "--checkpoint",
                                     ck, "--max-events", "1", "--alerts", os.devnull, *COMMON]  # fmt: skip
                            if kind == "shard":
                                cmd = shard
                            else:  # a stream of its own, the shard's records (untimed) first
                                own = f"{stream}.{k}{name}"
                                redis.add(own, lines[:setup])
                                shard[shard.index(stream)] = own
                                timed(src, shard)
                                cmd = ["monitor-aggregate", str(spec), "--source", redis.url,
                                       "--stream", own, "--shards", "1", "--idle-exit", "0.5",
                                       "--alerts", os.devnull, "--no-prove"]  # fmt: skip
                        got.append(timed_cpu(src, cmd))
                    cells = [(f"{w:.2f}" if w < math.inf else f">{CAP:g}") + f" / {c:.2f}"
                             for w, c in got]  # fmt: skip
                    if len(got) == 2:
                        ratio = got[0][0] / got[1][0]
                        cells.append(
                            f"{ratio:.2f}" if ratio < math.inf else f">{CAP / got[1][0]:.1f}"
                        )
                    print(f"| {n:,} | {kind} | {k + 1} | " + " | ".join(cells) + f" | {load()} |",
                          flush=True)  # fmt: skip
    finally:
        if redis is not None:
            redis.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
