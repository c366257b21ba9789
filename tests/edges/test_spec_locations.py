"""The spec's file:line locations, read from one parse of each file (spec/introspect.py).

``_source_lines`` and ``_def_where`` answer from an index of the file's classes and
functions instead of ``inspect.getsourcelines`` (which parses the file again for each class
and tokenizes each block: round 17 of benchmarks/results/engine.md). Their answers must be
``inspect``'s: checked on every class and function of every example and test spec file.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from solvent.errors import _short
from solvent.spec import introspect
from solvent.spec.introspect import _def_where, _field_where, _source_lines

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(
    [*ROOT.glob("examples/**/*.py"), *ROOT.glob("tests/**/specs/*.py")],
    key=lambda p: str(p),
)


def _inspects_lines(obj: Any) -> tuple[str | None, int, list[str]]:
    try:
        lines, start = inspect.getsourcelines(obj)
        return inspect.getsourcefile(obj), start, lines
    except (OSError, TypeError):
        return None, 0, []


def _inspects_def(fn: Any) -> int:
    line: int = fn.__code__.co_firstlineno
    try:
        lines, start = inspect.getsourcelines(fn)
    except (OSError, TypeError):
        return line
    for offset, text in enumerate(lines):
        if text.lstrip().startswith(("def ", "async def ")):
            return start + offset
    return line


def _module(path: Path) -> ModuleType | None:
    name = f"_locations_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit):  # noqa: BLE001 - a spec that needs its own environment
        del sys.modules[name]
        return None
    return module


def _defined(module: ModuleType) -> tuple[list[type], list[Any]]:
    classes: list[type] = []
    functions: list[Any] = []
    seen: set[int] = set()

    def walk(obj: Any) -> None:
        if id(obj) in seen or getattr(obj, "__module__", None) != module.__name__:
            return
        seen.add(id(obj))
        if inspect.isclass(obj):
            classes.append(obj)
            for value in vars(obj).values():
                walk(value)
        elif inspect.isfunction(obj):
            functions.append(obj)

    for value in vars(module).values():
        walk(value)
    for value in vars(module).values():  # a Spec's registered functions and field classes
        for attr in ("actions", "keepers", "invariants", "lemmas"):
            for decl in getattr(value, attr, None) or []:
                fn = getattr(decl, "fn", None)
                if fn is not None:
                    walk(fn)
    return classes, functions


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_locations_are_inspects(path: Path) -> None:
    module = _module(path)
    if module is None:
        return
    classes, functions = _defined(module)
    for cls in classes:
        ours, theirs = _source_lines(cls), _inspects_lines(cls)
        assert ours[:2] == theirs[:2], cls
        for field in cls.__dict__.get("__annotations__", {}):
            assert _field_where(cls, field, ours) == _field_where(cls, field, theirs)
    for fn in functions:
        want = _inspects_def(fn)
        assert _def_where(fn) == f"{_short(fn.__code__.co_filename)}:{want}", fn


def test_a_file_is_parsed_once_for_all_its_classes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A spec's three field classes and its functions: one parse (inspect: one per class)."""
    parses: list[int] = []
    real = ast.parse

    def counted(source: Any, *args: Any, **kwargs: Any) -> Any:
        parses.append(1)
        return real(source, *args, **kwargs)

    monkeypatch.setattr(ast, "parse", counted)
    introspect._index.cache_clear()
    module = _module(ROOT / "examples" / "conform" / "perp_spec.py")
    assert module is not None
    classes, functions = _defined(module)
    assert len(classes) >= 3 and functions
    for cls in classes:
        _source_lines(cls)
    for fn in functions:
        _def_where(fn)
    assert len(parses) == 1


def test_the_files_compared_are_most_of_them() -> None:
    """The comparison above is not vacuous: most spec files load here, with their classes."""
    loaded = [m for m in map(_module, FILES) if m is not None]
    assert len(loaded) >= 0.8 * len(FILES), (len(loaded), len(FILES))
    defined = [_defined(m) for m in loaded]
    assert sum(len(c) for c, _ in defined) >= 40  # 44 classes, 244 functions today
    assert sum(len(f) for _, f in defined) >= 200
