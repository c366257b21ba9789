"""The results the public API returns: one class per kind of answer, one common surface.

Every result has ``.verdict`` (PASS, FAIL, CTI, UNKNOWN, VACUOUS), ``.exit_code`` (what
the command line would exit with), ``.to_dict()`` (the very document ``--format json``
prints), ``.report(path)`` (the HTML report ``--report`` writes) and ``_repr_html_`` (that
report, charts included, shown inline in a notebook). Tabular results also have
``.to_frame()``, a pandas DataFrame (pandas is optional: it is imported only then).
The check's own record stays available as ``.raw``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from solvent.errors import UsageError


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        raise UsageError(
            "to_frame() needs pandas, which is not installed; `pip install pandas`, or use "
            "to_dict() (the same data as plain Python)"
        ) from None
    return pandas


@dataclass(eq=False)
class Result:
    """What every API call returns: a verdict, its exit code and its JSON document."""

    doc: dict[str, Any] = field(repr=False)
    raw: Any = field(default=None, repr=False)
    spec: Any = field(default=None, repr=False)

    @property
    def check(self) -> str:
        """The verb that produced it (bmc, prove, frontier, stress...)."""
        return str(self.doc.get("check"))

    @property
    def verdict(self) -> str:
        """PASS, FAIL, CTI, UNKNOWN or VACUOUS (ERROR never: errors raise)."""
        return str(self.doc.get("verdict"))

    @property
    def exit_code(self) -> int:
        """0 pass, 1 confirmed violation, 2 inconclusive: what `solvent VERB` exits with."""
        return int(self.doc["exit_code"])

    @property
    def message(self) -> str:
        return str(self.doc.get("message") or "")

    @property
    def passed(self) -> bool:
        return self.exit_code == 0

    @property
    def counterexample(self) -> Any:
        """The counterexample as a :class:`solvent.Trace` (None when there is none)."""
        found = self.doc.get("counterexample")
        if found is None:
            return None
        from solvent.engine.trace import from_json

        return from_json(found, source=f"the {self.check} result")

    def to_dict(self) -> dict[str, Any]:
        """The result document, exactly as ``--format json`` prints it (a deep copy)."""
        return copy.deepcopy(self.doc)

    def to_frame(self) -> Any:
        """The result's table as a pandas DataFrame (one row per item; see each class)."""
        return _pandas().DataFrame(list(self._rows()))

    def _rows(self) -> Iterator[dict[str, Any]]:
        replay = self.doc.get("replay") or {}
        for step in replay.get("steps") or []:
            yield dict(_flat(step))

    def to_html(self) -> str:
        """The HTML report (one self-contained page, the same as ``--report``)."""
        from solvent.report.html import render

        return render(self.doc)

    def report(self, path: str) -> str:
        """Write the HTML report to ``path`` (atomically); return the path."""
        from solvent.report.outputs import write_reports

        write_reports(self.doc, report=str(path), specs=[self.spec] if self.spec else [])
        return str(path)

    def _repr_html_(self) -> str:
        import html

        page = html.escape(self.to_html(), quote=True)
        return (
            f'<iframe srcdoc="{page}" title="solvent report" '
            'style="width:100%;height:640px;border:1px solid #e0e0e0"></iframe>'
        )

    def __repr__(self) -> str:
        what = self.doc.get("invariant") or self.doc.get("param") or ""
        return (
            f"<{type(self).__name__} {self.check} {self.doc.get('spec')} {self.verdict}"
            f"{' ' + str(what) if what else ''} exit={self.exit_code}>"
        )


def _flat(record: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Nested mappings as dotted columns; per-account lists as ``name[i]``."""
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _flat(value, f"{name}.")
        elif isinstance(value, list) and all(not isinstance(v, list | Mapping) for v in value):
            for i, v in enumerate(value):
                yield f"{name}[{i}]", v
        else:
            yield name, value


@dataclass(eq=False, repr=False)
class VerdictResult(Result):
    """lint, bmc, prove, replay and check. ``to_frame()``: the counterexample's replayed
    steps (one row per step; empty when there is none). ``replayed`` is the concrete replay
    (a :class:`solvent.check.replay.ReplayResult`) behind a FAIL."""

    replayed: Any = field(default=None, repr=False)
    properties: Sequence[str] = ()
    results: list[VerdictResult] = field(default_factory=list, repr=False)

    @property
    def invariant(self) -> str | None:
        """The violated (or CTI) invariant, if any."""
        return self.doc.get("invariant")


@dataclass(eq=False, repr=False)
class BoundaryResult(Result):
    """frontier and single-parameter synth. ``safe`` is proved; ``unsafe`` (just beyond)
    has a replayed counterexample. ``to_frame()``: one row per probe."""

    @property
    def safe(self) -> str | None:
        return self.doc.get("safe")

    @property
    def unsafe(self) -> str | None:
        return self.doc.get("unsafe")

    @property
    def status(self) -> str:
        return str(self.doc.get("status"))

    def _rows(self) -> Iterator[dict[str, Any]]:
        for probe in self.doc.get("probes") or []:
            yield dict(probe)

    def to_csv(self) -> str:
        """One row per probe (what ``--csv`` writes)."""
        from solvent.report.risk import probes_csv

        return probes_csv(self.raw)


@dataclass(eq=False, repr=False)
class RegionResult(Result):
    """Two-parameter synth on a grid. ``to_frame()``: one row per grid point."""

    def _rows(self) -> Iterator[dict[str, Any]]:
        for cell in self.doc.get("cells") or []:
            yield dict(_flat(cell))

    def to_csv(self) -> str:
        """One row per grid point (what ``--csv`` writes)."""
        from solvent.report.risk import grid_csv

        return grid_csv(self.raw)

    def to_markdown(self) -> str:
        """The region as a Markdown table (proved / counterexample per point)."""
        from solvent.report.risk import grid_markdown

        return grid_markdown(self.raw)


@dataclass(eq=False, repr=False)
class StressReport(Result):
    """A stress run. ``metrics`` holds P(insolvency), VaR/ES of bad debt, etc.;
    ``to_frame()``: one row per metric (name, value)."""

    traces: list[Any] = field(default_factory=list, repr=False)

    @property
    def metrics(self) -> dict[str, Any]:
        return dict(self.doc.get("metrics") or {})

    def _rows(self) -> Iterator[dict[str, Any]]:
        for name, value in _flat(self.doc.get("metrics") or {}):
            yield {"metric": name, "value": value}


@dataclass(eq=False, repr=False)
class ShrinkReport(Result):
    """A shrunk trace (``.trace``), still breaking ``invariant`` on concrete replay."""

    @property
    def trace(self) -> Any:
        return self.counterexample

    def report_doc(self) -> dict[str, Any]:
        """The document the reports draw: the shrunk path with its exact replay."""
        from solvent.check.replay import replay
        from solvent.report.json_out import replay_json

        return {**self.doc, "replay": replay_json(replay(self.spec, self.raw.trace))}

    def to_html(self) -> str:
        from solvent.report.html import render

        return render(self.report_doc())

    def report(self, path: str) -> str:
        from solvent.report.outputs import write_reports

        write_reports(self.report_doc(), report=str(path), specs=[self.spec])
        return str(path)
