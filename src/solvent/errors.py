"""One error tree with stable codes.

Every error a user can cause is a :class:`SolventError` subclass carrying a stable
``code`` (documented in ``docs/errors.md``) and an exit status. Messages name the
offender, state the rule and say what to do.
"""

from __future__ import annotations

import functools
import os
import sys
from types import FrameType

EXIT_PASS = 0
EXIT_VIOLATION = 1
EXIT_INCONCLUSIVE = 2
EXIT_USAGE = 3
EXIT_INTERNAL = 4

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_MODELS_DIR = os.path.join(_PACKAGE_DIR, "models")


def _internal(filename: str) -> bool:
    """Frames of solvent's machinery (the model library counts as spec code)."""
    return filename.startswith(_PACKAGE_DIR) and not filename.startswith(_MODELS_DIR)


class SolventError(Exception):
    """Base of every error `solvent` raises on purpose."""

    code = "SV000"
    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.message = message
        self.where = where
        super().__init__(self.render())

    def render(self) -> str:
        prefix = f"{self.where}: " if self.where else ""
        return f"{prefix}{self.message} [{self.code}]"

    @property
    def docs(self) -> str:
        """Where the code's causes and fix are documented (a page of the docs site)."""
        return f"docs/errors.md#{self.code.lower()}"


class SpecError(SolventError):
    """The spec is malformed (a definition error, not a property violation)."""

    code = "SV100"


class FloatLiteralError(SpecError):
    code = "SV101"


class TracedBoolError(SpecError):
    code = "SV102"


class InvariantTypeError(SpecError):
    code = "SV103"


class EmptyDomainError(SpecError):
    code = "SV104"


class NameClashError(SpecError):
    """Two declarations of one kind share a name, or a name shadows the spec API's own."""

    code = "SV105"


class FixedPointError(SpecError):
    """Fixed-point arithmetic: an unrepresentable literal or an operation without rounding."""

    code = "SV810"


class ModelParameterError(SolventError):
    """A model of ``solvent.models`` was given a parameter outside its valid domain."""

    code = "SV801"


class UnknownModelError(SolventError):
    """``solvent new MODEL``: no model of that name."""

    code = "SV802"


class WouldOverwriteError(SolventError):
    """``solvent new``: the target file exists and ``--force`` was not given."""

    code = "SV803"


class StaticParameterError(SolventError):
    """``--set`` on a parameter whose value also shaped the spec when it was built."""

    code = "SV804"


class SpecLoadError(SolventError):
    """The spec file cannot be found, imported, or holds no (or several) specs."""

    code = "SV200"


class UsageError(SolventError):
    """A command-line argument or setting is invalid."""

    code = "SV300"


class TraceFormatError(SolventError):
    """A trace file is not valid JSON or does not match the spec."""

    code = "SV400"


class ReportInputError(SolventError):
    """A result file given to `solvent report` is unreadable or not a solvent result."""

    code = "SV701"


class ReportVersionError(ReportInputError):
    """A result file was written with a schema version this solvent does not read."""

    code = "SV702"


class InternalError(SolventError):
    """A `solvent` bug, e.g. a solver model that does not replay concretely."""

    code = "SV900"
    exit_code = EXIT_INTERNAL


def user_location(skip_package: bool = True) -> str | None:
    """Return ``file:line`` of the innermost frame outside the solvent package."""
    frame: FrameType | None = sys._getframe(1)
    cwd = os.getcwd()
    while frame is not None:
        internal, short = _file_facts(frame.f_code.co_filename, cwd)
        if not (skip_package and internal) and short is not None:
            return f"{short}:{frame.f_lineno}"
        frame = frame.f_back
    return None


@functools.lru_cache(maxsize=1024)
def _file_facts(raw: str, cwd: str) -> tuple[bool, str | None]:
    """Whether a code file is solvent's machinery, and its short name (None: no file).

    Cached (every ``sv.requires`` asks, and exact stress re-runs call it per account and
    step); ``cwd`` is part of the key because the short name is relative to it.
    """
    filename = os.path.abspath(raw)
    # "<string>", "<frozen ...>": generated code (dataclass __init__, importlib), no file
    return _internal(filename), (None if raw.startswith("<") else _short(filename))


def location_of_exception(exc: BaseException) -> str | None:
    """Innermost frame of ``exc``'s traceback that lies outside the solvent package."""
    import traceback  # here, not at the top: only an error needs it (every verb imports this)

    found = None
    for fs in traceback.extract_tb(exc.__traceback__):
        filename = os.path.abspath(fs.filename)
        if not _internal(filename) and not fs.filename.startswith("<"):
            found = f"{_short(filename)}:{fs.lineno}"
    return found


def spec_raised(exc: BaseException) -> bool:
    """Whether spec code (not solvent's machinery) is to blame for ``exc``.

    Any ``Exception`` that escapes spec code is the spec's, except a ``RecursionError`` whose
    innermost frame is solvent's own (solvent recursing is a solvent bug). ``SystemExit`` and
    the other ``BaseException``s a spec raises count too (a spec calling ``sys.exit(0)`` must
    not end a check with exit 0); Ctrl-C (``KeyboardInterrupt``) never does.
    """
    if isinstance(exc, KeyboardInterrupt):
        return False
    if isinstance(exc, RecursionError):
        import traceback

        frames = traceback.extract_tb(exc.__traceback__)
        return bool(frames) and not _internal(os.path.abspath(frames[-1].filename))
    return True


def describe_raised(exc: BaseException) -> str:
    """``TYPE: message`` of an exception a spec raised, with sys.exit spelt out."""
    if isinstance(exc, SystemExit):
        return f"SystemExit (sys.exit({exc.code!r}) in spec code; a spec must not exit)"
    if isinstance(exc, RecursionError):
        return f"RecursionError: {exc} (the spec recurses without end)"
    return f"{type(exc).__name__}: {exc}"


def _short(path: str) -> str:
    """``path`` relative to the working directory; a file of the solvent package itself
    (the model library) outside it as ``solvent/models/perp_isolated.py``, not the
    absolute path into site-packages."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        rel = ".."
    if not rel.startswith(".."):
        return rel
    package = os.path.dirname(os.path.abspath(__file__))
    inside = os.path.abspath(path)
    if inside.startswith(package + os.sep):
        return "solvent/" + os.path.relpath(inside, package).replace(os.sep, "/")
    return path


def short_path(path: str) -> str:
    """A file's path as messages show it: relative to the working directory when inside it."""
    return _short(os.path.abspath(path))
