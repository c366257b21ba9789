"""The invariant's critical alert in process: CPU of a gapped venue whose gaps take accounts
below zero equity (``monitor_alerts.py --below-zero``'s venue, no Redis).

    python benchmarks/monitor_invariant_alert.py [--accounts 5000] [--events 1000] [--gap 0.12]

The venue of ``benchmarks/monitor_scale.py`` (seeded) with every 10th price of its timed
part gapped down ``--gap`` where the crash moves under 1%: each gap breaks the invariant
``solvent`` (accounts below zero equity), the venue's keeper liquidates them one event at
a time, the price comes back. The set-up is applied first (not timed); then each timed
line is fed to ``Monitor.feed`` and its alerts' records made (``to_json``, ``json.dumps``:
what reaching a sink costs, a whole-state report left out, as the run loop writes it
after). Prints one JSON line: the timed part's CPU seconds, the CPU milliseconds of each
event that raised the invariant's alert (p50, max) and its record's bytes, the p99 and max
CPU milliseconds of one event, the lines fed while the invariant was broken (before the
line) and their CPU microseconds a line, the timed lines per CPU second. ``--reports``
also makes each alert's whole-state report record as the run loop writes it after the
alert, timed apart (``reports_cpu_s``, outside ``timed_cpu_s``). Whole-process CPU (set-up included) is for an outside timer.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import monitor_alerts as ma  # noqa: E402
import monitor_scale as ms  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=5_000)
    ap.add_argument("--events", type=int, default=1_000)
    ap.add_argument("--gap", type=float, default=0.12)
    ap.add_argument("--reports", action="store_true",
                    help="make each alert's whole-state report too (timed apart)")  # fmt: skip
    args = ap.parse_args()
    from solvent.monitor.alerts import json_default
    from solvent.monitor.core import Monitor, Options

    lines, setup = ms.venue(args.accounts, args.events, gap_every=10, gap=args.gap)
    spec = ma.spec_of(args.accounts, "0.045")
    m = Monitor(spec, ms.USED, Options(detector="none", distance="closed"))
    for line in lines[:setup]:
        m.feed(line)
    m.flush()
    per: list[float] = []
    onset: list[float] = []
    sizes: list[int] = []
    broken = [0, 0.0]  # the lines fed while the invariant was broken, and their CPU
    reports = [0, 0.0]  # the whole-state reports made (--reports), and their CPU
    start = time.process_time()
    for line in lines[setup:]:
        was = bool(m.violated)
        t0 = time.process_time()
        alerts, _ = m.feed(line)
        docs = [json.dumps(a.to_json(), default=str) for a in alerts]
        t1 = time.process_time()
        per.append(t1 - t0)
        if was:
            broken[0] += 1
            broken[1] += t1 - t0
        for a in alerts if args.reports else ():
            if (report := a.report_json()) is not None:
                json.dumps(report, default=json_default)
                reports[0] += 1
        reports[1] += time.process_time() - t1
        for a, doc in zip(alerts, docs, strict=True):
            if a.kind == "invariant" and a.severity == "critical":
                onset.append(t1 - t0)
                sizes.append(len(doc))
    cpu = time.process_time() - start - reports[1]
    per.sort()
    onset.sort()
    ms_ = lambda xs, q: round(1e3 * xs[min(len(xs) - 1, int(q * len(xs)))], 2) if xs else None  # noqa: E731
    print(json.dumps({
        "accounts": args.accounts, "timed_lines": len(lines) - setup, "timed_cpu_s": round(cpu, 3),
        "invariant_alerts": len(onset), "alert_event_cpu_ms_p50": ms_(onset, 0.5),
        "alert_event_cpu_ms_max": ms_(onset, 1.0), "alert_bytes_max": max(sizes, default=None),
        "event_cpu_ms_p99": ms_(per, 0.99), "event_cpu_ms_max": ms_(per, 1.0),
        "invariant_evals": m.counters.invariant_evals, "broken_lines": broken[0],
        "broken_cpu_us_per_line": round(1e6 * broken[1] / max(1, broken[0]), 1),
        "lines_per_cpu_s": round((len(lines) - setup) / cpu), "reports": reports[0],
        "reports_cpu_s": round(reports[1], 3), "load": ms.load(),
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
