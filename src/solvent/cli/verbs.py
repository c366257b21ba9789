"""The Typer app and the one ``verb()`` decorator every command is registered with.

``@verb(NAME)`` turns ``fn(..., settings)`` into the command ``solvent NAME``:

- the options of :class:`solvent.config.Settings` whose ``verbs`` name it are added to the
  command (grouped into help panels), layered defaults < ``[tool.solvent]`` <
  ``[tool.solvent.NAME]`` < command line by :func:`solvent.config.resolve`, and passed as
  ``settings``;
- the verb's own options (those declared in ``fn``'s signature) can be set in
  ``[tool.solvent.NAME]`` too, under the option's long flag (``--confirm-seconds``:
  ``confirm-seconds = 60``); a flag on the command line wins; an unknown key is an error
  that lists the keys the verb takes. (A required option must be given on the command
  line: Typer refuses the command before any table is read.)
"""

from __future__ import annotations

import functools
import importlib
import inspect
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any

import typer

from solvent import __version__
from solvent.cli.exits import settled
from solvent.cli.output import output_paths
from solvent.config import (
    ConfigFile,
    Option,
    Settings,
    config_key,
    find_pyproject,
    options,
    read_config,
    resolve,
    section_settings,
)
from solvent.errors import UsageError

EPILOG = """\b
Exit codes:
  0  every check passed within its stated bound
  1  violation: a counterexample confirmed by concrete replay
  2  inconclusive: UNKNOWN, solver timeout, CTI, VACUOUS, interrupted
  3  spec, usage or input error
  4  internal error (a solvent bug, e.g. a solver model that does not replay)
`solvent check` exits with the most severe code: 4 > 3 > 1 > 2 > 0.
Settings also come from [tool.solvent] in the nearest pyproject.toml
(and [tool.solvent.VERB] for one verb); command-line flags win."""

# Typer >= 0.22 vendors its own copy of click; take the classes it uses from there.
_click = typer.BadParameter.__module__.rsplit(".", 1)[0]
_click_exceptions = importlib.import_module(_click + ".exceptions")
_click_core = importlib.import_module(_click + ".core")
_click_globals = importlib.import_module(_click + ".globals")
ClickException: type[Exception] = _click_exceptions.ClickException
_DEFAULT = _click_core.ParameterSource.DEFAULT


# the panel of each verb in `solvent --help`
PANELS = {
    **dict.fromkeys(("inspect", "lint", "bmc", "prove", "replay", "check"), "Prove and check"),
    **dict.fromkeys(("frontier", "synth"), "Risk limits"),
    **dict.fromkeys(("stress", "shrink"), "Stress"),
    **dict.fromkeys(
        ("monitor", "monitor-convert", "monitor-aggregate", "monitor-route"), "Monitor"
    ),
    "report": "Reports",
    "conform": "Implementations",
    **dict.fromkeys(("models", "new"), "Models"),
}


def markdown(epilog: str | None) -> str | None:
    """An epilog written for plain click (``\\b`` blocks) as Rich-markdown help keeps it:
    every line its own (a hard break), the blank lines kept."""
    if epilog is None:
        return None
    lines = epilog.removeprefix("\b\n").split("\n")
    return "\n".join(line + "  " if line.strip() else line for line in lines)


app = typer.Typer(
    name="solvent",
    help="Prove a derivatives protocol stays solvent under market stress, or get the exact "
    "price path that breaks it.",
    epilog=markdown(EPILOG),
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"solvent {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Prove a derivatives protocol stays solvent under market stress, or get the exact
    price path that breaks it."""


# ----------------------------------------------------------------------- plumbing
def _cli_type(hint: Any) -> Any:
    """The command-line type of a Settings field: tuples become repeatable options."""
    if typing.get_origin(hint) is tuple:
        return list[str] | None
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    return (args[0] if args else hint) | None


def _help(default: Any, opt: Option, verb: str) -> str:
    """The option's help with the Settings default (the CLI default is None: "not given")."""
    default = opt.verb_default.get(verb, default)
    text = opt.help_for(verb)
    if default is None or default is False or default == () or "[default:" in text:
        return text
    shown = opt.flags[0].split("/")[0] if default is True else default
    return f"{text} [default: {shown}]"


def _settings_params(name: str) -> list[inspect.Parameter]:
    """The Settings options of verb ``name`` as keyword parameters of its command."""
    hints = typing.get_type_hints(Settings)
    params = []
    for f, opt in options():
        if opt.flags and name in opt.verbs:
            option = typer.Option(
                *opt.flags,
                help=_help(f.default, opt, name),
                metavar=opt.metavar,
                show_default=False,
                rich_help_panel=opt.panel,
            )
            params.append(
                inspect.Parameter(
                    f.name,
                    inspect.Parameter.KEYWORD_ONLY,
                    default=None,
                    annotation=Annotated[_cli_type(hints[f.name]), option],
                )
            )
    return params


def _own_options(params: Iterable[inspect.Parameter]) -> list[str]:
    """The names of the verb's own options (not arguments) in its signature."""
    own = []
    for p in params:
        meta = typing.get_args(p.annotation)[1:] if typing.get_origin(p.annotation) else ()
        if any(isinstance(m, typer.models.OptionInfo) for m in meta) or isinstance(
            p.default, typer.models.OptionInfo
        ):
            own.append(p.name)
    return own


def apply_section(
    name: str, file: ConfigFile, kwargs: dict[str, Any], own: Iterable[str], skip: Iterable[str]
) -> None:
    """Fill the verb's own options not given on the command line from its table.

    ``skip``: keys the verb reads from its table itself (left alone here).
    """
    table: Mapping[str, Any] = file.sections.get(name, {})
    if not table:
        return
    ctx = _click_globals.get_current_context()
    mine = set(own)
    by_key = {  # the key of an option is its long flag: --confirm-seconds: confirm-seconds
        next((o[2:] for o in p.opts if o.startswith("--")), config_key(p.name)): p.name
        for p in ctx.command.params
        if p.name in mine
    }
    settings_keys = section_settings(name)
    skipped = set(skip)
    for key, value in table.items():
        if key in settings_keys or key in skipped:
            continue
        pname = by_key.get(key)
        if pname is None:
            known = sorted({*by_key, *settings_keys, *skipped})
            raise UsageError(
                f"{file.path}: unknown key {key!r} in [tool.solvent.{name}]; "
                f"known keys: {', '.join(known)}"
            )
        if ctx.get_parameter_source(pname) is not _DEFAULT:
            continue  # given on the command line: the flag wins
        param = next(p for p in ctx.command.params if p.name == pname)
        if param.multiple and not isinstance(value, list):
            value = [value]
        try:
            kwargs[pname] = param.process_value(ctx, value)
        except (ClickException, TypeError, ValueError) as exc:
            message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
            raise UsageError(f"{file.where(name)} {key} = {value!r}: {message}") from None


_UNSIGNED: dict[str, Callable[[], None]] = {}  # verb -> what makes its parameters


def signed(names: Iterable[str] | None = None) -> None:
    """Give the commands of ``names`` (default: every registered one) their parameters,
    before Typer builds them (``cli/families.py``)."""
    for name in list(_UNSIGNED) if names is None else list(names):
        sign = _UNSIGNED.pop(name, None)
        if sign is not None:
            sign()


def verb(
    name: str,
    *,
    epilog: str | None = EPILOG,
    json_errors: bool = True,
    check_paths: bool = True,
    own_keys: Iterable[str] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn`` as ``solvent NAME`` with the Settings options of ``name``.

    ``fn`` gets the layered :class:`Settings` as ``settings`` when it has such a parameter.
    ``json_errors``: under ``--format json`` print an error document for a SolventError
    (off for verbs that print their own); ``check_paths``: check every output path is
    writable before the verb runs; ``own_keys``: keys of ``[tool.solvent.NAME]`` the verb
    reads itself.
    """

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        skip = tuple(own_keys)
        # the command's parameters, made when its command is built (``signed``): a command
        # line builds only its verb's (making the other verbs' cost their start-up time)
        takes_settings: list[bool] = []
        own: list[str] = []
        generated: list[str] = []

        def sign() -> None:
            base = inspect.signature(fn, eval_str=True)
            takes_settings.append("settings" in base.parameters)
            params = [p for p in base.parameters.values() if p.name != "settings"]
            own.extend(_own_options(params))
            extra = _settings_params(name)
            generated.extend(p.name for p in extra)
            command.__signature__ = base.replace(parameters=params + extra)  # type: ignore[attr-defined]

        @functools.wraps(fn)
        def command(*args: Any, **kwargs: Any) -> Any:
            file = read_config(find_pyproject())
            apply_section(name, file, kwargs, own, skip)
            settings = resolve({n: kwargs.pop(n) for n in generated}, file, verb=name)
            if check_paths:
                from solvent.report.outputs import check_outputs

                check_outputs(output_paths(settings))
            if takes_settings[0]:
                return settled(
                    name, settings, json_errors, lambda: fn(*args, settings=settings, **kwargs)
                )
            return settled(name, settings, json_errors, lambda: fn(*args, **kwargs))

        _UNSIGNED[name] = sign
        app.command(
            name,
            help=inspect.getdoc(fn),
            epilog=markdown(epilog),
            rich_help_panel=PANELS.get(name, "Commands"),
        )(command)
        return fn

    return register
