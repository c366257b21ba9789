"""Terminal output (Rich): verdict lines, counterexample tables, CTI states, spec listings.

Every verdict line states its bound::

    [FAIL] solvent  bmc depth 3/5  0.4s  counterexample confirmed by concrete replay
    [PASS] solvent  prove k=1  1.2s  proved for every path length (3 accounts)

Numbers are printed exactly (``format_number``: ``0.05``, ``11016/5``); a rational with no
finite decimal also shows a rounded value (``1/3 (~0.333333)``). In replay tables a value
whose exact text is long is shown rounded (``≈2.948484699``, :func:`cell`); JSON keeps it
exact. Output carries no escape
codes when it is not a terminal or when ``CI`` is set.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from fractions import Fraction
from typing import Any

from rich import box
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from solvent.check.replay import ReplayResult, StepRecord
from solvent.check.results import CheckResult
from solvent.errors import SolventError
from solvent.lang.domains import AnyBool, Within
from solvent.lang.values import format_number
from solvent.report.json_out import keeper_label
from solvent.report.verdict import verdict_parts
from solvent.spec.spec import ActionDecl, PredicateDecl, Spec

_VERDICT_STYLE = {"PASS": "bold green", "FAIL": "bold red"}
_PLAIN_WIDTH = 120  # tables in logs and pipes: wider than Rich's 80-column default


def make_console(*, stderr: bool = False) -> Console:
    """A console on stdout (or stderr): plain text when not a terminal or under ``CI``."""
    ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    console = Console(
        file=sys.stderr if stderr else sys.stdout,
        force_terminal=False if ci else None,
        highlight=False,
        markup=False,
        emoji=False,
    )
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = _PLAIN_WIDTH
    return console


@contextmanager
def status(console: Console, message: str) -> Iterator[None]:
    """A spinner on a terminal while a check runs, with its progress; nothing otherwise.

    The line shows what the check noted in :mod:`solvent.check.progress` (phase, depth,
    running portfolio members) and the elapsed time, refreshed twice a second.
    """
    if not console.is_terminal:
        yield
        return
    import threading
    import time

    from solvent.check import progress

    progress.clear()
    began = time.perf_counter()
    done = threading.Event()
    with console.status(message) as spinner:

        def refresh() -> None:
            while not done.wait(0.5):
                now = progress.describe()
                line = f"{message} · {now}" if now else message
                spinner.update(f"{line} · {time.perf_counter() - began:.0f}s")

        updater = threading.Thread(target=refresh, daemon=True)
        updater.start()
        try:
            yield
        finally:
            done.set()
            updater.join()
            progress.clear()


def number(value: Any) -> str:
    """Exact text of a value; rationals without a finite decimal also get a rounded one."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Fraction):
        exact = format_number(Fraction(value))
        if "/" in exact:
            return f"{exact} (~{float(Fraction(value)):.6g})"
        return exact
    if value is None:
        return ""
    return str(value)


CELL_DIGITS = 15  # a table cell longer than this shows its value rounded


def cell(value: Any) -> str:
    """A number in a replay table: its exact text when short (``0.05``, ``2026.944``), else
    rounded to 10 significant digits and marked ``≈`` (``≈2.948484699``); the exact value
    is in the JSON result (``-o``, ``--format json``) and ``solvent replay`` recomputes it."""
    if isinstance(value, int | Fraction) and not isinstance(value, bool):
        exact = format_number(Fraction(value))
        if len(exact.lstrip("-")) > CELL_DIGITS:
            return f"≈{float(Fraction(value)):.10g}"
    return number(value)


# ---------------------------------------------------------------------- verdicts
def verdict_line(result: CheckResult, properties: Sequence[str] = ()) -> Text:
    """``[VERDICT] subject  check bound  seconds  message``."""
    tag, rest = verdict_parts(result, properties)
    return Text.assemble((tag, _VERDICT_STYLE.get(result.verdict, "bold yellow")), rest)


def render_result(
    console: Console,
    result: CheckResult,
    *,
    properties: Sequence[str] = (),
    replayed: ReplayResult | None = None,
    spec: Spec | None = None,
    quiet: bool = False,
) -> None:
    """The verdict line, then (unless quiet) what backs it up."""
    console.print(verdict_line(result, properties), soft_wrap=True)
    if quiet:
        return
    if replayed is not None and spec is not None:
        render_replay(console, replayed, spec)
    if result.cti_state is not None:
        render_cti(console, result)
    else:
        render_lemmas(console, result)
    for f in (result.details.get("float64") or {}).get("findings", []):
        fa, fb, fgot = f["float64"]
        ea, eb, exact = f["exact"]
        console.print(
            f"  float64 vs exact at step {f['step']}: {f['op']}({fa!r}, {fb!r}) is {fgot} in "
            f"float64, {exact} exactly ({f['op']}({ea}, {eb})); state {f['state']}, "
            f"market {f['market']}",
            soft_wrap=True,
        )
    if coupled := result.coupling():  # why the proof for every number of accounts did not apply
        console.print(f"  not proved for every number of accounts: {coupled}", soft_wrap=True)
    explained = result.details.get("attribution")
    if result.verdict == "PASS" and explained:
        console.print(f"  {explained['sentence']}", soft_wrap=True)
    used = result.details.get("assumptions_used", result.details.get("assumptions"))
    if result.verdict == "PASS" and used:
        unused = result.details.get("assumptions_unused") or []
        console.print(f"  assumptions used: {', '.join(used)}", soft_wrap=True)
        if unused and not explained:  # the sentence names them already
            console.print(f"  not needed: {', '.join(unused)}", soft_wrap=True)


def render_error(console: Console, exc: SolventError) -> None:
    console.print(Text.assemble(("error: ", "bold red"), exc.render()), soft_wrap=True)
    console.print(Text(f"  causes and fix: {exc.docs}", style="dim"), soft_wrap=True)


# ---------------------------------------------------------------------- replay tables
def _involved_accounts(records: Sequence[StepRecord], n_accounts: int) -> list[int]:
    """Accounts whose state or metrics change, that a keeper acts on, or that fail."""
    keep: set[int] = set()
    for prev, rec in zip(records, records[1:], strict=False):
        for part, before in ((rec.state, prev.state), (rec.metrics, prev.metrics)):
            for name, values in part.items():
                if isinstance(values, list):
                    keep.update(a for a, v in enumerate(values) if v != before[name][a])
        keep.update(a for _, a in rec.fired if a is not None)
    keep.update(f.account for rec in records for f in rec.failures if f.account is not None)
    return sorted(a for a in keep if 0 <= a < n_accounts)


def _table() -> Table:
    return Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)


def _fitting(console: Console, table: Table) -> Table:
    """``table``, or its transpose (one row per column, one column per row) when it is
    wider than the terminal: column names are never cut, and long values fold onto the
    next line rather than losing their end."""
    columns = table.columns
    cells = [[str(c) for c in col.cells] for col in columns]
    widths = [
        max([len(str(col.header)), *map(len, vals)])
        for col, vals in zip(columns, cells, strict=True)
    ]
    if sum(widths) + 3 * (len(widths) - 1) <= console.width:
        return table
    flipped = _table()
    flipped.add_column(str(columns[0].header), no_wrap=True)
    rows = len(cells[0]) if cells else 0
    for r in range(rows):
        flipped.add_column(cells[0][r] or "", justify="right", overflow="fold")
    for col, vals in list(zip(columns, cells, strict=True))[1:]:
        flipped.add_row(str(col.header), *vals)
    return flipped


def render_replay(console: Console, replayed: ReplayResult, spec: Spec) -> None:
    """The path (one row per step: draws, protocol state, actions, keepers, failures) and
    each involved account's state per step."""
    records = replayed.records
    scalar_fields = [n for n, fd in spec.fields.items() if not fd.per_account]
    account_fields = [n for n, fd in spec.fields.items() if fd.per_account]
    scalar_metrics = [d.name for d in spec.metrics if not d.per_account]
    account_metrics = [d.name for d in spec.metrics if d.per_account]

    path = _table()
    path.add_column("step", justify="right")
    for name in [*spec.bounds, *scalar_fields, *scalar_metrics]:
        path.add_column(name, justify="right")
    if spec.actions:
        path.add_column("action")
    if spec.keepers:
        path.add_column("keepers fired")
    path.add_column("violated", style="bold red")
    for rec in records:
        cells = [_step(rec)]
        cells += [cell(rec.market.get(n)) if rec.step else "" for n in spec.bounds]
        cells += [cell(rec.state[n]) for n in scalar_fields]
        cells += [cell(rec.metrics.get(n)) for n in scalar_metrics]
        if spec.actions:
            action = rec.action or ""
            if rec.action is not None and rec.action_enabled is False:
                action += " (not enabled: a requires() failed; no effect)"
            cells.append(action)
        if spec.keepers:
            cells.append(", ".join(keeper_label(n, a) for n, a in rec.fired))
        cells.append(", ".join(f.label() for f in rec.failures))
        path.add_row(*cells)
    console.print(Text("path", style="bold"))
    console.print(_fitting(console, path))

    accounts = _involved_accounts(records, spec.accounts)
    if (account_fields or account_metrics) and accounts:
        console.print()
        table = _table()
        table.add_column("step", justify="right")
        table.add_column("account", justify="right")
        for name in account_fields + account_metrics:
            table.add_column(name, justify="right")
        for rec in records:
            for i, a in enumerate(accounts):
                cells = [cell(rec.state[n][a]) for n in account_fields]
                cells += [
                    cell(rec.metrics[n][a]) if n in rec.metrics else "" for n in account_metrics
                ]
                table.add_row(_step(rec) if i == 0 else "", str(a), *cells)
        console.print(Text("accounts", style="bold"))
        console.print(_fitting(console, table))
    others = [a for a in range(spec.accounts) if a not in accounts]
    if account_fields and others:
        shown = ", ".join(map(str, others[:10])) + (", ..." if len(others) > 10 else "")
        console.print(f"  account{'s' if len(others) > 1 else ''} {shown}: no change, not shown")
    first = replayed.first_failure
    if first is not None:
        console.print(Text(f"  {first.label()} fails at step {first.step}", style="bold red"))
    for note in replayed.notes:
        console.print(f"  note: {note}", soft_wrap=True)


def _step(rec: StepRecord) -> str:
    return "init" if rec.step == 0 else str(rec.step)


def render_cti(console: Console, result: CheckResult) -> None:
    """The state the induction step starts from and the choices that break it."""
    console.print("  the state the induction window starts from (it may be unreachable):")
    table = _section("field", "value")
    for name, value in (result.cti_state or {}).items():
        if isinstance(value, list):
            shown = "  ".join(f"[{a}] {number(v)}" for a, v in enumerate(value))
        else:
            shown = number(value)
        table.add_row(name, shown)
    console.print(Padding(table, (0, 0, 0, 4), expand=False))
    choices = result.details.get("choices") or {}
    if choices:
        console.print(
            "  choices in the window: "
            + ", ".join(f"{k} = {number(v)}" for k, v in choices.items()),
            soft_wrap=True,
        )
    suggestion = result.details.get("suggestion")
    if suggestion and suggestion not in result.message:
        console.print(f"  suggestion: {suggestion}", soft_wrap=True)
    render_lemmas(console, result)


def render_lemmas(console: Console, result: CheckResult) -> None:
    """Lemmas prove suggests, each checked before it is shown (solvent.check.suggest)."""
    for lemma in result.details.get("lemmas") or []:
        console.print(f"  suggested lemma (checked: {lemma['checked']}):", soft_wrap=True)
        for line in lemma["code"].splitlines():
            console.print(f"    {line}", soft_wrap=True, markup=False, highlight=False)


# ---------------------------------------------------------------------- inspect
def _init_text(values: Sequence[Fraction | bool | Within | AnyBool]) -> str:
    def one(v: Any) -> str:
        if isinstance(v, Within):
            return f"within {v}"
        if isinstance(v, AnyBool):
            return "any bool"
        return number(v)

    shown = [one(v) for v in values]
    return (
        shown[0] if len(set(shown)) == 1 else "  ".join(f"[{a}] {s}" for a, s in enumerate(shown))
    )


def _section(*columns: str) -> Table:
    """A borderless listing of name, value(s) and file:line."""
    table = Table(box=None, pad_edge=False, show_header=False, padding=(0, 2, 0, 0))
    for i, _ in enumerate(columns):
        where = i == len(columns) - 1
        table.add_column(
            no_wrap=not where,
            overflow="fold" if where else "ellipsis",
            style="dim" if where else None,
        )
    return table


def _print_decls(
    console: Console, title: str, rows: Sequence[tuple[str, str, str | None, str]]
) -> None:
    """``name  detail  file:line`` then the docstring's first line, indented below."""
    if not rows:
        return
    console.print()
    console.print(Text(title, style="bold"))
    for name, detail, where, doc in rows:
        line = Text.assemble(
            ("  " + name, "bold"),
            f"  {detail}" if detail else "",
            (f"  {where}" if where else "", "dim"),
        )
        console.print(line, soft_wrap=True)
        if doc:
            console.print(Text(f"      {doc}"), soft_wrap=True)


def _action_signature(d: ActionDecl) -> str:
    accounts = (
        ["a", "b", "c", "d"][: d.n_accounts]
        if d.n_accounts <= 4
        else [f"a{i}" for i in range(d.n_accounts)]
    )
    args = [f"{k} in {v}" if isinstance(v, Within) else f"{k}: any bool" for k, v in d.args.items()]
    return f"{d.name}({', '.join(accounts + args)})"


def render_spec(console: Console, spec: Spec, target: str | None = None) -> None:
    """Everything a spec declares, with file:line and the first docstring line."""
    console.print(Text.assemble((f"spec {spec.name}", "bold"), f"  {target or ''}"))
    plural = "s" if spec.accounts != 1 else ""
    console.print(
        f"  {spec.accounts} account{plural}, {spec.arithmetic} arithmetic "
        f"({'rationals' if spec.arithmetic == 'exact' else f'{spec.decimals} decimals, explicit rounding'}); "
        f"declared at {spec.where or 'an unknown place'}",
        soft_wrap=True,
    )

    params = _section("name", "value", "where")
    for name, default in spec.param_decls.items():
        value = number(default)
        if name in spec.overrides:
            value = f"{number(spec.overrides[name])} (set; default {value})"
        params.add_row(name, value, spec.param_where.get(name) or "")
    _print_section(console, "params (static)", params)
    _print_built_by(console, spec)

    state = _section("name", "kind", "initial", "where")
    for name, fd in spec.fields.items():
        kind = ("bool" if fd.sort == "bool" else "number") + (
            " per account" if fd.per_account else ""
        )
        state.add_row(name, kind, _init_text(fd.init), fd.where or "")
    _print_section(console, "state", state)

    envelope = _section("name", "bound", "where")
    for name, dom in spec.bounds.items():
        envelope.add_row(name, f"within {dom}", spec.bounds_where.get(name) or dom.where or "")
    _print_section(console, "envelope (every verdict assumes it)", envelope)

    _print_decls(
        console,
        "market tick (first in every step)",
        [(d.name, "", d.where, d.doc) for d in spec.ticks],
    )
    _print_decls(
        console,
        "actions (one user action per step, or none)",
        [
            (
                _action_signature(d),
                f"{d.n_accounts} account{'s' if d.n_accounts != 1 else ''}",
                d.where,
                d.doc,
            )
            for d in spec.actions
        ],
    )
    _print_decls(
        console,
        "keepers (after the tick)",
        [
            (
                f"{d.name}({'a' if d.n_accounts else ''})",
                f"{'oracle update, ' if d.role == 'oracle' else ''}"
                f"{d.liveness}{'' if d.within is None else f' {d.within} steps'}, "
                f"{'per account' if d.n_accounts else 'once'}",
                d.where,
                d.doc,
            )
            for d in spec.keepers
        ],
    )
    for title, decls in (
        ("invariants", spec.invariants),
        ("lemmas (auxiliary invariants, assumed by induction)", spec.lemmas),
        ("witnesses (must be reachable)", spec.witnesses),
        ("initial conditions", spec.initials),
        ("metrics (shown in replay tables)", spec.metrics),
    ):
        _print_decls(console, title, [(p.name, _scope(p), p.where, p.doc) for p in decls])
    if spec.scenarios:
        console.print()
        console.print(Text("scenarios (for stress)", style="bold"))
        console.print("  " + ", ".join(sorted(spec.scenarios)))


def _scope(p: PredicateDecl) -> str:
    return "per account" if p.per_account else "whole state"


def _print_built_by(console: Console, spec: Spec) -> None:
    """The builder call behind the spec (what ``--set`` rebuilds through), the keywords
    ``--set`` changed, and the constants the builder derived from them."""
    if spec.recipe is not None:
        first = spec.recipe.original or spec.recipe.kwargs
        changed = spec.recipe.changed()
        built = _section("keyword", "value")
        for name, value in changed.items():
            built.add_row(
                name, f"{_keyword_text(value)} (set; built with {_keyword_text(first.get(name))})"
            )
        console.print()
        console.print(Text(f"built by {spec.recipe.label}", style="bold"))
        if built.row_count:
            console.print(Padding(built, (0, 0, 0, 2), expand=False))
    if spec.derived:
        console.print()
        console.print(Text("derived from the parameters (as built)", style="bold"))
        for name, (value, doc) in spec.derived.items():
            console.print(f"  {name}  {_keyword_text(value)}", soft_wrap=True)
            if doc:
                console.print(Text(f"      {doc}", style="dim"), soft_wrap=True)


def _keyword_text(value: Any) -> str:
    if isinstance(value, tuple | list):
        return "(" + ", ".join(_keyword_text(v) for v in value) + ")"
    if isinstance(value, Fraction):
        return number(value)
    return str(value)


def _print_section(console: Console, title: str, table: Table) -> None:
    if table.row_count:
        console.print()
        console.print(Text(title, style="bold"))
        console.print(Padding(table, (0, 0, 0, 2), expand=False))
