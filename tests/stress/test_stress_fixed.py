"""`solvent stress` on fixed-point specs: int64 lanes, grid-rounded draws, overflowed lanes."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from solvent.cli import run
from solvent.scenarios import get
from solvent.scenarios.population import Population
from solvent.spec.load import load_spec
from solvent.stress.blocks import block_rng, draw_block
from solvent.stress.grid import OVERFLOW
from solvent.stress.runner import StressOptions, _lanes_engine, lane_trace, prepare, stress

SPECS = Path(__file__).parent / "specs"
PERP = str(SPECS / "perp_fixed.py")
WIDE = str(SPECS / "fixed_wide.py")
NO_FIELDS = [
    "--bad-debt-field",
    "none",
    "--insurance-field",
    "none",
    "--liquidations-field",
    "none",
]


def _cli(tmp_path, *args: str) -> tuple[int, dict, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "solvent", "stress", *args, "--format", "json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    return proc.returncode, json.loads(proc.stdout) if proc.stdout else {}, proc.stderr


def test_fixed_perp_runs_from_the_cli_and_every_flagged_lane_is_confirmed(tmp_path) -> None:
    code, doc, err = _cli(
        tmp_path, PERP, "--spec", "perp_fixed", "--scenario", "gbm", "--opt", "vol=5",
        "--paths", "300", "--steps", "20", "--seed", "4",
    )  # fmt: skip
    assert code == 1, err
    assert doc["verdict"] == "FAIL" and doc["exit_code"] == 1 and doc["engine"] == "lanes"
    conf = doc["confirmation"]
    # int64 lanes compute exactly what the judge computes: no false alarm, none left
    assert conf["flagged"] > 0 and conf["unchecked"] == 0
    assert conf["confirmed"] == conf["checked"] == conf["flagged"]
    assert doc["metrics"]["p_insolvency"]["flagged_by_property"]["int64_overflow"] == 0
    assert any("fixed point (6 decimals)" in n for n in doc["notes"])
    # metrics are read back from units as numbers
    assert doc["metrics"]["insurance"]["mean_start"] == 100.0
    assert doc["worst_paths"] and doc["worst_paths"][0]["prices"][0] == 2000.0


def test_engine_kernel_on_a_fixed_spec_exits_3_with_a_message(
    tmp_path, capsys, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code = run(
        ["stress", PERP, "--spec", "perp_fixed", "--scenario", "gbm", "--paths", "10",
         "--steps", "5", "--engine", "kernel", "-q"]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 3, err
    assert "SV500" in err and "fixed-point" in err and "--engine lanes" in err
    assert "Traceback" not in err


def _numbers(r) -> str:
    counts = {k: v for k, v in r.confirmation.items() if k != "seconds"}
    return json.dumps([r.metrics, counts], sort_keys=True, default=str)


def test_same_seed_same_numbers_whatever_the_chunk(tmp_path) -> None:
    spec = load_spec(PERP, "perp_fixed")

    def go(**kw):
        opts = dict(paths=200, steps=12, seed=7, block=32, checkpoint_dir=str(tmp_path / "ck"))
        opts.update(kw)
        return stress(
            spec, get("gbm", vol=5), Population(initial_margin=0.1), StressOptions(**opts)
        )

    small, big = go(chunk=32), go(chunk=10_000)
    assert small.metrics["p_insolvency"]["paths"] > 0
    assert _numbers(small) == _numbers(big)
    assert _numbers(go(seed=8)) != _numbers(small)


def _wide_job(paths: int = 400):
    spec = load_spec(WIDE)
    opts = StressOptions(
        paths=paths, steps=3, seed=1, bad_debt_field="none",
        insurance_field="none", liquidations_field="none",
    )  # fmt: skip
    return prepare(spec, get("gbm"), None, opts)


def test_draws_are_on_the_grid_and_replayed_exactly() -> None:
    spec, job, decls, _notes, engine = _wide_job()
    assert engine == "lanes" and decls[-1] is OVERFLOW and job.grid.decimals == 6
    x = draw_block(job, 0)
    assert x.G0.dtype == x.A0.dtype == x.M.dtype == np.int64
    # returns: round half-even of the float64 product, in units of 10^-6
    raw = np.asarray(job.scenario.sample(block_rng(job.seed, 0), job.block_size(0), job.steps))
    assert (x.M[:, :, 0] == np.rint(raw.reshape(x.M.shape[:2]) * 1e6)).all()
    j = 0
    for lane in (0, 5, 17):
        units = x.M[lane, :, j]
        trace = lane_trace(spec, job, x, lane, lane, job.steps, {})
        for t in range(job.steps):
            assert trace.steps[t].market["move"] == Fraction(int(units[t]), 10**6)
        assert trace.init["x"] == Fraction(int(x.G0[lane, 0]), 10**6)
    # the same block drawn twice is the same integers
    y = draw_block(job, 0)
    assert (x.M == y.M).all() and (x.G0 == y.G0).all() and (x.overflow == y.overflow).all()
    # uniform initial values stay inside their exact bounds
    assert x.G0[:, 0].min() >= 0 and x.G0[:, 0].max() <= 8 * 10**18


def test_grid_rounding_is_half_even_and_flags_numbers_outside_int64() -> None:
    from solvent.stress.grid import Grid

    grid = Grid(decimals=0, g_init=(), a_init=(), market=(), bounds=())
    units, over = grid.units(np.array([0.5, 1.5, 2.5, -0.5, -1.5, 9.3e18, -9.3e18, np.nan]))
    assert units[:5].tolist() == [0, 2, 2, 0, -2]
    assert over.tolist() == [False] * 5 + [True] * 3
    six = Grid(decimals=6, g_init=(), a_init=(), market=(), bounds=())
    units, over = six.units(np.array([0.0123455, -0.03, 1e13]))
    assert units[1] == -30000 and not over[:2].any() and over[2]


def test_lanes_that_overflow_int64_are_flagged_rerun_exactly_and_reported(tmp_path) -> None:
    """fixed_wide: y = x + x leaves int64 when x > (2^63 - 1) / 2 units; the invariant
    y <= 9e12 breaks when x > 4.5e12. Expected counts come from the drawn x."""
    spec, job, decls, _notes, _engine = _wide_job()
    xs = np.concatenate([draw_block(job, b).G0[:, 0] for b in range(job.n_blocks)])
    overflows = int((xs > (2**63 - 1) // 2).sum())
    breaks = int((2 * xs.astype(object) > 9 * 10**18).sum())
    assert 0 < overflows < breaks < len(xs)
    code, doc, err = _cli(
        tmp_path, WIDE, "--scenario", "gbm", "--paths", "400", "--steps", "3", "--seed", "1",
        *NO_FIELDS,
    )  # fmt: skip
    assert code == 1, err
    flagged_by = doc["metrics"]["p_insolvency"]["flagged_by_property"]
    assert flagged_by["int64_overflow"] == overflows
    assert flagged_by["bounded"] == breaks - overflows
    conf = doc["confirmation"]
    # every flagged lane is re-run on the judge (Python ints): the overflowed ones too,
    # and each of them breaks the invariant exactly
    assert conf["flagged"] == conf["checked"] == conf["confirmed"] == breaks
    assert doc["metrics"]["p_insolvency"]["by_property"] == {"bounded": breaks}


def test_overflow_on_every_lane_18_decimals(tmp_path) -> None:
    """18 decimals at a price of 100: the start price (1e20 units) does not fit int64, so
    every lane is flagged; the judge re-runs each; metrics come from the judge's numbers."""
    code, doc, err = _cli(
        tmp_path, PERP, "--spec", "perp_fixed_big", "--scenario", "gbm", "--opt", "vol=5",
        "--paths", "30", "--steps", "8", "--seed", "2",
    )  # fmt: skip
    assert code in (0, 1), err
    conf = doc["confirmation"]
    assert doc["metrics"]["p_insolvency"]["flagged_by_property"]["int64_overflow"] == 30
    assert conf["flagged"] == conf["checked"] == 30 and conf["unchecked"] == 0
    assert doc["metrics"]["insurance"]["mean_start"] == 100.0
    assert doc["metrics"]["overflow_lanes"] == 30
    assert doc["verdict"] == ("FAIL" if conf["confirmed"] else "PASS")
    # the worst paths' series of lanes outside int64 come from their exact units (no NaN)
    assert doc["worst_paths"]
    for w in doc["worst_paths"]:
        assert w["prices"][0] == 100.0 and np.isfinite(w["prices"]).all()


def test_overflowed_lane_outputs_equal_the_int64_lanes_where_both_are_exact() -> None:
    """The engine's judge re-run of a lane (used for overflowed lanes) against the int64
    lanes on lanes that do not overflow: the same outputs, to the last bit."""
    from solvent.stress.lanes import _judge_lane, keeper_schedule

    spec = load_spec(PERP, "perp_fixed")
    opts = StressOptions(paths=40, steps=10, seed=3, block=40, checkpoint_dir=None)
    spec, job, decls, _notes, _engine = prepare(spec, get("gbm", vol=5), Population(), opts)
    x = draw_block(job, 0)
    out = _lanes_engine(spec, decls, opts.equity_metric)(job, x)
    assert not x.overflow.any() and (out["FAIL_STEP"] >= 0).any()
    live = keeper_schedule(job.steps, job.keeper_period, job.outage_start, job.outage_len)
    for lane in range(40):
        exact = _judge_lane(
            spec, spec.param_values(), decls, job.layout, x.G0[lane], x.A0[lane], x.M[lane],
            live, x.C2[lane], opts.equity_metric, [], job.grid,
        )  # fmt: skip
        assert (exact["out_g"] == out["OUT_G"][lane]).all()
        assert (exact["t_min"] == out["T_MIN"][lane]).all()
        assert (exact["t_max"] == out["T_MAX"][lane]).all()
        assert (exact["t_hit"] == out["T_HIT"][lane]).all()
        assert exact["cover2"] == pytest.approx(out["COVER2"][lane], abs=1e-9)
        assert exact["fail"] == (int(out["FAIL_STEP"][lane]), int(out["FAIL_PROP"][lane]))


def test_more_than_18_decimals_is_refused(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("d20.py").write_text(Path(WIDE).read_text().replace("decimals=6", "decimals=20"))
    code = run(["stress", "d20.py", "--scenario", "gbm", "--paths", "5", "--steps", "2", "-q",
                *NO_FIELDS])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 3 and "decimals=20" in err and "at most 18" in err
