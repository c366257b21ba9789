"""Settings: one frozen dataclass that is both the CLI flags and the ``[tool.solvent]`` keys.

Each field carries an :class:`Option` in its metadata: the flags it gets on the command
line, the verbs that take it, its help text and the key it is read from in the nearest
``pyproject.toml``. Values are layered defaults < ``[tool.solvent]`` < command line, and
every value is validated with its source named, so a bad value says where it came from::

    [tool.solvent]
    depth = 4
    max-k = 2
    timeout = 60
    invariants = ["solvent"]
    params = { maintenance_margin = "0.08" }
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from solvent.errors import UsageError

FORMATS = ("text", "json")
# seconds a bmc or prove check may run when no --timeout (or `timeout` key) is given, so
# that no verb hangs silently; running out gives UNKNOWN (exit 2) like any timeout
DEFAULT_BUDGET = 600.0
ALL_VERBS = ("inspect", "lint", "bmc", "prove", "replay", "check")
# verbs that give a verdict per invariant (JUnit and SARIF need one)
VERDICT_VERBS = tuple(v for v in ALL_VERBS if v != "inspect")
# verbs with a table of their own under [tool.solvent] (solvent.cli.conform reads it)
SECTIONS = ("conform",)


@dataclass(frozen=True, slots=True)
class Option:
    """How one setting appears on the command line and in ``[tool.solvent]``."""

    help: str
    flags: tuple[str, ...] = ()  # empty: not a command-line option
    verbs: tuple[str, ...] = ALL_VERBS
    config: bool = True  # read from [tool.solvent]
    metavar: str | None = None


def _opt(
    help: str,
    *flags: str,
    verbs: tuple[str, ...] = ALL_VERBS,
    config: bool = True,
    metavar: str | None = None,
) -> dict[str, Option]:
    return {"option": Option(help, flags, verbs, config, metavar)}


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a verb can be told; see the module docstring for the layering."""

    depth: int = field(
        default=3,
        metadata=_opt(
            "Largest number of steps bmc unrolls (0 checks the initial state only).",
            "--depth",
            verbs=("bmc", "check"),
            metavar="K",
        ),
    )
    k: int = field(
        default=1,
        metadata=_opt(
            "First induction depth prove tries.", "--k", verbs=("prove", "check"), metavar="K"
        ),
    )
    max_k: int | None = field(
        default=None,
        metadata=_opt(
            "Largest induction depth prove tries while the step gives a CTI "
            "[default: the larger of --k and 3].",
            "--max-k",
            verbs=("prove", "check"),
            metavar="K",
        ),
    )
    witness_depth: int = field(
        default=4,
        metadata=_opt(
            "Depth within which every witness must be reachable, or a proof is vacuous.",
            "--witness-depth",
            verbs=("prove", "check"),
            metavar="K",
        ),
    )
    timeout: float | None = field(
        default=None,
        metadata=_opt(
            "Wall-clock budget in seconds per check, the slack search after a proof "
            "included; running out gives UNKNOWN (exit 2) [default: 600].",
            "--timeout",
            verbs=("bmc", "prove", "check"),
            metavar="SECONDS",
        ),
    )
    jobs: int | None = field(
        default=None,
        metadata=_opt(
            "Race the bmc portfolio's strategies on N processes (1: one after the other in "
            "this process; prove uses it for its base case and its search for a real path "
            "after a CTI) [default: off, the single incremental search; the portfolio is "
            "opt-in until it beats that search on small specs, see docs/bmc.md].",
            "--jobs",
            "-j",
            verbs=("bmc", "prove", "check"),
            metavar="N",
        ),
    )
    invariants: tuple[str, ...] = field(
        default=(),
        metadata=_opt(
            "Check only this invariant or lemma (repeatable) [default: all].",
            "--invariant",
            verbs=("bmc", "prove", "check"),
            metavar="NAME",
        ),
    )
    actions: tuple[str, ...] = field(
        default=(),
        metadata=_opt(
            "Let the search use only this user action (repeatable) [default: all].",
            "--action",
            verbs=("bmc",),
            config=False,
            metavar="NAME",
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
        ),
    )
    keep_going: bool = field(
        default=False,
        metadata=_opt(
            "After a counterexample, search again without the property it breaks: one "
            "replayed counterexample per violated property (--timeout covers the whole run).",
            "--keep-going",
            verbs=("bmc",),
        ),
    )
    params: tuple[tuple[str, str], ...] = field(
        default=(),
        metadata=_opt(
            "Override a spec parameter, e.g. --set maintenance_margin=0.08 (repeatable).",
            "--set",
            metavar="NAME=VALUE",
        ),
    )
    simplify: bool = field(
        default=True,
        metadata=_opt(
            "Re-solve counterexamples preferring zero, envelope corners and round numbers.",
            "--simplify/--no-simplify",
            verbs=("bmc", "check"),
        ),
    )
    slack: bool = field(
        default=True,
        metadata=_opt(
            "After a proof, measure how far each envelope bound it used can widen before "
            "the first counterexample (a frontier search per bound).",
            "--slack/--no-slack",
            verbs=("prove", "check"),
        ),
    )
    format: str = field(
        default="text",
        metadata=_opt(
            "Output format: text (tables) or json (schema solvent-result/1).",
            "--format",
            metavar="text|json",
        ),
    )
    quiet: bool = field(
        default=False, metadata=_opt("Print only the verdict lines.", "--quiet", "-q")
    )
    spec: str | None = field(
        default=None,
        metadata=_opt(
            "Which spec of the file to use when it defines several (same as PATH.py:NAME).",
            "--spec",
            config=False,
            metavar="NAME",
        ),
    )
    output: str | None = field(
        default=None,
        metadata=_opt(
            "Write the JSON result (with any counterexample trace, which `solvent replay` "
            "accepts as is) to this file.",
            "--output",
            "-o",
            config=False,
            metavar="PATH",
        ),
    )
    report: str | None = field(
        default=None,
        metadata=_opt(
            "Also write a self-contained HTML report (charts, tables; works offline) here.",
            "--report",
            config=False,
            metavar="PATH",
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
        ),
    )
    export_pytest: str | None = field(
        default=None,
        metadata=_opt(
            "Write a pytest file that replays the trace and checks the invariant it breaks.",
            "--export-pytest",
            verbs=("replay",),
            config=False,
            metavar="PATH",
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
        ),
    )
    targets: tuple[str, ...] = field(
        default=(),
        metadata=_opt("Spec targets `solvent check` runs when no TARGET is given.", config=True),
    )

    @property
    def budget(self) -> float:
        """The time budget of one check: --timeout, else ``DEFAULT_BUDGET``."""
        return self.timeout if self.timeout is not None else DEFAULT_BUDGET

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


# ----------------------------------------------------------------------- validation
def _int(minimum: int) -> Callable[[Any, str], int]:
    def check(value: Any, source: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise UsageError(f"{source} must be an integer >= {minimum}, got {value!r}")
        return value

    return check


def _optional_int(minimum: int) -> Callable[[Any, str], int | None]:
    inner = _int(minimum)
    return lambda value, source: None if value is None else inner(value, source)


def _timeout(value: Any, source: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise UsageError(
            f"{source} must be a positive number of seconds (or inf: no limit), got {value!r}"
        )
    if value == math.inf:
        return None  # "no limit", the same as giving no timeout
    return float(value)


def _bool(value: Any, source: str) -> bool:
    if not isinstance(value, bool):
        raise UsageError(f"{source} must be true or false, got {value!r}")
    return value


def _strings(value: Any, source: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(x, str) and x for x in value):
        raise UsageError(f"{source} must be a list of names, got {value!r}")
    return tuple(value)


def _format(value: Any, source: str) -> str:
    if value not in FORMATS:
        raise UsageError(f"{source} must be one of {', '.join(FORMATS)}, got {value!r}")
    return str(value)


def _optional_str(value: Any, source: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise UsageError(f"{source} must be a string, got {value!r}")
    return value


def _params(value: Any, source: str) -> tuple[tuple[str, str], ...]:
    """``NAME=VALUE`` strings (command line) or a table of name -> value (config file)."""
    pairs: list[tuple[str, Any]] = []
    if isinstance(value, Mapping):
        pairs = list(value.items())
    elif isinstance(value, list | tuple):
        for item in value:
            if isinstance(item, tuple) and len(item) == 2:
                pairs.append(item)
                continue
            name, sep, text = str(item).partition("=")
            if not sep or not name.strip() or not text.strip():
                raise UsageError(
                    f"{source} expects NAME=VALUE, e.g. maintenance_margin=0.08; got {item!r}"
                )
            pairs.append((name.strip(), text.strip()))
    else:
        raise UsageError(f"{source} must be a table of parameter = value, got {value!r}")
    out = []
    for name, v in pairs:
        if isinstance(v, float):
            raise UsageError(
                f"{source}: {name} = {v!r} is a float, which cannot hold most decimals "
                f'exactly; write it as a string, e.g. {name} = "{v!r}"'
            )
        if isinstance(v, bool):
            v = "true" if v else "false"
        if not isinstance(v, str | int):
            raise UsageError(
                f"{source}: {name} must be a number (as a string) or a bool, got {v!r}"
            )
        out.append((str(name), str(v)))
    return tuple(out)


_VALIDATORS: dict[str, Callable[[Any, str], Any]] = {
    "depth": _int(0),
    "k": _int(1),
    "max_k": _optional_int(1),
    "witness_depth": _int(0),
    "timeout": _timeout,
    "jobs": _optional_int(1),
    "invariants": _strings,
    "actions": _strings,
    "no_actions": _strings,
    "keep_going": _bool,
    "params": _params,
    "simplify": _bool,
    "slack": _bool,
    "format": _format,
    "quiet": _bool,
    "spec": _optional_str,
    "output": _optional_str,
    "report": _optional_str,
    "junit": _optional_str,
    "sarif": _optional_str,
    "export_pytest": _optional_str,
    "export_csv": _optional_str,
    "targets": _strings,
}


# ----------------------------------------------------------------------- config file
@dataclass(frozen=True, slots=True)
class ConfigFile:
    """The ``[tool.solvent]`` table of one pyproject.toml (empty when there is none)."""

    path: Path | None
    values: Mapping[str, Any]


def find_pyproject(start: Path | None = None) -> Path | None:
    """The nearest ``pyproject.toml`` in ``start`` (default: the working directory) or above."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def read_config(path: Path | None) -> ConfigFile:
    """Read ``[tool.solvent]`` from ``path``; unknown keys are a UsageError naming the key."""
    if path is None:
        return ConfigFile(None, {})
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    table = data.get("tool", {}).get("solvent", {})
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [tool.solvent] must be a table")
    known = {config_key(f.name): f.name for f, opt in options() if opt.config}
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key in SECTIONS and isinstance(value, dict):
            continue  # a verb's own table, e.g. [tool.solvent.conform] (read by that verb)
        name = known.get(key.replace("_", "-"))
        if name is None:
            raise UsageError(
                f"{path}: unknown key {key!r} in [tool.solvent]; known keys: "
                + ", ".join(sorted(known))
            )
        values[name] = value
    return ConfigFile(path, values)


def resolve(cli: Mapping[str, Any], config: ConfigFile | None = None) -> Settings:
    """Layer defaults < ``config`` < ``cli`` (field name -> value; None = not given)."""
    config = config if config is not None else read_config(find_pyproject())
    flags = {f.name: opt.flags[0].split("/")[0] for f, opt in options() if opt.flags}
    values: dict[str, Any] = {}
    for name, value in config.values.items():
        values[name] = _VALIDATORS[name](value, f"{config.path} [tool.solvent] {config_key(name)}")
    for name, value in cli.items():
        if value is None or (
            name in ("invariants", "actions", "no_actions", "params") and not value
        ):
            continue
        checked = _VALIDATORS[name](value, flags.get(name, name))
        if name == "params" and "params" in values:
            # --set NAME=VALUE overrides those names; the file's other params stay
            merged = dict(values["params"])
            merged.update(dict(checked))
            checked = tuple(merged.items())
        values[name] = checked
    settings = Settings(**values)
    if settings.max_k is not None and settings.max_k < settings.k:
        raise UsageError(f"--max-k ({settings.max_k}) must be at least --k ({settings.k})")
    return settings
