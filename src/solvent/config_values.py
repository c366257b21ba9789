"""Checks of setting values, from the command line or ``[tool.solvent]``.

Each checker takes the value and where it came from (a flag, or ``FILE [tool.solvent] key``)
and returns the value as :class:`solvent.config.Settings` holds it, or raises a
:class:`~solvent.errors.UsageError` that names that source.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from solvent.errors import UsageError

FORMATS = ("text", "json")


def _int(minimum: int) -> Callable[[Any, str], int]:
    def check(value: Any, source: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise UsageError(f"{source} must be an integer >= {minimum}, got {value!r}")
        return value

    return check


def _optional_int(minimum: int) -> Callable[[Any, str], int | None]:
    inner = _int(minimum)
    return lambda value, source: None if value is None else inner(value, source)


def _timeout(value: Any, source: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise UsageError(
            f"{source} must be a positive number of seconds (or inf: no limit), got {value!r}"
        )
    if value == math.inf:
        return None  # "no limit", the same as giving no timeout
    return float(value)


def _bool(value: Any, source: str) -> bool:
    if not isinstance(value, bool):
        raise UsageError(f"{source} must be true or false, got {value!r}")
    return value


def _strings(value: Any, source: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(x, str) and x for x in value):
        raise UsageError(f"{source} must be a list of names, got {value!r}")
    return tuple(value)


def _format(value: Any, source: str) -> str:
    if value not in FORMATS:
        raise UsageError(f"{source} must be one of {', '.join(FORMATS)}, got {value!r}")
    return str(value)


def _optional_str(value: Any, source: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise UsageError(f"{source} must be a string, got {value!r}")
    return value


def _params(value: Any, source: str) -> tuple[tuple[str, str], ...]:
    """``NAME=VALUE`` strings (command line) or a table of name -> value (config file)."""
    pairs: list[tuple[str, Any]] = []
    if isinstance(value, Mapping):
        pairs = list(value.items())
    elif isinstance(value, list | tuple):
        for item in value:
            if isinstance(item, tuple) and len(item) == 2:
                pairs.append(item)
                continue
            name, sep, text = str(item).partition("=")
            if not sep or not name.strip() or not text.strip():
                raise UsageError(
                    f"{source} expects NAME=VALUE, e.g. maintenance_margin=0.08; got {item!r}"
                )
            pairs.append((name.strip(), text.strip()))
    else:
        raise UsageError(f"{source} must be a table of parameter = value, got {value!r}")
    out = []
    for name, v in pairs:
        if isinstance(v, float):
            raise UsageError(
                f"{source}: {name} = {v!r} is a float, which cannot hold most decimals "
                f'exactly; write it as a string, e.g. {name} = "{v!r}"'
            )
        if isinstance(v, bool):
            v = "true" if v else "false"
        if not isinstance(v, str | int):
            raise UsageError(
                f"{source}: {name} must be a number (as a string) or a bool, got {v!r}"
            )
        out.append((str(name), str(v)))
    return tuple(out)


VALIDATORS: dict[str, Callable[[Any, str], Any]] = {
    "depth": _int(0),
    "k": _int(1),
    "max_k": _optional_int(1),
    "witness_depth": _int(0),
    "timeout": _timeout,
    "jobs": _optional_int(1),
    "accounts": _optional_int(1),
    "invariants": _strings,
    "params": _params,
    "simplify": _bool,
    "slack": _bool,
    "format": _format,
    "quiet": _bool,
    "spec": _optional_str,
    "output": _optional_str,
    "report": _optional_str,
    "junit": _optional_str,
    "sarif": _optional_str,
    "png": _optional_str,
    "markdown": _optional_str,
    "export_pytest": _optional_str,
    "export_csv": _optional_str,
    "targets": _strings,
    "actions": _strings,
    "no_actions": _strings,
    "keep_going": _bool,
    "scheduler": _optional_str,
}
