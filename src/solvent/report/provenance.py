"""Where a result came from: the run facts every result document carries.

:func:`run_facts` adds to a verdict's ``provenance`` block (see
:func:`solvent.report.json_out.provenance`) what a reader needs to reproduce or audit it:
the command line, the UTC time, the versions of solvent, Python, z3, numba and NumPy, the
SHA-256 of the spec file, the git commit of the repository holding it (and whether the
file has uncommitted changes), and the target as a path relative to the working directory.
Absolute paths are never written: paths are made relative to the working directory.

Every field is deterministic for a given input except ``utc``; set ``SOURCE_DATE_EPOCH``
(seconds since 1970, the reproducible-builds convention) to pin it.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

_COMMAND: list[str] | None = None
_PACKAGES = ("solvent", "z3-solver", "numba", "numpy")
_FACTS: ContextVar[bool] = ContextVar("run_facts", default=True)


@contextmanager
def without_run_facts() -> Iterator[None]:
    """Documents completed inside leave out the run facts: for a command line that shows
    a verdict and writes no document (they cost two ``git`` processes and a scan of the
    installed packages' metadata)."""
    token = _FACTS.set(False)
    try:
        yield
    finally:
        _FACTS.reset(token)


def set_command(argv: Sequence[str]) -> None:
    """Remember the command line of this run (called by :func:`solvent.cli.run`)."""
    global _COMMAND
    _COMMAND = [str(a) for a in argv]


def utc_now() -> str:
    """The UTC time as ``YYYY-MM-DDTHH:MM:SSZ`` (``SOURCE_DATE_EPOCH`` pins it)."""
    pinned = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    stamp = int(pinned) if pinned.isdigit() else int(time.time())
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp))


def portable(path: str) -> str:
    """``path`` relative to the working directory (``../`` when outside it)."""
    p = Path(path)
    if not p.is_absolute():
        return p.as_posix()
    try:
        return Path(os.path.relpath(p, Path.cwd())).as_posix()
    except ValueError:  # another drive (Windows): no relative path exists
        return p.name


def portable_target(target: str | None) -> str | None:
    """A target ``PATH.py`` or ``PATH.py:NAME`` with its path made portable."""
    if not target:
        return target
    path, sep, name = target.rpartition(":")
    if sep and path.endswith(".py") and name.isidentifier():
        return f"{portable(path)}:{name}"
    return portable(target)


_ABSOLUTE = re.compile(r"(?<![\w.:/])/[^\s,;()'\"]+")


def portable_text(text: str) -> str:
    """``text`` with every absolute path of an existing file made portable."""
    return _ABSOLUTE.sub(
        lambda m: portable(m.group(0)) if os.path.exists(m.group(0)) else m.group(0), text
    )


def portable_scenario(scenario: Mapping[str, Any]) -> dict[str, Any]:
    """A scenario's description with the paths in its ``source`` made portable."""
    out = dict(scenario)
    if isinstance(out.get("source"), str):
        out["source"] = portable_text(out["source"])
    return out


def command_line() -> list[str]:
    """``solvent`` and the arguments of this run, absolute paths made portable."""
    args = _COMMAND if _COMMAND is not None else []
    out = ["solvent"]
    for a in args:
        key, eq, value = a.partition("=")
        if eq and key.startswith("--") and os.path.isabs(value):
            out.append(f"{key}={portable(value)}")
        else:
            out.append(portable(a) if os.path.isabs(a) else a)
    return out


def versions() -> dict[str, str | None]:
    from importlib import metadata  # a scan of the installed packages: only when asked

    out: dict[str, str | None] = {}
    for name in _PACKAGES:
        try:
            out[name.removesuffix("-solver")] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name.removesuffix("-solver")] = None
    import platform

    out["python"] = platform.python_version()
    return out


def _spec_file(target: str | None) -> Path | None:
    if not target:
        return None
    path, sep, name = target.rpartition(":")
    candidate = Path(path if sep and path.endswith(".py") and name.isidentifier() else target)
    return candidate if candidate.is_file() else None


def _git(folder: Path, *args: str) -> str | None:
    import subprocess

    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def git_info(file: Path) -> dict[str, Any] | None:
    """The commit of the repository holding ``file`` and whether the file differs from it."""
    folder = file.resolve().parent
    commit = _git(folder, "rev-parse", "HEAD")
    if not commit:
        return None
    status = _git(folder, "status", "--porcelain", "--", file.resolve().name)
    return {"commit": commit, "dirty": bool(status)}


def run_facts(target: str | None, *, scenario: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The run facts (see the module docstring) of a verb run on ``target``."""
    import hashlib

    file = _spec_file(target)
    out: dict[str, Any] = {
        "target": portable_target(target),
        "command": command_line(),
        "utc": utc_now(),
        "versions": versions(),
        "spec_sha256": hashlib.sha256(file.read_bytes()).hexdigest() if file else None,
        "git": git_info(file) if file else None,
    }
    if scenario is not None:
        out["scenario"] = portable_scenario(scenario)
    return out


def complete(
    doc: dict[str, Any],
    spec: Any = None,
    target: str | None = None,
    *,
    scenario: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """``doc`` with its ``provenance`` block completed and its ``target`` made portable."""
    from solvent.report.json_out import provenance

    target = target if target is not None else doc.get("target")
    block = dict(doc.get("provenance") or {})
    if spec is not None and not block:
        block = provenance(spec)
    if spec is not None:
        block.setdefault("defaults", _defaults(spec))
    if _FACTS.get():
        block.update(run_facts(target, scenario=scenario))
    doc["provenance"] = block
    if doc.get("target"):
        doc["target"] = portable_target(doc["target"])
    return doc


def _defaults(spec: Any) -> dict[str, Any]:
    from solvent.report.json_out import plain

    return {name: plain(value) for name, value in spec.param_decls.items()}
