"""Load a spec from a file path (``path/to/spec.py`` or ``path/to/spec.py:name``)."""

from __future__ import annotations

import importlib.util
import os
import sys
from importlib.abc import Loader
from types import ModuleType
from typing import Any

from solvent.errors import (
    SolventError,
    SpecLoadError,
    _short,
    describe_raised,
    location_of_exception,
    spec_raised,
)
from solvent.spec.spec import Spec

try:  # CPython's own SHA-1: the same digest as hashlib's, without loading OpenSSL's library
    from _sha1 import sha1 as _sha1  # (hashlib's import: 3-5 ms of every verb's CPU)
except ImportError:  # pragma: no cover - a Python built without it
    from hashlib import sha1 as _sha1


def split_target(target: str) -> tuple[str, str | None]:
    path, sep, name = target.rpartition(":")
    if sep and path and not (len(path) == 1 and path.isalpha()) and name and "/" not in name:
        return path, name
    return target, None


def load_spec(target: str, name: str | None = None) -> Spec:
    """Import the spec file and return its Spec (by variable or spec name if several)."""
    path, from_target = split_target(target)
    name = name or from_target
    if not os.path.exists(path):
        raise SpecLoadError(
            f"spec file {path!r} does not exist; give the path to a .py file that defines a solvent.Spec"
        )
    if os.path.isdir(path):
        raise SpecLoadError(f"{path!r} is a directory; give the path to a .py spec file")
    module = _import(path)
    specs: dict[str, Spec] = {}
    for var, value in vars(module).items():
        if isinstance(value, Spec) and not var.startswith("_"):
            specs.setdefault(var, value)
    # several names for one spec (an alias such as `buggy = spec`) are one spec, listed
    # once under all its names, and any of them chooses it
    unique: dict[int, tuple[str, Spec]] = {}
    names: dict[int, list[str]] = {}
    for var, s in specs.items():
        unique.setdefault(id(s), (var, s))
        names.setdefault(id(s), []).append(var)
    found = [(" = ".join(names[id(s)]), s) for _var, s in unique.values()]
    if not found:
        raise SpecLoadError(
            f"{path} defines no solvent.Spec at module level; create one with "
            "`spec = sv.Spec('name', accounts=N)`"
        )
    if name is not None:
        for _var, s in found:
            if name in (*names[id(s)], s.name):
                return s
        raise SpecLoadError(
            f"{path} has no spec named {name!r}; it has: "
            + ", ".join(f"{var} ({s.name})" for var, s in found)
        )
    if len(found) > 1:
        raise SpecLoadError(
            f"{path} defines several specs ({', '.join(f'{var} ({s.name})' for var, s in found)}); "
            f"choose one with {path}:NAME or --spec NAME"
        )
    return found[0][1]


def new_module(path: str, prefix: str, error: type[SolventError]) -> tuple[str, ModuleType, Loader]:
    """A new, not yet executed module for the Python file ``path``, registered in
    ``sys.modules`` as ``prefix`` + a digest of its absolute path: (name, module, loader)."""
    abspath = os.path.abspath(path)
    modname = f"{prefix}{_sha1(abspath.encode()).hexdigest()[:12]}"
    spec = importlib.util.spec_from_file_location(modname, abspath)
    if spec is None or spec.loader is None:
        raise error(f"cannot import {path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[modname] = module
    return modname, module, spec.loader


def _import(path: str) -> Any:
    abspath = os.path.abspath(path)
    modname, module, loader = new_module(path, "_solvent_spec_", SpecLoadError)
    try:
        loader.exec_module(module)
    except SolventError:
        sys.modules.pop(modname, None)
        raise
    except SyntaxError as exc:
        sys.modules.pop(modname, None)
        raise SpecLoadError(
            f"spec file has a syntax error: {exc.msg}",
            where=_short(exc.filename or abspath)
            + (f":{exc.lineno}" if exc.lineno is not None else ""),
        ) from None
    except BaseException as exc:  # noqa: BLE001 - any import failure is the user's to fix
        sys.modules.pop(modname, None)
        if not spec_raised(exc):
            raise
        where = location_of_exception(exc)
        raise SpecLoadError(
            f"spec file{'' if where else ' ' + path} failed to import: {describe_raised(exc)}",
            where=where,
        ) from None
    return module
