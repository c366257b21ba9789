"""`solvent conform`: drive the spec and an implementation through the same traces.

This is testing, not a proof: the verdict says how many traces and steps agreed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sized
from dataclasses import dataclass, field
from typing import Any

from solvent.conform.adapter import check_adapter, field_decimals
from solvent.conform.batch import BATCH, Item, batchable, chunks_of
from solvent.conform.compare import Comparer, Divergence, Outcome
from solvent.conform.lanewise import compare_traces, lanewise
from solvent.conform.shrink import shrink
from solvent.conform.sources import (
    PATTERNS,
    bmc_traces,
    corner_traces,
    random_items,
    stress_traces,
)
from solvent.engine.trace import Trace
from solvent.spec.spec import Spec

# traces in the first chunk (then 4x larger, up to --batch): a few, so that a bug in the
# first traces is reported at once and --jobs decides early; an adapter with the batch
# methods compares a chunk of 256 about as fast as one of 8 (a step of the lanes costs a
# few milliseconds, whatever its width), so its runs start there
FIRST_CHUNK = 8
FIRST_LANEWISE = 256


@dataclass(frozen=True, slots=True)
class Options:
    """What to run; the CLI flags and ``[tool.solvent.conform]`` keys of the same names."""

    traces: int = 200  # random traces
    steps: int = 12  # steps per random / corner trace
    seed: int = 0
    depth: int | None = None  # bmc counterexamples to this depth (None: no bmc source)
    bmc_timeout: float | None = 60.0
    corners: bool = True
    shrink_budget: int = 400
    scenario: str | None = None  # stress lanes of this scenario (solvent.scenarios)
    lanes: int = 50  # how many of its lanes
    batch: int = BATCH  # fixed-point specs: traces per int64 batch of the spec (0: judge only)
    jobs: int = 1  # worker processes (0: every core); needs the spec and adapter by reference
    lanewise: bool = True  # use the adapter's batch methods when it has them (with batch > 0)


@dataclass(slots=True)
class ConformResult:
    spec: str
    traces: int = 0
    steps: int = 0
    compared: list[str] = field(default_factory=list)
    sources: dict[str, int] = field(default_factory=dict)
    divergence: Divergence | None = None  # shrunk
    original: Divergence | None = None  # as found
    source: str | None = None  # which trace diverged
    shrink_runs: int = 0
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return 0 if self.divergence is None else 1

    @property
    def verdict(self) -> str:
        return "PASS" if self.divergence is None else "FAIL"

    def message(self) -> str:
        if self.divergence is None:
            return (
                f"{self.traces} traces, {self.steps} steps agree with the spec on "
                f"{', '.join(self.compared) or 'nothing (observe() returned no field)'}; "
                "this is testing, not a proof"
            )
        d = self.divergence
        spec_v, impl_v = d.values()
        return (
            f"implementation diverges from the spec at step {d.step} of a "
            f"{len(d.trace.steps)}-step trace: {d.what} is {impl_v}, the spec says {spec_v}"
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "schema": "solvent-conform/1",
            "verb": "conform",
            "spec": self.spec,
            "verdict": self.verdict,
            "exit_code": self.exit_code,
            "message": self.message(),
            "traces": self.traces,
            "steps": self.steps,
            "compared": self.compared,
            "sources": self.sources,
            "seconds": round(self.seconds, 3),
            "note": "testing, not a proof: only the traces run were compared",
        }
        if self.divergence is not None:
            out["divergence"] = self.divergence.to_json()
            out["found_in"] = self.source
            out["found_at_step"] = self.original.step if self.original else None
            out["shrink_runs"] = self.shrink_runs
            out["counterexample"] = conform_trace(self).to_json()
        return out


def conform_trace(result: ConformResult) -> Trace:
    """The shrunk diverging trace, with what diverged in its meta (replay/conform read it)."""
    d = result.divergence
    assert d is not None
    spec_v, impl_v = d.values()
    meta = dict(d.trace.meta)
    meta.update(
        {
            "source": f"solvent conform ({result.source})",
            "divergence": {
                "step": d.step,
                "what": d.what,
                "spec": spec_v,
                "implementation": impl_v,
            },
        }
    )
    t = d.trace
    return Trace(t.spec, t.accounts, t.init, t.steps, t.params, meta)


def all_traces(
    spec: Spec, opts: Options, files: Iterable[tuple[str, Trace]] = ()
) -> Iterator[tuple[str, str, Item]]:
    """(source kind, label, trace): files, bmc counterexamples, then corner paths, stress
    lanes and random paths taking turns."""
    for label, trace in files:
        yield "file", label, trace
    if opts.depth is not None:
        for prop, trace in bmc_traces(spec, opts.depth, opts.bmc_timeout):
            yield "bmc", f"bmc counterexample of {prop}", trace
    # corner, stress and random traces interleaved: each kind gets its chance early
    kinds: list[tuple[str, Iterator[tuple[str, Item]]]] = []
    if opts.corners and spec.bounds:
        kinds.append(("corner", _labelled(corner_traces(spec, opts.steps, opts.seed))))
    if opts.scenario is not None:
        stress = stress_traces(spec, opts.scenario, opts.lanes, opts.steps, opts.seed)
        kinds.append(("stress", _labelled(stress)))
    kinds.append(("random", random_items(spec, opts.traces, opts.steps, opts.seed)))
    while len(kinds) > 1:
        for kind, it in list(kinds):
            drawn = next(it, None)
            if drawn is None:
                kinds.remove((kind, it))
            else:
                yield kind, drawn[0], drawn[1]
    for kind, it in kinds:  # the last kind left (the random traces): no more turns to take
        for label, item in it:
            yield kind, label, item


def _labelled(traces: Iterator[Trace]) -> Iterator[tuple[str, Item]]:
    for trace in traces:
        yield str(trace.meta["source"]), trace


def conform(
    spec: Spec,
    adapter: Any,
    opts: Options | None = None,
    files: Iterable[tuple[str, Trace]] = (),
    traces: Iterable[Trace] | None = None,
    refs: tuple[str, str] | None = None,
) -> ConformResult:
    """Compare ``adapter`` with ``spec`` on the traces of ``opts`` (or exactly ``traces``).

    ``refs``: (spec target, adapter reference) as the command line gives them; with
    ``opts.jobs != 1`` worker processes load them to compare chunks of traces at once.
    """
    opts = opts or Options()
    check_adapter(adapter, type(adapter).__name__)
    start = time.perf_counter()
    comparer = Comparer(spec, adapter, field_decimals(adapter, spec))
    result = ConformResult(spec.name)
    if traces is not None:
        source: Iterable[tuple[str, str, Item]] = (
            ("given", f"trace #{i + 1}", t) for i, t in enumerate(traces)
        )
    else:
        source = all_traces(spec, opts, files)
    batch = opts.batch if batchable(spec) else 0
    from solvent.conform.parallel import jobs_for

    jobs = jobs_for(opts.jobs)
    if traces is not None:
        expected = len(traces) if isinstance(traces, Sized) else None
    else:
        expected = opts.traces + (len(PATTERNS) * 2 if opts.corners and spec.bounds else 0)
        expected += opts.lanes if opts.scenario is not None else 0
    compared = _compared(spec, comparer, source, batch, jobs, refs, opts.lanewise, expected)
    for kind, label, _trace, outcome in compared:
        result.traces += 1
        result.sources[kind] = result.sources.get(kind, 0) + 1
        result.steps += outcome.steps
        if outcome.divergence is not None:
            result.source = label
            result.original = outcome.divergence
            result.divergence, result.shrink_runs = shrink(
                spec, outcome.divergence, lambda t: comparer.run(t).divergence, opts.shrink_budget
            )
            break
    result.compared = [c for c in spec.fields if c in comparer.compared]
    result.compared += sorted(c for c in comparer.compared if c not in spec.fields)
    result.seconds = time.perf_counter() - start
    return result


def _compared(
    spec: Spec,
    comparer: Comparer,
    source: Iterable[tuple[str, str, Item]],
    batch: int,
    jobs: int = 1,
    refs: tuple[str, str] | None = None,
    use_batch: bool = True,
    expected: int | None = None,
) -> Iterator[tuple[str, str, Item, Outcome]]:
    """Each trace of ``source`` with its comparison, in ``source``'s order; with
    ``jobs > 1`` and ``refs`` (spec target, adapter reference) in worker processes."""
    errors: list[Exception] = []
    first = FIRST_LANEWISE if batch > 0 and use_batch and lanewise(comparer) else FIRST_CHUNK

    def chunks() -> Iterator[list[tuple[str, str, Item]]]:
        for chunk, refused in chunks_of(spec, source, batch, first):
            if refused is not None:
                errors.append(refused)
            yield chunk
            if refused is not None:
                return

    def here(chunk: list[tuple[str, str, Item]]) -> Iterator[tuple[str, str, Item, Outcome]]:
        traces = [t for _, _, t in chunk]
        for (kind, label, trace), outcome in zip(
            chunk, compare_traces(spec, comparer, traces, batch, use_batch), strict=False
        ):
            yield kind, label, trace, outcome

    it = chunks()
    if jobs > 1 and refs is not None:
        # in this process first: workers only when the work left outweighs their start
        from solvent.conform.parallel import parallel_outcomes, worth_workers

        done, full = 0, max(batch, first)
        for chunk in it:
            cpu = time.process_time()
            yield from here(chunk)
            cpu = time.process_time() - cpu
            done += len(chunk)
            left = None if expected is None else expected - done
            if worth_workers(cpu, len(chunk), len(chunk) >= full, left, jobs):
                yield from parallel_outcomes(it, comparer, refs[0], refs[1], batch, jobs, use_batch)
                break
    else:
        for chunk in it:
            yield from here(chunk)
    if errors:
        raise errors[0]
