"""The options, result and errors of a stress run, and its progress callbacks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from solvent.engine.trace import Trace
from solvent.errors import SolventError


class StressError(SolventError):
    """A stress option that does not fit the spec or the run."""

    code = "SV500"


class StressFieldError(StressError):
    """A metric field (bad debt, insurance, liquidations...) the spec does not have."""

    code = "SV501"


class StressEnvelopeError(StressError):
    """The scenario's returns cannot be mapped to the spec's envelope."""

    code = "SV502"


class SchedulerError(StressError):
    """The Dask scheduler cannot be reached."""

    code = "SV503"


class CheckpointError(StressError):
    """A checkpoint that belongs to another run or cannot be read."""

    code = "SV504"


@dataclass(frozen=True, slots=True)
class StressOptions:
    paths: int
    steps: int | None = None
    seed: int = 0
    accounts: int | None = None
    block: int = 1024
    chunk: int | None = None
    workers: int = 1
    scheduler: str | None = None
    fields: tuple[str, ...] = ()
    keeper_delay: int = 0
    keeper_outage: int = 0
    outage_start: int = 1
    oracle_delay: int = 0
    bad_debt_field: str | None = "bad_debt"
    insurance_field: str | None = "insurance"
    liquidations_field: str | None = "liquidations"
    adl_field: str | None = "adl"
    equity_metric: str | None = "account_equity"
    size_field: str | None = "size"
    price_field: str = "price"
    confirm: int | None = None  # flagged lanes re-run exactly (None: all)
    confirm_seconds: float | None = 300.0  # their time budget (None or 0: none)
    timeout: float | None = None  # the whole run's (seconds; None or 0: none), budget.py
    engine: str = "auto"  # auto | kernel | lanes
    invariants: tuple[str, ...] = ()
    checkpoint_dir: str | None = ".solvent-stress"
    resume: bool = False
    state_key_file: str | None = None  # HMAC key of the checkpoint (else $SOLVENT_STATE_KEY)
    traces: int = 5
    connect_timeout: float = 10.0
    action_rate: float = 0.0  # per step and path: the probability of one user action
    actions: tuple[str, ...] = ()  # --action: only these user actions (empty: all)

    def field(self, kind: str) -> str | None:
        """The field a metric reads (``kind``: bad_debt, insurance, liquidations, adl):
        the option's value, ``auto`` read as the default name (used when the spec has it,
        :func:`solvent.stress.plan.prepare`), None for ``none``."""
        name = getattr(self, f"{kind}_field")
        if name is None or name.lower() == "none":
            return None
        return kind if name.lower() == "auto" else name


@dataclass(slots=True)
class StressResult:
    spec: str
    scenario: dict[str, Any]
    options: dict[str, Any]
    verdict: str
    metrics: dict[str, Any]
    confirmation: dict[str, Any]
    notes: list[str]
    engine: str
    seconds: float
    timings: dict[str, float]
    traces: list[tuple[Trace, str]] = field(default_factory=list)  # (trace, label)
    interrupted: bool = False
    blocks_done: int = 0
    blocks_total: int = 0
    worst: list[dict[str, Any]] = field(default_factory=list)  # worst paths, exactly replayed

    @property
    def exit_code(self) -> int:
        return {"PASS": 0, "FAIL": 1}.get(self.verdict, 2)


class Progress:
    """Progress callbacks (the CLI passes a Rich bar; the default does nothing)."""

    def start(self, total: int, done: int, what: str = "paths", label: str = "stress") -> None: ...
    def advance(self, paths: int) -> None: ...
    def stop(self) -> None: ...
