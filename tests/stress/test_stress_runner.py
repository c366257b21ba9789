"""Stress runs: reproducible whatever the split, resumable, confirmed exactly."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
from stress_helpers import StopAfter

from solvent.check.replay import replay
from solvent.scenarios import get
from solvent.scenarios.population import Population
from solvent.stress.metrics import clopper_pearson, tail
from solvent.stress.runner import CheckpointError, StressFieldError, StressOptions, stress
from solvent.stress.shrink import shrink


def _run(spec, tmp_path, **kw):
    base = dict(
        paths=700, steps=20, seed=5, block=128, checkpoint_dir=str(tmp_path / "ck"), confirm=2
    )
    base.update(kw)
    return stress(spec, get("gbm", vol=2.5), Population(), StressOptions(**base))


def _numbers(r):
    counts = {k: v for k, v in r.confirmation.items() if k != "seconds"}
    return json.dumps([r.metrics, counts], sort_keys=True, default=str)


def test_same_seed_same_numbers_whatever_the_chunking(load, tmp_path) -> None:
    spec = load("perp_small")
    one = _run(spec, tmp_path, chunk=128)
    big = _run(spec, tmp_path, chunk=10_000)
    assert one.metrics["p_insolvency"]["paths"] > 0
    assert _numbers(one) == _numbers(big)
    other = _run(spec, tmp_path, seed=6)
    assert _numbers(other) != _numbers(one)


def test_worker_processes_give_the_same_numbers(load, spec_path, tmp_path) -> None:
    spec = load("perp_small")
    assert _numbers(_run(spec, tmp_path, workers=2)) == _numbers(_run(spec, tmp_path))


def test_dask_local_cluster_gives_the_same_numbers(load, tmp_path) -> None:
    import dask
    from distributed import LocalCluster

    from solvent.stress.runner import dask_config

    spec = load("perp_small")
    single = _run(spec, tmp_path)
    with (
        dask.config.set(dask_config()),
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            local_directory=str(tmp_path / "dask"),
        ) as cluster,
    ):  # an existing cluster, reached by its address
        remote = _run(spec, tmp_path, scheduler=cluster.scheduler_address, chunk=256)
    started = _run(spec, tmp_path, scheduler="local:2", chunk=256)  # one stress starts itself
    assert _numbers(remote) == _numbers(single) == _numbers(started)
    assert single.metrics["p_insolvency"]["paths"] > 0


def test_interrupt_keeps_blocks_and_resume_finishes_the_same_run(load, tmp_path) -> None:
    spec = load("perp_small")
    full = _run(spec, tmp_path)
    opts = dict(
        paths=700,
        steps=20,
        seed=5,
        block=128,
        chunk=128,
        checkpoint_dir=str(tmp_path / "ck"),
        confirm=2,
    )
    cut = stress(
        spec, get("gbm", vol=2.5), Population(), StressOptions(**opts), progress=StopAfter(2)
    )
    assert cut.interrupted and cut.exit_code == 2 and cut.blocks_done == 2
    assert list((tmp_path / "ck").iterdir())  # the checkpoint survives
    resumed = stress(spec, get("gbm", vol=2.5), Population(), StressOptions(**opts, resume=True))
    assert not resumed.interrupted and any("resumed: 2 of 6" in n for n in resumed.notes)
    assert _numbers(resumed) == _numbers(full)
    assert not (tmp_path / "ck").exists()  # removed once complete
    with pytest.raises(CheckpointError, match="--resume: no checkpoint"):
        stress(spec, get("gbm", vol=2.5), Population(), StressOptions(**opts, resume=True))


def test_flagged_lanes_are_confirmed_and_their_traces_replay(load, tmp_path) -> None:
    spec = load("perp_small")
    r = _run(spec, tmp_path, keeper_outage=4, outage_start=2, confirm=3)
    # issue 16: certain violations are confirmed by the error bounds, not counted in --confirm
    c = r.confirmation
    assert r.verdict == "FAIL" and c["confirmed"] >= c["certain"] > 0
    assert c["confirmed"] - c["certain"] <= 3 and c["exact_reruns"] <= 3
    trace, label = r.traces[0]
    replayed = replay(spec, trace)
    assert replayed.first_failure is not None and replayed.first_failure.label() == label
    assert any("keeper outage" in n for n in replayed.notes) or trace.steps[0].keepers == {}


def test_float64_false_alarms_are_reported_unconfirmed(load, tmp_path) -> None:
    spec = load("rounding")
    opts = StressOptions(
        paths=50,
        steps=3,
        seed=1,
        checkpoint_dir=None,
        confirm=50,
        bad_debt_field="none",
        insurance_field="none",
        liquidations_field="none",
    )
    r = stress(spec, get("gbm"), None, opts)
    assert r.confirmation["flagged"] == 50
    assert r.confirmation["unconfirmed"] == 50 and r.confirmation["confirmed"] == 0
    assert r.verdict == "PASS" and r.metrics["p_insolvency"]["paths"] == 0


def test_missing_metric_field_is_a_clear_error(load) -> None:
    with pytest.raises(
        StressFieldError, match="no scalar number field 'bad_debt'.*--bad-debt-field"
    ):
        stress(
            load("rounding"),
            get("gbm"),
            None,
            StressOptions(paths=10, steps=2, checkpoint_dir=None),
        )


def test_lanes_fallback_runs_a_spec_the_kernel_cannot(load) -> None:
    r = stress(
        load("adl"),
        get("gbm", vol=3.0),
        None,
        StressOptions(paths=64, steps=20, seed=2, checkpoint_dir=None, confirm=2),
    )
    assert r.engine == "lanes" and any("NumPy lanes" in n for n in r.notes)
    assert r.confirmation["confirmed"] == r.confirmation["checked"] > 0


def test_shrink_keeps_the_violation_and_simplifies(load, tmp_path) -> None:
    spec = load("perp_small")
    r = _run(spec, tmp_path, confirm=1)
    trace, label = r.traces[0]
    small = shrink(spec, trace, max_replays=120)
    assert small.invariant.split("[")[0] == label.split("[")[0]
    assert len(small.trace.steps) <= len(trace.steps)
    assert replay(spec, small.trace).violated
    size = lambda t: len(t.dumps())  # noqa: E731
    assert size(small.trace) < size(trace)


def test_tail_metrics_known_answers() -> None:
    # 200 paths, losses 1..5 on five of them: the 198th smallest is 3; the 5 largest average 3
    assert tail(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), 200) == (3.0, 3.0)
    # Clopper-Pearson for 0 of 10: upper bound 1 - 0.025**(1/10)
    lo, hi = clopper_pearson(0, 10)
    assert lo == 0.0 and abs(hi - (1 - 0.025**0.1)) < 1e-12


def test_adversarial_keeper_and_delay_are_recorded_in_replayable_traces(load) -> None:
    spec = load("misc")
    r = stress(
        spec,
        get("gbm", vol=3.0),
        None,
        StressOptions(paths=200, steps=15, seed=3, keeper_delay=1, checkpoint_dir=None, confirm=3),
    )
    assert r.confirmation["checked"] > 0
    assert r.confirmation["confirmed"] + r.confirmation["unconfirmed"] == r.confirmation["checked"]
    for trace, label in r.traces:
        assert trace.steps[0].keepers == {
            "halt": (False,),
            "mark_hit": (False, False, False),
        }  # step 1: down
        assert replay(spec, trace).first_failure.label() == label


def test_initial_states_breaking_initial_conditions_are_skipped(load) -> None:
    r = stress(
        load("misc"),
        get("gbm", vol=3.0),
        None,
        StressOptions(paths=300, steps=10, seed=4, checkpoint_dir=None, confirm=2),
    )
    skipped = r.metrics["excluded_initial"]
    assert 0 < skipped < 300 and r.metrics["paths"] == 300 - skipped
    assert any("@initial" in n for n in r.notes)


def test_initial_conditions_no_sample_can_meet_are_an_error(load) -> None:
    from solvent.stress.runner import StressError

    with pytest.raises(StressError, match=r"breaks its @initial condition\(s\) \(recorded\)"):
        stress(
            load("ghost"), get("gbm"), None, StressOptions(paths=100, steps=5, checkpoint_dir=None)
        )


def test_a_local_cluster_starts_whatever_state_prometheus_client_is_in(monkeypatch) -> None:
    """A CI run failed to start LocalCluster with "module 'prometheus_client' has no attribute
    '__spec__'": the scheduler's /metrics route imports prometheus_client.core in this
    process. solvent's clusters serve no dashboard, so they load no such route."""
    import types

    from solvent.stress.execute import connect

    for name in [m for m in sys.modules if m.startswith(("prometheus_client", _METRICS))]:
        monkeypatch.delitem(sys.modules, name)
    broken = types.ModuleType("prometheus_client")
    broken.__path__ = []  # type: ignore[attr-defined]
    del broken.__spec__
    monkeypatch.setitem(sys.modules, "prometheus_client", broken)
    client, cluster = connect("local:1", 30)
    try:
        assert client.submit(sum, [1, 2]).result(timeout=60) == 3
    finally:
        client.close()
        cluster.close()
    assert _METRICS not in sys.modules


_METRICS = "distributed.http.scheduler.prometheus"
