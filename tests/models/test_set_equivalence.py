"""A parameter means one thing: ``--set P=v`` on a library model is ``build(P=v)`` (issue 24).

For every model of ``solvent.models`` and every parameter its spec declares, the shipped
spec with the parameter set (``Spec.with_params``, what ``--set`` and ``[tool.solvent]``
params call) must be the spec ``build(P=v)`` makes: the same ``inspect`` document
(envelope, state, builder call, derived constants; only the "set; default" annotation
differs), the same refusal when the model refuses ``v`` (SV801), and the same verdicts of
``bmc --depth 2`` and ``prove``.

Profiles (Hypothesis): CI draws a few values per parameter for the inspect comparison and
checks verdicts for one parameter per model; ``SOLVENT_LONG_TESTS=1 pytest
tests/models/test_set_equivalence.py`` draws more values and checks the verdicts of every
parameter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solvent.check.bmc import bmc
from solvent.check.induction import prove
from solvent.check.results import UNKNOWN
from solvent.errors import ModelParameterError
from solvent.lang.values import format_number
from solvent.models.registry import all_models, load
from solvent.report.json_out import spec_json

ROOT = Path(__file__).resolve().parents[2]
LONG = os.environ.get("SOLVENT_LONG_TESTS", "").strip() not in ("", "0")
FAST = settings(
    max_examples=30 if LONG else 3,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)

# the smallest accounts each model allows: verdicts are compared on small specs
ACCOUNTS = {"insurance-waterfall": 2}
# model variants whose spec declares other parameters (tier2 adds three)
VARIANTS: dict[str, dict[str, Any]] = {
    "perp-isolated": {},
    "perp-isolated-tier2": {"tier2": ("50000", "0.10", "1200")},
    "perp-isolated-leverage": {"max_leverage": "10", "maintenance_margin": "0.08"},
}


def _module(variant: str) -> Any:
    return load(variant.split("-tier2")[0].split("-leverage")[0]).module


def _base(variant: str) -> dict[str, Any]:
    model = variant.split("-tier2")[0].split("-leverage")[0]
    return {"accounts": ACCOUNTS.get(model, 1), **VARIANTS.get(variant, {})}


def _cases() -> list[tuple[str, str]]:
    variants = [info.name for info in all_models() if info.name != "perp-isolated"]
    variants += list(VARIANTS)
    out = []
    for variant in variants:
        for name in _module(variant).build(**_base(variant)).param_decls:
            out.append((variant, name))
    return out


CASES = _cases()


def build_with(variant: str, name: str, value: Fraction) -> Any:
    """``build(P=v)`` as a user writes it in a spec file (each keyword spelled out)."""
    kwargs = _base(variant)
    text = format_number(value)
    if variant == "perp-inverse" and name == "initial_margin":
        # the spec's initial margin is 1 / max_leverage (perp-inverse states leverage)
        kwargs["max_leverage"] = format_number(1 / value) if value else "1/0"
    elif name.startswith("tier2_"):
        tier2 = list(kwargs["tier2"])
        tier2[("boundary", "maintenance_margin", "maintenance_amount").index(name[6:])] = text
        kwargs["tier2"] = tuple(tier2)
    else:
        kwargs[name] = text
    return _module(variant).build(**kwargs)


def set_on_shipped(variant: str, name: str, value: Fraction) -> Any:
    """The shipped spec (the model's defaults) with ``--set P=v``."""
    return _module(variant).build(**_base(variant)).with_params(**{name: format_number(value)})


def inspect_doc(spec: Any) -> dict[str, Any]:
    """``inspect --format json`` without what only says which values were set."""
    doc = spec_json(spec)
    for entry in doc["params"].values():
        entry.pop("default")
    doc["built_by"].pop("set")
    return doc


def outcome(make: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "built", make()
    except ModelParameterError as exc:
        return "refused", exc.message.split(";")[0]


def values_near(default: Fraction) -> st.SearchStrategy[Fraction]:
    """Values around the default: most valid, some the model refuses (both must agree)."""
    scale = abs(default) or Fraction(1, 10)
    factors = st.sampled_from(
        [Fraction(1, 2), Fraction(3, 4), Fraction(9, 10), Fraction(11, 10), Fraction(5, 4), 2]
    )
    return factors.map(lambda f: default * f if default else scale * f)


@pytest.mark.parametrize(("variant", "name"), CASES, ids=[f"{v}:{n}" for v, n in CASES])
def test_set_is_build_in_inspect_and_refusal(variant: str, name: str) -> None:
    default = Fraction(_module(variant).build(**_base(variant)).param_decls[name])

    @FAST
    @given(values_near(default))
    def check(value: Fraction) -> None:
        built = outcome(lambda: build_with(variant, name, value))
        set_ = outcome(lambda: set_on_shipped(variant, name, value))
        assert built[0] == set_[0], (value, built, set_)
        if built[0] == "refused":
            assert built[1] == set_[1]
            return
        assert inspect_doc(set_[1]) == inspect_doc(built[1]), value
        assert set_[1].param_values().as_dict() == built[1].param_values().as_dict()

    check()


# CI: the parameters that shape the spec (scan points, envelope), a parameter set through
# a setter, and the cheap models; the long profile checks every parameter of every model
VERDICT_CASES = [
    ("span", "strike_low", Fraction(1960)),
    ("multi-collateral", "max_move_a", Fraction(3, 100)),
    ("perp-inverse", "initial_margin", Fraction(1, 8)),
    ("perp-pool", "reserve_factor", Fraction(1, 2)),
    ("fee-accrual", "fee_rate", Fraction(1, 1000)),
    ("options-vault", "strike", Fraction(2100)),
]
if LONG:
    VERDICT_CASES = [
        (v, n, Fraction(_module(v).build(**_base(v)).param_decls[n]) * Fraction(9, 10))
        for v, n in CASES
    ]


def verdicts(spec: Any) -> tuple[str, str]:
    return bmc(spec, 2, timeout=20).verdict, prove(spec, k=1, max_k=1, timeout=20).verdict


@pytest.mark.parametrize(
    ("variant", "name", "value"), VERDICT_CASES, ids=[f"{v}:{n}" for v, n, _ in VERDICT_CASES]
)
def test_set_is_build_in_bmc_and_prove(variant: str, name: str, value: Fraction) -> None:
    built = outcome(lambda: build_with(variant, name, value))
    set_ = outcome(lambda: set_on_shipped(variant, name, value))
    assert built[0] == set_[0]
    if built[0] == "refused":
        return
    for mine, theirs in zip(verdicts(set_[1]), verdicts(built[1]), strict=True):
        if UNKNOWN not in (mine, theirs):  # a timeout says nothing either way
            assert mine == theirs, (variant, name, value)


# ---------------------------------------------------------------- the issue's reproductions
SPAN = ROOT / "examples" / "correct" / "span_margin.py"
ISSUE_TRACE = {
    "#meta": {"format": "solvent-trace", "version": 1, "spec": "span-margin", "accounts": 3},
    "params": {"price": "2000", "scan_range": "0.15", "strike_low": "1960", "strike_high": "2050"},
    "init": {
        "settlement": "2000",
        "collateral": ["30", "0", "0"],
        "future": ["0", "0", "0"],
        "call_low": ["1", "0", "0"],
        "put_low": ["1", "0", "0"],
        "call_high": ["0", "0", "0"],
        "put_high": ["0", "0", "0"],
    },
    "steps": [{"market": {"move": "-0.02"}, "action": None}],
}


def test_span_set_strike_prices_the_new_strike() -> None:
    """Before the fix `--set strike_low=1960` kept the scan points and payoff segments of
    1950: the issue's straddle at 1960 was margined 30 and lost 24 at 1960 (really 40), so
    prove said PASS about a spec that no file describes. Now the margin scans 1960 (40) and
    the loss at 1960 is exact (-40): that portfolio cannot open with collateral 30."""
    from solvent.check.replay import replay
    from solvent.engine.trace import from_json
    from solvent.spec.load import load_spec

    spec = load_spec(str(SPAN)).with_params(strike_low="1960")
    result = replay(spec, from_json(ISSUE_TRACE))
    first, last = result.records[0], result.records[-1]
    assert first.metrics["scanning_risk_margin"][0] == 40
    assert last.metrics["pnl"][0] == -40
    failure = result.first_failure
    assert failure is not None and failure.step == 0 and failure.name == "margined"


def test_span_set_strike_without_strike_scans_fails_like_the_built_spec() -> None:
    """The counterexample the issue expected: at 1960 off the grid and without scanning
    the strikes, `--set` finds the loss exactly as `build(strike_low=1960, ...)` does."""
    shipped = load("span").module.build(
        accounts=1, strike_low="1950", strike_high="2050", scan_strikes=True
    )
    spec = shipped.with_params(strike_low="1960", scan_strikes="false")
    result = bmc(spec, 1, timeout=60)
    assert result.verdict == "FAIL" and result.invariant == "covered_at_expiry[account 0]"


def _cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "solvent", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "CI": "true"},
        timeout=300,
    )


def test_cli_inspect_shows_the_envelope_and_derived_values_after_set() -> None:
    done = _cli("inspect", str(SPAN), "--set", "scan_range=0.3", "--format", "json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["envelope"]["move"]["lo"] == "-0.3" and doc["envelope"]["move"]["hi"] == "0.3"
    assert doc["params"]["scan_range"] == {
        "value": "0.3",
        "default": "0.15",
        "where": doc["params"]["scan_range"]["where"],
    }
    assert doc["built_by"]["set"] == {"scan_range": "0.3"}
    assert doc["derived"]["scan_points"][:7] == [
        "1400",
        "1600",
        "1800",
        "2000",
        "2200",
        "2400",
        "2600",
    ]
    text = _cli("inspect", str(SPAN), "--set", "scan_range=0.3").stdout
    assert "move  within [-0.3, 0.3]" in text
    assert "scan_range  0.3 (set; built with 0.15)" in text


def test_cli_prove_records_what_it_proved() -> None:
    done = _cli("prove", str(SPAN), "--no-slack", "--set", "strike_low=1960", "--format", "json")
    doc = json.loads(done.stdout)
    # the spec span.build(strike_low=1960, scan_strikes=True) is safe: the margin scans 1960
    assert done.returncode == 0 and doc["verdict"] == "PASS", done.stdout + done.stderr
    assert doc["provenance"]["built_by"]["kwargs"]["strike_low"] == "1960"
    assert "1960" in doc["provenance"]["derived"]["scan_points"]
    assert doc["provenance"]["set"] == {"strike_low": "1960"}


def test_multi_collateral_envelope_follows_max_move_a() -> None:
    shipped = load("multi-collateral").module.build()
    spec = shipped.with_params(max_move_a="0.03")
    bound = spec.bounds["move_a"]
    assert (bound.lo, bound.hi) == (Fraction(-3, 100), Fraction(3, 100))
    assert spec.param_values().max_move_a == Fraction(3, 100)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-0.05", "parameter maintenance_margin = -0.05: must be greater than 0"),
        ("0.2", "maintenance_margin = 0.2 exceeds initial_margin = 0.1"),
        ("1e400", "a fraction of notional must be at most 1"),
    ],
)
def test_set_runs_the_model_validation(value: str, message: str) -> None:
    """Issue 15 defect 8: `--set maintenance_margin=-0.05` gave PASS (exit 0) while
    `build(maintenance_margin='-0.05')` raises SV801; so did a value above the initial
    margin and 1e400."""
    example = ROOT / "examples" / "correct" / "perp_isolated.py"
    done = _cli("bmc", str(example), "--depth", "1", "--set", f"maintenance_margin={value}")
    assert done.returncode == 3, done.stdout + done.stderr
    assert message in done.stderr and "[SV801]" in done.stderr
    assert done.stderr.startswith("error: examples/correct/perp_isolated.py:")
    assert "Traceback" not in done.stderr and "PASS" not in done.stdout
