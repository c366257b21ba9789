"""docs/notebooks/quickstart.ipynb runs top to bottom (nbclient, a real kernel), and what
it shows is right: the proof, the sweep, the frontier against its closed form, the plot."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "docs" / "notebooks" / "quickstart.ipynb"


def _text(cell: dict) -> str:
    parts = []
    for out in cell.get("outputs", []):
        parts.append(out.get("text", ""))
        parts.append((out.get("data") or {}).get("text/plain", ""))
    return "".join(parts)


def test_quickstart_notebook_runs(tmp_path: Path) -> None:
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code"), (
        "commit the notebook without outputs (the test and the docs build run it)"
    )
    env_path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "src"), env_path) if p)
    client = NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    client.execute()
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert "PASS 0" in _text(code[1])  # the proof
    sweep = _text(code[2])
    assert "0.04" in sweep and "0.10" in sweep
    lines = {line.split()[1]: line.split()[2] for line in sweep.splitlines()[1:] if line.strip()}
    # closed form: with moves of at most 8%, the perp is solvent iff the margin is >= 8%
    assert lines["0.08"] == "PASS" and lines["0.10"] == "PASS"
    assert lines["0.04"] != "PASS" and lines["0.06"] != "PASS"
    assert "proved up to 0.08 - counterexample at" in _text(code[3])
    assert any("image/png" in (o.get("data") or {}) for o in code[4].get("outputs", []))
    assert "p_insolvency" in _text(code[5])
