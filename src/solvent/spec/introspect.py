"""How the Spec decorators read the author's code: names, fields, signatures, locations."""

from __future__ import annotations

import ast
import inspect
import linecache
import textwrap
from collections.abc import Callable, Iterator, Mapping
from fractions import Fraction
from functools import lru_cache
from typing import Any

from solvent.errors import FloatLiteralError, NameClashError, SpecError
from solvent.lang.domains import AnyBool, PerAccount, Within
from solvent.lang.values import BOOL, Bool, Num
from solvent.spec.decls import RESERVED, ActionDecl


def _check_name(
    kind: str, name: str, existing: Mapping[str, Any], first: str | None, where: str | None
) -> None:
    """Refuse a second field/parameter/draw of one name and names the views reserve."""
    if name in existing:
        at = f" (first declared at {first})" if first else ""
        raise NameClashError(
            f"{kind} {name!r} is declared twice{at}; traces and results identify it by its "
            "name, so the second would silently replace the first: rename one",
            where=where,
        )
    if name.startswith("_") or name in RESERVED[kind]:
        why = (
            "names starting with '_' are reserved for solvent's own attributes"
            if name.startswith("_")
            else f"{name!r} is an attribute of the spec's view"
            + (" (s.accounts is the range of account indices)" if name == "accounts" else "")
        )
        hint = f"{name.strip('_')}_"
        raise NameClashError(
            f"{kind} {name!r} cannot be read in the spec: {why}; rename it (e.g. {hint})",
            where=where,
        )


def _check_decl_name(kind: str, name: str, existing: list[ActionDecl], where: str | None) -> None:
    """Refuse a second action (or keeper) of one name: traces choose it by name."""
    for d in existing:
        if d.name == name:
            at = f" at {d.where}" if d.where else ""
            raise NameClashError(
                f"{kind} {name!r} is declared twice (first{at}); a trace names the {kind} it "
                "runs, so two of one name cannot be told apart: give each its own name (a "
                "factory can set `fn.__name__` before registering)",
                where=where,
            )


def _class_fields(
    cls: type, *, require_default: bool
) -> Iterator[tuple[str, Any, Any, str | None]]:
    anns = cls.__dict__.get("__annotations__", {})
    # a class made from a table (solvent.models.fields) has no source: it names its place
    made_at = cls.__dict__.get("__solvent_where__")
    lines = _source_lines(cls) if made_at is None else (None, 0, [])
    for fname, ann in anns.items():
        where = made_at if made_at is not None else _field_where(cls, fname, lines)
        if fname not in cls.__dict__:
            if require_default:
                raise SpecError(
                    f"{cls.__name__}.{fname} has no value; give it one, e.g. "
                    f"`{fname}: Num = Num('0')` or `= sv.within('0', '1')`",
                    where=where,
                )
            continue
        yield fname, _resolve(ann, cls), cls.__dict__[fname], where


def _resolve(ann: Any, cls: type) -> Any:
    """Resolve a string annotation (``from __future__ import annotations``)."""
    if not isinstance(ann, str):
        return ann
    import sys

    import solvent

    namespace = dict(vars(sys.modules[cls.__module__])) if cls.__module__ in sys.modules else {}
    namespace.setdefault("sv", solvent)
    namespace.setdefault("solvent", solvent)
    namespace.update({"Num": Num, "Bool": Bool, "PerAccount": PerAccount})
    try:
        return eval(ann, namespace)  # noqa: S307 - annotations are the spec author's own code
    except Exception:  # noqa: BLE001
        text = ann.replace(" ", "")
        if "PerAccount[" in text:
            inner = text.split("PerAccount[", 1)[1].rstrip("]")
            return PerAccount[Bool] if inner.endswith("Bool") else PerAccount[Num]
        return Bool if text.endswith("Bool") else Num


def _source_lines(obj: Any) -> tuple[str | None, int, list[str]]:
    """``(file, first line, the class's lines)`` as ``inspect.getsourcelines`` finds them.

    Read from one parse of the file for all its classes and functions (:func:`_index`):
    ``inspect`` parses the whole file again for each class and tokenizes each block (15-30
    ms of a 1-account bmc's CPU, round 17 of benchmarks/results/engine.md). Anything the
    index does not hold is left to ``inspect``.
    """
    try:
        path = inspect.getsourcefile(obj)
        index = _index_of(path, obj.__module__)
        if index is not None and obj.__qualname__ in index[0]:
            first, last = index[0][obj.__qualname__]
            return path, first, index[2][first - 1 : last]
        lines, start = inspect.getsourcelines(obj)
        return path, start, lines
    except (OSError, TypeError):
        return None, 0, []


_Index = tuple[dict[str, tuple[int, int]], dict[int, int], list[str]]


def _index_of(path: str | None, module: str | None) -> _Index | None:
    """The index of ``path``'s source as ``inspect`` reads it (``linecache``), or None."""
    import sys

    if path is None:
        return None
    linecache.checkcache(path)  # a file changed since it was read is read again
    mod = sys.modules.get(module or "")
    lines = linecache.getlines(path, None if mod is None else mod.__dict__)
    return _index("".join(lines)) if lines else None


@lru_cache(maxsize=16)
def _index(source: str) -> _Index | None:
    """Of one source: each class's qualified name -> (first line, last line), the first line
    its first decorator's as in ``inspect``'s class finder (the first class of that name in
    its walk); each function's first line (``co_firstlineno``) -> its ``def`` line."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    classes: dict[str, tuple[int, int]] = {}
    defs: dict[int, int] = {}

    def visit(node: ast.AST, stack: tuple[str, ...]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                first = child.decorator_list[0].lineno if child.decorator_list else child.lineno
                defs.setdefault(first, child.lineno)
                visit(child, (*stack, child.name, "<locals>"))
            elif isinstance(child, ast.ClassDef):
                first = child.decorator_list[0].lineno if child.decorator_list else child.lineno
                name = ".".join((*stack, child.name))
                classes.setdefault(name, (first, child.end_lineno or child.lineno))
                visit(child, (*stack, child.name))
            else:
                visit(child, stack)

    visit(tree, ())
    return classes, defs, source.splitlines(keepends=True)


def _field_where(cls: type, fname: str, info: tuple[str | None, int, list[str]]) -> str | None:
    from solvent.errors import _short

    path, start, lines = info
    if path is None:
        return None
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith(f"{fname}:") or stripped.startswith(f"{fname} :"):
            return f"{_short(path)}:{start + i}"
    return f"{_short(path)}:{start}"


def _def_where(fn: Callable[..., Any]) -> str | None:
    """``file:line`` of the ``def`` line (``co_firstlineno`` is the first decorator's)."""
    from solvent.errors import _short

    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    line = code.co_firstlineno
    wrapped = hasattr(fn, "__wrapped__")  # inspect reads the wrapped function's source
    index = None if wrapped else _index_of(code.co_filename, getattr(fn, "__module__", None))
    if index is not None and line in index[1]:  # the index's answer is inspect's (above)
        return f"{_short(code.co_filename)}:{index[1][line]}"
    try:
        lines, start = inspect.getsourcelines(fn)
        for offset, text in enumerate(lines):
            if text.lstrip().startswith(("def ", "async def ")):
                line = start + offset
                break
    except (OSError, TypeError):
        pass
    return f"{_short(code.co_filename)}:{line}"


def source_tree(fn: Any) -> ast.Module | None:
    """The parsed source of a spec function (its decorators included), or None when it
    cannot be read (a builtin, a function typed at the prompt) or parsed."""
    try:
        return ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return None


def function_tree(fn: Any) -> ast.FunctionDef | None:
    """The ``def`` of a spec function's source (:func:`source_tree`), or None when its
    source is not one (a lambda) or cannot be read."""
    tree = source_tree(fn)
    body = tree.body[0] if tree is not None and tree.body else None
    return body if isinstance(body, ast.FunctionDef) else None


def _doc(fn: Callable[..., Any]) -> str:
    doc = inspect.getdoc(fn) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def _param_names(fn: Callable[..., Any]) -> list[str]:
    sig = inspect.signature(fn)
    return [
        p.name
        for p in sig.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]


def _arity(fn: Callable[..., Any]) -> int:
    return len(_param_names(fn))


def _num(value: Any, what: str, where: str | None) -> Fraction:
    try:
        return Num(value) if not isinstance(value, Num) else value
    except FloatLiteralError as exc:
        raise FloatLiteralError(exc.message, where=where) from None
    except SpecError as exc:
        raise SpecError(f"{what}: {exc.message}", where=where) from None


def _init_value(
    x: Any, sort: str, fname: str, where: str | None
) -> Fraction | bool | Within | AnyBool:
    if sort == BOOL:
        if isinstance(x, bool | AnyBool):
            return x
        raise SpecError(
            f"state field {fname} is Bool; its initial value must be True, False or "
            f"sv.any_bool(), got {x!r}",
            where=where,
        )
    if isinstance(x, Within):
        return x
    if isinstance(x, AnyBool):
        raise SpecError(f"state field {fname} is a number; use sv.within(lo, hi)", where=where)
    return Fraction(_num(x, f"initial value of state field {fname}", where))
