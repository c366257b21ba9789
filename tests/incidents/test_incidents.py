"""The incident gallery, examples/incidents/: each buggy spec is broken by `bmc` with the
incident's mechanism (the violated invariant, the depth, the action or keeper involved),
each patched spec is proved by `prove`; the text output is compared with the
.expected.txt next to each example (times normalized; ``SOLVENT_REGOLD=1`` rewrites
them). The counterexamples are the ones docs/incidents.md tells the story of.
"""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

from solvent.testing import golden

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "examples" / "incidents"

# (incident, bmc depth asked, depth found, invariant, a mechanism the trace must show)
INCIDENTS = [
    ("mango_oracle", 3, 1, "solvent", "withdraw(0, amount="),
    ("jelly_vault", 3, 2, "vault_solvent", "trade(0, qty=-20000)"),
    ("crv_crowded", 4, 4, "solvent", "liquidate(0), liquidate(1)"),
    ("black_thursday_keeper", 3, 3, "solvent", "liquidate_late"),
    ("black_thursday_oracle", 4, 4, "solvent", "poke_late"),
    ("bitmex_gap", 4, 3, "solvent", "liquidate("),
]


def solvent(*args: str) -> subprocess.CompletedProcess[str]:
    return golden.run(*args, cwd=ROOT, columns=160)


def test_every_incident_has_both_specs_and_expected_outputs() -> None:
    names = {p.stem for p in FOLDER.glob("*.py")}
    assert names == {n for n, *_ in INCIDENTS} | {f"{n}_patched" for n, *_ in INCIDENTS}
    for name in names:
        assert (FOLDER / f"{name}.expected.txt").is_file(), name


@pytest.mark.parametrize(("name", "depth", "found", "invariant", "mechanism"), INCIDENTS)
def test_buggy_spec_is_broken_by_the_incidents_mechanism(
    name: str, depth: int, found: int, invariant: str, mechanism: str
) -> None:
    example = FOLDER / f"{name}.py"
    doc = ast.get_docstring(ast.parse(example.read_text(encoding="utf-8"))) or ""
    assert re.search(rf"solvent bmc \S*{name}\.py --depth {depth}\b", doc), doc
    result = solvent("bmc", str(example.relative_to(ROOT)), "--depth", str(depth))
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"[FAIL] {invariant}  bmc depth {found}/{depth}" in result.stdout
    assert "counterexample confirmed by concrete replay" in result.stdout
    assert mechanism in result.stdout
    golden.check(result, example.with_suffix(".expected.txt"))


@pytest.mark.parametrize("name", [n for n, *_ in INCIDENTS])
def test_patched_spec_is_proved(name: str) -> None:
    example = FOLDER / f"{name}_patched.py"
    result = solvent("prove", str(example.relative_to(ROOT)), "--no-slack")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "prove k=1" in result.stdout and "proved for every path length" in result.stdout
    golden.check(result, example.with_suffix(".expected.txt"))


def test_black_thursday_oracle_frontier_is_the_closed_form() -> None:
    """r * (1 - d) ** (K + 1) >= 1: at r = 1.6, d = 0.1 the oracle may lag 3 steps, not 4;
    at r = 1.5 not even 3 (the incident). The frontier finds 3 with a counterexample at 4."""
    from fractions import Fraction

    from solvent.check.frontier import frontier
    from solvent.check.probes import ProbeOptions
    from solvent.spec.load import load_spec

    def largest(r: Fraction) -> int:
        return max(k for k in range(20) if r * Fraction(9, 10) ** (k + 1) >= 1)

    assert (largest(Fraction(16, 10)), largest(Fraction(15, 10))) == (3, 2)
    spec = load_spec(str(FOLDER / "black_thursday_oracle_patched.py"))
    options = ProbeOptions(depth=5, timeout=120)
    result = frontier(spec, "oracle.poke.within", options=options, checks=0)
    assert (result.status, result.safe, result.unsafe) == ("found", 3, 4)
