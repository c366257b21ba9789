"""The model library's index: names, one-line descriptions, parameters, sources.

A model is a module of :mod:`solvent.models` with a ``build(**params) -> Spec`` function
(every parameter a keyword with a default: its ``@takes`` table, :mod:`solvent.models.params`)
and a module docstring whose first line says what it models (or a ``DESCRIPTION`` constant).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from solvent.errors import UnknownModelError

# name used on the command line -> module of solvent.models
MODULES: dict[str, str] = {
    "perp-isolated": "perp_isolated",
    "perp-keeper-late": "perp_keeper_late",
    "perp-cross": "perp_cross",
    "perp-inverse": "perp_inverse",
    "insurance-waterfall": "insurance_waterfall",
    "perp-pool": "perp_pool",
    "fee-accrual": "fee_accrual",
    "options-vault": "options_vault",
    "span": "span",
    "multi-collateral": "multi_collateral",
    "oracle-margin": "oracle_margin",
    "vault-counterparty": "vault_counterparty",
    "crowded-liquidation": "crowded_liquidation",
}


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What `solvent models` lists about one model."""

    name: str
    module: ModuleType
    description: str
    params: tuple[tuple[str, Any], ...]  # (name, default) in signature order


def _describe(module: ModuleType) -> str:
    text = getattr(module, "DESCRIPTION", None)
    if text:
        return str(text)
    doc = inspect.getdoc(module) or ""
    return doc.strip().splitlines()[0].rstrip(".") if doc.strip() else ""


def load(name: str) -> ModelInfo:
    """The model called ``name`` (``perp-cross`` or ``perp_cross``)."""
    key = name.replace("_", "-")
    if key not in MODULES:
        raise UnknownModelError(
            f"unknown model {name!r}; known: {', '.join(available())} "
            "(`solvent models` lists them with their parameters)"
        )
    module = importlib.import_module(f"solvent.models.{MODULES[key]}")
    build = getattr(module, "build", None)
    if build is None:  # pragma: no cover - every listed module has one
        raise UnknownModelError(f"model {name!r} has no build() function")
    params = tuple(
        (p.name, p.default)
        for p in inspect.signature(build).parameters.values()
        if p.default is not inspect.Parameter.empty
    )
    return ModelInfo(key, module, _describe(module), params)


def available() -> list[str]:
    """Names of the models whose module is present (some are added by other issues)."""
    out = []
    for key, mod in MODULES.items():
        if importlib.util.find_spec(f"solvent.models.{mod}") is not None:
            out.append(key)
    return out


def all_models() -> list[ModelInfo]:
    """Every available model, in the order of :data:`MODULES`."""
    return [load(name) for name in available()]


def standalone_source(info: ModelInfo, command: str) -> str:
    """An editable spec file: the model's own source (its rules) plus a call with every
    parameter spelled out, so a user starts from a working spec of their own."""
    source = _with_shared_blocks(inspect.getsource(info.module).rstrip() + "\n")
    args = "\n".join(f"    {name}={value!r}," for name, value in info.params)
    header = (
        f"# Written by `{command}` from solvent.models.{info.module.__name__.rsplit('.', 1)[-1]}.\n"
        "# This file is yours: edit the rules in build() and the parameters at the bottom,\n"
        "# then run `solvent lint`, `solvent prove` or `solvent bmc` on it. The shared helpers\n"
        "# it imports (solvent.models.blocks, .validate) are documented in docs/models/.\n"
    )
    footer = f"\n\n# ---- parameters: edit them here ----\nspec = build(\n{args}\n)\n"
    return header + source + footer


_SHARED_IMPORT = "from solvent.models import blocks_perp as shared\n"


def _with_shared_blocks(source: str) -> str:
    """A model's source with the declaration blocks it calls (``shared.NAME``, from
    :mod:`solvent.models.blocks_perp`) copied in, so every rule is in the user's file."""
    if _SHARED_IMPORT not in source:
        return source
    from solvent.models import blocks_perp

    body = inspect.getsource(blocks_perp)
    body = body.split('"""', 2)[2].replace("from __future__ import annotations\n", "")
    source = re.sub(r"\bshared\.", "", source.replace(_SHARED_IMPORT, ""))
    banner = "# ---- the shared declaration blocks it uses (from solvent.models.blocks_perp) ----"
    return f"{source}\n\n{banner}\n{body.strip()}\n"
