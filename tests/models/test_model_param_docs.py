"""Every parameter of every model's build() is documented on its page (the table is
generated from the model; SOLVENT_UPDATE_DOCS=1 rewrites the pages)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from solvent.models.docs import section, updated
from solvent.models.registry import all_models

DOCS = Path(__file__).resolve().parents[2] / "docs" / "models"


@pytest.mark.parametrize("info", all_models(), ids=lambda m: m.name)
def test_model_page_lists_every_parameter(info) -> None:  # type: ignore[no-untyped-def]
    page = DOCS / f"{info.name}.md"
    text = page.read_text(encoding="utf-8")
    if os.environ.get("SOLVENT_UPDATE_DOCS") == "1":
        text = updated(text, info)
        page.write_text(text, encoding="utf-8")
    assert section(info) in text, f"run SOLVENT_UPDATE_DOCS=1 pytest {__file__}"
    for name, _ in info.params:
        assert f"| `{name}` |" in text, f"{name} of {info.name} is not documented"
