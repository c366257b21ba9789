"""The parameter table of a model's documentation page, generated from the model itself.

``docs/models/NAME.md`` holds it between ``<!-- parameters -->`` markers;
``tests/models/test_model_param_docs.py`` checks every page is up to date (and rewrites
them with ``SOLVENT_UPDATE_DOCS=1``), so every parameter of ``build()`` is documented.
"""

from __future__ import annotations

from typing import Any

from solvent.models.registry import ModelInfo

BEGIN = "<!-- parameters: generated from build(), see solvent/models/docs.py -->"
END = "<!-- /parameters -->"


def _shown(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, tuple | list):
        return "(" + ", ".join(_shown(v) for v in value) + ")"
    return str(value)


def parameter_table(info: ModelInfo) -> str:
    """Markdown: every keyword of ``build()`` with its default and what it becomes."""
    spec = info.module.build()
    rows = ["| `build()` keyword | default | in the spec |", "|---|---|---|"]
    for name, default in info.params:
        if name in spec.param_decls:
            role = f"parameter `{name}` (`--set {name}=...`, `frontier`/`synth` knob)"
        elif name in spec.bounds:
            role = f"envelope bound `{name}` (`frontier --param {name}`)"
        else:
            bound = next((b for b in spec.bounds if name == f"max_{b}"), None)
            role = (
                f"envelope bound `{bound}` = within(-{name}, {name})"
                if bound is not None
                else f'build argument: `sv.model("{info.name}", {name}=...)`'
            )
        rows.append(f"| `{name}` | `{_shown(default)}` | {role} |")
    return "\n".join(rows)


def section(info: ModelInfo) -> str:
    """The generated section, markers included."""
    return f"{BEGIN}\n{parameter_table(info)}\n{END}"


def updated(page: str, info: ModelInfo) -> str:
    """``page`` with its generated section replaced (or added after the first paragraph)."""
    block = section(info)
    if BEGIN in page and END in page:
        head, rest = page.split(BEGIN, 1)
        return head + block + rest.split(END, 1)[1]
    title, sep, rest = page.partition("\n\n")
    intro, sep2, tail = rest.partition("\n\n")
    return f"{title}{sep}{intro}\n\n## Parameters\n\n{block}\n\n{tail}"
