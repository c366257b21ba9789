"""The model-library verbs `solvent models` and `solvent new`.

Both commands are registered on the main Typer app by :func:`solvent.cli.verbs.verb`. `solvent models` lists every
model of :mod:`solvent.models` with a one-line description and its parameters (with
defaults); `solvent new MODEL [PATH]` writes an editable spec file built from a model and
refuses to overwrite an existing file unless ``--force`` is given. Exit codes: 0 done,
3 unknown model, existing file or unwritable path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from solvent.cli.verbs import verb
from solvent.errors import UsageError, WouldOverwriteError


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, tuple):
        return "(" + ", ".join(_show(v) for v in value) + ")"
    return repr(value)


@verb("models", epilog=None)
def models_command(
    verbose: Annotated[
        bool, typer.Option("--params/--no-params", help="List each model's parameters.")
    ] = True,
) -> None:
    """List the models of solvent.models: name, what it models, parameters (defaults)."""
    from solvent.models.registry import all_models

    for info in all_models():
        typer.echo(f"{info.name:<22} {info.description}")
        if verbose:
            params = ", ".join(f"{n}={_show(v)}" for n, v in info.params if n != "name")
            typer.echo(f"{'':<22}   parameters: {params}")
    typer.echo("\nStart a spec of your own from one: solvent new MODEL [PATH]")


@verb("new", epilog=None)
def new_command(
    model: Annotated[
        str, typer.Argument(metavar="MODEL", help="A model name (see `solvent models`).")
    ],
    path: Annotated[
        str | None,
        typer.Argument(
            metavar="PATH",
            help="File to write [default: MODEL.py, dashes as _].",
            show_default=False,
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite PATH if it exists.")] = False,
) -> None:
    """Write an editable spec file from a model: its rules and every parameter, yours to change."""
    from solvent.models.registry import load, standalone_source

    info = load(model)
    target = Path(path if path is not None else info.name.replace("-", "_") + ".py")
    if target.suffix != ".py":
        raise UsageError(f"PATH {target} must end in .py (it is a Python spec file)")
    if target.exists() and not force:
        raise WouldOverwriteError(
            f"{target} already exists; choose another PATH, or pass --force to overwrite it"
        )
    if not target.parent.resolve().is_dir():
        raise UsageError(f"cannot write {target}: directory {target.parent} does not exist")
    command = f"solvent new {info.name}" + (f" {path}" if path else "")
    try:
        target.write_text(standalone_source(info, command), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror}") from None
    typer.echo(f"written: {target} (model {info.name}); next: solvent lint {target}")
