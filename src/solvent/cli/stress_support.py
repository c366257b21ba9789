"""What `solvent stress` and `solvent shrink` need around the run: options parsed into
a scenario, a population and counts, checks of output paths, the traces written, and the
progress bar."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from solvent.errors import UsageError


def key_values(items: list[str] | None, flag: str) -> dict[str, str]:
    out = {}
    for item in items or []:
        k, sep, v = item.partition("=")
        if not sep or not k.strip():
            raise UsageError(f"{flag} expects KEY=VALUE, got {item!r}")
        out[k.strip()] = v.strip()
    return out


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def check_writable(path: str) -> None:
    parent = Path(path).resolve().parent
    if not parent.is_dir():
        raise UsageError(f"cannot write {path}: directory {parent} does not exist; create it first")


def write_traces(result: Any, folder: str | None) -> list[str]:
    if not folder or not result.traces:
        return []
    out = Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
        paths: list[str] = []
        for trace, _label in result.traces:
            p = out / f"stress-path-{trace.meta.get('path', len(paths))}.json"
            p.write_text(trace.dumps(), encoding="utf-8")
            paths.append(str(p))
    except OSError as exc:
        raise UsageError(f"cannot write traces to {folder}: {exc.strerror}") from None
    return paths


class RichProgress:
    """A Rich progress bar on stderr: paths (or lanes re-run exactly) done, rate and ETA."""

    def __init__(self, console: Any) -> None:
        self.console = console
        self.bar: Any = None
        self.task: Any = None
        self.what = "paths"

    def start(self, total: int, done: int, what: str = "paths", label: str = "stress") -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(
            TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn(what),
            TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
            console=self.console, transient=True,
        )  # fmt: skip
        self.bar.start()
        self.what = what
        self.task = self.bar.add_task(what, total=total, completed=done, rate="")

    def advance(self, paths: int) -> None:
        self.bar.advance(self.task, paths)
        speed = self.bar.tasks[0].speed
        self.bar.update(self.task, rate=f"{speed:,.0f} {self.what}/s" if speed else "")

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
