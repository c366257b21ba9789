"""Evaluate the monitor's anomaly detectors on the historical crash windows.

    python benchmarks/monitor_anomaly.py [--out benchmarks/results/monitor_anomaly.md]

Each 1-minute BTCUSDT perpetual file of ``shared/data`` is converted to price events
exactly as ``solvent monitor-convert`` does (open, low/high, close per bar) and fed to a
fresh :class:`solvent.monitor.anomaly.Detector` (the one ``solvent monitor`` runs).

Labels come from the data, not from the detector: an hour is *abnormal* when one of its
1-minute bars has a high/low range above 1.5%; an *episode* is a maximal run of abnormal
hours, and its worst minute is its bar with the widest range. Then

* **recall**: the share of episodes with an alarm start at or before their worst minute
  (and no earlier than one hour before the episode);
* **precision**: the share of alarm starts that fall inside an episode or in the hour
  before one (an early warning counts as a true alarm);
* **false alarms per calm hour**: alarm starts in hours that are neither abnormal nor
  just before an abnormal hour, per such hour;
* **the two named crashes**: the first alarm before or at 2020-03-12T10:48Z (the worst
  1-minute high-to-low candle of Black Thursday, -16.1%, data README figure 5a) and
  2025-10-10T21:19Z (the worst candle of 2025-10-10, figure 5), and its lead time.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import UTC, datetime

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get("SOLVENT_DATA", os.path.join(HERE, "..", "..", "shared", "data"))
FILES = {
    "btcusdt_perp_1m_2020-03-12.csv": "2020-03-12T10:48:00Z",
    "btcusdt_perp_1m_2025-10-10.csv": "2025-10-10T21:19:00Z",
}
ABNORMAL_RANGE = 0.015
CONFIGS = [("zscore", t) for t in (6.0, 8.0, 10.0, 12.0)] + [("hst", t) for t in (0.8, 0.9, 0.95)]


def _ts(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def labels(path: str) -> tuple[list[tuple[float, float, float]], set[int], set[int]]:
    """(episodes as (start, end, worst-minute ts), abnormal hours, warning hours)."""
    from solvent.scenarios.history import read_bars

    b = read_bars(path)
    ts = b.timestamps / 1e6
    rng = b.high / b.low - 1
    hours = (ts // 3600).astype(int)
    abnormal = sorted({int(h) for h in np.unique(hours) if rng[hours == h].max() > ABNORMAL_RANGE})
    episodes = []
    run: list[int] = []
    for h in abnormal + [None]:  # type: ignore[list-item]
        if run and (h is None or h != run[-1] + 1):
            mask = (hours >= run[0]) & (hours <= run[-1])
            worst = ts[mask][int(np.argmax(rng[mask]))]
            episodes.append((run[0] * 3600.0, (run[-1] + 1) * 3600.0, float(worst)))
            run = []
        if h is not None:
            run.append(h)
    warn = {h - 1 for h in abnormal} - set(abnormal)
    return episodes, set(abnormal), warn


def evaluate(path: str, kind: str, threshold: float) -> dict[str, object]:
    from solvent.monitor.anomaly import Detector
    from solvent.monitor.convert import bar_events
    from solvent.monitor.events import decode

    det = Detector(kind, threshold=threshold)
    starts: list[float] = []
    events = [decode(line) for line in bar_events(path)]
    t0 = time.perf_counter()
    for e, ts in events:
        s = det.price(ts, float(e.price), None)
        if s is not None and s.alarm_started:
            starts.append(ts)
    seconds = time.perf_counter() - t0
    episodes, abnormal, warn = labels(path)
    hours_all = {int(ts // 3600) for _, ts in events}
    calm = hours_all - abnormal - warn
    tp = sum(1 for s in starts if int(s // 3600) in abnormal or int(s // 3600) in warn)
    false_calm = sum(1 for s in starts if int(s // 3600) in calm)
    caught = 0
    for start, _end, worst in episodes:
        if any(start - 3600 <= s <= worst + 59 for s in starts):
            caught += 1
    return {
        "starts": starts, "episodes": episodes, "tp": tp, "alarms": len(starts), "caught": caught,
        "false_calm": false_calm, "calm_hours": len(calm), "events": len(events), "seconds": seconds,
    }  # fmt: skip


def named(path: str, worst: str, starts: list[float]) -> str:
    w = _ts(worst)
    before = [s for s in starts if w - 3 * 3600 <= s <= w + 59]
    if not before:
        return f"no alarm in the 3 h before {worst}"
    first = before[0]
    return f"first alarm {_iso(first)}, {(w - first) / 60:.1f} min before the worst minute {worst}"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(HERE, "results", "monitor_anomaly.md"))
    args = ap.parse_args()
    rows = []
    details = []
    episodes_default: list[str] = []
    for kind, thr in CONFIGS:
        totals = dict(
            tp=0, alarms=0, caught=0, episodes=0, false_calm=0, calm_hours=0, events=0, seconds=0.0
        )
        notes = []
        for fname, worst in FILES.items():
            r = evaluate(os.path.join(DATA, fname), kind, thr)
            for k in ("tp", "alarms", "caught", "false_calm", "calm_hours", "events", "seconds"):
                totals[k] += r[k]  # type: ignore[operator]
            totals["episodes"] += len(r["episodes"])  # type: ignore[arg-type]
            notes.append(
                f"{fname}: {named(fname and os.path.join(DATA, fname), worst, r['starts'])}"
            )  # type: ignore[arg-type]
        precision = totals["tp"] / totals["alarms"] if totals["alarms"] else float("nan")
        recall = totals["caught"] / totals["episodes"] if totals["episodes"] else float("nan")
        fpr = totals["false_calm"] / totals["calm_hours"] if totals["calm_hours"] else float("nan")
        rate = totals["events"] / totals["seconds"]
        rows.append(
            f"| {kind} | {thr:g} | {totals['alarms']} | {precision:.2f} | {totals['caught']}/{totals['episodes']} = {recall:.2f} "
            f"| {totals['false_calm']} in {totals['calm_hours']} h = {fpr:.3f}/h | {rate:,.0f} |"
        )
        details.append((kind, thr, notes))
        if (kind, thr) == ("zscore", 8.0):
            for fname in FILES:
                r = evaluate(os.path.join(DATA, fname), kind, thr)
                for start, end, worst in r["episodes"]:  # type: ignore[union-attr]
                    hit = [s for s in r["starts"] if start - 3600 <= s <= worst + 59]  # type: ignore[union-attr]
                    episodes_default.append(
                        f"| {fname} | {_iso(start)} – {_iso(end)} | {_iso(worst)} | "
                        + (f"yes, {_iso(hit[0])}" if hit else "no")
                        + " |"
                    )
    lines = [
        "# Anomaly detection on historical crash windows",
        "",
        "Command: `python benchmarks/monitor_anomaly.py` "
        f"(run {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores shared with other jobs; load average {os.getloadavg()[0]:.1f}).",
        "",
        "Data: the 1-minute BTCUSDT perpetual files of `shared/data` (2020-03-12/13, 2,880 bars; "
        "2025-10-10 18:00 to 2025-10-11 06:00, 721 bars), converted to 4 price events per bar as "
        "`solvent monitor-convert` does. Labels are computed from the data (see the script's docstring): "
        f"an hour is abnormal when one of its bars ranges more than {ABNORMAL_RANGE:.1%} high to low; "
        "episodes are runs of abnormal hours; calm hours are the others, except the hour just before an "
        "episode.",
        "",
        "| detector | threshold | alarms | precision | recall (episodes caught at or before their worst minute) | false alarms in calm hours | events/s |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
        "## The two named crashes",
        "",
    ]
    for kind, thr, notes in details:
        lines.append(f"- **{kind} {thr:g}**: " + "; ".join(n.split(": ", 1)[1] for n in notes))
    lines += [
        "",
        "## Episodes and the default detector (zscore, 8)",
        "",
        "| file | episode (abnormal hours) | worst minute | alarm at or before it |",
        "| --- | --- | --- | --- |",
        *episodes_default,
        "",
        "Reading: precision here is conservative for 2020-03-13, a day of abnormal hours almost throughout, "
        "and recall counts each episode once, however long. The two episodes the default misses (2020-03-12 17:00 and 2020-03-13 11:00-22:00) come after Black Thursday's crash had inflated the learned variance: the zscore detector learns from the whole stream and never forgets, which is what keeps it quiet in calm hours after a crash too. The default (`zscore`, threshold 8) is the "
        "setting `solvent monitor` uses; the tests in `tests/monitor/test_monitor_anomaly.py` check its alarm on the "
        "two named crashes.",
        "",
    ]
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
