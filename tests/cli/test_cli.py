"""The `solvent` command line: verbs, verdict lines, exit codes, JSON, config, bad input.

Most tests call :func:`solvent.cli.run` in-process (fast, output captured by capsys); a few
run ``python -m solvent`` in a subprocess to cover the real entry point.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer

from solvent import cli, config
from solvent.check.results import CheckResult, RanOut
from solvent.errors import InternalError
from solvent.report import text

HERE = Path(__file__).resolve().parent
SPECS = HERE / "specs"
ROOT = HERE.parents[1]
GAP_RISK = ROOT / "examples" / "bugs_detected" / "perp_gap_risk.py"
COUNTER = SPECS / "counter.py"


def run(capsys: pytest.CaptureFixture[str], *argv: Any) -> tuple[int, str, str]:
    code = cli.run([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_input_error(code: int, out: str, err: str, *needles: str) -> None:
    """Exit 3, every needle in the message on stderr, no traceback anywhere."""
    assert code == 3, (code, out, err)
    assert err.startswith("error: "), err
    for needle in needles:
        assert needle in err, (needle, err)
    assert "Traceback" not in out + err


def line_of(path: Path, fragment: str) -> int:
    """1-based line of the first line of ``path`` containing ``fragment``."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if fragment in line:
            return number
    raise AssertionError(f"{fragment!r} not in {path}")


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.fixture(autouse=True)
def _in_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the repository root (paths in messages are relative to it)."""
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("CI", raising=False)


# --------------------------------------------------------------------------- bad input
def test_spec_file_missing(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "bmc", "no/such/spec.py", "--depth", "1")
    assert_input_error(code, out, err, "spec file 'no/such/spec.py' does not exist", "[SV200]")


def test_spec_file_fails_to_import(capsys: pytest.CaptureFixture[str]) -> None:
    path = SPECS / "import_error.py"
    code, out, err = run(capsys, "inspect", path)
    where = f"{rel(path)}:{line_of(path, 'maintenance_margn')}"
    assert_input_error(
        code,
        out,
        err,
        where,
        "failed to import",
        "NameError: name 'maintenance_margn' is not defined",
        "[SV200]",
    )


def test_spec_file_with_syntax_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "syntax.py"
    path.write_text("import solvent as sv\nspec = sv.Spec('x'\n")
    code, out, err = run(capsys, "lint", path)
    assert_input_error(code, out, err, "syntax.py:2:", "syntax error", "[SV200]")


def test_file_with_no_spec(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "lint", SPECS / "no_spec.py")
    assert_input_error(code, out, err, "defines no solvent.Spec", "sv.Spec('name', accounts=N)")


def test_file_with_several_specs_and_no_name(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "bmc", SPECS / "traced_bool.py", "--depth", "1")
    assert_input_error(code, out, err, "defines several specs", "uses_if (uses-if)", "--spec NAME")


def test_unknown_spec_name(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "inspect", SPECS / "traced_bool.py", "--spec", "nope")
    assert_input_error(code, out, err, "has no spec named 'nope'", "uses_max (uses-max)")


def test_float_literal(capsys: pytest.CaptureFixture[str]) -> None:
    path = SPECS / "float_literal.py"
    code, out, err = run(capsys, "lint", path)
    assert_input_error(
        code,
        out,
        err,
        f"{rel(path)}:{line_of(path, 'Num(0.05)')}:",
        "float literal 0.05 is not exact",
        "Num('0.05')",
        "[SV101]",
    )


@pytest.mark.parametrize(
    ("name", "fragment"),
    [("uses_if", "if m.move < 0"), ("uses_and", "s.price > 0 and"), ("uses_max", "max(s.loss")],
)
def test_traced_value_used_as_bool(
    capsys: pytest.CaptureFixture[str], name: str, fragment: str
) -> None:
    path = SPECS / "traced_bool.py"
    code, out, err = run(capsys, "bmc", f"{path}:{name}", "--depth", "1")
    assert_input_error(
        code,
        out,
        err,
        f"{rel(path)}:{line_of(path, fragment)}:",
        "used as a Python bool",
        "sv.when",
        "sv.maximum",
        "[SV102]",
    )


def test_traced_bool_is_caught_by_lint_too(capsys: pytest.CaptureFixture[str]) -> None:
    path = SPECS / "traced_bool.py"
    code, out, err = run(capsys, "lint", path, "--spec", "uses_and")
    assert_input_error(
        code, out, err, f"{rel(path)}:{line_of(path, 's.price > 0 and')}:", "[SV102]"
    )


def test_invariant_returning_a_number(capsys: pytest.CaptureFixture[str]) -> None:
    path = SPECS / "non_bool_invariant.py"
    code, out, err = run(capsys, "bmc", path, "--depth", "1")
    assert_input_error(
        code,
        out,
        err,
        "invariant price_positive must return a condition (Bool)",
        "returned a number",
        "[SV103]",
    )
    decorator, definition = line_of(path, "@spec.invariant"), line_of(path, "def price_positive")
    assert any(f"{rel(path)}:{n}:" in err for n in (decorator, definition)), err


def test_empty_envelope(capsys: pytest.CaptureFixture[str]) -> None:
    path = SPECS / "empty_envelope.py"
    code, out, err = run(capsys, "inspect", path)
    assert_input_error(
        code,
        out,
        err,
        f"{rel(path)}:{line_of(path, 'within(')}:",
        "within('1', '0') is empty",
        "[SV104]",
    )


@pytest.mark.parametrize("verb", ["bmc", "prove", "check"])
def test_unknown_invariant_name(capsys: pytest.CaptureFixture[str], verb: str) -> None:
    code, out, err = run(capsys, verb, COUNTER, "--invariant", "solvency")
    assert_input_error(
        code, out, err, "unknown invariant 'solvency'", "known: below_cap", "[SV300]"
    )


def test_trace_file_not_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    trace = tmp_path / "trace.json"
    trace.write_text("{ this is not json")
    code, out, err = run(capsys, "replay", COUNTER, trace)
    assert_input_error(code, out, err, "is not valid JSON", "line 1 column 3", "[SV400]")


def test_trace_file_missing(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "replay", COUNTER, "no-such-trace.json")
    assert_input_error(code, out, err, "trace file 'no-such-trace.json' does not exist", "[SV400]")


def test_trace_of_another_spec(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    trace = tmp_path / "gap.json"
    trace.write_text(json.dumps(gap_risk_trace("-0.05", "-0.08")))
    code, out, err = run(capsys, "replay", COUNTER, trace)
    assert_input_error(
        code, out, err, "does not match spec counter", "trace has 3 accounts, spec has 2", "[SV400]"
    )


def test_trace_with_unknown_action(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    doc = gap_risk_trace("-0.05")
    doc["steps"][0]["action"]["name"] = "deposit"
    trace = tmp_path / "gap.json"
    trace.write_text(json.dumps(doc))
    code, out, err = run(capsys, "replay", GAP_RISK, trace)
    assert_input_error(code, out, err, "step 1: unknown action 'deposit'")


def test_trace_with_float_numbers(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    doc = gap_risk_trace("-0.05")
    doc["steps"][1]["market"]["move"] = -0.05
    trace = tmp_path / "gap.json"
    trace.write_text(json.dumps(doc))
    code, out, err = run(capsys, "replay", GAP_RISK, trace)
    assert_input_error(code, out, err, "steps[2].market.move", 'as a string (e.g. "0.05")')


def test_negative_depth(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "bmc", COUNTER, "--depth", "-1")
    assert_input_error(code, out, err, "--depth must be an integer >= 0, got -1")


def test_depth_not_a_number_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "bmc", COUNTER, "--depth", "five")
    assert code == 3
    assert "Invalid value for '--depth'" in err and "integer" in err
    assert "Traceback" not in err


def test_unknown_option_is_exit_3(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.run(["bmc", str(COUNTER), "--deep", "3"])
    assert code == 3
    assert "No such option: --deep" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("setting", "needle"),
    [
        ("cap", "expects NAME=VALUE"),
        ("margin=0.1", "unknown parameter 'margin' for spec counter; known: cap"),
        ("cap=0.1.2", "'0.1.2' is not a number"),
    ],
)
def test_bad_parameter_override(
    capsys: pytest.CaptureFixture[str], setting: str, needle: str
) -> None:
    code, out, err = run(capsys, "bmc", COUNTER, "--set", setting)
    assert_input_error(code, out, err, needle)


def test_timeout_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "prove", COUNTER, "--timeout", "0")
    assert_input_error(code, out, err, "--timeout must be a positive number of seconds")


def test_max_k_below_k(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "prove", COUNTER, "--k", "3", "--max-k", "2")
    assert_input_error(code, out, err, "--max-k (2) must be at least --k (3)")


def test_json_error_document(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "lint", SPECS / "float_literal.py", "--format", "json")
    assert code == 3
    doc = json.loads(out)
    assert doc["schema"] == "solvent-result/1"
    assert doc["verdict"] == "ERROR" and doc["exit_code"] == 3
    assert doc["error"]["code"] == "SV101"
    assert doc["error"]["where"].endswith("float_literal.py:11")
    assert "float literal" in err


# --------------------------------------------------------------------------- replay
def gap_risk_trace(*moves: str) -> dict[str, Any]:
    """Account 0 deposits 10,000 and buys 50 at 2,000 (no move), then the price moves."""
    steps: list[dict[str, Any]] = [
        {
            "market": {"move": "0"},
            "action": {"name": "trade", "accounts": [0], "args": {"qty": "50"}},
        }
    ]
    steps += [{"market": {"move": m}, "action": None} for m in moves]
    return {
        "#meta": {"format": "solvent-trace", "version": 1, "spec": "perp-gap-risk", "accounts": 3},
        "init": {
            "price": "2000",
            "insurance": "100",
            "bad_debt": "0",
            "liquidations": "0",
            "quote": ["10000", "0", "0"],
            "size": ["0", "0", "0"],
        },
        "steps": steps,
    }


def test_replay_of_a_violating_trace(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the path table at the plain width of a non-terminal: a COLUMNS of 80 in the
    # environment (pytest-xdist's workers have one) prints it transposed
    monkeypatch.delenv("COLUMNS", raising=False)
    trace = tmp_path / "gap.json"
    trace.write_text(json.dumps(gap_risk_trace("-0.05", "-0.08")))
    code, out, err = run(capsys, "replay", GAP_RISK, trace)
    assert code == 1, err
    assert out.startswith("[FAIL] solvent  replay 3 steps  ")
    assert "trace violates solvent at step 3" in out
    assert "solvent fails at step 3" in out
    # price 2000 -> 1900 -> 1748; equity -90000 + 50 * 1748 = -2600; the fund covers 100
    path_table = out[out.index("path\n") : out.index("accounts\n")]
    rows = {line.split()[0]: line.split() for line in path_table.splitlines() if line.strip()}
    assert rows["step"] == [
        "step",
        "move",
        "price",
        "insurance",
        "bad_debt",
        "liquidations",
        "action",
        "keepers",
        "fired",
        "violated",
    ]
    assert rows["3"][:6] == ["3", "-0.08", "1748", "0", "2500", "1"]
    assert "liquidate(0)" in rows["3"] and rows["3"][-1] == "solvent"
    assert "trade(0, qty=50)" in out
    assert "accounts 1, 2: no change, not shown" in out
    assert "\x1b[" not in out


def test_replay_of_a_safe_trace(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # 1920 then 1843.2: account 0 falls below maintenance and is liquidated with no deficit
    trace = tmp_path / "gap.json"
    trace.write_text(json.dumps(gap_risk_trace("-0.04", "-0.04")))
    code, out, err = run(capsys, "replay", GAP_RISK, trace)
    assert code == 0, err
    assert out.startswith("[PASS] solvent  replay 3 steps  ")
    assert "no invariant violated in 3 steps" in out
    assert "1843.2" in out and "liquidate(0)" in out


def test_replay_notes_draws_outside_the_envelope(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    trace = tmp_path / "gap.json"
    trace.write_text(json.dumps(gap_risk_trace("-0.05", "-0.2")))
    code, out, _ = run(capsys, "replay", GAP_RISK, trace)
    assert code == 1
    assert "note: step 3: move = -0.2 lies outside the envelope [-0.08, 0.08]" in out


def test_replay_json_accepts_its_own_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    trace = tmp_path / "gap.json"
    trace.write_text(json.dumps(gap_risk_trace("-0.05", "-0.08")))
    result = tmp_path / "result.json"
    code, out, _ = run(capsys, "replay", GAP_RISK, trace, "--format", "json", "-o", result)
    assert code == 1
    doc = json.loads(out)
    assert doc == json.loads(result.read_text())
    assert doc["verdict"] == "FAIL" and doc["invariant"] == "solvent" and doc["depth"] == 3
    step3 = doc["replay"]["steps"][3]
    assert step3["state"]["bad_debt"] == "2500" and step3["keepers"] == ["liquidate(0)"]
    assert step3["failures"] == ["solvent"]
    code, _, _ = run(capsys, "replay", GAP_RISK, result, "-q")
    assert code == 1


# --------------------------------------------------------------------------- verbs
def test_bmc_pass_and_fail_with_json_round_trip(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "bmc", COUNTER, "--depth", "3")
    assert code == 0
    assert out.startswith("[PASS] below_cap  bmc depth 3/3  ")

    result = tmp_path / "result.json"
    code, out, _ = run(capsys, "bmc", COUNTER, "--depth", "6", "--format", "json", "-o", result)
    assert code == 1
    doc = json.loads(out)
    assert doc["schema"] == "solvent-result/1"
    assert (doc["check"], doc["spec"], doc["verdict"], doc["exit_code"]) == (
        "bmc",
        "counter",
        "FAIL",
        1,
    )
    assert doc["bound"] == "depth 4/6" and doc["depth"] == 4 and doc["accounts"] == 2
    assert doc["invariant"] == "below_cap"
    assert doc["counterexample"]["#meta"]["format"] == "solvent-trace"
    assert all(isinstance(s["market"]["bump"], str) for s in doc["counterexample"]["steps"])
    assert json.loads(result.read_text()) == doc

    code, out, _ = run(capsys, "replay", COUNTER, result)
    assert code == 1
    assert "trace violates below_cap at step 4" in out


def test_bmc_counterexample_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "bmc", COUNTER, "--depth", "5")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("[FAIL] below_cap  bmc depth 4/5  ")
    # 2 accounts that do not interact: found on one account, lifted and replayed on both
    assert "found on one account and lifted to 2 (the other account starts" in lines[0]
    assert lines[0].endswith("confirmed by concrete replay on 2 accounts")
    assert "below_cap fails at step 4" in out


def test_set_overrides_a_parameter(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "bmc", COUNTER, "--depth", "5", "--set", "cap=100", "-q")
    assert code == 0
    assert out.startswith("[PASS] below_cap  bmc depth 5/5")


def test_prove_pass_cti_and_vacuous(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "prove", SPECS / "safe.py")
    assert code == 0
    assert out.startswith("[PASS] nonnegative  prove k=1  ")
    # deposits is a shared accumulator: proved for every number of accounts
    assert "proved for every path length and every number of accounts" in out

    code, out, _ = run(capsys, "prove", SPECS / "spurious_cti.py")
    assert code == 2
    assert out.startswith("[CTI ] below_ten  prove k=3  ")
    assert "the state the induction window starts from" in out and "level" in out

    code, out, _ = run(capsys, "prove", SPECS / "safe.py", "--witness-depth", "2")
    assert code == 2
    assert out.startswith("[VACUOUS] nonnegative  prove k=1  ")
    assert "deposits_pass_250 is not reachable" in out


def test_inspect_lists_every_declaration(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "inspect", GAP_RISK, "--set", "maintenance_margin=0.08")
    assert code == 0
    model = "perp_isolated.py"  # under src/ or site-packages, as installed
    for needle in [
        "spec perp-gap-risk",
        "3 accounts",
        "maintenance_margin  0.08 (set; default 0.05)",
        "quote",
        "number per account",
        "within [0, 10000]",
        "move  within [-0.08, 0.08]",
        "trade(a, qty in [-50, 50])  1 account",
        "liquidate(a)  every_step, per account",
        "solvent  whole state",
        "Assets held cover all positive trader equity.",
        "healthy  per account",
        "liquidation_happens",
        f"{model}:",
    ]:
        assert needle in out, needle


def test_inspect_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "inspect", GAP_RISK, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["schema"] == "solvent-spec/1" and doc["accounts"] == 3
    assert doc["envelope"]["move"]["lo"] == "-0.08"
    assert doc["keepers"][0]["liveness"] == "every_step"
    assert doc["actions"][0]["args"]["qty"] == {"lo": "-50", "hi": "50"}


def test_lint(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "lint", COUNTER)
    assert code == 0
    assert out.startswith("[PASS] below_cap  lint ")


def test_check_stops_at_the_first_violation(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", COUNTER, "--depth", "5", "--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert [(r["check"], r["verdict"]) for r in doc["results"]] == [
        ("lint", "PASS"),
        ("bmc", "FAIL"),
    ]
    assert doc["verdict"] == "FAIL" and doc["counterexample"]["#meta"]["spec"] == "counter"


def test_check_runs_lint_bmc_prove(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", SPECS / "safe.py", "--quiet")
    assert code == 0
    assert [line.split()[2] for line in out.splitlines()] == ["lint", "bmc", "prove"]


# --------------------------------------------------------------------------- config
def write_pyproject(folder: Path, body: str) -> None:
    (folder / "pyproject.toml").write_text("[project]\nname = 'x'\n\n[tool.solvent]\n" + body)


def test_config_sets_defaults_and_flags_win(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_pyproject(tmp_path, 'depth = 3\nparams = { cap = "3" }\n')
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "bmc", COUNTER, "-q")
    assert code == 0 and "bmc depth 3/3" in out
    code, out, _ = run(capsys, "bmc", COUNTER, "-q", "--depth", "4")
    assert code == 1 and "bmc depth 4/4" in out


def test_config_targets_for_check(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_pyproject(tmp_path, f'targets = ["{SPECS / "safe.py"}", "{COUNTER}"]\ndepth = 5\n')
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "check", "--format", "json")
    doc = json.loads(out)
    assert code == 1
    assert [(r["spec"], r["check"]) for r in doc["results"]] == [
        ("safe-balances", "lint"),
        ("safe-balances", "bmc"),
        ("safe-balances", "prove"),
        ("counter", "lint"),
        ("counter", "bmc"),
    ]


def test_check_without_target_or_config(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "check")
    assert_input_error(code, out, err, "give a TARGET", "[tool.solvent]")


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("dept = 3\n", "unknown key 'dept' in [tool.solvent]; known keys: accounts, depth"),
        ("depth = -2\n", "[tool.solvent] depth must be an integer >= 0, got -2"),
        ('format = "xml"\n', "format must be one of text, json, got 'xml'"),
        ("params = { cap = 0.5 }\n", "cap = 0.5 is a float"),
        ("depth = [\n", "is not valid TOML"),
    ],
)
def test_bad_config(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    body: str,
    needle: str,
) -> None:
    write_pyproject(tmp_path, body)
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "bmc", COUNTER)
    assert_input_error(code, out, err, needle, "pyproject.toml")


def test_settings_generate_the_flags() -> None:
    command = typer.main.get_command(cli.app)
    # every command of the app is a verb Settings knows, and the other way round
    assert set(command.commands) == set(config.ALL_VERBS)  # type: ignore[attr-defined]
    for verb in config.ALL_VERBS:
        sub = command.commands[verb]  # type: ignore[attr-defined]
        flags = {opt for param in sub.params for opt in param.opts}
        for _field, option in config.options():
            if option.flags and verb in option.verbs:
                assert option.flags[0].split("/")[0] in flags, (verb, option.flags)
                # the option is the Settings field itself, not a copy the verb declares
                param = next(p for p in sub.params if option.flags[0].split("/")[0] in p.opts)
                assert param.name == _field.name, (verb, param.name, _field.name)


def test_every_config_key_is_read(tmp_path: Path) -> None:
    keys = [config.config_key(f.name) for f, opt in config.options() if opt.config]
    assert "max-k" in keys and "spec" not in keys and "output" not in keys
    write_pyproject(tmp_path, "max-k = 2\nwitness_depth = 7\ninvariants = ['below_cap']\n")
    settings = config.resolve({}, config.read_config(tmp_path / "pyproject.toml"))
    assert (settings.max_k, settings.witness_depth, settings.invariants) == (2, 7, ("below_cap",))
    assert config.resolve({"max_k": 3}, config.read_config(tmp_path / "pyproject.toml")).max_k == 3


def test_set_overrides_one_param_and_keeps_the_files_others(tmp_path: Path) -> None:
    write_pyproject(tmp_path, 'params = { cap = "3", fee = "0.01" }\n')
    file = config.read_config(tmp_path / "pyproject.toml")
    merged = config.resolve({"params": ["cap=5"]}, file).param_overrides()
    assert {k: str(v) for k, v in merged.items()} == {"cap": "5", "fee": "0.01"}
    assert {k: str(v) for k, v in config.resolve({}, file).param_overrides().items()} == {
        "cap": "3",
        "fee": "0.01",
    }


# --------------------------------------------------------------------------- exit codes
def fake(verdict: str, message: str, **kw: Any) -> CheckResult:
    return CheckResult("bmc", "counter", verdict, "depth 2/5", 60.0, 2, message=message, **kw)


def test_unknown_verdict_is_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "solvent.check.bmc.bmc",
        lambda *a, **k: fake("UNKNOWN", "solver timeout after 60s", depth=2, ran_out=RanOut(60.0)),
    )
    code, out, _ = run(capsys, "bmc", COUNTER, "--timeout", "60")
    assert code == 2
    # the time on the line is the whole run's (the faked search returns at once); the
    # message names the depths left open and what to try next
    assert re.fullmatch(
        r"\[UNKNOWN\] below_cap  bmc depth 2/5  [0-9.]+s  solver timeout: the 60s budget "
        r"\(--timeout\) ran out[^.]*\. "
        r"Undecided: whether below_cap can fail at depths? 3[-0-9]* \(no violation within 2 "
        r"step\(s\)\)\. Next: a larger --timeout; --depth 2 \(decided: [^\n]*\n",
        out,
    )


def test_internal_error_is_exit_4(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def disagree(*a: Any, **k: Any) -> CheckResult:
        raise InternalError("backend disagreement: the solver reported a violation ...")

    monkeypatch.setattr("solvent.check.bmc.bmc", disagree)
    code, out, err = run(capsys, "bmc", COUNTER)
    assert code == 4
    assert "error: backend disagreement" in err and "[SV900]" in err


def test_unexpected_exception_is_exit_4_with_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*a: Any, **k: Any) -> CheckResult:
        raise ZeroDivisionError("oops")

    monkeypatch.setattr("solvent.check.bmc.bmc", boom)
    code, _, err = run(capsys, "bmc", COUNTER)
    assert code == 4
    assert "internal error, please report" in err
    assert "Traceback" in err and "ZeroDivisionError: oops" in err


def test_ctrl_c_is_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*a: Any, **k: Any) -> CheckResult:
        raise KeyboardInterrupt

    monkeypatch.setattr("solvent.check.induction.prove", interrupted)
    code, _, err = run(capsys, "prove", COUNTER)
    assert code == 2
    assert "interrupted" in err and "Traceback" not in err


def test_check_exits_with_the_most_severe_code(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("solvent.check.bmc.bmc", lambda *a, **k: fake("UNKNOWN", "solver gave up"))
    monkeypatch.setattr(
        "solvent.check.induction.prove",
        lambda *a, **k: CheckResult("prove", "counter", "PASS", "k=1", 0.1, 2, message="ok"),
    )
    code, out, _ = run(capsys, "check", COUNTER, "-q")
    assert code == 2
    assert [line.split()[0] for line in out.splitlines()] == ["[PASS]", "[UNKNOWN]", "[PASS]"]


def test_check_stops_after_ctrl_c(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    interrupted = fake(
        "UNKNOWN", "interrupted by the user (Ctrl-C)", details={"reason": "interrupted"}
    )
    monkeypatch.setattr("solvent.check.bmc.bmc", lambda *a, **k: interrupted)

    def must_not_run(*a: Any, **k: Any) -> CheckResult:
        raise AssertionError("prove ran after Ctrl-C")

    monkeypatch.setattr("solvent.check.induction.prove", must_not_run)
    code, out, _ = run(capsys, "check", COUNTER)
    assert code == 2
    assert "stopped: interrupted (Ctrl-C)" in out


def test_verdict_line_format() -> None:
    fail = CheckResult(
        "bmc",
        "s",
        "FAIL",
        "depth 3/12",
        0.41,
        3,
        invariant="solvent",
        message="counterexample confirmed by concrete replay",
    )
    assert text.verdict_line(fail).plain == (
        "[FAIL] solvent  bmc depth 3/12  0.4s  counterexample confirmed by concrete replay"
    )
    cti = CheckResult(
        "prove", "s", "CTI", "k=1", 1.0, 3, invariant="healthy[account 1]", message="m"
    )
    assert text.verdict_line(cti).plain.startswith("[CTI ] healthy[account 1]  prove k=1  1.0s")
    ok = CheckResult(
        "prove", "s", "PASS", "k=1", 1.2, 3, message="proved for every path length (3 accounts)"
    )
    assert text.verdict_line(ok, ["solvent"]).plain == (
        "[PASS] solvent  prove k=1  1.2s  proved for every path length (3 accounts)"
    )


def test_numbers_are_exact() -> None:
    from fractions import Fraction

    assert text.number(Fraction(1, 3)) == "1/3 (~0.333333)"
    assert text.number(Fraction(11016, 5)) == "2203.2"
    assert text.number(Fraction(-5, 100)) == "-0.05"


# --------------------------------------------------------------------------- entry point
def solvent(*argv: Any, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "solvent", *map(str, argv)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def test_python_m_solvent_help_documents_exit_codes() -> None:
    proc = solvent("--help")
    assert proc.returncode == 0
    for line in [
        "0  every check passed",
        "1  violation",
        "2  inconclusive",
        "3  spec, usage or input",
        "4  internal error",
    ]:
        assert line in proc.stdout
    assert solvent("--version").stdout.startswith("solvent ")


def test_python_m_solvent_bad_input_has_no_traceback() -> None:
    proc = solvent("bmc", SPECS / "traced_bool.py:uses_max", "--depth", "1")
    assert proc.returncode == 3
    assert "[SV102]" in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_python_m_solvent_output_is_plain_under_ci() -> None:
    import os

    env = {**os.environ, "CI": "true", "FORCE_COLOR": "1"}
    proc = solvent("bmc", COUNTER, "--depth", "5", env=env)
    assert proc.returncode == 1
    assert "\x1b[" not in proc.stdout + proc.stderr
    assert proc.stdout.startswith("[FAIL] below_cap  bmc depth 4/5")
