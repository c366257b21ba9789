"""`solvent stress --action-rate P`: random user actions on the NumPy lanes, confirmed exactly."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from solvent.scenarios import get
from solvent.scenarios.population import Population
from solvent.spec.load import load_spec
from solvent.stress.blocks import draw_block
from solvent.stress.runner import StressOptions, _lanes_engine, lane_trace, prepare, run_hash

SPECS = Path(__file__).parent / "specs"
WEAK = str(SPECS / "perp_weak_withdraw.py")
FIXED = str(SPECS / "perp_fixed_actions.py")
SMALL = str(SPECS / "perp_small.py")
RUN = ["--scenario", "gbm", "--steps", "10", "--seed", "1"]


def _cli(tmp_path: Path, verb: str, *args: str, json_out: bool = True) -> tuple[int, dict, str]:
    extra = ["--format", "json"] if json_out else []
    proc = subprocess.run(
        [sys.executable, "-m", "solvent", verb, *args, *extra],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    doc = json.loads(proc.stdout) if json_out and proc.stdout.strip() else {}
    return proc.returncode, doc, proc.stderr + ("" if json_out else proc.stdout)


def _numbers(doc: dict) -> dict:
    """What must not depend on how the run was split (no timings)."""
    conf = {k: v for k, v in doc["confirmation"].items() if k != "seconds"}
    return {"metrics": doc["metrics"], "confirmation": conf, "verdict": doc["verdict"]}


def _job(path: str, name: str | None, rate: float, **kw: object) -> tuple:
    spec = load_spec(path, name)
    opts = StressOptions(
        paths=kw.pop("paths", 64), steps=kw.pop("steps", 10), seed=3, block=64,
        checkpoint_dir=None, action_rate=rate, **kw,
    )  # fmt: skip
    return (*prepare(spec, get("gbm"), Population(), opts), opts)


def test_rate_zero_changes_nothing(tmp_path) -> None:
    """P = 0 is today's run: the same draws, the compiled kernel, the same numbers."""
    base = [SMALL, *RUN, "--opt", "vol=2.5", "--paths", "600", "--confirm", "3"]
    code0, plain, err0 = _cli(tmp_path, "stress", *base)
    code1, zero, err1 = _cli(tmp_path, "stress", *base, "--action-rate", "0")
    assert code0 == code1 == 1, err0 + err1
    assert _numbers(plain) == _numbers(zero)
    assert plain["engine"] == zero["engine"] == "kernel"
    assert zero["options"]["action_rate"] == 0.0 and zero["options"]["actions"] == []
    assert any("do not run in stress" in n for n in zero["notes"])
    # the block's existing draws do not move when actions are drawn (they come last)
    spec, job0, *_ = _job(WEAK, None, 0.0)
    spec, job1, *_ = _job(WEAK, None, 0.3)
    x0, x1 = draw_block(job0, 0), draw_block(job1, 0)
    assert x0.act is None and x1.act is not None
    for a, b in ((x0.G0, x1.G0), (x0.A0, x1.A0), (x0.M, x1.M)):
        assert np.array_equal(a, b)
    assert run_hash(spec, job0) != run_hash(spec, job1)


def test_action_draws_follow_the_rate_and_the_domains() -> None:
    spec, job, _decls, notes, engine, _opts = _job(WEAK, None, 0.25, paths=512, steps=20)
    assert engine == "lanes"
    assert any("probability 0.25" in n and "7 instance(s)" in n for n in notes)
    x = draw_block(job, 0)
    act, args = x.act, x.act_args
    share = (act >= 0).mean()
    assert abs(share - 0.25) < 0.03  # 10,240 draws: sd 0.004
    names = np.array([a.name for a in job.actions])
    for i, a in enumerate(job.actions):
        vals = args[act == i]
        if a.name == "trade":
            assert vals[:, 0].min() >= -5 and vals[:, 0].max() <= 5 and vals[:, 0].std() > 2
        elif a.name == "withdraw":
            assert vals[:, 0].min() >= 0 and vals[:, 0].max() <= 20000
        else:  # flag: a fair coin
            assert set(np.unique(vals[:, 0])) <= {0.0, 1.0} and 0.3 < vals[:, 0].mean() < 0.7
    assert {"trade", "withdraw", "flag"} == set(names[act[act >= 0]])
    # the trace records exactly the action and the arguments the lane used
    lane = int(np.flatnonzero((act >= 0).any(axis=1))[0])
    trace = lane_trace(spec, job, x, lane, lane, job.steps, {})
    for t in range(job.steps):
        step = trace.steps[t]
        if act[lane, t] < 0:
            assert step.action is None
            continue
        drawn = job.actions[act[lane, t]]
        assert step.action.name == drawn.name and step.action.accounts == drawn.accounts
        (arg,) = drawn.args
        want = bool(args[lane, t, 0]) if arg.kind == "bool" else Fraction(float(args[lane, t, 0]))
        assert step.action.args == {arg.name: want}
    # --action restricts the instances
    _s, only, *_ = _job(WEAK, None, 0.25, actions=("withdraw",))
    assert {a.name for a in only.actions} == {"withdraw"} and len(only.actions) == 3


def test_random_withdrawals_break_a_weak_guard_confirmed_and_replayed(tmp_path) -> None:
    base = [WEAK, *RUN, "--paths", "400"]
    code, doc, err = _cli(tmp_path, "stress", *base)
    assert code == 0 and doc["verdict"] == "PASS", err  # market and keepers alone: solvent
    code, doc, err = _cli(
        tmp_path, "stress", *base, "--action-rate", "0.2", "--traces-dir", "tr", "--traces", "3"
    )
    assert code == 1, err
    conf = doc["confirmation"]
    assert conf["flagged"] > 0 and conf["confirmed"] == conf["checked"] == conf["flagged"]
    assert doc["engine"] == "lanes"
    assert doc["options"]["action_rate"] == 0.2
    assert doc["options"]["actions"] == ["trade", "withdraw", "flag"]
    assert any("user actions run" in n for n in doc["notes"])
    assert not any("do not run in stress" in n for n in doc["notes"])
    traces = sorted((tmp_path / "tr").iterdir())
    assert len(traces) == 3
    for path in traces:
        data = json.loads(path.read_text())
        acts = [s["action"] for s in data["steps"] if s["action"] is not None]
        assert acts and any(a["name"] == "withdraw" for a in acts)
        want = data["#meta"]["violation"]
        code, _doc, out = _cli(tmp_path, "replay", WEAK, str(path), json_out=False)
        assert code == 1, out
        assert f"violates {want['invariant']} at step {want['step']}" in out


def test_same_seed_same_numbers_whatever_the_chunk(tmp_path) -> None:
    base = [WEAK, *RUN, "--paths", "2100", "--action-rate", "0.1", "--confirm", "20"]
    code1, one, err1 = _cli(tmp_path, "stress", *base, "--chunk", "1024")
    code2, two, err2 = _cli(tmp_path, "stress", *base, "--chunk", "3072")
    assert code1 == code2 == 1, err1 + err2
    assert one["confirmation"]["flagged"] > 20  # several blocks contribute
    assert _numbers(one) == _numbers(two)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--action-rate", "0.1", "--engine", "kernel"],
            "the compiled kernel runs no user actions",
        ),
        (["--action-rate", "1.5"], "--action-rate must be a probability between 0 and 1"),
        (["--action-rate", "-0.1"], "--action-rate must be a probability between 0 and 1"),
        (
            ["--action-rate", "0.1", "--action", "nope"],
            "no user action 'nope'; its actions: trade, withdraw, flag",
        ),
        (["--action", "trade"], "give --action-rate P > 0"),
    ],
)
def test_bad_action_options_exit_3(tmp_path, args, message) -> None:
    code, doc, err = _cli(tmp_path, "stress", WEAK, *RUN, "--paths", "10", *args, json_out=False)
    assert code == 3, err
    assert message in err and "Traceback" not in err


def test_fixed_point_spec_with_actions(tmp_path) -> None:
    code, doc, err = _cli(
        tmp_path, "stress", FIXED, "--spec", "perp_fixed_actions", *RUN, "--paths", "300",
        "--action-rate", "0.2", "--traces-dir", "tr", "--traces", "1",
    )  # fmt: skip
    assert code == 1, err
    conf = doc["confirmation"]
    # int64 lanes compute what the judge computes: every flag is a violation
    assert conf["flagged"] > 0 and conf["confirmed"] == conf["checked"] == conf["flagged"]
    assert doc["metrics"]["p_insolvency"]["flagged_by_property"]["int64_overflow"] == 0
    (trace,) = (tmp_path / "tr").iterdir()
    data = json.loads(trace.read_text())
    for step in data["steps"]:  # arguments on the 10^-6 grid
        if step["action"] is not None:
            for v in step["action"]["args"].values():
                assert (Fraction(v) * 10**6).denominator == 1
    code, _doc, out = _cli(
        tmp_path, "replay", f"{FIXED}:perp_fixed_actions", str(trace), json_out=False
    )
    assert code == 1, out
    # a domain whose grid points leave int64 is refused up front
    code, _doc, err = _cli(
        tmp_path, "stress", FIXED, "--spec", "perp_fixed_actions_wide", *RUN, "--paths", "10",
        "--action-rate", "0.2", json_out=False,
    )  # fmt: skip
    assert code == 3 and "leaves int64 on the grid of 10^-18" in err and "Traceback" not in err


def test_fixed_lanes_with_actions_equal_the_judge_lane_by_lane() -> None:
    """The engine's judge re-run of a lane (used for lanes that overflow int64) replays the
    lane's user actions: on lanes that do not overflow both give the same outputs."""
    from solvent.stress.lanes import _judge_lane, _row_actions, keeper_schedule, lane_actions

    spec, job, decls, _notes, _engine, opts = _job(FIXED, "perp_fixed_actions", 0.3, paths=40)
    x = draw_block(job, 0)
    out = _lanes_engine(spec, decls, opts.equity_metric)(job, x)
    assert not x.overflow.any() and (out["FAIL_STEP"] >= 0).any() and (x.act >= 0).any()
    acts = lane_actions(spec, job, x.act, x.act_args)
    live = keeper_schedule(job.steps, job.keeper_period, job.outage_start, job.outage_len)
    for lane in range(40):
        exact = _judge_lane(
            spec, spec.param_values(), decls, job.layout, x.G0[lane], x.A0[lane], x.M[lane],
            live, x.C2[lane], opts.equity_metric, [], job.grid, _row_actions(acts, lane),
        )  # fmt: skip
        assert (exact["out_g"] == out["OUT_G"][lane]).all()
        assert (exact["t_min"] == out["T_MIN"][lane]).all()
        assert exact["fail"] == (int(out["FAIL_STEP"][lane]), int(out["FAIL_PROP"][lane]))
    # and without its actions the judge lane differs somewhere (the actions matter)
    differs = False
    for lane in range(40):
        bare = _judge_lane(
            spec, spec.param_values(), decls, job.layout, x.G0[lane], x.A0[lane], x.M[lane],
            live, x.C2[lane], opts.equity_metric, [], job.grid,
        )  # fmt: skip
        differs |= bool((bare["out_g"] != out["OUT_G"][lane]).any())
    assert differs


def test_options_reach_the_job() -> None:
    spec, job, *_ = _job(WEAK, None, 0.5, actions=("trade", "flag"))
    assert job.action_rate == 0.5
    assert [a.name for a in job.actions] == ["trade"] * 3 + ["flag"]
    assert dataclasses.replace(job, action_rate=0.4) != job


def test_float_lanes_with_actions_agree_with_the_exact_replay_of_their_traces() -> None:
    """Every lane of a block, actions included: the exact replay of its trace ends in the
    same globals (to float rounding) and fails first at the step the lane flagged."""
    from solvent.check.replay import replay

    spec, job, decls, _notes, _engine, opts = _job(WEAK, None, 0.3)
    x = draw_block(job, 0)
    out = _lanes_engine(spec, decls, None)(job, x)
    assert (x.act >= 0).sum() > 100 and (out["FAIL_STEP"] >= 0).any()
    for lane in range(x.M.shape[0]):
        result = replay(spec, lane_trace(spec, job, x, lane, lane, job.steps, {}))
        final = result.records[-1].state
        for i, f in enumerate(job.layout.globals):
            assert float(final[f]) == pytest.approx(out["OUT_G"][lane, i], rel=1e-9, abs=1e-9)
        first = result.first_failure
        assert (-1 if first is None else first.step) == int(out["FAIL_STEP"][lane])
