"""What starting `solvent bmc` / `solvent prove` costs: what they import, what they build.

No timing here (the machine's load would decide): the guards are the modules a check's
command line must not import (each one was measured as start-up time, round 9 of
benchmarks/results/engine.md), and the equivalence of what replaced them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st

from solvent import cli, config
from solvent.cli import families
from solvent.cli.quick_values import _OTHER, plain

HERE = Path(__file__).resolve().parent
COUNTER = HERE / "specs" / "counter.py"

# modules a check's command line does not need: Pydantic (Typer converts values with it;
# ``cli/quick_values.py``), NumPy and numba (lint and stress only), the other verb
# families and what they import, the installed packages' metadata (the run facts of a
# result document that is not written)
NOT_FOR_CHECKS = (
    "importlib.metadata",
    "pydantic",
    "pydantic_core",
    "numpy",
    "numba",
    "solvent.cli.stress",
    "solvent.cli.monitor",
    "solvent.cli.conform",
    "solvent.cli.risk",
    "solvent.cli.report",
    "solvent.cli.models",
    "solvent.stress.runner",
    "solvent.monitor.runner",
    "solvent.report.html",
    "solvent.models.registry",
    # Rich: a quiet check into a pipe prints its verdict line without it (round 17 of
    # benchmarks/results/engine.md; report/verdict.py, the same bytes: below)
    "rich",
    # psutil: the first attempt reads its child's CPU time from /proc (round 18)
    "psutil",
    # hashlib (it loads OpenSSL's library): a spec module's name is digested by CPython's
    # own SHA-1 (round 23)
    "hashlib",
)

# and what a bmc of a few accounts does not run (round 12 of benchmarks/results/engine.md):
# the proof's induction and lemma inference, the decomposition's analysis (more than 3
# accounts only), the API's frontier, synth, stress, shrink and monitor
NOT_FOR_BMC = (
    "solvent.check.induction",
    "solvent.check.inductive_step",
    "solvent.check.infer",
    "solvent.check.suggest",
    "solvent.check.decompose",
    "solvent.api.risk",
    "solvent.api.simulate",
    "solvent.api.watch",
)

_PROBE = """
import json, sys
from solvent.cli.core import run
code = run(sys.argv[1:])
sys.stdout.flush()
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _modules(*argv: str) -> dict[str, Any]:
    """The exit code of ``solvent ARGV`` and every module it imported, in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    ("argv", "unused"),
    [
        (
            ("bmc", str(COUNTER), "--depth", "3", "-q", "--timeout", "30", "--jobs", "1"),
            NOT_FOR_CHECKS + NOT_FOR_BMC,
        ),
        (("prove", str(COUNTER), "-q", "--jobs", "1", "--no-slack"), NOT_FOR_CHECKS),
    ],
    ids=["bmc", "prove"],
)
def test_a_check_imports_only_what_it_needs(argv: tuple[str, ...], unused: tuple[str, ...]) -> None:
    got = _modules(*argv)
    assert got["code"] in (0, 1), got["code"]
    imported = set(got["modules"])
    assert "z3" in imported  # the probe saw the check run
    assert imported.isdisjoint(unused), sorted(imported & set(unused))


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(
    annotation=st.sampled_from([str, int, float, list[str]]),
    value=st.one_of(
        st.text(alphabet="0123456789.+-_ e٣x", max_size=24),
        st.lists(st.text(max_size=5), max_size=3),
        st.tuples(st.text(max_size=5)),
    ),
)
def test_quick_values_are_typers_own(annotation: Any, value: Any) -> None:
    """Each value the quick converter answers, it answers as Typer's own converter."""
    from pydantic import ValidationError
    from typer._adapters import build_adapter
    from typer.models import OptionInfo

    quick = plain(annotation, value)
    if quick is _OTHER:
        return
    try:
        typers = build_adapter(annotation, OptionInfo()).validate_python(value)
    except ValidationError:  # pragma: no cover - a failure of the quick converter
        pytest.fail(f"Typer refuses {value!r} as {annotation}, the quick converter gave {quick!r}")
    assert type(quick) is type(typers) and quick == typers, (value, quick, typers)


def test_quick_values_cover_the_plain_cases() -> None:
    assert plain(int, "30") == 30 and plain(float, "0.5") == 0.5 and plain(str, "a.py") == "a.py"
    assert plain(list[str], ("x=1",)) == ["x=1"]
    for annotation, value in [(int, "3.5"), (int, " 3"), (float, "1e3"), (int, 3), (str, 3)]:
        assert plain(annotation, value) is _OTHER  # left to Typer: its value, its message


def test_a_wrong_value_gets_typers_message(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.run(["bmc", str(COUNTER), "--depth", "3.5"])
    err = capsys.readouterr().err
    assert code == 3, err
    assert "--depth" in err and "valid integer" in err, err


def _shape(command: Any) -> list[tuple[Any, ...]]:
    return [
        (p.name, tuple(p.opts), tuple(p.secondary_opts), p.default, getattr(p, "help", None))
        for p in command.params
    ]


def test_one_verbs_command_is_the_whole_apps() -> None:
    whole = typer.main.get_command(cli.app)
    for name in config.ALL_VERBS:
        one = families.command([name, "--help"])
        assert list(one.commands) == [name]  # type: ignore[attr-defined]
        got = one.commands[name]  # type: ignore[attr-defined]
        want = whole.commands[name]  # type: ignore[attr-defined]
        assert _shape(got) == _shape(want), name
        assert (got.help, got.epilog) == (want.help, want.epilog), name
        assert _shape(one) == _shape(whole)  # the root options (--version, completion)


def test_help_lists_the_verbs_in_order_whatever_was_imported_first() -> None:
    order = [v for verbs in families.FAMILIES.values() for v in verbs]
    assert sorted(order) == sorted(config.ALL_VERBS)
    probe = (
        "import solvent.cli.conform, solvent.cli.stress\n"  # out of order on purpose
        "from solvent import cli\n"
        "print(' '.join(c.name for c in cli.app.registered_commands))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == order


@pytest.mark.parametrize("available", [True, False])
def test_the_console_script_ends_early_only_when_python_can(
    available: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``main`` skips the interpreter's teardown only where it can run the other exit
    handlers first (``atexit._run_exitfuncs``: CPython's, not public)."""
    import atexit

    from solvent.api import startup
    from solvent.cli import core, exits

    monkeypatch.setattr(startup, "_counting", False)  # main() sets it: restored after
    registered: list[Any] = []
    monkeypatch.setattr(atexit, "register", lambda fn, *a: registered.append(fn))
    if not available:
        monkeypatch.delattr(atexit, "_run_exitfuncs")
    monkeypatch.setattr(sys, "argv", ["solvent", "models"])
    with pytest.raises(SystemExit) as ended:
        core.main()
    assert ended.value.code == 0
    assert registered == ([exits._end_now] if available else [])


def test_run_facts_only_in_a_document_that_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A text run without -o leaves the run facts out (nobody reads them); -o writes them,
    and the Python API's documents keep them after a text run in the same process."""
    import solvent as sv

    assert cli.run(["bmc", str(COUNTER), "--depth", "2", "-q", "--jobs", "1"]) == 0
    out = tmp_path / "r.json"
    assert cli.run(["bmc", str(COUNTER), "--depth", "2", "-q", "--jobs", "1", "-o", str(out)]) == 0
    capsys.readouterr()
    written = json.loads(out.read_text(encoding="utf-8"))["provenance"]
    assert {"versions", "git", "spec_sha256", "command"} <= set(written)
    api_doc = sv.bmc(str(COUNTER), depth=2, jobs=1).doc["provenance"]
    assert {"versions", "git", "spec_sha256", "command"} <= set(api_doc)


_WORDS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


@settings(max_examples=100, deadline=None, database=None, derandomize=True)
@given(
    verdict=st.sampled_from(["PASS", "FAIL", "UNKNOWN", "CTI", "ERROR"]),
    invariant=st.one_of(st.none(), _WORDS),
    properties=st.lists(_WORDS, max_size=3),
    message=_WORDS,
    seconds=st.floats(0, 1e6),
    slack=st.one_of(st.none(), st.floats(0, 1e3)),
    bound=_WORDS,
)
def test_the_plain_verdict_line_is_riches_own(
    verdict: str,
    invariant: str | None,
    properties: list[str],
    message: str,
    seconds: float,
    slack: float | None,
    bound: str,
) -> None:
    """The quiet line written without Rich is the bytes Rich writes into a pipe (or None)."""
    import io

    from solvent.check.results import CheckResult
    from solvent.report import text
    from solvent.report.verdict import plain_line, verdict_parts

    details = {} if slack is None else {"slack_seconds": slack}
    result = CheckResult(
        "bmc", "spec", verdict, bound, seconds, 1, invariant, message, details=details
    )
    pipe = io.StringIO()
    console = text.make_console()
    console.file = pipe
    text.render_result(console, result, properties=properties, quiet=True)
    plain = plain_line(result, properties, io.StringIO())
    if plain is not None:
        assert plain == pipe.getvalue()
    else:  # left to Rich only for a line Rich would change
        assert not "".join(verdict_parts(result, properties)).isprintable()


def test_the_plain_verdict_line_leaves_terminals_and_forced_colour_to_rich(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io

    from solvent.check.results import CheckResult
    from solvent.report.verdict import plain_line

    result = CheckResult("bmc", "spec", "FAIL", "depth 3/3", 1.0, 1, "ok", "replayed")
    assert plain_line(result, (), io.StringIO()) == ("[FAIL] ok  bmc depth 3/3  1.0s  replayed\n")

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert plain_line(result, (), Tty()) is None
    monkeypatch.setenv("FORCE_COLOR", "")
    assert plain_line(result, (), io.StringIO()) is None  # Rich: not a terminal, but say so
    monkeypatch.delenv("FORCE_COLOR")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    assert plain_line(result, (), io.StringIO()) is None
