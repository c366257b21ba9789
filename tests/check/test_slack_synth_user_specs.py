"""The slack search, synth and check on the user specs (issue 13, items 3 and 5; round 24).

- ``put_vault`` (safe): prove infers six lemmas; its slack search proved 15 values of
  ``eth_return.lo``, each inferring the same lemmas again (68 s of a 78 s run, round 23).
  The probes now try the proof's lemmas first and the symbolic step asks with them: an
  exact answer (-1, a fall of 100% takes the spot to 0) from a handful of probes, checked
  here against a proof with lemmas written by hand and a replay of the path beyond.
- ``close_factor`` (bug): synth's "is the start unsafe?" found no path at maintenance 5%
  (depth 6; the solver's searches reach 5 and 3) and answered UNKNOWN; the falsifier's
  concrete paths on one account find it first (``refute_few.falsified_start``), lifted
  and replayed on the spec's 3 accounts.
- ``solvent check``: bmc's timeout is said as its share of the budget, not the budget.
- The verdict line's time and the slack search's share stay true (a fake clock).
"""

from __future__ import annotations

from fractions import Fraction
from types import SimpleNamespace
from typing import Any

import pytest
from check_helpers import check_on_a_fake_clock, load_user_spec, put_vault_hand_lemmas

from solvent import config
from solvent.api import startup, verify
from solvent.check import attribution, probes, proof_notes, watchdog
from solvent.check.decompose import prove_any_accounts
from solvent.check.induction import prove
from solvent.check.knobs import envelope_knob, param_knob
from solvent.check.probes import (
    COUNTED_CPU_NET,
    COUNTED_REFUTE_CPU_NET,
    COUNTED_RLIMIT,
    COUNTEREXAMPLE,
    PROVED,
    ProbeOptions,
    Prober,
)
from solvent.check.replay import replay
from solvent.check.results import PASS, UNKNOWN, CheckResult, RanOut
from solvent.check.synth import synth
from solvent.errors import UsageError
from solvent.report import text


class ProbeClock:
    """``time`` of the modules that time the slack search: it moves one second each time a
    probe starts (``ProbeOptions.stopped``), whatever the machine's load."""

    def __init__(self) -> None:
        self.now, self.probes = 1000.0, 0

    def perf_counter(self) -> float:
        return self.now

    def tick(self) -> None:
        self.probes += 1
        self.now += 1.0


def test_put_vault_slack_reuses_the_proofs_lemmas(monkeypatch: pytest.MonkeyPatch) -> None:
    from solvent.check.lemma_reuse import recording  # the proof's lemmas kept (round 24)

    spec = load_user_spec(monkeypatch, "put_vault", ACCOUNTS="3")
    proof = prove_any_accounts(spec, recording(prove), k=1, max_k=1, timeout=600)
    assert proof.verdict == PASS, proof.message
    assert len(proof.details["inferred_lemmas"]) == 6
    clock = ProbeClock()
    fake = SimpleNamespace(perf_counter=clock.perf_counter)
    for module in (proof_notes, probes, watchdog):
        monkeypatch.setattr(module, "time", fake)
    real_stopped = ProbeOptions.stopped

    def starting(self: ProbeOptions, *args: Any, **kwargs: Any) -> Any:
        clock.tick()
        return real_stopped(self, *args, **kwargs)

    monkeypatch.setattr(ProbeOptions, "stopped", starting)
    seen: list[attribution.Attribution] = []
    real_attribute = attribution.attribute

    def attribute(*args: Any, **kwargs: Any) -> attribution.Attribution:
        seen.append(real_attribute(*args, **kwargs))
        return seen[-1]

    monkeypatch.setattr(attribution, "attribute", attribute)
    spent = proof.seconds
    explained = proof_notes.attributed(spec, config.Settings(), proof)
    (slack,) = seen[0].slacks
    found = slack.frontier
    assert found is not None and found.status == "found", found
    # round 23: the symbolic step failed at the spec's value (no lemmas), bisection ran
    # 15 proofs, each inferring the 6 lemmas again
    assert found.method == "symbolic", found.method_reason
    proved = [p for p in found.probes if p.outcome == PROVED and p.purpose != "spec value"]
    assert proved and all("proved with it again here" in p.message for p in proved), proved
    assert len(found.probes) <= 4, [p.line() for p in found.probes]
    assert slack.limit == -1  # a fall of 100% takes the spot to 0, and no further
    assert found.unsafe is not None and -1 - found.tol <= found.unsafe < -1
    # the boundary proved again independently: lemmas written by hand, plain k-induction
    knob = envelope_knob(spec, "eth_return.lo")
    at = put_vault_hand_lemmas(knob.apply(spec, Fraction(-1)).with_params())
    assert prove(at, k=1, timeout=300).verdict == PASS
    beyond = found.beyond
    assert beyond is not None and beyond.outcome == COUNTEREXAMPLE
    trace = beyond.result.counterexample if beyond.result else None
    assert trace is not None and trace.accounts == 3
    assert replay(knob.apply(spec, found.unsafe), trace).failures
    # item 4: the verdict's time is the proof's and the search's, the search's apart
    assert explained.details["slack_seconds"] == pytest.approx(clock.probes)
    assert explained.seconds == pytest.approx(spent + clock.probes)
    line = text.verdict_line(explained).plain
    assert f"(slack search {clock.probes:.1f}s)" in line, line


def test_close_factor_bug_synth_finds_the_path_at_its_conservative_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from solvent.check.refute_few import falsified_start  # round 24

    spec = load_user_spec(monkeypatch, "close_factor", BUG="1", ACCOUNTS="3")
    options = ProbeOptions(
        rlimit=COUNTED_RLIMIT, cpu_net=COUNTED_CPU_NET, refute_cpu_net=COUNTED_REFUTE_CPU_NET
    )
    # round 23: UNKNOWN, "not proved at the conservative end ... no proved value to search
    # from" (the path has 6 steps: the solver's searches reached 5 on one account, 3 on 3)
    with pytest.raises(UsageError) as caught:
        synth(spec, "maintenance_margin", search_range=("0.02", "0.05"), options=options)
    assert "already unsafe at the conservative end of --range" in caught.value.message
    knob = param_knob(spec, "maintenance_margin")
    probe = falsified_start(Prober(spec, knob, options, ["no_bad_debt"]), Fraction(5, 100))
    assert probe is not None and probe.outcome == COUNTEREXAMPLE, probe
    trace = probe.result.counterexample if probe.result else None
    assert trace is not None and trace.accounts == 3
    # the path is checked on the concrete backend, independently of how it was found: an
    # account's equity is negative at its last step
    failures = replay(knob.apply(spec, Fraction(5, 100)), trace).failures
    assert any(f.name == "no_bad_debt" and f.step == len(trace.steps) for f in failures)


def test_check_says_bmc_ran_out_of_its_share_not_of_the_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # bmc stands in for a search that runs out of the 5 s it is given of a 10 s budget
    now = check_on_a_fake_clock(monkeypatch, 100.0)

    def bmc(spec: Any, *args: Any, timeout: float, **kwargs: Any) -> CheckResult:
        now[0] += timeout
        out = RanOut(timeout, "bmc portfolio on 2 process(es), depth 3", timeout)
        return CheckResult(
            "bmc", spec.name, UNKNOWN, "depth 1/3", timeout, spec.accounts,
            message=out.words + " (portfolio members tried: incremental)", ran_out=out,
        )  # fmt: skip

    def proved(spec: Any, _prove: Any, **kwargs: Any) -> CheckResult:
        return CheckResult("prove", spec.name, PASS, "k=1", 1.0, spec.accounts)

    monkeypatch.setattr("solvent.check.decompose_bmc.bmc_any_accounts", bmc)
    monkeypatch.setattr("solvent.check.decompose.prove_any_accounts", proved)
    spec = load_user_spec(monkeypatch, "put_vault", ACCOUNTS="3")
    settings = config.Settings(timeout=10.0, slack=False)
    results = [r.raw for r in verify.check_prepared(spec, None, settings, ends=now[0] + 10.0)]
    said = results[1].message
    # round 23: "solver timeout: the 10s budget (--timeout) ran out during ..." while prove
    # still had the other half of it
    assert "timeout: the 10s budget (--timeout) ran out" not in said, said
    assert said.startswith(
        "solver timeout: bmc's share of the 10s budget (--timeout) ran out during bmc "
        "portfolio on 2 process(es), depth 3 (5.0s: solvent check gives bmc 50% of what "
        "is left of the budget after lint"
    ), said
    assert "solvent bmc alone has the whole budget" in said
    assert said.endswith("(portfolio members tried: incremental)")
    assert results[2].verdict == PASS


def test_a_slack_search_the_budget_stops_still_shows_its_share(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the proof takes 2 s of a 10 s budget on a fake clock; the watchdog stops its slack
    # search at the budget's hard end: the verdict stays, its time is the whole run's and
    # the slack search's share is shown apart, as when the search ends by itself
    now = [50.0]
    monkeypatch.setattr(startup, "time", SimpleNamespace(perf_counter=lambda: now[0]))

    def stopped_in_slack(first: Any, then: Any, seconds: float) -> Any:
        result = first()
        now[0] += seconds  # the slack search runs until the hard end, and is killed
        phase = "slack search (a frontier per envelope bound used)"
        return result, 1, watchdog.Stop(phase, seconds, 0.0)

    monkeypatch.setattr(watchdog, "guarded", stopped_in_slack)

    def proof() -> CheckResult:
        now[0] += 2.0
        return CheckResult("prove", "s", PASS, "k=1", 2.0, 1)

    settings = config.Settings(timeout=10.0)
    result = startup.within_budget("prove", None, settings, 0.0, proof, [lambda r: r])
    hard = watchdog.hard_end(10.0)
    assert result.seconds == pytest.approx(2.0 + hard)
    assert result.details["slack_seconds"] == pytest.approx(hard)
    line = text.verdict_line(result).plain
    assert f"  {2.0 + hard:.1f}s (slack search {hard:.1f}s)  " in line, line
    assert "what explains it was stopped by the 10s budget (--timeout)" in result.message
