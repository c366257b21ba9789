"""Every verb's options come from one place: Settings, and ``[tool.solvent.<verb>]`` tables.

The verb functions are replaced by recorders where running them would be slow: what is
checked is what reaches them (the layered settings), not what they compute.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer

from solvent import cli, config
from solvent.errors import UsageError

ROOT = Path(__file__).resolve().parents[2]
COUNTER = ROOT / "tests" / "cli" / "specs" / "counter.py"
PERP_STRESS = ROOT / "tests" / "stress" / "specs" / "perp_small.py"
PERP_ONE = ROOT / "tests" / "risk" / "specs" / "perp_one.py"

# verbs whose -o is not the JSON result, and why (everything else: -o is Settings.output)
OWN_O = {
    "conform": "writes the shrunk diverging trace (solvent replay reads it)",
    "monitor-convert": "writes the converted event stream (its only product)",
}


def run(capsys: pytest.CaptureFixture[str], *argv: Any) -> tuple[int, str, str]:
    code = cli.run([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def project(folder: Path, body: str, monkeypatch: pytest.MonkeyPatch) -> None:
    (folder / "pyproject.toml").write_text("[project]\nname = 'x'\n\n" + body)
    monkeypatch.chdir(folder)


def commands() -> dict[str, Any]:
    return typer.main.get_command(cli.app).commands  # type: ignore[attr-defined,no-any-return]


# --------------------------------------------------------------------------- declarations
def test_no_verb_declares_a_shared_option_again() -> None:
    shared = {
        flag: f.name
        for f, opt in config.options()
        for flag in "/".join(opt.flags).split("/")
        if opt.flags
    }
    for name, command in commands().items():
        for param in command.params:
            for flag in param.opts:
                if flag in shared and not (flag == "-o" and name in OWN_O):
                    assert param.name == shared[flag], (name, flag, param.name)


def test_one_spelling_per_idea_on_every_verb() -> None:
    for name, command in commands().items():
        flags = {flag for param in command.params for flag in param.opts}
        for param in command.params:  # parameter overrides: --set, and only --set
            if "override a spec parameter" in (getattr(param, "help", "") or "").lower():
                assert param.opts == ["--set"], (name, param.opts)
        if "--k" in flags:
            assert "-k" in flags, name  # -k for --k
        if "--set" in flags:
            assert name in config.RESULT_VERBS or name in ("monitor", "monitor-aggregate")
    shrink = {
        flag for param in commands()["shrink"].params if not param.hidden for flag in param.opts
    }
    assert "-o" in shrink and "--out" not in shrink  # one output flag (--out: hidden, deprecated)


def test_help_has_panels_completion_and_keeps_brackets(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert "--install-completion" in out
    for panel in ("Prove and check", "Risk limits", "Stress", "Monitor", "Reports", "Models"):
        assert panel in out
    code, out, _ = run(capsys, "bmc", "--help")
    assert code == 0 and "[default: 3]" in out and "Search" in out and "Output" in out
    assert "0  every check passed" in out  # the epilog keeps its lines


def test_every_monitor_verb_is_in_the_monitor_panel(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``solvent --help`` lists every ``monitor*`` verb (monitor-aggregate and
    monitor-route too) inside the Monitor panel, not under the catch-all "Commands"."""
    monkeypatch.setenv("COLUMNS", "120")
    code, out, _ = run(capsys, "--help")
    assert code == 0
    panels: dict[str, list[str]] = {}
    current = None
    for line in out.splitlines():
        if "\u256d\u2500 " in line:  # a panel's top border: "+- Name ---+"
            current = line.split("\u256d\u2500 ", 1)[1].split(" ", 1)[0]
            panels[current] = []
        elif current and line.startswith("\u2502 ") and line[2:3].strip():
            panels[current].append(line[2:].split()[0])  # a command's first line
    verbs = sorted(name for name in commands() if name.startswith("monitor"))
    assert {"monitor", "monitor-aggregate", "monitor-route"} <= set(verbs)
    assert sorted(panels.get("Monitor", [])) == verbs
    assert not any(v in panels.get("Commands", []) for v in verbs)


# --------------------------------------------------------------------------- tables
def test_stress_table_is_honoured_and_flags_win(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: dict[str, Any] = {}

    def record(spec: Any, scenario: Any, population: Any, opts: Any, **_: Any) -> Any:
        seen["opts"] = opts
        raise UsageError("recorded")

    monkeypatch.setattr("solvent.stress.runner.stress", record)
    project(
        tmp_path,
        "[tool.solvent]\ninvariants = ['top']\n\n"
        "[tool.solvent.stress]\npaths = 7\nseed = 3\nconfirm-seconds = 9\n"
        "invariants = ['solvent']\nfield = ['price']\n",
        monkeypatch,
    )
    code, _, err = run(capsys, "stress", PERP_STRESS, "--scenario", "gbm", "--seed", "5")
    assert code == 3 and "recorded" in err
    opts = seen["opts"]
    assert (opts.paths, opts.seed, opts.confirm_seconds) == (7, 5, 9.0)
    assert opts.invariants == ("solvent",)  # the verb's table beats [tool.solvent]
    assert opts.fields == ("price",)


@pytest.mark.parametrize(
    ("body", "needles"),
    [
        ("pathz = 1\n", ["unknown key 'pathz' in [tool.solvent.stress]", "paths", "seed"]),
        ('paths = "many"\n', ["[tool.solvent.stress] paths", "many"]),
        ("depth = -1\n", []),  # depth is not a stress setting: listed as unknown below
    ],
)
def test_bad_verb_table_is_an_input_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    body: str,
    needles: list[str],
) -> None:
    project(tmp_path, "[tool.solvent.stress]\n" + body, monkeypatch)
    code, out, err = run(capsys, "stress", PERP_STRESS, "--scenario", "gbm")
    assert code == 3 and "Traceback" not in err and str(tmp_path / "pyproject.toml") in err
    for needle in needles or ["unknown key 'depth' in [tool.solvent.stress]"]:
        assert needle in err


def test_frontier_table_settings_and_verb_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[Any] = []

    def record(spec: Any, param: str, **kw: Any) -> Any:
        seen.append((kw["options"], kw["checks"]))
        raise UsageError("recorded")

    monkeypatch.setattr("solvent.check.frontier.frontier", record)
    # frontier simplifies by default (issue 17); [tool.solvent] simplify = false reaches it
    project(tmp_path, "[tool.solvent]\ntimeout = 5\n", monkeypatch)
    assert run(capsys, "frontier", PERP_ONE, "--param", "move")[0] == 3
    assert seen[-1][0].simplify is True
    project(tmp_path, "[tool.solvent]\nsimplify = false\ntimeout = 5\n", monkeypatch)
    assert run(capsys, "frontier", PERP_ONE, "--param", "move")[0] == 3
    options, checks = seen[-1]
    assert (options.simplify, options.timeout, options.k, checks) == (False, 5.0, 1, 2)
    project(
        tmp_path,
        "[tool.solvent]\ntimeout = 5\n\n[tool.solvent.frontier]\n"
        "simplify = true\nk = 2\nmax-k = 3\nchecks = 0\ntimeout = 8\n",
        monkeypatch,
    )
    assert run(capsys, "frontier", PERP_ONE, "--param", "move", "-k", "3")[0] == 3
    options, checks = seen[-1]
    assert (options.simplify, options.timeout, options.k, options.max_k, checks) == (
        True,
        8.0,
        3,  # -k on the command line wins over the table's k = 2
        3,
        0,
    )


def test_monitor_and_report_tables_are_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project(tmp_path, "[tool.solvent.monitor]\nstep-secondz = 1\n", monkeypatch)
    code, _, err = run(capsys, "monitor", COUNTER, "--source", "file:none.jsonl")
    assert code == 3 and "unknown key 'step-secondz' in [tool.solvent.monitor]" in err
    assert "step-seconds" in err
    project(tmp_path, "[tool.solvent.report]\nquiet = 3\n", monkeypatch)
    code, _, err = run(capsys, "report", "none.json")
    assert code == 3 and "[tool.solvent.report] quiet must be true or false" in err


# --------------------------------------------------------------------------- -o is JSON
@pytest.fixture
def result_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "bmc.json"
    assert run(capsys, "bmc", COUNTER, "--depth", "5", "-q", "-o", path)[0] == 1
    return path


def test_report_o_writes_json_and_report_writes_html(
    result_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, html = tmp_path / "copy.json", tmp_path / "r.html"
    code, stdout, err = run(capsys, "report", result_file, "-o", out, "--report", html)
    assert code == 0 and err == ""
    assert json.loads(out.read_text()) == json.loads(result_file.read_text())
    assert html.read_text().lstrip().lower().startswith("<!doctype html")
    # the copy still passes the integrity check: report reads it without a warning
    code, _, err = run(capsys, "report", out, "--html", tmp_path / "again.html")
    assert code == 0 and err == ""


def test_report_o_html_still_works_with_a_deprecation_note(
    result_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html = tmp_path / "old.html"
    code, _, err = run(capsys, "report", result_file, "-o", html)
    assert code == 0 and html.read_text().lstrip().lower().startswith("<!doctype html")
    assert "deprecated" in err and "--report" in err
    code, _, err = run(capsys, "report", result_file, "-o", tmp_path / "q.html", "-q")
    assert code == 0 and err == ""
