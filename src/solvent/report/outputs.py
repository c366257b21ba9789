"""Writing report files: atomically, and every format a verb was asked for.

A file is written to a temporary file in the target's directory and moved into place
(``os.replace``), so a failure (a bad input, a full disk, Ctrl-C) never leaves a partial
report behind, and an existing file is replaced in one step.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from solvent.errors import UsageError


def check_writable(path: str) -> None:
    """Refuse an output path before any work is done, not after."""
    target = Path(path)
    parent = target.resolve().parent
    if not parent.is_dir():
        raise UsageError(f"cannot write {path}: directory {parent} does not exist; create it first")
    if target.is_dir():
        raise UsageError(f"cannot write {path}: it is a directory; give a file name")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write {path}: directory {parent} is not writable")
    if target.exists() and not os.access(target, os.W_OK):
        raise UsageError(f"cannot write {path}: the file exists and is read-only")


def check_outputs(paths: Iterable[str | None]) -> None:
    """Every output path writable, and no two the same file (one would overwrite the other)."""
    seen: dict[Path, str] = {}
    for path in paths:
        if not path:
            continue
        check_writable(path)
        key = Path(path).resolve()
        if key in seen:
            raise UsageError(
                f"{seen[key]} and {path} are the same file: give each output its own path"
            )
        seen[key] = path


def _mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomic(path: str, content: str) -> None:
    """Write ``content`` to ``path`` via a temporary file in the same directory."""
    check_writable(path)
    target = Path(path)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".part", dir=target.resolve().parent
    )
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(content)
        os.chmod(tmp, _mode())
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def locations(specs: Iterable[Any]) -> dict[str, str]:
    """``property name -> file:line`` of every invariant and lemma of the given specs, plus
    ``"<spec name>" -> file:line`` of each ``Spec(...)``; used by SARIF and JUnit."""
    out: dict[str, str] = {}
    for spec in specs:
        if spec.where:
            out[f"<{spec.name}>"] = spec.where
        for decl in [*spec.invariants, *spec.lemmas]:
            if decl.where:
                out.setdefault(decl.name, decl.where)
    return out


def docs_of(specs: Iterable[Any]) -> dict[str, str]:
    """``property name -> first docstring line`` (SARIF rule descriptions)."""
    out: dict[str, str] = {}
    for spec in specs:
        for decl in [*spec.invariants, *spec.lemmas]:
            if decl.doc:
                out.setdefault(decl.name, decl.doc)
    return out


def write_reports(
    doc: Mapping[str, Any],
    *,
    report: str | None = None,
    junit: str | None = None,
    sarif: str | None = None,
    specs: Iterable[Any] = (),
) -> list[str]:
    """Write the HTML report, JUnit XML and SARIF that were asked for; return the paths."""
    specs = list(specs)
    written = []
    if report:
        from solvent.report.html import render

        write_atomic(report, render(doc))
        written.append(report)
    if junit:
        from solvent.report.junit import junit_xml

        write_atomic(junit, junit_xml(doc, locations=locations(specs)))
        written.append(junit)
    if sarif:
        from solvent.report.sarif import dumps, sarif_log

        write_atomic(sarif, dumps(sarif_log(doc, locations=locations(specs), docs=docs_of(specs))))
        written.append(sarif)
    return written
