"""Probes: one verdict of the spec with a knob set to one exact value.

A probe runs ``prove`` (k-induction; on more accounts than one, through
``decompose.prove_any_accounts``, so a value proved on one account holds for every number
of accounts, as in ``solvent prove``) and sorts its verdict into what a frontier search
needs; ``refute`` runs ``bmc`` for a replay-confirmed counterexample. Both are cached per
value, so a search never pays twice for the same number.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, cast

from solvent.check import parallel
from solvent.check.bmc import bmc
from solvent.check.induction import prove
from solvent.check.knobs import ENVELOPE, UP, Knob
from solvent.check.results import CTI, FAIL, PASS, UNKNOWN, VACUOUS, CheckResult
from solvent.errors import ModelParameterError, UsageError
from solvent.lang.values import format_number
from solvent.spec.spec import Spec

# what a probe says about the value
PROVED = "proved"  # PASS: k-induction, every path length
VACUOUS_PROOF = "vacuous"  # proved, but a witness is unreachable: not a real proof
COUNTEREXAMPLE = "counterexample"  # a replay-confirmed violation of a target invariant
NOT_PROVED = "not proved"  # CTI, or a lemma is violated: no proof, no counterexample
INCONCLUSIVE_PROBE = "unknown"  # the solver gave up or ran out of time
NO_COUNTEREXAMPLE = "no counterexample"  # bmc: none within its depth (not a proof)
REFUSED = "refused"  # the spec's builder refuses the value (outside the model's domain)

SAFE_SIDE = (PROVED, VACUOUS_PROOF)

# seconds past the overall deadline at which a probe still running is stopped (the
# watchdog's hard end of a budget up to 40 s, ``watchdog.hard_end``)
STOP_MARGIN = 1.0

# the default caps of frontier, synth and prove's slack search (``ProbeOptions.rlimit``,
# ``cpu_net``, ``refute_cpu_net``): every solver call is capped by this many units of Z3's
# resource counter, not by time, so the answer does not depend on the machine's load. The
# insurance waterfall's most expensive step obligation (``conserves_value``) takes 12 million.
COUNTED_RLIMIT = 50_000_000
# the safety net behind it, in seconds of CPU per solver call: a counterexample search
# beyond the waterfall's frontier ran 143 s of CPU on 0.6 million units (and held the
# check to the whole default budget); the net decides only such calls (about 6 s a call
# at the counter's usual pace of 8 million units a second)
COUNTED_CPU_NET = 10.0
# the net of a counterexample search beyond a proved value, which only says whether one
# was found (the waterfall's beyond -1 hits it at every value asked)
COUNTED_REFUTE_CPU_NET = 3.0
# frontier's and synth's net for it: there it decides what a user reads (a grid point's
# "no proof" against "no proof?"); the committed safe region (examples/frontier) has
# points whose depth-3 search needs 10-20 s of CPU to find no counterexample
SEARCH_REFUTE_CPU_NET = 30.0


@dataclass(frozen=True, slots=True)
class ProbeOptions:
    """How each probe is checked (the same for every value of one search)."""

    k: int = 1
    max_k: int | None = None  # None: k
    depth: int = 3  # bmc depth of the counterexample search beyond the frontier
    timeout: float | None = None  # per check, seconds
    witness_depth: int = 4
    invariants: tuple[str, ...] = ()  # () = every invariant of the spec
    simplify: bool = False  # re-solve counterexamples for round numbers (slower)
    # the whole search ends by this time.perf_counter() value (None: no overall budget);
    # every probe's timeout is shortened to what is left of it
    deadline: float | None = None
    # several proofs at once on this many processes, and each counterexample search on
    # the bmc portfolio with this many processes; None: one probe at a time, the proofs'
    # and searches' default engine
    jobs: int | None = None
    # a Dask scheduler address: the points of a synth grid run on that cluster
    scheduler: str | None = None
    # the spec at its own values is proved already (a slack search explains that proof):
    # the probe at a knob's spec value is that proof, not run again
    spec_proved: CheckResult | None = None
    # minimize each proof's assumptions (False: a search that needs only the verdicts)
    minimize: bool = True
    # cap every solver call of a probe (the proofs' step queries, the counterexample
    # searches, the symbolic step's queries and its Optimize) by this many units of Z3's
    # resource counter: the same answers on a busy and an idle machine. The wall-clock
    # caps of single probes (``cap``) are then not used; the overall ``deadline`` stays,
    # as the safety net of a budget, and a search it stops says so (``expired``)
    rlimit: int | None = None
    # with ``rlimit``: the safety net behind it, in seconds of this process's CPU time per
    # solver call of a counterexample search or the symbolic step (some nonlinear queries
    # hardly advance Z3's counter: one ran 143 s of CPU on 0.6 million units)
    cpu_net: float | None = None
    # the same net for a counterexample search beyond the frontier (None: ``cpu_net``); it
    # decides only whether "no counterexample within the depth" or "the search gave up" is
    # said beyond a proved value, never the value
    refute_cpu_net: float | None = None
    # the lemmas the proof being explained inferred (``lemma_reuse.proved_lemmas``): each
    # probe first tries the spec with them, before inferring its own
    lemmas: tuple[Any, ...] = ()

    def budget(self, cap: float | None = None) -> float | None:
        """One check's timeout: the per-check timeout, ``cap`` and the overall deadline
        (``cap`` only without ``rlimit``: with it, no wall clock decides a probe)."""
        left = None
        if self.deadline is not None:
            left = max(0.001, self.deadline - time.perf_counter())
        if self.rlimit is not None:
            cap = None
        return _shorter(_shorter(self.timeout, cap), left)

    def expired(self) -> bool:
        """Whether the overall deadline has passed (no probe is started after it)."""
        return self.deadline is not None and time.perf_counter() >= self.deadline

    def ran_out(self, check: str, phase: str = "") -> CheckResult:
        """The UNKNOWN of a probe not run, or stopped in ``phase``, because the overall
        budget ran out."""
        return CheckResult(
            check,
            "",
            UNKNOWN,
            "",
            0.0,
            0,
            message=ran_out_words(phase),
            details={"reason": "timeout"},
        )

    def stopped(self, run: Callable[[], Any], ran_out: Callable[[str], Any]) -> Any:
        """``run()``, stopped at the overall deadline's hard end (``STOP_MARGIN`` past it)
        when there is one: a solver call or a spec's encoding that does not stop by itself
        cannot outlast the budget (``frontier --timeout 5`` ran 120 s on
        ``tests/check/specs/stuck_solver.py``, round 22). Stopped, it is
        ``ran_out(phase)``, the phase it was in ("" when it noted none)."""
        if self.deadline is None:
            return run()
        from solvent.check.watchdog import guarded

        left = max(0.001, self.deadline + STOP_MARGIN - time.perf_counter())
        result, _, stop = guarded(run, [], left)
        return result if stop is None else ran_out(stop.phase)

    def __post_init__(self) -> None:
        for name in ("k", "depth"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise UsageError(f"{name} must be an integer >= 1, got {value!r}")
        if self.max_k is not None and self.max_k < self.k:
            raise UsageError(f"max_k ({self.max_k}) must be at least k ({self.k})")
        if self.timeout is not None and not self.timeout > 0:
            raise UsageError(f"timeout must be a positive number of seconds, got {self.timeout!r}")
        if self.rlimit is not None and (
            isinstance(self.rlimit, bool) or not isinstance(self.rlimit, int) or self.rlimit < 1
        ):
            raise UsageError(f"rlimit must be an integer >= 1, got {self.rlimit!r}")
        if self.jobs is not None and (
            isinstance(self.jobs, bool) or not isinstance(self.jobs, int) or self.jobs < 1
        ):
            raise UsageError(f"jobs must be an integer >= 1, got {self.jobs!r}")


@dataclass(frozen=True, slots=True)
class Probe:
    """One value of the knob and what was established there."""

    value: Fraction
    outcome: str  # PROVED | VACUOUS_PROOF | COUNTEREXAMPLE | NOT_PROVED | INCONCLUSIVE_PROBE
    check: str  # "prove" | "bmc" | "step" (the symbolic k=1 step query)
    verdict: str
    bound: str
    seconds: float
    purpose: str  # why it was probed: "spec value", "bisection", "beyond", "monotonicity"...
    message: str = ""
    result: CheckResult | None = field(default=None, compare=False, repr=False)

    def line(self) -> str:
        return f"{format_number(self.value)}: {self.outcome} ({self.check} {self.bound})"


class Interrupted(Exception):
    """A probe was interrupted with Ctrl-C: stop searching."""


class Prober:
    """Runs and caches the probes of one search."""

    def __init__(self, spec: Spec, knob: Knob, options: ProbeOptions, targets: list[str]) -> None:
        self.spec, self.knob, self.options, self.targets = spec, knob, options, targets
        self.proofs: dict[Fraction, Probe] = {}
        self.refutations: dict[Fraction, Probe] = {}
        self.order: list[Probe] = []
        self.seconds = 0.0
        # proofs made ahead of time (``prefetch``): (value, cap) -> (result or refusal, s)
        self.ahead: dict[tuple[Fraction, float | None], tuple[Any, float]] = {}
        # the counterexample search on the fewest accounts (``refute_few``), once a value
        self.few: set[Fraction] = set()

    @property
    def checks(self) -> int:
        return len(self.order)

    def at(self, value: Fraction) -> Spec:
        return self.knob.apply(self.spec, value)

    def prove(self, value: Fraction, purpose: str, *, cap: float | None = None) -> Probe:
        """k-induction at ``value`` (no long counterexample search: that is ``refute``).

        ``cap`` shortens the timeout of this one probe (an UNKNOWN is then not cached).
        """
        value = Fraction(value)
        if value in self.proofs:
            return self.proofs[value]
        o = self.options
        start = time.perf_counter()
        ahead = self.ahead.pop((value, cap), None)
        if ahead is not None:  # proved ahead of time (``prefetch``): recorded only now
            result, seconds = ahead
            if isinstance(result, ModelParameterError):
                return self._refused(self.proofs, value, "prove", purpose, result)
            start -= seconds
        elif o.spec_proved is not None and value == self.knob.current:
            result = o.spec_proved
        elif o.expired():
            result = o.ran_out("prove")
        else:
            spec = self._built(self.proofs, value, "prove", purpose)
            if not isinstance(spec, Spec):
                return spec
            result = self._prove(self._witnessed(spec, value), cap, value)
        probe = self._record(self.proofs, value, result.check, purpose, result, start)
        if probe.outcome == COUNTEREXAMPLE:  # the proof's lemmas failed, a path was found
            self.refutations[value] = probe
        return probe

    def _witnessed(self, spec: Spec, value: Fraction) -> Spec:
        """``spec`` without its witnesses when the proof being explained
        (``spec_proved``) showed them reachable already: an envelope widened beyond the
        spec's value admits every path of the spec's envelope, so every witness reached
        there is reached at ``value`` (the probe's vacuity check cannot fail)."""
        proved = self.options.spec_proved
        knob = self.knob
        widening = knob.widening()
        if (
            proved is None
            or proved.verdict != PASS
            or knob.kind != ENVELOPE
            or not spec.witnesses
            or widening is None
            or (value - knob.current) * (1 if widening == UP else -1) < 0
        ):
            return spec
        alone = spec.with_params()
        alone.witnesses = []
        return alone

    def _prove(self, spec: Spec, cap: float | None, value: Fraction | None = None) -> CheckResult:
        from solvent.check.decompose import prove_any_accounts
        from solvent.check.lemma_reuse import first_try

        first = first_try(  # with the lemmas of the proof being explained, if it has some
            self, spec, cap, value, lambda r: outcome_of(r, self.targets) == COUNTEREXAMPLE
        )
        if first is not None:
            return first
        # prove's own route (``solvent prove``): on one account where the accounts
        # decouple, with lemmas inferred from the spec when the properties alone are not
        # inductive (on a one-account spec too: a value ``solvent prove`` proves is proved)
        return self.stopped(lambda: prove_any_accounts(spec, prove, **self.prove_kwargs(cap)))

    def prove_kwargs(self, cap: float | None) -> dict[str, Any]:
        """The options of a probe's proof (its timeout: what is left now)."""
        o = self.options
        out: dict[str, Any] = {
            "k": o.k,
            "max_k": o.max_k if o.max_k is not None else o.k,
            "timeout": o.budget(cap),
            "invariants": self.targets,
            "witness_depth": o.witness_depth,
            "search_depth": 1,
        }
        if not o.minimize:
            out["minimize"] = False
        if o.rlimit is not None:
            out["step_rlimit"] = o.rlimit
        return out

    def stopped(self, run: Callable[[], CheckResult]) -> CheckResult:
        """A proof ``run()``, stopped at the overall budget's hard end (``stopped``)."""
        o = self.options
        return cast(CheckResult, o.stopped(run, lambda phase: o.ran_out("prove", phase)))

    def prefetch(self, values: list[Fraction], *, cap: float | None = None) -> None:
        """Prove up to ``jobs`` of ``values`` at once, ahead of the search asking for them.

        Speculative: a value is recorded (in ``order`` and the cache) only when the search
        then asks for it with ``prove``, so the probes, their order and the answer are those
        of one probe at a time; the proofs it never asks for are dropped. Does nothing
        without ``jobs >= 2``, and when no core is idle (``parallel.cores_free``).
        """
        o = self.options
        if o.jobs is None or o.jobs < 2 or o.expired() or not parallel.cores_free():
            return
        todo = [
            v
            for v in dict.fromkeys(Fraction(x) for x in values)
            if v not in self.proofs
            and (v, cap) not in self.ahead
            and not (o.spec_proved is not None and v == self.knob.current)
        ][: o.jobs]
        if len(todo) < 2:
            return  # nothing to gain over proving it when asked
        until = None if o.deadline is None else o.deadline + STOP_MARGIN
        try:
            done = parallel.map_ordered(
                _ahead, [(self, v, cap) for v in todo], jobs=o.jobs, until=until
            )
        except parallel.Expired:
            return  # speculative: the search then asks (and is stopped) one probe at a time
        for v, found in zip(todo, done, strict=True):
            self.ahead[(v, cap)] = found

    def quick_refute(self, value: Fraction, purpose: str = "beyond") -> Probe | None:
        """``refute``'s first search only (on the fewest accounts): its counterexample
        (recorded as ``value``'s refutation), or None."""
        found = self._refute(Fraction(value), purpose, None, few_only=True)
        return found if found is None or found.outcome == COUNTEREXAMPLE else None

    def refute(
        self, value: Fraction, purpose: str = "beyond", *, cap: float | None = None
    ) -> Probe:
        """Bounded model checking at ``value``: a replay-confirmed counterexample or not.

        First (once a value) on the fewest accounts, deeper, lifted to the spec's
        (``refute_few``); then on the spec's own accounts at the asked depth."""
        found = self._refute(Fraction(value), purpose, cap)
        assert found is not None
        return found

    def _refute(
        self, value: Fraction, purpose: str, cap: float | None, *, few_only: bool = False
    ) -> Probe | None:
        if value in self.refutations and self.refutations[value].outcome != INCONCLUSIVE_PROBE:
            return self.refutations[value]
        o = self.options
        start = time.perf_counter()
        if o.expired():
            if few_only:
                return None
            return self._record(self.refutations, value, "bmc", purpose, o.ran_out("bmc"), start)
        spec = self._built(self.refutations, value, "bmc", purpose)
        if not isinstance(spec, Spec):
            return None if few_only else spec
        if value not in self.few:
            self.few.add(value)
            found = self.few_search(spec, cap)
            if found is not None:
                return self._record(self.refutations, value, "bmc", purpose, found, start)
        if few_only:
            return None

        def search(on: Spec, timeout: float | None) -> CheckResult:
            return cast(
                CheckResult,
                o.stopped(
                    lambda: bmc(
                        on,
                        o.depth,
                        timeout=timeout,
                        invariants=self.targets,
                        simplify=o.simplify,
                        **_counted(o),
                    ),
                    lambda phase: o.ran_out("bmc", phase),
                ),
            )

        result = search(spec, o.budget(cap))
        if (
            result.verdict == FAIL
            and outcome_of(result, self.targets) != COUNTEREXAMPLE
            and spec.lemmas
        ):
            # bmc reports the first violated property, lemmas included; a failing lemma
            # is no answer about the invariants, so search them alone (lemmas are only
            # proof aids, dropping them from a bounded search is sound)
            lemma = result.invariant
            alone = spec.with_params()
            alone.lemmas = []
            given = o.budget(cap)
            took = time.perf_counter() - start
            result = search(alone, None if given is None else max(0.001, given - took))
            result.message = f"lemma {lemma} fails on a real path; without lemmas: {result.message}"
        return self._record(self.refutations, value, "bmc", purpose, result, start)

    def few_search(self, spec: Spec, cap: float | None) -> CheckResult | None:
        """The counterexample search on the fewest accounts (``refute_few``)."""
        from solvent.check.refute_few import refuted_few

        return refuted_few(spec, self.options, self.targets, cap, _counted(self.options))

    def _built(
        self, cache: dict[Fraction, Probe], value: Fraction, check: str, purpose: str
    ) -> Spec | Probe:
        """The spec at ``value``, or a REFUSED probe when its builder refuses the value."""
        try:
            return self.at(value)
        except ModelParameterError as exc:
            return self._refused(cache, value, check, purpose, exc)

    def _refused(
        self,
        cache: dict[Fraction, Probe],
        value: Fraction,
        check: str,
        purpose: str,
        exc: ModelParameterError,
    ) -> Probe:
        probe = Probe(value, REFUSED, check, "REFUSED", exc.code, 0.0, purpose, exc.message)
        cache[value] = probe
        self.order.append(probe)
        return probe

    def _record(
        self,
        cache: dict[Fraction, Probe],
        value: Fraction,
        check: str,
        purpose: str,
        result: CheckResult,
        start: float,
    ) -> Probe:
        seconds = time.perf_counter() - start
        self.seconds += seconds
        probe = Probe(
            value,
            outcome_of(result, self.targets),
            check,
            result.verdict,
            result.bound,
            seconds,
            purpose,
            result.message,
            result,
        )
        if probe.outcome != INCONCLUSIVE_PROBE or cache is self.refutations:
            cache[value] = probe
        self.order.append(probe)
        if result.details.get("reason") == "interrupted":
            raise Interrupted()
        return probe


def _ahead(task: tuple[Prober, Fraction, float | None]) -> tuple[Any, float]:
    """One speculative proof (in a worker): the result, or the builder's refusal, and time."""
    prober, value, cap = task
    start = time.perf_counter()
    try:
        spec = prober.at(value)
    except ModelParameterError as exc:
        return exc, 0.0
    return prober._prove(prober._witnessed(spec, value), cap), time.perf_counter() - start


def ran_out_words(phase: str = "") -> str:
    """What a probe the overall budget stopped says (``phase``: where it was, if noted)."""
    return "the time budget ran out" + (f" during {phase}" if phase else "")


def _counted(o: ProbeOptions) -> dict[str, Any]:
    """bmc's resource cap per solver call, when the probes are capped by counting (then on
    the incremental search, not the portfolio's race, whose winner depends on the load);
    else the portfolio on ``jobs`` processes."""
    if o.rlimit is None:
        return {"jobs": o.jobs}
    return {"rlimit": o.rlimit, "cpu_cap": o.refute_cpu_net or o.cpu_net}


def _shorter(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else min(a, b)


def outcome_of(result: CheckResult, targets: list[str]) -> str:
    """Sort a prove/bmc verdict into a probe outcome."""
    if result.verdict == PASS and result.check == "prove":
        return PROVED
    if result.verdict == VACUOUS:
        return VACUOUS_PROOF
    if result.verdict == FAIL:
        name = (result.invariant or "").split("[", 1)[0]
        return COUNTEREXAMPLE if name in targets else NOT_PROVED
    if result.verdict == CTI:
        return NOT_PROVED
    if result.verdict == PASS:  # bmc: no violation within its depth
        return NO_COUNTEREXAMPLE
    assert result.verdict == UNKNOWN, result.verdict
    return INCONCLUSIVE_PROBE
