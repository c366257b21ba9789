"""`solvent stress`: run a spec over many sampled paths and report tail-risk metrics.

Flow: check the options against the spec, compile the step (or fall back to NumPy lanes),
cut the paths into seeded blocks (:mod:`solvent.stress.blocks`), run the blocks in this
process, in worker processes or on a Dask cluster (results are merged in block order, so
the numbers do not depend on how the work was split), checkpoint finished blocks, then
re-run the flagged lanes exactly on the concrete backend and compute the metrics.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from solvent.integrity import state_key
from solvent.spec.spec import Spec
from solvent.stress import budget
from solvent.stress.checkpoint import Checkpoint
from solvent.stress.exact import lane_trace
from solvent.stress.execute import _chunks, _lanes_engine, dask_config, execute
from solvent.stress.headline import assess
from solvent.stress.headline import verdict as assess_verdict
from solvent.stress.metrics import clopper_pearson, combine, histogram, tail
from solvent.stress.options import (
    CheckpointError,
    Progress,
    SchedulerError,
    StressEnvelopeError,
    StressError,
    StressFieldError,
    StressOptions,
    StressResult,
)
from solvent.stress.plan import _check_initials, _describe, prepare, run_hash
from solvent.stress.worst import worst_paths

__all__ = [  # the stress API (its parts live in the modules named above)
    "Checkpoint", "CheckpointError", "Progress", "SchedulerError", "StressEnvelopeError",
    "StressError", "StressFieldError", "StressOptions", "StressResult", "_chunks",
    "_lanes_engine", "dask_config", "execute", "lane_trace", "prepare", "run_hash", "stress",
    "worst_paths",
]  # fmt: skip


def stress(
    spec: Spec,
    scenario: Any,
    population: Any,
    opts: StressOptions,
    progress: Progress | None = None,
) -> StressResult:
    """Run the stress simulation; see the module docstring."""
    t0 = time.perf_counter()
    until = budget.deadline(opts.timeout)  # --timeout: the whole run's deadline
    if until is not None:  # what the metrics import runs before the deadline, not after it
        clopper_pearson(0, 1)
    progress = progress or Progress()
    spec, job, decls, notes, engine_name = prepare(spec, scenario, population, opts)
    timings: dict[str, float] = {}
    lanes_engine = meanwhile = compiling = None
    if engine_name == "kernel":
        from solvent.stress.loader import start

        assert job.kernel is not None  # prepare() builds the kernel the engine runs
        tc = time.perf_counter()
        loaded, compiling = start(job.kernel, until)  # a cold one: in a child process
        timings["kernel_load"] = time.perf_counter() - tc
        if compiling is not None:  # the NumPy lanes run blocks until it is compiled
            meanwhile = _lanes_engine(spec, decls, opts.equity_metric, until)
    else:
        loaded = True
        lanes_engine = _lanes_engine(spec, decls, opts.equity_metric, until)
        if opts.workers > 1 or opts.scheduler:
            notes.append(
                "the NumPy-lanes engine runs in this process only; --workers/--scheduler ignored"
            )
    if opts.oracle_delay and job.oracle_names:
        notes.append(
            f"oracle delay {opts.oracle_delay}: the spec's oracle update "
            f"{', '.join(job.oracle_names)} is offered a run only at steps t with t % "
            f"{opts.oracle_delay + 1} == 0, and runs anyway once stale as long as its "
            "declaration allows (within=K): a scenario of the declaration"
        )
    elif opts.oracle_delay:
        notes.append(
            f"oracle delay {opts.oracle_delay}: the oracle publishes every {opts.oracle_delay + 1} steps; in "
            "between, keepers and invariants see the last published price"
        )
    if opts.keeper_outage or opts.keeper_delay:
        notes.append(
            "keepers run only at steps t with t % "
            + str(opts.keeper_delay + 1)
            + " == 0"
            + (
                f" and not in steps {opts.outage_start}..{opts.outage_start + opts.keeper_outage - 1}"
                if opts.keeper_outage
                else ""
            )
        )
    out_of_time = not loaded and meanwhile is None  # nothing can run: the deadline passed
    try:
        if spec.initials and not out_of_time:
            try:
                _check_initials(spec, job, lanes_engine or meanwhile)
            except budget.OutOfTime:  # the NumPy lanes' probe of the initial states ran out
                out_of_time = True
        digest = run_hash(spec, job)
        ckpt = Checkpoint(opts.checkpoint_dir, digest, opts.resume, state_key(opts.state_key_file))
    except BaseException:
        if compiling is not None:  # a refused run leaves no compiler behind
            compiling.stop()
        raise
    if ckpt.done:
        notes.append(f"resumed: {len(ckpt.done)} of {job.n_blocks} blocks were already done")
    tr, cpu = time.perf_counter(), time.process_time()
    halted: str | None
    if out_of_time:
        halted = "timeout"
        if compiling is not None:
            compiling.stop()
    elif compiling is not None:
        from solvent.stress import coldstart

        halted, job, note = coldstart.run(job, ckpt, opts, progress, meanwhile, compiling, until)
        notes.append(note)
        engine_name = "kernel" if job.kernel is not None else "lanes"
    else:
        halted = execute(job, ckpt, opts, progress, lanes_engine, until)
    finished = halted is None
    timings["simulate"] = time.perf_counter() - tr
    timings["simulate_cpu"] = time.process_time() - cpu  # this process only (not workers)
    describe = _describe(scenario)
    summaries = list(ckpt.done.values())
    tot = combine(summaries, len(decls))
    n = tot["paths"]
    names = [d.name for d in decls]
    lemmas = {d.name for d in spec.lemmas}
    invariants = {x for x in names if x not in lemmas and x != "int64_overflow"}
    certain = tot["certain"]
    certain_by: dict[str, int] = {}
    for _p, _t, k in certain:
        certain_by[names[k]] = certain_by.get(names[k], 0) + 1
    # a lane whose certain first violation is a lemma's: are the invariants broken later?
    # The float64 run checks them on (INV); re-run exactly only where not certain
    later = {p: t for p, t, _k in tot["inv_settled"]}
    lemma_first = [c for c in certain if names[c[2]] not in invariants] if invariants else []
    recheck = [c for c in lemma_first if c[0] not in later]
    certain_later = sum(1 for c in lemma_first if later.get(c[0], -1) >= 0)
    lanes = tot["lanes"] + [[p, job.steps, k, 2 * job.steps + 2] for p, _t, k in recheck]
    conf: dict[str, Any] = {
        "checked": 0,
        "confirmed": 0,
        "unconfirmed": 0,
        "by_property": {},
        "invariant_violations": 0,
        "sample": 0,
        "sample_invariant": 0,
        "refuted": [],
        "refuted_by_property": {},
        "seconds": 0.0,
        "stopped": None,
        "traces": [],
    }
    flagged = tot["fail"]
    rerun = len(lanes)  # undecided, or certain lemma violations (for the invariants)
    if finished:
        from solvent.stress.confirm import confirm_lanes

        tc = time.perf_counter()
        conf = confirm_lanes(
            spec, job, lanes, opts, describe, decls, progress, invariants, certain,
            frozenset(p for p, _t, _k in recheck), until,
        )  # fmt: skip
        timings["confirm"] = time.perf_counter() - tc
        if conf["stopped"] != "interrupted":
            ckpt.remove()
    # settled: certain violations (by the bounds) and exact re-runs (not the lemma rechecks,
    # lanes already settled as certain); "rerun" keeps its meaning: flagged or undecided
    settled = {
        "rerun": len(certain) + len(tot["lanes"]),
        "checked": len(certain) + conf["checked"] - conf.get("lemma_rechecked", 0),
        "confirmed": len(certain) + conf["confirmed"],
        "stopped": conf["stopped"],
    }
    unchecked = settled["rerun"] - settled["checked"]
    certified = n - (len(tot["lanes"]) - tot["undecided_excluded"])
    if tot["excluded"]:
        notes.append(
            f"{tot['excluded']} sampled initial states broke the spec's @initial conditions "
            f"and were skipped; the metrics cover the other {n} paths"
        )
    metrics: dict[str, Any] = {
        "paths": n,
        "excluded_initial": tot["excluded"],
        "steps": job.steps,
        "accounts": job.accounts,
        "beyond_envelope": tot["beyond"],
        "flagged_beyond_envelope": tot["fail_beyond"],
        "flagged_inside_envelope": tot["fail_inside"],
        "flagged_inside_paths": tot["fail_inside_paths"],
    }
    notes.extend(envelope_notes(tot, spec))
    if "int64_overflow" in [d.name for d in decls]:  # fixed point (solvent.stress.grid)
        metrics["overflow_lanes"] = tot["fail_by_prop"][
            [d.name for d in decls].index("int64_overflow")
        ]
    metrics["p_insolvency"] = assess(
        conf, rerun, n, dict(zip(names, tot["fail_by_prop"], strict=True)), certain_by, invariants,
        certain_later,
    )  # fmt: skip
    if "bad_debt_sum" in tot:
        var, es = tail(tot["bad_debt_nonzero"], n)
        nz = tot["bad_debt_nonzero"]
        metrics["bad_debt"] = {
            "mean": tot["bad_debt_sum"] / n if n else 0.0,
            "var_99": var,
            "es_975": es,
            "max": float(nz.max()) if len(nz) else 0.0,
            "paths_with_bad_debt": int((nz > 0).sum()),
            "histogram": histogram(nz, n),
        }
    else:
        metrics["bad_debt"] = None
    if "ins_start_sum" in tot:
        steps_ex = tot["ins_exhausted_steps"]
        metrics["insurance"] = {
            "mean_start": tot["ins_start_sum"] / n if n else 0.0,
            "mean_drawdown": tot["ins_draw_sum"] / n if n else 0.0,
            "mean_drawdown_fraction": tot["ins_draw_rel_sum"] / n if n else 0.0,
            "max_drawdown": tot["ins_draw_max"],
            "exhausted_paths": int(len(steps_ex)),
            "p_exhausted": len(steps_ex) / n if n else 0.0,
            "time_to_exhaustion_median": float(np.median(steps_ex)) if len(steps_ex) else None,
            "time_to_exhaustion_mean": float(steps_ex.mean()) if len(steps_ex) else None,
        }
    else:
        metrics["insurance"] = None
    for name in ("liquidations", "adl"):
        if f"{name}_sum" in tot:
            metrics[name] = {
                "total": tot[f"{name}_sum"],
                "mean": tot[f"{name}_sum"] / n if n else 0.0,
                "paths": tot[f"{name}_lanes"],
            }
        else:
            metrics[name] = None
    if "cover2_sum" in tot:
        metrics["cover2"] = {
            "mean": tot["cover2_sum"] / n if n else 0.0,
            "max": tot["cover2_max"],
            "exceeds_insurance": tot.get("cover2_exceeds"),
        }
    else:
        metrics["cover2"] = None
    worst: list[dict[str, Any]] = []
    if finished and tot.get("worst") and budget.passed(until):
        notes.append("the worst paths were not replayed: the run's --timeout ran out")
    elif finished and tot.get("worst"):
        tw = time.perf_counter()
        worst = worst_paths(spec, job, tot["worst"], opts)
        timings["worst_paths"] = time.perf_counter() - tw
        metrics["insurance_paths"] = [w.pop("insurance") for w in worst if "insurance" in w]
    if halted == "timeout":
        verdict = "UNKNOWN"
        notes.append(
            f"--timeout {opts.timeout:g} s ran out while simulating: {n:,} of {opts.paths:,} "
            f"paths simulated ({len(ckpt.done)} of {job.n_blocks} blocks), none re-run "
            "exactly; the metrics cover those paths and no violation is counted; the "
            "finished blocks are kept: run again with --resume and a larger --timeout to finish"
        )
    elif not finished:
        verdict = "INTERRUPTED"
        notes.append(
            f"interrupted (Ctrl-C): {len(ckpt.done)} of {job.n_blocks} blocks kept; metrics cover "
            f"{n} paths; run again with --resume to finish"
        )
    else:
        verdict, more = assess_verdict(settled, settled["rerun"])
        more.extend(_refuted_notes(conf))
        left = len(recheck) - conf.get("lemma_rechecked", 0)
        if left and conf["stopped"] is not None:
            more.append(
                f"{left:,} lanes whose first violation (certain) is a lemma's were not re-run "
                f"for their invariants ({conf['stopped']}); the float64 run could not settle "
                "their invariants (a decision within its error bound), so they count only in "
                "the upper end of P(insolvency) and in its sampled estimate"
            )
        notes.extend(more)
        if conf["stopped"] == "interrupted":
            notes.append(
                "the exact re-runs were interrupted (Ctrl-C); the simulated blocks are kept: "
                "run again with --resume to re-run the flagged lanes"
            )
    return StressResult(
        spec=spec.name, scenario=describe,
        options={"paths": opts.paths, "steps": job.steps, "seed": opts.seed, "accounts": job.accounts,
                 "block": job.block, "keeper_delay": opts.keeper_delay, "keeper_outage": opts.keeper_outage,
                 "outage_start": opts.outage_start, "oracle_delay": opts.oracle_delay,
                 "population": None if population is None else population.describe(),
                 "action_rate": job.action_rate,
                 "actions": list(dict.fromkeys(a.name for a in job.actions))},
        verdict=verdict, metrics=metrics,
        confirmation={"flagged": flagged, "undecided": tot["undecided"], "rerun": settled["rerun"],
                      "certified": certified, "checked": settled["checked"], "confirmed": settled["confirmed"],
                      "unconfirmed": conf["unconfirmed"], "unchecked": unchecked, "stopped": conf["stopped"],
                      "seconds": conf["seconds"], "certain": len(certain),
                      "certain_by_property": certain_by, "lemma_rechecked": len(recheck),
                      "invariant_after_lemma_certain": certain_later,
                      "exact_reruns": conf["checked"], "sample": conf["sample"], "refuted": conf["refuted"],
                      "refuted_by_property": conf["refuted_by_property"]},
        notes=notes, engine=engine_name, seconds=time.perf_counter() - t0, timings=timings,
        traces=conf["traces"], interrupted=halted == "interrupted" or conf["stopped"] == "interrupted", blocks_done=len(ckpt.done), blocks_total=job.n_blocks,
        worst=worst,
    )  # fmt: skip


def _refuted_notes(conf: dict[str, Any]) -> list[str]:
    """Why flagged lanes that the exact re-run refuted are not violations."""
    out = []
    for name, k in sorted(conf.get("refuted_by_property", {}).items(), key=lambda x: str(x)):
        what = (
            f"broke {name}" if name != "(undecided)" else "made a decision within its error bound"
        )
        out.append(
            f"{k:,} lane(s) whose float64 run {what} hold exactly: the float64 value crossed "
            "the boundary within its rounding-error bound, and the exact re-run (the judge) "
            "breaks nothing on them; they are not counted (confirmation.refuted lists them)"
        )
    return out


def envelope_notes(tot: dict[str, Any], spec: Spec) -> list[str]:
    """Whether the flagged paths stayed inside the spec's envelope up to their failure:
    bmc and prove cover only such paths, so a failure beyond it is no contradiction of a
    proof, and one inside it (confirmed) is, unless the run starts elsewhere."""
    if not tot["fail"]:
        return []
    env = ", ".join(f"{name} in {d}" for name, d in spec.bounds.items())
    inside = tot["fail_inside"]
    if not inside:
        return [
            f"every one of the {tot['fail']:,} flagged paths left the spec's envelope ({env}) "
            "at or before its failing step: a move larger than the spec allows, beyond what "
            "bmc and prove check; a violation there does not contradict a proof of the spec"
        ]
    shown = ", ".join(str(p) for p in tot["fail_inside_paths"][:5])
    return [
        f"{inside:,} of the {tot['fail']:,} flagged paths failed with every move up to the "
        f"failure inside the spec's envelope ({env}; e.g. path {shown}): a confirmed one "
        "contradicts a proof of the spec (prove PASS), unless the run starts from states the "
        "spec does not (a drawn population: --population none uses the spec's own)"
    ]
