"""Issue 22: spec names must never merge solver variables (false PASS verdicts).

The reproductions of the issue (``specs/``) each gave ``bmc`` PASS and ``prove`` PASS
before the fix, while replaying the trace below failed. Now each gives FAIL (or a clean
exit-3 refusal, SV105, for an ambiguous spec), never PASS.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from solvent import cli
from solvent.check.bmc import bmc
from solvent.check.encode import Unrolling, VarNames, marked_name, readable_name
from solvent.check.induction import prove
from solvent.check.replay import replay
from solvent.engine.trace import from_json
from solvent.errors import NameClashError
from solvent.spec.load import load_spec

SPECS = Path(__file__).resolve().parent / "specs"

# the one-step traces the issue gives (replay: FAIL)
TRACES = {
    "collide_action_field": {
        "init": {"action": "0"},
        "steps": [
            {
                "market": {"move": "0"},
                "action": {"name": "deposit", "accounts": [], "args": {"amount": "10"}},
            }
        ],
    },
    "collide_market_arg": {
        "init": {"total": "0"},
        "steps": [
            {
                "market": {"move": "0"},
                "action": {"name": "market", "accounts": [], "args": {"move": "10"}},
            }
        ],
    },
    "collide_market_arg_cti": {
        "init": {"total": "0"},
        "steps": [
            {
                "market": {"move": "0"},
                "action": {"name": "market", "accounts": [], "args": {"move": "10"}},
            }
        ],
    },
    "collide_keeper_field": {
        "init": {"drain": True, "paid": "0"},
        "steps": [{"market": {"move": "0"}, "keepers": {"drain": [True]}, "action": None}],
    },
}
FAILING = [*TRACES, "collide_fixed"]


def run(capsys: pytest.CaptureFixture[str], *argv: Any) -> tuple[int, str, str]:
    code = cli.run([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name", sorted(TRACES))
def test_the_issue_trace_replays_to_a_violation(name: str) -> None:
    spec = load_spec(str(SPECS / f"{name}.py"))
    meta = {"format": "solvent-trace", "version": 1, "spec": spec.name, "accounts": 1}
    trace = from_json({"#meta": meta, "params": {}, **TRACES[name]})
    assert replay(spec, trace).violated


@pytest.mark.parametrize("verb", ["bmc", "prove"])
@pytest.mark.parametrize("name", FAILING)
def test_collision_gives_fail_never_pass(
    capsys: pytest.CaptureFixture[str], name: str, verb: str
) -> None:
    code, out, err = run(capsys, verb, SPECS / f"{name}.py", "--format", "json")
    assert code == 1, (code, out, err)
    result = json.loads(out)
    doc = result["results"][0] if "results" in result else result
    assert doc["verdict"] == "FAIL", doc
    assert "not needed" not in out  # no slack claimed on a false proof (reproduction 2)


@pytest.mark.parametrize("name", FAILING)
def test_counterexample_replays(name: str) -> None:
    spec = load_spec(str(SPECS / f"{name}.py"))
    result = bmc(spec, 2, timeout=60)
    assert result.verdict == "FAIL" and result.counterexample is not None
    assert replay(spec, result.counterexample).violated
    assert prove(spec, timeout=60).verdict == "FAIL"


@pytest.mark.parametrize("verb", ["bmc", "prove", "inspect", "replay"])
def test_two_actions_of_one_name_are_refused(
    capsys: pytest.CaptureFixture[str], verb: str, tmp_path: Path
) -> None:
    argv: list[Any] = [verb, SPECS / "duplicate_action.py"]
    if verb == "replay":
        trace = tmp_path / "t.json"
        trace.write_text("{}")
        argv.append(trace)
    code, out, err = run(capsys, *argv)
    assert code == 3, (code, out, err)
    assert "duplicate_action.py:15: action 'add' is declared twice" in err
    assert "[SV105]" in err and "Traceback" not in out + err


def _spec_source(body: str) -> str:
    return (
        "import solvent as sv\nfrom solvent import Bool, Num, PerAccount\n"
        "spec = sv.Spec('clash', accounts=2)\n" + body
    )


STATE = "@spec.state\nclass State:\n    x: Num = Num('0')\n"
REFUSED = {
    "keeper twice": STATE
    + (
        "def k(s, p):\n    s.x = s.x + 1\n"
        "spec.keeper(adversarial=True)(k)\nspec.keeper(every_step=True)(k)\n"
    ),
    "field twice": STATE + "@spec.state\nclass More:\n    x: Bool = False\n",
    "draw twice": (
        "@spec.envelope\nclass A:\n    move: Num = sv.within('0', '1')\n"
        "@spec.envelope\nclass B:\n    move: Num = sv.within('0', '2')\n"
    ),
    "parameter twice": (
        "@spec.params\nclass A:\n    fee: Num = Num('1')\n"
        "@spec.params\nclass B:\n    fee: Num = Num('2')\n"
    ),
    "field accounts": "@spec.state\nclass State:\n    accounts: Num = Num('0')\n",
    "field _state": "@spec.state\nclass State:\n    _state: Num = Num('0')\n",
    "parameter as_dict": "@spec.params\nclass P:\n    as_dict: Num = Num('0')\n",
    "invariant and lemma": STATE
    + (
        "@spec.invariant\ndef ok(s):\n    return s.x >= 0\n"
        "def again(s):\n    return s.x >= 0\nagain.__name__ = 'ok'\nspec.lemma(again)\n"
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_ambiguous_names_are_refused_at_build_time(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, case: str
) -> None:
    path = tmp_path / "clash.py"
    path.write_text(_spec_source(REFUSED[case]))
    with pytest.raises(NameClashError) as info:
        load_spec(str(path))
    assert info.value.where is not None and "clash.py:" in info.value.where
    assert "rename" in info.value.message or "own name" in info.value.message
    code, _out, err = run(capsys, "inspect", path)
    assert code == 3 and "[SV105]" in err


def test_names_across_kinds_are_allowed(tmp_path: Path) -> None:
    """The trace keeps kinds apart, so a keeper, an action and a field may share a name."""
    path = tmp_path / "shared.py"
    path.write_text(
        _spec_source(
            "@spec.state\nclass State:\n    drain: Num = Num('0')\n    action: Bool = False\n"
            "@spec.envelope\nclass M:\n    market: Num = sv.within('0', '1')\n"
            "@spec.action(market=sv.within('0', '1'))\ndef drain(s, p, market):\n"
            "    s.drain = s.drain + market\n"
            "@spec.keeper(adversarial=True)\ndef action(s, p, a):\n    s.action = True\n"
            "@spec.invariant\ndef market(s):\n    return s.drain >= 0\n"
        )
    )
    spec = load_spec(str(path))
    assert bmc(spec, 2, timeout=60).verdict == "PASS"


def test_every_variable_of_an_unrolling_has_its_own_name() -> None:
    """All collisions at once: the variables of a step are as many as their names."""
    spec = load_spec(str(SPECS / "collide_fixed.py"))
    u = Unrolling(spec)
    for _ in range(2):
        u.add_step()
    names = [inp.name for inp in u.inputs] + list(u.definitions)
    assert len(names) == len(set(names)), sorted(names)
    assert "s1:state.action" in names  # the action choice came first, the field is marked
    assert "s1:arg.market.move" in names  # the market draw came first


def test_var_names_are_injective_and_stable() -> None:
    names = VarNames()
    kinds = [
        ("state", ("action",), None),
        ("action", (), None),
        ("market", ("move",), None),
        ("arg", ("market", "move"), 1),
        ("keeper", ("drain",), None),
        ("state", ("drain",), None),
        ("runs", ("k",), None),
        ("arg", ("k", "runs_anyway"), 2),
    ]
    got = [names.get(k, 1, *parts, owner=owner) for k, parts, owner in kinds]
    assert len(set(got)) == len(got)
    assert got == [names.get(k, 1, *parts, owner=owner) for k, parts, owner in kinds]
    assert readable_name("state", 1, "x", account=0) == "s1.x[0]"
    assert marked_name("keeper", 2, "liq", account=1) == "s2:keeper.liq[1]"
    with pytest.raises(ValueError):
        readable_name("bogus", 1)
