"""`solvent conform` on a spec with `within=K` declarations (an oracle update and a keeper):
the random and corner traces skip them only as the declarations allow, bmc counterexamples
(whose forced runs are recorded as not chosen) replay, and a seeded bug in the handling of
skipped oracle updates is caught, while without skips it hides."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from conform_paths import REPO

import solvent as sv
from solvent.check.bmc import bmc
from solvent.check.replay import replay
from solvent.conform.adapter import load_adapter
from solvent.conform.run import Options, conform
from solvent.conform.sources import corner_traces, random_traces
from solvent.spec.load import load_spec

STALE = REPO / "examples" / "frontier" / "stale_oracle.py"
ENGINE = str(REPO / "tests" / "conform" / "stale_oracle_engine.py")


@pytest.fixture(scope="module")
def spec() -> sv.Spec:
    # the oracle may be 2 steps stale and the liquidation keeper 1 step late
    return load_spec(str(STALE)).with_within("liquidate", 1)


def longest_skip(trace: Any, name: str, account: int) -> int:
    longest = run = 0
    for st in trace.steps:
        run = 0 if st.keepers[name][account] else run + 1
        longest = max(longest, run)
    return longest


def test_generated_traces_skip_only_as_declared(spec: sv.Spec) -> None:
    traces = [*random_traces(spec, 30, 12, seed=3), *corner_traces(spec, 12, seed=3)]
    assert max(longest_skip(t, "publish", 0) for t in traces) == 2
    assert max(longest_skip(t, "liquidate", 0) for t in traces) == 1
    corner = next(iter(corner_traces(spec, 12, seed=3)))
    assert [st.keepers["publish"] == (True,) for st in corner.steps] == [
        t % 3 == 0 for t in range(1, 13)
    ]
    for trace in traces:
        # the declaration never has to force a run the trace did not choose
        for record, st in zip(replay(spec, trace).records[1:], trace.steps, strict=True):
            assert (("publish", None) in record.fired) == st.keepers["publish"][0]


def test_the_engine_conforms_on_random_corner_and_bmc_traces(spec: sv.Spec) -> None:
    adapter = load_adapter(ENGINE + ":StaleOracleAdapter")
    result = conform(spec, adapter, Options(traces=30, seed=1))
    assert result.divergence is None, result.message()
    assert "keeper publish fired" in result.compared and "oracle" in result.compared
    # a bmc counterexample at K = 4 records the forced publication at step 5 as not chosen
    unsafe = load_spec(str(STALE)).with_within("publish", 4)
    found = bmc(unsafe, 5, timeout=120).counterexample
    assert found is not None and found.steps[-1].keepers["publish"] == (False,)
    result = conform(unsafe, adapter, traces=[found])
    assert result.divergence is None, result.message()
    result = conform(unsafe, adapter, Options(traces=0, corners=False, depth=5))
    assert result.sources == {"bmc": 1} and result.divergence is None, result.message()


def test_a_bug_in_the_handling_of_skipped_updates_is_caught(spec: sv.Spec) -> None:
    clamped = load_adapter(ENGINE + ":ClampedOracleAdapter")
    result = conform(spec, clamped, Options(traces=30, seed=1))
    d = result.divergence
    assert d is not None and result.exit_code == 1
    assert d.what == "oracle" and d.step <= 3
    # published every step the clamp never bites: only traces with skips catch it
    fresh = conform(spec.with_within("publish", 0), clamped, Options(traces=30, seed=1))
    assert fresh.divergence is None, fresh.message()


def test_cli_conform_catches_the_clamp() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "solvent", "conform", str(STALE), "--impl",
         ENGINE + ":ClampedOracleAdapter", "--traces", "20"],
        capture_output=True, text=True, cwd=REPO, check=False,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "step 2: oracle" in proc.stdout
    assert "step 1: move = 0.7; no action; not run: publish" in proc.stdout  # the skip shows
