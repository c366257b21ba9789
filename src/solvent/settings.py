"""The settings every verb can be told: one frozen dataclass, :class:`Settings`, that is
both the CLI flags and the ``[tool.solvent]`` keys (read and layered by
:mod:`solvent.config`).

Each field carries an :class:`Option` in its metadata: the flags it gets on the command
line, the verbs that take it, its help text and whether ``pyproject.toml`` may set it.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

# seconds a bmc or prove check may run when no --timeout (or `timeout` key) is given, so
# that no verb hangs silently; running out gives UNKNOWN (exit 2) like any timeout
DEFAULT_BUDGET = 600.0
CORE_VERBS = ("inspect", "lint", "bmc", "prove", "replay", "check")
RISK_VERBS = ("frontier", "synth")
STRESS_VERBS = ("stress", "shrink")
# verbs that load a spec (--spec, --set) and write a JSON result (-o, --format, --report)
RESULT_VERBS = CORE_VERBS + RISK_VERBS + STRESS_VERBS
# the monitor's verbs that take --quiet (monitor-convert prints nothing of its own)
MONITOR_VERBS = ("monitor", "monitor-aggregate", "monitor-route")
# every verb of the command line; each has its own table [tool.solvent.<verb>]
ALL_VERBS = (
    *RESULT_VERBS, "monitor", "monitor-aggregate", "monitor-convert", "monitor-route", "conform",
    "report", "models", "new",
)  # fmt: skip
# verbs that give a verdict per invariant (JUnit and SARIF need one)
VERDICT_VERBS = (*(v for v in RESULT_VERBS if v != "inspect"), "conform", "report")
# the tables under [tool.solvent]: one per verb, read by resolve() and the verb() decorator
SECTIONS = ALL_VERBS


def default_jobs() -> int:
    """Every core this process may use (the default of --jobs)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True, slots=True)
class Option:
    """How one setting appears on the command line and in ``[tool.solvent]``."""

    help: str
    flags: tuple[str, ...] = ()  # empty: not a command-line option
    verbs: tuple[str, ...] = RESULT_VERBS
    config: bool = True  # read from [tool.solvent]
    metavar: str | None = None
    panel: str = "Options"  # the group of the option in `solvent VERB --help`
    # a verb whose use of the option differs: its own help text, its own default
    verb_help: Mapping[str, str] = field(default_factory=dict)
    verb_default: Mapping[str, Any] = field(default_factory=dict)

    def help_for(self, verb: str) -> str:
        return self.verb_help.get(verb, self.help)


def _opt(
    help: str,
    *flags: str,
    verbs: tuple[str, ...] = RESULT_VERBS,
    config: bool = True,
    metavar: str | None = None,
    panel: str = "Options",
    verb_help: Mapping[str, str] | None = None,
    verb_default: Mapping[str, Any] | None = None,
) -> dict[str, Option]:
    return {
        "option": Option(
            help, flags, verbs, config, metavar, panel, verb_help or {}, verb_default or {}
        )
    }


SEARCH, SPEC, OUTPUT = "Search", "Spec", "Output"
# --png, --markdown: folders of files for forum posts and papers
_DIRS: dict[str, Any] = dict(verbs=("stress", "report"), config=False, metavar="DIR", panel=OUTPUT)


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a verb can be told; see the module docstring for the layering."""

    depth: int = field(
        default=3,
        metadata=_opt(
            "Largest number of steps bmc unrolls (0 checks the initial state only).",
            "--depth",
            verbs=("bmc", "check", *RISK_VERBS),
            metavar="K",
            panel=SEARCH,
            verb_help=dict.fromkeys(RISK_VERBS, "bmc depth of the counterexample search."),
        ),
    )
    k: int = field(
        default=1,
        metadata=_opt(
            "First induction depth prove tries.",
            "--k",
            "-k",
            verbs=("prove", "check", *RISK_VERBS),
            metavar="K",
            panel=SEARCH,
            verb_help=dict.fromkeys(RISK_VERBS, "Induction depth of each proof."),
        ),
    )
    max_k: int | None = field(
        default=None,
        metadata=_opt(
            "Largest induction depth prove tries while the step gives a CTI "
            "[default: the larger of --k and 3].",
            "--max-k",
            verbs=("prove", "check", *RISK_VERBS),
            metavar="K",
            panel=SEARCH,
            verb_help=dict.fromkeys(
                RISK_VERBS, "Largest induction depth tried per proof [default: --k]."
            ),
        ),
    )
    witness_depth: int = field(
        default=4,
        metadata=_opt(
            "Depth within which every witness must be reachable, or a proof is vacuous.",
            "--witness-depth",
            verbs=("prove", "check"),
            metavar="K",
            panel=SEARCH,
        ),
    )
    timeout: float | None = field(
        default=None,
        metadata=_opt(
            "Wall-clock budget in seconds per check, the slack search after a proof "
            "included; running out gives UNKNOWN (exit 2) [default: 600].",
            "--timeout",
            verbs=("bmc", "prove", "check", *RISK_VERBS, "monitor", "monitor-aggregate"),
            metavar="SECONDS",
            panel=SEARCH,
            verb_help={
                **dict.fromkeys(
                    RISK_VERBS,
                    "Wall-clock budget per proof or bmc run. Without it the whole search keeps "
                    "to the default budget of 600 s (each run gets what is left; running out "
                    "is an honest UNKNOWN, exit 2).",
                ),
                **dict.fromkeys(
                    ("monitor", "monitor-aggregate"),
                    "Wall-clock budget of the proof at start (no --proof, no --no-prove); when "
                    "it runs out the proof is stopped and every declared assumption is "
                    "monitored [default: 120].",
                ),
            },
        ),
    )
    jobs: int | None = field(
        default=None,
        metadata=_opt(
            "Race the bmc portfolio's strategies on N processes (1: one after the other in "
            "this process, the same verdict and counterexample; prove uses it for its base "
            "case and its search for a real path after a CTI) [default: every core].",
            "--jobs",
            "-j",
            verbs=("bmc", "prove", "check", *RISK_VERBS),
            metavar="N",
            panel=SEARCH,
            verb_help=dict.fromkeys(
                RISK_VERBS,
                "Prove up to N values (grid points) at once and run each counterexample "
                "search on the bmc portfolio; the answer is that of --jobs 1; also `jobs` in "
                "[tool.solvent] [default: one probe at a time].",
            ),
        ),
    )
    invariants: tuple[str, ...] = field(
        default=(),
        metadata=_opt(
            "Check only this invariant or lemma (repeatable) [default: all].",
            "--invariant",
            verbs=("bmc", "prove", "check", *RISK_VERBS, "stress"),
            metavar="NAME",
            panel=SPEC,
            verb_help={
                "stress": "Only this invariant (repeatable) [default: invariants and lemmas]."
            },
        ),
    )
    actions: tuple[str, ...] = field(
        default=(),
        metadata=_opt(
            "Let the search use only this user action (repeatable) [default: all].",
            "--action",
            verbs=("bmc", "stress"),
            config=False,
            metavar="NAME",
            panel=SEARCH,
            verb_help={
                "stress": "With --action-rate: only this user action (repeatable) [default: all]."
            },
        ),
    )
    no_actions: tuple[str, ...] = field(
        default=(),
        metadata=_opt(
            "Keep the search from using this user action (repeatable).",
            "--no-action",
            verbs=("bmc",),
            config=False,
            metavar="NAME",
            panel=SEARCH,
        ),
    )
    keep_going: bool = field(
        default=False,
        metadata=_opt(
            "After a counterexample, search again without the property it breaks: one "
            "replayed counterexample per violated property (--timeout covers the whole run).",
            "--keep-going",
            verbs=("bmc",),
            panel=SEARCH,
        ),
    )
    params: tuple[tuple[str, str], ...] = field(
        default=(),
        metadata=_opt(
            "Override a spec parameter, e.g. --set maintenance_margin=0.08 (repeatable).",
            "--set",
            verbs=(*RESULT_VERBS, "monitor", "monitor-aggregate"),
            metavar="NAME=VALUE",
            panel=SPEC,
        ),
    )
    accounts: int | None = field(
        default=None,
        metadata=_opt(
            "Check the spec with N accounts (its per-account fields must start alike) "
            "[default: the spec's own number].",
            "--accounts",
            verbs=("bmc", "prove", "check"),
            metavar="N",
            panel=SPEC,
        ),
    )
    simplify: bool = field(
        default=True,
        metadata=_opt(
            "Re-solve counterexamples preferring zero, envelope corners and round numbers.",
            "--simplify/--no-simplify",
            verbs=("bmc", "check", *RISK_VERBS),
            panel=SEARCH,
            verb_help=dict.fromkeys(
                RISK_VERBS,
                "Re-solve counterexamples for round numbers [default: --simplify].",
            ),
        ),
    )
    slack: bool = field(
        default=True,
        metadata=_opt(
            "After a proof, measure how far each envelope bound it used can widen before "
            "the first counterexample (a frontier search per bound).",
            "--slack/--no-slack",
            verbs=("prove", "check"),
            panel=SEARCH,
        ),
    )
    format: str = field(
        default="text",
        metadata=_opt(
            "Output format: text (tables) or json (schema solvent-result/1).",
            "--format",
            verbs=(*RESULT_VERBS, "conform"),
            metavar="text|json",
            panel=OUTPUT,
        ),
    )
    quiet: bool = field(
        default=False,
        metadata=_opt(
            "Print only the verdict lines.",
            "--quiet",
            "-q",
            verbs=(*RESULT_VERBS, *MONITOR_VERBS, "conform", "report"),
            panel=OUTPUT,
            verb_help={
                "stress": "No progress bar; print only the verdict line.",
                "monitor": "No start-up and summary lines on stderr.",
                "monitor-route": "No summary line on stderr.",
                "report": "Print nothing.",
            },
        ),
    )
    spec: str | None = field(
        default=None,
        metadata=_opt(
            "Which spec of the file to use when it defines several (same as PATH.py:NAME).",
            "--spec",
            verbs=(*RESULT_VERBS, "monitor", "monitor-aggregate"),
            config=False,
            metavar="NAME",
            panel=SPEC,
        ),
    )
    output: str | None = field(
        default=None,
        metadata=_opt(
            "Write the JSON result (with any counterexample trace, which `solvent replay` "
            "accepts as is) to this file.",
            "--output",
            "-o",
            verbs=(*RESULT_VERBS, "report"),
            config=False,
            metavar="PATH",
            panel=OUTPUT,
            verb_help={
                "report": "Write the result as JSON here, as read (its seal kept: an edited "
                "file stays flagged); the HTML goes to --report. A PATH ending in .html is "
                "still taken as --report (deprecated).",
            },
        ),
    )
    report: str | None = field(
        default=None,
        metadata=_opt(
            "Also write a self-contained HTML report (charts, tables; works offline) here.",
            "--report",
            "--html",
            verbs=(*RESULT_VERBS, "report", "conform"),
            config=False,
            metavar="PATH",
            panel=OUTPUT,
            verb_help={
                "report": "The HTML report to write [default: RESULT with .html instead of "
                ".json, when no other output is asked for]."
            },
        ),
    )
    junit: str | None = field(
        default=None,
        metadata=_opt(
            "Also write JUnit XML here (one test case per invariant and check), for CI.",
            "--junit",
            verbs=VERDICT_VERBS,
            config=False,
            metavar="PATH",
            panel=OUTPUT,
        ),
    )
    sarif: str | None = field(
        default=None,
        metadata=_opt(
            "Also write SARIF 2.1.0 here (findings at the invariant's line), for code scanning.",
            "--sarif",
            verbs=VERDICT_VERBS,
            config=False,
            metavar="PATH",
            panel=OUTPUT,
            verb_help={"conform": "Also write SARIF 2.1.0 (at the spec rule that diverged)."},
        ),
    )
    png: str | None = field(
        default=None,
        metadata=_opt(
            "Also write a stress result's charts as PNG files into DIR.", "--png", **_DIRS
        ),
    )
    markdown: str | None = field(
        default=None,
        metadata=_opt("Also write DIR/summary.md (tables, charts as PNG).", "--markdown", **_DIRS),
    )
    export_pytest: str | None = field(
        default=None,
        metadata=_opt(
            "Write a pytest file that replays the trace and checks the invariant it breaks.",
            "--export-pytest",
            verbs=("replay",),
            config=False,
            metavar="PATH",
            panel=OUTPUT,
        ),
    )
    export_csv: str | None = field(
        default=None,
        metadata=_opt(
            "Write the price path and per-step state (one row per step) as CSV.",
            "--export-csv",
            verbs=("replay",),
            config=False,
            metavar="PATH",
            panel=OUTPUT,
        ),
    )
    targets: tuple[str, ...] = field(
        default=(),
        metadata=_opt("Spec targets `solvent check` runs when no TARGET is given.", config=True),
    )
    scheduler: str | None = field(
        default=None,
        metadata=_opt(
            "Dask scheduler address (tcp://host:8786) that runs the probes of a synth grid "
            "(the flag is synth's --scheduler).",
            config=True,
        ),
    )

    @property
    def budget(self) -> float:
        """The time budget of one check: --timeout, else ``DEFAULT_BUDGET``."""
        return self.timeout if self.timeout is not None else DEFAULT_BUDGET

    @property
    def effective_jobs(self) -> int:
        """The portfolio's processes: --jobs, else every core this process may use."""
        return self.jobs if self.jobs is not None else default_jobs()

    @property
    def effective_max_k(self) -> int:
        return self.max_k if self.max_k is not None else max(self.k, 3)

    def param_overrides(self) -> dict[str, str]:
        return dict(self.params)


def options() -> Iterator[tuple[dataclasses.Field[Any], Option]]:
    """Every settings field with its :class:`Option`, in declaration order."""
    for f in dataclasses.fields(Settings):
        yield f, f.metadata["option"]


def config_key(name: str) -> str:
    """The ``[tool.solvent]`` key of a field (kebab-case, like the flag)."""
    return name.replace("_", "-")
