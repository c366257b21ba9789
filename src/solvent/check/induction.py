"""k-induction: PROVED for every path length, a real counterexample, a CTI, or UNKNOWN.

* Base case: no violation in the first ``k - 1`` steps (bounded model checking).
* Inductive step: from an *arbitrary* state where every invariant and lemma held for
  ``k`` consecutive steps, one more step keeps each of them. Each obligation (one
  property, one account) is its own query, so per-account properties stay small.
* Vacuity: the initial state must be satisfiable and every witness reachable within
  ``witness_depth`` steps; otherwise the verdict is VACUOUS, never PROVED.

A PROVED verdict lists the named assumptions its unsat cores used (see ``encode``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from solvent.check import progress
from solvent.check.bmc import bmc
from solvent.check.inductive_step import inductive_step
from solvent.check.results import CTI, FAIL, PASS, UNKNOWN, VACUOUS, CheckResult
from solvent.check.solving import (
    Deadline,
    Interrupted,
    in_fresh_context,
    interruptible,
    result_maker,
    searched_properties,
    select_properties,
)
from solvent.check.step_reuse import StepProof
from solvent.check.verdicts import own_timeout, ran_out, unknown_message
from solvent.engine.step import require_spec_sane
from solvent.errors import UsageError
from solvent.spec.spec import Spec


@in_fresh_context
def prove(
    spec: Spec,
    *,
    k: int = 1,
    max_k: int | None = None,
    timeout: float | None = None,
    invariants: Sequence[str] | None = None,
    witness_depth: int = 4,
    search_depth: int = 5,
    jobs: int | None = None,
    step_rlimit: int | None = None,
    minimize: bool = True,
    search_spec: Spec | None = None,
    step_proof: StepProof | None = None,
) -> CheckResult:
    """Prove the properties for every path length by k-induction.

    Parameters
    ----------
    k : int
        First induction depth to try.
    max_k : int, optional
        Try k, k+1, ... up to this depth while the step yields a CTI (default: ``k``).
    timeout : float, optional
        Wall-clock budget in seconds for the whole proof.
    invariants : sequence of str, optional
        Prove only these (lemmas are always assumed and proved alongside).
    witness_depth : int
        Bound within which every witness must be reachable.
    search_depth : int
        After a CTI, look for a real counterexample of up to this many steps.
    jobs : int, optional
        Run the base case and that search on the bmc portfolio with this many processes
        (``solvent.check.portfolio``); None: the incremental bmc alone.
    step_rlimit : int, optional
        Cap each inductive-step query by this many units of Z3's resource counter (the
        one-account proof of ``decompose``); a query that reaches it is UNKNOWN.
    minimize : bool
        Minimize the assumptions a PASS used (False: the raw unsat cores, reported as not
        minimized; for a caller that needs only the verdict, such as a slack search's
        probes).
    search_spec : Spec, optional
        Search for a real path after a CTI on this spec (its properties among the ones
        proved) instead of ``spec``: the one-account spec of the accumulator rule, whose
        extra step lemma and copy field made that search stall (``decompose``).
    step_proof : StepProof, optional
        The step at k = 1 already proved by Houdini's queries, with the assumptions it used
        (``step_reuse``): used instead of asking it again when it fits the step.
    """
    for name, value in (("k", k), ("witness_depth", witness_depth)):
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or value < (1 if name == "k" else 0)
        ):
            raise UsageError(
                f"{name} must be an integer >= {1 if name == 'k' else 0}, got {value!r}"
            )
    max_k = k if max_k is None else max_k
    if max_k < k:
        raise UsageError(f"max_k ({max_k}) must be at least k ({k})")
    require_spec_sane(spec)
    # lemmas are assumed by the step, so they must be proved too
    decls = searched_properties(spec, invariants)
    names = [d.name for d in decls]
    deadline = Deadline(timeout)

    result = result_maker("prove", spec, deadline)

    def remaining() -> float | None:
        return None if timeout is None else max(0.001, timeout - deadline.elapsed())

    try:
        with interruptible():
            cti: dict[str, Any] | None = None
            for kk in range(k, max_k + 1):
                progress.note(phase=f"prove: base case (bmc to depth {kk - 1})")
                base = bmc(spec, kk - 1, timeout=remaining(), invariants=names, jobs=jobs)
                if base.verdict in (FAIL, VACUOUS):
                    return _as_prove(base, kk, deadline, f"k={kk}, base case {base.bound}")
                if base.verdict == UNKNOWN:
                    if timeout is not None:  # the base case ran on what was left of it
                        own_timeout(base, timeout)
                    return result(
                        UNKNOWN,
                        f"k={kk}",
                        f"base case: {base.message}",
                        k=kk,
                        details=base.details,
                        ran_out=base.ran_out,
                    )
                progress.note(phase=f"prove: inductive step k={kk}", depth=None, members=None)
                # a capped step (the one-account proof) asks without assumptions: Z3's
                # nonlinear tactic (inductive_step._asserted)
                capped = step_rlimit is not None
                step = inductive_step(
                    spec,
                    decls,
                    kk,
                    deadline,
                    rlimit=step_rlimit,
                    nonincremental=capped,
                    minimize=minimize,
                    proved=step_proof,
                )
                if step["status"] == "proved":
                    progress.note(phase="prove: witnesses reachable (vacuity)")
                    vac = _vacuity(spec, witness_depth, remaining())
                    if vac is not None:
                        return result(vac[0], f"k={kk}", vac[1], k=kk)
                    used = sorted(step["core"])
                    unused = sorted(set(step["all"]) - set(used))
                    return result(
                        PASS,
                        f"k={kk}",
                        f"proved for every path length ({_accounts(spec.accounts)})",
                        k=kk,
                        details={
                            "assumptions_used": used,
                            "assumptions_unused": unused,
                            "assumptions_minimized": step["minimized"],
                            "obligations": step["obligations"],
                        },
                    )
                if step["status"] == "unknown":
                    stopped = ran_out(step["reason"], timeout, deadline.elapsed())
                    return result(
                        UNKNOWN,
                        f"k={kk}",
                        unknown_message(step["reason"], stopped),
                        k=kk,
                        details={"reason": step["reason"], "obligation": step["obligation"]},
                        ran_out=stopped,
                    )
                cti = step  # the step failed: try k+1 (docs/prove.md), up to max_k
                if kk == k < max_k and search_depth > 1:  # a real path first, counted
                    depth = max(search_depth, max_k)
                    real = counted_search(spec, search_spec, names, depth, remaining())
                    if real is not None:
                        out = _as_prove(real, kk, deadline, f"k={kk}, bmc {real.bound}")
                        out.message = (
                            f"induction step failed (k={kk}) and bmc found a real path before "
                            f"the larger k's: {real.message}"
                        )
                        return out
            assert cti is not None
            # the step failed at every k up to max_k: a CTI may be a real bug, look for a path
            progress.note(phase="prove: CTI; searching for a real path")
            where, searched_names = spec, names
            if search_spec is not None:
                where = search_spec
                own = {d.name for d in select_properties(search_spec, None)}
                searched_names = [n for n in names if n in own]
            real = bmc(
                where,
                max(search_depth, max_k),
                timeout=remaining(),
                invariants=searched_names,
                jobs=jobs,
            )
            if real.verdict == FAIL:
                tried = f"k={k}" if k == max_k else f"k={k}..{max_k}"
                found = real.message  # _as_prove relabels ``real`` itself
                out = _as_prove(real, max_k, deadline, f"k={max_k}, bmc {real.bound}")
                out.message = f"induction step failed ({tried}) and bmc found a real path: {found}"
                return out
            searched = (
                f"bmc found no real violation within {max(search_depth, max_k)} steps"
                if real.verdict == PASS
                else f"the search for a real violation gave up ({real.message})"
            )
            return result(
                CTI,
                f"k={max_k}",
                f"induction step failed for {cti['obligation']}: from a state where every "
                f"property held for {max_k} step(s), one more step breaks it; {searched}. The "
                "state may be unreachable: " + cti["suggestion"],
                invariant=cti["obligation"],
                k=max_k,
                cti_state=cti["state"],
                details={"suggestion": cti["suggestion"], "choices": cti["choices"]},
                ran_out=real.ran_out,  # the search's timeout, said in its words
            )
    except Interrupted:
        return result(
            UNKNOWN, f"k={k}", "interrupted by the user (Ctrl-C)", details={"reason": "interrupted"}
        )


# each depth's solver call of the search after the first CTI, in units of Z3's resource
# counter (gmx_pool's bug at depth 3 on one account: found at 2 million, 0.6 s of CPU)
EARLY_SEARCH_RLIMIT = 2_000_000


def counted_search(
    spec: Spec, search_spec: Spec | None, names: list[str], depth: int, timeout: float | None
) -> CheckResult | None:
    """A real path (bmc's FAIL, replayed) found by a search capped by Z3's resource counter
    after the first CTI, before the larger k's; else None.

    A larger k's step may not stop by itself (tests/check/specs/gmx_pool.py's bug on one
    account: k=1 and k=2 gave CTIs, the k=3 step ran past the whole budget, so the search
    after the last k, which finds the depth-3 path in 0.6 s, never ran: UNKNOWN). The cap
    is a count, not a clock, so whether it answers does not depend on the load.
    """
    where, searched = spec, names
    if search_spec is not None:
        where = search_spec
        own = {d.name for d in select_properties(search_spec, None)}
        searched = [n for n in names if n in own]
    progress.note(phase=f"prove: CTI; a counted search for a real path (depth {depth})")
    cap = EARLY_SEARCH_RLIMIT  # the budget (``timeout``) only as the safety net
    real = bmc(where, depth, timeout=timeout, invariants=searched, induction=False, rlimit=cap)
    return real if real.verdict == FAIL else None


def _as_prove(r: CheckResult, k: int, deadline: Deadline, bound: str) -> CheckResult:
    """Relabel a bmc result (base case or real counterexample) as the prove verdict."""
    r.check = "prove"
    r.k = k
    r.bound = bound
    r.seconds = deadline.elapsed()
    return r


def _accounts(n: int) -> str:
    return "1 account" if n == 1 else f"{n} accounts"


def _vacuity(spec: Spec, witness_depth: int, timeout: float | None) -> tuple[str, str] | None:
    """None when the initial state is satisfiable and every witness is reachable."""
    if not spec.witnesses:
        return None
    from solvent.check.reach import reach

    for w in spec.witnesses:
        found = reach(spec, w.name, witness_depth, timeout=timeout)
        if found is None:
            return (
                UNKNOWN,
                f"could not decide whether witness {w.name} is reachable (solver gave up)",
            )
        if found is False:
            return (
                VACUOUS,
                f"witness {w.name} is not reachable within {witness_depth} steps, so the "
                "proof may be vacuous; check the envelope, initial state and action guards",
            )
    return None
