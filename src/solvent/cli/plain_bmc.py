"""A plain ``solvent bmc`` command line, run without Typer.

Importing Typer and building the one verb's command is about 0.1 s of CPU of every
``solvent bmc`` (round 20 of ``benchmarks/results/engine.md``: Typer's import ~72 ms,
its dispatch 22-26 ms), a quarter of a bmc on one account. A command line of the plain
form ``bmc TARGET`` with only the options of ``PLAIN`` (each once, its value in the next
word, the values Typer converts without Pydantic: ``cli/quick_values.py``) is read here
and run by the same code the Typer command runs (``verbs.verb``'s layering of the
settings, ``output.single_check``, ``exits``'s exit codes and messages), so its output
and exit code are the Typer command's. Anything else (``--help``, ``--opt=value``, a
repeated option, an unknown word, an option Typer would refuse or convert another way,
``--action``/``--keep-going`` set in ``[tool.solvent]``) returns None before anything
is run, and the command line goes to Typer: its messages and exit codes stay Typer's.
``tests/cli/test_plain_bmc.py`` compares both paths on good and bad command lines.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

from solvent import limits
from solvent.cli.exits import outcome, settled
from solvent.cli.output import output_paths, single_check
from solvent.cli.quick_values import _OTHER, plain
from solvent.config import find_pyproject, options, read_config, resolve, section_settings
from solvent.report.provenance import set_command

VERB = "bmc"
# the settings a plain bmc call may set on its command line, and their types on it
PLAIN: dict[str, type] = {
    "depth": int,
    "timeout": float,
    "jobs": int,
    "accounts": int,
    "invariants": list,
    "simplify": bool,
    "format": str,
    "quiet": bool,
    "spec": str,
    "output": str,
}


def _flags() -> dict[str, tuple[str, Any]]:
    """Each flag of ``PLAIN``'s options -> (setting, what it gives: True/False for a
    switch, None for an option that takes the next word)."""
    found: dict[str, tuple[str, Any]] = {}
    for f, opt in options():
        if f.name not in PLAIN or VERB not in opt.verbs:
            continue
        for flag in opt.flags:
            on, _, off = flag.partition("/")
            switch = PLAIN[f.name] is bool
            found[on] = (f.name, True if switch else None)
            if off:
                found[off] = (f.name, False)
    return found


def parse(args: Sequence[str]) -> tuple[str, dict[str, Any]] | None:
    """(TARGET, the command line's settings as the Typer command gets them) of a plain
    ``bmc`` command line, None for any other."""
    if len(args) < 2 or args[0] != VERB or os.environ.get("_SOLVENT_COMPLETE"):
        return None  # (a shell completing a command line: Typer's completion answers)
    flags = _flags()
    given: dict[str, Any] = {}
    target = None
    words = iter(args[1:])
    for word in words:
        if not word.startswith("-"):
            if target is not None:
                return None  # a second argument: Typer's message
            target = word
            continue
        name, value = flags.get(word, (None, None))
        if name is None or name in given:
            return None  # an option not read here, or one given twice
        if value is None:
            raw = next(words, None)
            if raw is None or raw.startswith("-"):
                return None
            kind = PLAIN[name]
            value = [raw] if kind is list else plain(kind, raw)
            if value is _OTHER:
                return None
        given[name] = value
    if target is None:
        return None
    return target, given


class _NotPlain(Exception):
    """The settings read from ``[tool.solvent]`` send this command line to Typer."""


def run(args: Sequence[str]) -> int | None:
    """The exit code of the plain bmc command line ``args`` (its output shown), or None
    when it is not one (nothing was run or shown: Typer's command line runs it)."""
    parsed = parse(args)
    if parsed is None:
        return None
    target, given = parsed
    limits.reload()  # a command line reads the limits' environment afresh
    set_command(list(args))

    def settings() -> Any:
        """The layered settings, as ``verbs.verb``'s command makes them."""
        file = read_config(find_pyproject())
        if any(key not in section_settings(VERB) for key in file.sections.get(VERB, {})):
            raise _NotPlain()  # Typer's command names the unknown key
        cli = {f.name: given.get(f.name) for f, opt in options() if opt.flags and VERB in opt.verbs}
        chosen = resolve(cli, file, verb=VERB)
        if chosen.actions or chosen.no_actions or chosen.keep_going:
            raise _NotPlain()  # the Typer command's other route
        from solvent.report.outputs import check_outputs

        check_outputs(output_paths(chosen))
        return chosen

    def call() -> int:
        try:
            chosen = settings()
        except KeyboardInterrupt:
            sys.stderr.write("\n")  # what Click writes for a Ctrl-C outside the verb
            raise
        return int(settled(VERB, chosen, True, lambda: single_check(VERB, target, chosen)))

    try:
        return outcome(call, passthrough=(_NotPlain,))
    except _NotPlain:
        return None
