"""Where a verb's results go (text as they come, or one JSON document), and the body of
the single-check verbs (lint, bmc, prove): the same for the Typer command line and for
the plain ``bmc`` call read without Typer (``cli/plain_bmc.py``)."""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager, nullcontext
from functools import cached_property
from types import ModuleType
from typing import Any

from solvent.api import verify as api
from solvent.api.results import VerdictResult
from solvent.config import Settings
from solvent.report import json_out
from solvent.report.provenance import without_run_facts
from solvent.report.verdict import plain_line
from solvent.spec.spec import Spec


def text_module() -> ModuleType:
    """:mod:`solvent.report.text`, imported when something is shown with Rich (a quiet
    check into a pipe prints its verdict line without it: ``report/verdict.py``)."""
    from solvent.report import text

    return text


class Output:
    """Where one verb's results go: text on stdout as they come, or one JSON document."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.text = settings.format == "text"
        self.specs: list[Spec] = []  # for the file:line of invariants in SARIF/JUnit

    @cached_property
    def console(self) -> Any:
        return text_module().make_console()

    @cached_property
    def errors(self) -> Any:
        return text_module().make_console(stderr=True)

    @property
    def documented(self) -> bool:
        """Whether the result document is shown or written (else only the verdict is)."""
        s = self.settings
        return not self.text or any((s.output, s.report, s.junit, s.sarif))

    def running(self, message: str) -> AbstractContextManager[None]:
        """A spinner on stderr while a check runs (terminal, text output, not quiet)."""
        if self.settings.quiet or not self.text:
            return nullcontext()
        return text_module().status(self.errors, message)

    def line(self, message: str) -> None:
        if self.text and not self.settings.quiet:
            self.console.print(message, soft_wrap=True)

    def show(self, found: VerdictResult) -> dict[str, Any]:
        """Print one result as text (unless JSON) and return its JSON document."""
        self.specs.append(found.spec)
        plain = None
        if self.text and self.settings.quiet and "console" not in self.__dict__:
            plain = plain_line(found.raw, list(found.properties), sys.stdout)
        if plain is not None:
            sys.stdout.write(plain)
        elif self.text:
            text_module().render_result(
                self.console,
                found.raw,
                properties=list(found.properties),
                replayed=found.replayed,
                spec=found.spec,
                quiet=self.settings.quiet,
            )
        return found.doc

    def finish(self, doc: dict[str, Any], code: int) -> int:
        from solvent.report.outputs import write_atomic, write_reports

        if self.settings.output:
            from solvent.integrity import seal_result

            doc = seal_result(doc)  # the file carries its content hash (report/replay check it)
            write_atomic(self.settings.output, json_out.dumps(doc))
            self.line(f"result written to {self.settings.output}")
        s = self.settings
        written = write_reports(
            doc, report=s.report, junit=s.junit, sarif=s.sarif, specs=self.specs
        )
        for path in written:
            self.line(f"written: {path}")
        if not self.text:
            sys.stdout.write(json_out.dumps(doc))
        return code


def single_check(name: str, target: str, settings: Settings) -> int:
    out = Output(settings)
    with nullcontext() if out.documented else without_run_facts():
        found = api.run_check(name, target, settings, running=out.running)
    return out.finish(out.show(found), found.exit_code)


def output_paths(settings: Settings) -> list[str]:
    """Every file a verb was asked to write (-o, --report, --junit, --sarif, --export-*)."""
    names = ("output", "report", "junit", "sarif", "export_pytest", "export_csv")
    return [p for p in (getattr(settings, n, None) for n in names) if p]
