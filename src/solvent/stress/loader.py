"""Loading a spec's numba kernel (:mod:`solvent.stress.kernel` writes its source).

The source is written to ``k_<digest>.py`` under :func:`cache_dir` and imported from
there; numba's ``cache=True`` keeps the machine code beside it, so a later run loads it
in a fraction of a second. A cold kernel (an empty cache, or a spec whose kernel was never
compiled) is compiled first: seconds to tens of seconds in LLVM, which nothing interrupts.

With a deadline (``stress --timeout``), :func:`start` compiles nothing in this process: a
cached kernel is loaded, waited for until the deadline (:func:`solvent.stress.budget.within`);
a cold one is compiled by a forked child process (:class:`Compiling`), which the run polls
between blocks (running them on the NumPy lanes meanwhile, :mod:`solvent.stress.coldstart`)
and kills at the deadline, so the process stops on time. A child that finishes leaves the
machine code in numba's cache, for this run and the next.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

from solvent.stress import budget
from solvent.stress.kernel import KernelSource, Layout


def cache_dir() -> Path:
    """Where kernel sources (and numba's cache next to them) live."""
    root = os.environ.get("SOLVENT_CACHE_DIR")
    if root:
        return Path(root) / "kernels"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "solvent" / "kernels"


_LOADED: dict[str, Any] = {}
_TEMP: list[Path] = []  # this process's private folder when the cache folder is not private


def _private(folder: Path) -> bool:
    """True when only this user can write to ``folder`` (kernels are imported from it)."""
    st = folder.stat()
    mine = not hasattr(os, "getuid") or st.st_uid == os.getuid()
    return mine and not st.st_mode & 0o022


def _module(src: KernelSource) -> Any:
    """Import the kernel's module from its cached file (written first if needed); numba
    compiles nothing until the kernel is called."""
    folder = cache_dir()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        private = _private(folder)
    except OSError:
        private = False
    if not private:  # never import code from a folder someone else could write to
        if not _TEMP:  # one per process (a compiling child fills the cache its parent reads)
            _TEMP.append(Path(tempfile.mkdtemp(prefix="solvent-kernels-")))
        folder = _TEMP[0]
    path = folder / f"k_{src.digest}.py"
    if not path.exists() or path.read_text(encoding="utf-8") != src.source:
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(src.source, encoding="utf-8")
        os.replace(tmp, path)
    name = f"solvent_kernel_{src.digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load(src: KernelSource) -> Any:
    """The compiled kernel: imported from its cached file, compiled (or loaded from numba's
    cache) for the argument types every run uses."""
    found = _LOADED.get(src.digest)
    if found is not None:
        return found
    kernel = _module(src).kernel
    _warm(kernel, src.layout)
    _LOADED[src.digest] = kernel
    return kernel


def cached(src: KernelSource) -> bool:
    """Whether loading ``src`` compiles nothing: loaded already, or in numba's cache."""
    if src.digest in _LOADED:
        return True
    kernel = _module(src).kernel
    try:  # numba's own index of the file's cached machine code (stale entries: none)
        return bool(kernel._cache._cache_file._load_index())
    except Exception:  # noqa: BLE001 - another numba's internals: count it as cold
        return False


class Compiling:
    """A forked child process compiling a kernel into numba's cache (POSIX only)."""

    def __init__(self, src: KernelSource) -> None:
        self.src = src
        self.status: bool | None = None  # None: compiling; then whether it succeeded
        pid = os.fork()
        if pid == 0:  # the child: compile, then leave without the parent's exit handlers
            code = 1
            try:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops it
                load(src)
                code = 0
            finally:
                os._exit(code)
        self.pid = pid

    def poll(self) -> bool | None:
        """None while the child compiles; then True if the kernel is in numba's cache."""
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status) == 0
        return self.status

    def stop(self) -> None:
        """Kill the child if it still compiles (numba writes a cache entry's index last, so
        a killed child leaves no entry that a later run would read)."""
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:  # pragma: no cover - reaped below either way
                pass
            os.waitpid(self.pid, 0)
            self.status = False


def start(src: KernelSource, until: float | None) -> tuple[bool, Compiling | None]:
    """Load ``src`` for a run whose deadline is ``until``: ``(loaded, compiling)``.

    Without a deadline it loads here. With one, a cached kernel is loaded here, waited for
    until the deadline (``loaded`` False if it was not done); a cold one is compiled by a
    child process (``compiling``; POSIX, elsewhere waited for like a cached one)."""
    if until is None or src.digest in _LOADED:
        load(src)
        return True, None
    warm: list[bool] = []
    if not budget.within(lambda: warm.append(cached(src) or not hasattr(os, "fork")), until):
        return False, None
    if not warm[0]:
        try:
            return False, Compiling(src)
        except OSError:  # no process to spare: compile here, waited for until the deadline
            pass
    return budget.within(lambda: load(src), until), None


def _warm(kernel: Any, layout: Layout) -> None:
    """Compile (or load from numba's cache) for the argument types every run uses."""
    import numpy as np

    g, a, m = len(layout.globals), len(layout.accounts), len(layout.market)
    kernel(
        np.zeros((1, g)),
        np.zeros((1, a, 1)),
        np.zeros((1, 1, m)),
        1,
        0,
        0,
        np.full((1, 2), -1, dtype=np.int64),
        np.zeros((1, g)),
        np.zeros(1, dtype=np.int64),
        np.zeros(1, dtype=np.int64),
        np.zeros((1, g)),
        np.zeros((1, g)),
        np.zeros((1, g), dtype=np.int64),
        np.zeros(1),
        np.full(1, -1, dtype=np.int64),
        np.zeros((1, 2, g)),
        np.zeros(1, dtype=np.int64),
        np.full((1, 3), -1, dtype=np.int64),
        np.full((1, 2, 1), -1, dtype=np.int64),
    )
