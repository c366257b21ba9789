"""Reading ``[tool.solvent]`` and layering it under the command line into :class:`Settings`
(declared in :mod:`solvent.settings`, re-exported here).

Values are layered defaults < ``[tool.solvent]`` < command line, and
every value is validated with its source named, so a bad value says where it came from::

    [tool.solvent]
    depth = 4
    max-k = 2
    timeout = 60
    invariants = ["solvent"]
    params = { maintenance_margin = "0.08" }
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from solvent.config_values import VALIDATORS
from solvent.errors import UsageError
from solvent.settings import (  # re-exported: solvent.config is where verbs import them from
    ALL_VERBS,
    CORE_VERBS,
    DEFAULT_BUDGET,
    OUTPUT,
    RESULT_VERBS,
    RISK_VERBS,
    SEARCH,
    SECTIONS,
    SPEC,
    STRESS_VERBS,
    VERDICT_VERBS,
    Option,
    Settings,
    config_key,
    default_jobs,
    options,
)

__all__ = [
    "ALL_VERBS", "CORE_VERBS", "DEFAULT_BUDGET", "OUTPUT", "RESULT_VERBS", "RISK_VERBS",
    "SEARCH", "SECTIONS", "SPEC", "STRESS_VERBS", "VERDICT_VERBS", "ConfigFile", "Option",
    "Settings", "config_key", "default_jobs", "find_pyproject", "options", "read_config",
    "resolve", "section_settings",
]  # fmt: skip


# ----------------------------------------------------------------------- config file
@dataclass(frozen=True, slots=True)
class ConfigFile:
    """``[tool.solvent]`` of one pyproject.toml (empty when there is none).

    ``values`` are the settings of the top table (field name -> value); ``sections`` the
    verbs' own tables, ``[tool.solvent.<verb>]`` (verb -> kebab-case key -> value), which
    :func:`resolve` and :func:`solvent.cli.verbs.verb` check against what that verb takes.
    """

    path: Path | None
    values: Mapping[str, Any]
    sections: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def where(self, verb: str | None = None) -> str:
        """How a message names a key of this file: ``PATH [tool.solvent.VERB]``."""
        return f"{self.path} [tool.solvent{'.' + verb if verb else ''}]"


def find_pyproject(start: Path | None = None) -> Path | None:
    """The nearest ``pyproject.toml`` in ``start`` (default: the working directory) or above."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def _known() -> dict[str, str]:
    return {config_key(f.name): f.name for f, opt in options() if opt.config}


def read_config(path: Path | None) -> ConfigFile:
    """Read ``[tool.solvent]`` from ``path``; unknown keys are a UsageError naming the key."""
    if path is None:
        return ConfigFile(None, {})
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    table = data.get("tool", {}).get("solvent", {})
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [tool.solvent] must be a table")
    known = _known()
    values: dict[str, Any] = {}
    sections: dict[str, dict[str, Any]] = {}
    for key, value in table.items():
        if key in SECTIONS:
            if not isinstance(value, dict):
                raise UsageError(f"{path}: [tool.solvent.{key}] must be a table")
            sections[key] = {k.replace("_", "-"): v for k, v in value.items()}
            continue
        name = known.get(key.replace("_", "-"))
        if name is None:
            raise UsageError(
                f"{path}: unknown key {key!r} in [tool.solvent]; known keys: "
                + ", ".join(sorted(known))
                + "; a verb's own settings go in [tool.solvent.VERB], e.g. [tool.solvent.stress]"
            )
        values[name] = value
    return ConfigFile(path, values, sections)


def section_settings(verb: str) -> dict[str, str]:
    """The Settings keys ``[tool.solvent.<verb>]`` takes: kebab-case key -> field name."""
    return {
        config_key(f.name): f.name
        for f, opt in options()
        if opt.config and (verb in opt.verbs or not opt.flags)
    }


def resolve(
    cli: Mapping[str, Any], config: ConfigFile | None = None, verb: str | None = None
) -> Settings:
    """Layer defaults < ``[tool.solvent]`` < ``[tool.solvent.<verb>]`` < ``cli``.

    ``cli`` maps field names to values (None = not given). Keys of the verb's table that
    are not settings are left to the verb (its own options, see :mod:`solvent.cli.verbs`).
    """
    config = config if config is not None else read_config(find_pyproject())
    flags = {f.name: opt.flags[0].split("/")[0] for f, opt in options() if opt.flags}
    values: dict[str, Any] = {}
    layers: list[tuple[str, Mapping[str, Any]]] = [(config.where(), config.values)]
    if verb is not None:
        # a verb's own default (frontier: --no-simplify) beats [tool.solvent], not its table
        own_defaults = {
            f.name: o.verb_default[verb] for f, o in options() if verb in o.verb_default
        }
        layers.append(("", own_defaults))
        own = section_settings(verb)
        table = config.sections.get(verb, {})
        layers.append((config.where(verb), {own[k]: v for k, v in table.items() if k in own}))
    for where, layer in layers:
        for name, value in layer.items():
            checked = VALIDATORS[name](value, f"{where} {config_key(name)}")
            if name == "params" and "params" in values:
                checked = tuple({**dict(values["params"]), **dict(checked)}.items())
            values[name] = checked
    for name, value in cli.items():
        if value is None or (
            name in ("invariants", "actions", "no_actions", "params") and not value
        ):
            continue
        checked = VALIDATORS[name](value, flags.get(name, name))
        if name == "params" and "params" in values:
            # --set NAME=VALUE overrides those names; the file's other params stay
            merged = dict(values["params"])
            merged.update(dict(checked))
            checked = tuple(merged.items())
        values[name] = checked
    settings = Settings(**values)
    if settings.max_k is not None and settings.max_k < settings.k:
        raise UsageError(f"--max-k ({settings.max_k}) must be at least --k ({settings.k})")
    return settings
