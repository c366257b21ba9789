"""Typer's conversion of command-line values, without importing Pydantic when not needed.

Typer (0.2x) converts the value of every parameter of a command, given or not, through a
Pydantic ``TypeAdapter`` it builds on first use. Importing Pydantic for that was the
largest single cost of starting ``solvent bmc``: about 0.1 s of CPU on an idle machine,
as much as importing the rest of the command line (``benchmarks/results/engine.md``,
round 9). The values a command line of a check gives are mostly an absent option, a
path or name, a whole number or a plain decimal, and these convert to the same value
without Pydantic. :func:`install` gives each parameter of a command a converter that
answers exactly these itself and hands every other value to Typer's own (built as Typer
builds it), so a wrong value gets Typer's message, unchanged.
``tests/cli/test_startup.py`` checks the quick answers against Typer's own.
"""

from __future__ import annotations

import re
from typing import Any

_WHOLE = re.compile(r"[0-9]{1,18}")  # int("0042") == 42, as Typer's conversion gives
_DECIMAL = re.compile(r"[0-9]{1,17}(\.[0-9]{1,17})?")  # float() rounds as Typer's does
_OTHER = object()  # "not a value this module converts": Typer's own converter does


def plain(annotation: Any, value: Any) -> Any:
    """``value`` converted to ``annotation`` when it is one of the plain cases, else
    ``_OTHER``."""
    if type(value) is str:
        if annotation is str:
            return value
        if annotation is int and _WHOLE.fullmatch(value):
            return int(value)
        if annotation is float and _DECIMAL.fullmatch(value):
            return float(value)
    elif annotation == list[str] and type(value) in (list, tuple):
        if all(type(v) is str for v in value):
            return list(value)
    return _OTHER


class _Quick:
    """A parameter's converter: the plain cases here, the rest by Typer's own converter."""

    def __init__(self, descriptor: Any) -> None:
        self.descriptor = descriptor
        self.full: Any = None

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        if value is None:  # an absent option: what Typer's converter gives for it
            return () if param.multiple or param.nargs == -1 else None
        info = self.descriptor.parameter_info
        if self.descriptor.file_annotation is None and not _constrained(info):
            quick = plain(self.descriptor.annotation, value)
            if quick is not _OTHER:
                return quick
        if self.full is None:
            from typer._coercion import build_runtime_param

            self.full = build_runtime_param(self.descriptor)
        return self.full.coerce(value, param=param, ctx=ctx)


def _constrained(info: Any) -> bool:
    """Whether Typer converts this parameter's values with more than their type."""
    names = ("parser", "min", "max", "clamp", "click_type")
    return any(getattr(info, n, None) not in (None, False) for n in names)


def install(command: Any) -> None:
    """Give every parameter of ``command`` and its subcommands the quick converter.

    Only parameters Typer has not converted a value of yet, and only when Typer keeps its
    converter where this module expects it (else Typer's own stays: slower, the same)."""
    for cmd in [command, *getattr(command, "commands", {}).values()]:
        # --help is made on first use, from a context (its names): make it now
        helper = cmd.get_help_option(cmd.context_class(cmd, **cmd.context_settings))
        for param in [*cmd.params, *([helper] if helper is not None else [])]:
            descriptor = getattr(param, "type_descriptor", None)
            if descriptor is not None and getattr(param, "_runtime_param", False) is None:
                param._runtime_param = _Quick(descriptor)
