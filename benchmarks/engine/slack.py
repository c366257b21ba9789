"""The slack search's cost next to the proof's, per spec, paired with a baseline ``src/``.

For each spec: the proof (``decompose.prove_any_accounts``, as ``solvent prove`` runs it,
``--jobs 1``), then the slack search after it (``proof_notes.attributed``), each with its
CPU time (this process) and wall time, and the slack text; the machine's load average
beside them. With ``--baseline SRC`` each spec is run again right after, in a process
with ``PYTHONPATH=SRC`` (the same load), for a CPU ratio.

    python benchmarks/engine/slack.py examples/correct/*.py
    git archive main src | tar -x -C /tmp/base
    python benchmarks/engine/slack.py --baseline /tmp/base/src examples/correct/*.py

``--probe-timeout S`` sets the per-probe wall-clock cap of a tree that has one (main
before round 17: 10 s without ``--timeout``; on a loaded machine it is a fraction of that
in CPU; 60 shows what an idle machine computes within 10). Since round 17 the probes are
capped by Z3's resource counter (``probes.COUNTED_RLIMIT``) and the option does nothing
for this tree.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def one(path: str, probe_timeout: float) -> dict[str, object]:
    """Prove ``path`` and search its slack in this process: times and texts."""
    from solvent.api.verify import load, settings_of
    from solvent.check import decompose, induction, proof_notes

    if hasattr(proof_notes, "SLACK_PROBE_TIMEOUT"):  # a tree whose probes have a clock cap
        proof_notes.SLACK_PROBE_TIMEOUT = probe_timeout
    spec = load(path)
    settings = settings_of({"jobs": 1})
    cpu, wall = time.process_time(), time.perf_counter()
    result = decompose.prove_any_accounts(
        spec,
        induction.prove,
        k=settings.k,
        max_k=settings.effective_max_k,
        timeout=settings.budget,
        witness_depth=settings.witness_depth,
        jobs=1,
    )
    out: dict[str, object] = {
        "verdict": result.verdict,
        "proof_cpu": time.process_time() - cpu,
        "proof_wall": time.perf_counter() - wall,
    }
    if result.verdict == "PASS":
        cpu, wall = time.process_time(), time.perf_counter()
        result = proof_notes.attributed(spec, settings, result)
        out["slack_cpu"] = time.process_time() - cpu
        out["slack_wall"] = time.perf_counter() - wall
        slack = result.details["attribution"]["slack"]
        out["slack"] = " / ".join(s["text"] for s in slack)
    return out


def row(path: str, src: Path, probe_timeout: float) -> dict[str, object]:
    """``one`` in a fresh process reading ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    cmd = [sys.executable, __file__, "--one", path, "--probe-timeout", str(probe_timeout)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    lines = done.stdout.strip().splitlines()
    found = json.loads(lines[-1]) if lines else {"verdict": f"error: {done.stderr[-200:]}"}
    found["load"] = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return found


def _fmt(r: dict[str, object], key: str) -> str:
    value = r.get(key)
    return f"{value:.2f}" if isinstance(value, float) else "-"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("specs", nargs="+")
    ap.add_argument("--baseline", metavar="SRC", help="also run each spec on this src/")
    ap.add_argument("--probe-timeout", type=float, default=10.0)
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.specs[0], args.probe_timeout)))
        return
    trees = [("this", SRC)] + ([("base", Path(args.baseline))] if args.baseline else [])
    print(
        "| spec | src | verdict | proof cpu | proof wall | slack cpu | slack wall | slack | load |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for path in args.specs:
        for label, src in trees:
            r = row(path, src, args.probe_timeout)
            print(
                f"| {Path(path).stem} | {label} | {r['verdict']} | {_fmt(r, 'proof_cpu')} | "
                f"{_fmt(r, 'proof_wall')} | {_fmt(r, 'slack_cpu')} | {_fmt(r, 'slack_wall')} | "
                f"{str(r.get('slack', ''))[:120]} | {r['load']} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
