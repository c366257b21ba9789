"""frontier and synth on several processes and on a Dask cluster (issue 13, point 5).

The spec (tests/risk/specs/two_params.py) has a closed form: ``x <= 10`` is proved exactly
when ``cap + step <= 10``; at cap 9, step 4 a 3-step counterexample exists, at cap 9, step
2 none within 3 steps. Every answer is checked against it, and the results of ``--jobs 1``,
``--jobs 2`` and a Dask ``LocalCluster`` (2 worker processes, started in the test) must be
identical (times aside).
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from solvent import cli, config
from solvent.check import parallel
from solvent.check.probes import COUNTEREXAMPLE, NOT_PROVED, PROVED, ProbeOptions
from solvent.check.synth import synth, synth_grid
from solvent.errors import UsageError
from solvent.spec.load import load_spec

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "tests" / "risk" / "specs" / "two_params.py"
GRID = ["--param", "cap", "--param", "step", "--grid", "2", "--range", "5", "9"]
GRID += ["--range2", "2", "4", "--direction", "up"]


def expected(cap: Fraction, step: Fraction) -> str:
    if cap + step <= 10:
        return PROVED
    return COUNTEREXAMPLE if step * 3 > 10 else NOT_PROVED


def cells_of(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
    """(cap, step, outcome, proof verdict and bound, refutation verdict and bound) per point."""
    out = []
    for c in doc["cells"]:
        ref = c["refutation"] or {}
        proof = (c["proof"]["verdict"], c["proof"]["bound"])
        out.append((c["cap"], c["step"], c["outcome"], proof, ref.get("verdict"), ref.get("bound")))
    return out


def grid(jobs: int | None) -> Any:
    return synth_grid(
        load_spec(str(SPEC), None),
        ("cap", "step"),
        2,
        ranges=(("5", "9"), ("2", "4")),
        direction="up",
        options=ProbeOptions(jobs=jobs),
    )


def fingerprint(result: Any) -> list[tuple[Any, ...]]:
    out = []
    for c in result.cells:
        ref = c.refutation
        out.append(
            (c.values, c.outcome, c.proof.verdict, c.proof.bound, ref and (ref.verdict, ref.bound))
        )
    return out


def test_grid_is_the_same_on_one_and_two_processes() -> None:
    one, two = grid(1), grid(2)
    assert fingerprint(one) == fingerprint(two)
    for c in two.cells:
        assert c.outcome == expected(*c.values), c.values
    assert two.exit_code == 0 and two.message == "2 of 4 points proved safe"


def test_search_probes_ahead_and_answers_as_one_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(parallel, "cores_free", lambda: True)
    batches: list[int] = []
    real = parallel.map_ordered

    def spy(fn: Any, tasks: Any, **kw: Any) -> Any:
        batches.append(len(tasks))
        return real(fn, tasks, **kw)

    monkeypatch.setattr(parallel, "map_ordered", spy)
    runs = {}
    for jobs in (1, 2):
        spec = load_spec(str(SPEC), None)
        r = synth(spec, "step", direction="up", tol="0.25", checks=1,
                  options=ProbeOptions(jobs=jobs))  # fmt: skip
        runs[jobs] = [(p.value, p.outcome, p.check, p.bound, p.purpose) for p in r.probes]
        # closed form: the largest safe step at cap 5 is 5; 5.2 has a counterexample
        assert (r.safe, r.unsafe, r.exit_code) == (Fraction(5), Fraction(26, 5), 0)
        if jobs == 1:
            assert batches == []  # one process: nothing ahead
    assert batches and all(n == 2 for n in batches)  # --jobs 2: two proofs at once
    assert runs[1] == runs[2]


def test_grid_on_a_dask_cluster_equals_the_local_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import dask
    import distributed  # a runtime dependency (dask[distributed]): missing is a failure

    from solvent.stress.execute import dask_config

    code = cli.run(["synth", str(SPEC), *GRID, "--jobs", "1", "--format", "json"])
    local = json.loads(capsys.readouterr().out)
    assert code == 0
    with dask.config.set(dask_config()), distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
        silence_logs=40,
    ) as cluster:  # fmt: skip
        address = cluster.scheduler_address
        code = cli.run(["synth", str(SPEC), *GRID, "--scheduler", address, "--format", "json"])
    remote = json.loads(capsys.readouterr().out)
    assert code == 0
    assert cells_of(remote) == cells_of(local)
    for cap, step, outcome, *_ in cells_of(remote):
        assert outcome == expected(Fraction(cap), Fraction(step))


def test_scheduler_from_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[tool.solvent]\nscheduler = "tcp://10.0.0.5:8786"\njobs = 2\n')
    settings = config.resolve({}, config.read_config(path))
    assert settings.scheduler == "tcp://10.0.0.5:8786" and settings.jobs == 2
    path.write_text("[tool.solvent]\nscheduler = 5\n")
    with pytest.raises(UsageError, match="scheduler must be a string"):
        config.resolve({}, config.read_config(path))


def test_scheduler_needs_a_grid_and_a_reachable_address(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code = cli.run(["synth", str(SPEC), "--param", "step", "--scheduler", "tcp://127.0.0.1:1"])
    assert code == 3 and "--scheduler runs the points of a grid" in capsys.readouterr().err
    monkeypatch.setattr(parallel, "CONNECT_SECONDS", 1.0)
    code = cli.run(["synth", str(SPEC), *GRID, "--scheduler", "tcp://127.0.0.1:1"])
    assert code == 3 and "cannot reach the Dask scheduler" in capsys.readouterr().err
