"""Exact replays of certain lanes on their cone of influence (issue 16, cheap re-runs):
the judge's verdict on the cone (the accounts whose keeper acted, the others' initial
fields) is the verdict of the whole lane, lane by lane, and the cone is smaller."""

from __future__ import annotations

from solvent.scenarios.population import Population
from solvent.scenarios.registry import get
from solvent.stress import cone
from solvent.stress.blocks import draw_block, run_kernel, summarize
from solvent.stress.confirm import _OutOfTime, exact_first_failure, judge_for
from solvent.stress.exact import lane_trace
from solvent.stress.runner import StressOptions, prepare


def _job(load, name: str, accounts: int, **kw: object) -> tuple:
    opts = StressOptions(
        paths=120, steps=10, seed=3, block=120, accounts=accounts, checkpoint_dir=None, **kw
    )
    pop = Population() if name.startswith("perp") else None
    spec, job, decls, _notes, engine = prepare(load(name), get("gbm", vol=6.0), pop, opts)
    assert engine == "kernel"
    return spec, job, decls


def test_cone_replays_are_the_whole_lanes(load) -> None:
    spec, job, decls = _job(load, "perp_small", 12, keeper_delay=1)
    assert cone.applies(job)
    x = draw_block(job, 0)
    summary = summarize(job, 0, x, run_kernel(job, x))
    assert len(summary["certain"]) >= 10
    sizes, work = [], []
    for path, step, _k in summary["certain"]:
        trace = lane_trace(spec, job, x, path, path, step, {})
        whole = exact_first_failure(spec, trace, None, decls)
        got, n, ran = cone.cone_failure(
            spec, job, x, path, trace, decls, judge_for(spec), None, _OutOfTime
        )
        assert got != cone.FALLBACK, path
        assert (got.name, got.account, got.step) == (whole.name, whole.account, whole.step)
        sizes.append(n)
        work.append((ran, step * job.accounts, step * max(n, 1)))  # 1: no keeper acted
    assert min(sizes) < job.accounts and sum(sizes) < len(sizes) * job.accounts / 2
    # the judge runs an account only at the steps its keeper acted (perp_small liquidates
    # an account once): fewer account-steps than the cone's accounts at every step
    assert all(ran <= cone_steps <= full for ran, full, cone_steps in work)
    assert sum(r for r, _f, _c in work) < 0.7 * sum(c for _r, _f, c in work)


def test_cone_windows_of_repeated_keepers_give_the_whole_lanes_verdict(load) -> None:
    """trim.py: a keeper acts on an account again and again and pays from a shared fund in
    account order; the judge runs each account only over its window of actions (first to
    last step its keeper acted), and every certain lane of the block (all of them,
    exhaustively) gets the whole replay's verdict, with fewer account-steps."""
    opts = StressOptions(
        paths=120, steps=12, seed=3, block=120, accounts=6, checkpoint_dir=None, size_field=None
    )
    spec, job, decls, _notes, engine = prepare(load("trim"), get("gbm", vol=6.0), None, opts)
    assert engine == "kernel" and cone.applies(job)
    x = draw_block(job, 0)
    summary = summarize(job, 0, x, run_kernel(job, x))
    assert len(summary["certain"]) >= 20
    wide = ran_total = cone_total = 0
    for path, step, _k in summary["certain"]:
        won = cone.windows(job, x, path, step)
        wide += any(f < min(last, step) for f, last in won.values())
        trace = lane_trace(spec, job, x, path, path, step, {})
        whole = exact_first_failure(spec, trace, None, decls)
        got, n, ran = cone.cone_failure(
            spec, job, x, path, trace, decls, judge_for(spec), None, _OutOfTime
        )
        assert got != cone.FALLBACK and n == len(won), path
        assert (got.name, got.account, got.step) == (whole.name, whole.account, whole.step)
        ran_total += ran
        cone_total += step * max(n, 1)
    assert wide >= 3  # windows longer than one step were replayed
    assert ran_total < 0.8 * cone_total


def test_a_spec_whose_accounts_meet_in_a_fold_replays_whole(load) -> None:
    """misc.py: a global keeper reads a sum over the accounts and an invariant is the
    negation of an ``all_of``: dropping accounts would change them, so no cone."""
    _spec, job, _decls = _job(load, "misc", 3)
    assert job.kernel.cone is False and not cone.applies(job)


def test_the_traces_shown_are_replayed_on_their_cones(load, monkeypatch) -> None:
    """A stress run replays the certain violations it shows on their cones: the replay of
    every account (exact_first_failure) is not called."""
    import solvent.stress.confirm as confirm
    from solvent.stress.runner import stress

    whole: list[int] = []
    real = confirm.exact_first_failure
    monkeypatch.setattr(
        confirm, "exact_first_failure", lambda *a, **k: whole.append(1) or real(*a, **k)
    )
    opts = StressOptions(
        paths=120, steps=10, seed=3, block=120, accounts=12, checkpoint_dir=None,
        keeper_delay=1, traces=3,
    )  # fmt: skip
    r = stress(load("perp_small"), get("gbm", vol=6.0), Population(), opts)
    assert r.verdict == "FAIL" and len(r.traces) == 3 and r.confirmation["exact_reruns"] == 0
    assert not whole


def test_cross_margin_replays_every_account_at_every_step() -> None:
    """examples/correct/perp_cross.py: the tick charges funding to every account's quote,
    so every account changes at every step and the cone is the whole trace (the step runs
    on the NumPy lanes, no kernel records keeper windows): no cone replay."""
    from pathlib import Path

    from solvent.spec.load import load_spec

    path = Path(__file__).resolve().parents[2] / "examples/correct/perp_cross.py"
    opts = StressOptions(
        paths=8, steps=3, seed=0, block=8, accounts=3, checkpoint_dir=None,
        fields=("move_a",), size_field=None,
    )  # fmt: skip
    _spec, job, _decls, notes, engine = prepare(load_spec(str(path)), get("gbm"), None, opts)
    assert engine == "lanes" and not cone.applies(job)
    assert any("the tick writes the per-account field quote" in n for n in notes)
