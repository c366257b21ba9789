"""The command in each buggy example's docstring is the one its expected output shows.

``examples/bugs_detected/X.expected.txt`` starts with ``[FAIL] ... bmc depth d/N``: the run
was ``solvent bmc X.py --depth N``, and that is what the example's docstring must tell a
user to type (fee_rounding.py said ``--depth 3`` next to ``depth 2/4``, issue 24).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

FOLDER = Path(__file__).resolve().parents[2] / "examples" / "bugs_detected"
EXPECTED = sorted(FOLDER.glob("*.expected.txt"))


@pytest.mark.parametrize("expected", EXPECTED, ids=[p.name for p in EXPECTED])
def test_docstring_depth_matches_the_expected_output(expected: Path) -> None:
    example = expected.with_name(expected.name.replace(".expected.txt", ".py"))
    shown = re.search(r"bmc depth \d+/(\d+)", expected.read_text(encoding="utf-8").splitlines()[0])
    assert shown, f"{expected.name} does not start with a bmc verdict"
    doc = ast.get_docstring(ast.parse(example.read_text(encoding="utf-8"))) or ""
    command = re.search(rf"solvent bmc \S*{re.escape(example.name)}\s+--depth (\d+)", doc)
    assert command, f"{example.name}: no `solvent bmc {example.name} --depth N` in its docstring"
    assert command.group(1) == shown.group(1), (example.name, command.group(0), shown.group(0))
