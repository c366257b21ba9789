"""Mutation score of `bmc` and `prove` on the model library (issue 22).

    python benchmarks/mutation.py                 # writes benchmarks/results/mutation.md
    python benchmarks/mutation.py --models perp_isolated --out -   # one model, stdout

Each shipped model is taken in its known-safe configuration (``examples/correct/*.py``,
proved by ``prove``) and mutated with standard operators, one site at a time, in the
source of its model module (``src/solvent/models/*.py``), only inside the functions
registered as a tick, action or keeper (the protocol, not its properties):

- ``flip``: negate a comparison (``<`` to ``>=``, ``<=`` to ``>``, ...);
- ``guard``: drop one ``requires(...)`` guard;
- ``rounding``: swap a rounding direction (``mul_down`` and ``mul_up``, ``div_down`` and
  ``div_up``), anywhere outside the properties;
- ``keeper``: make an ``every_step`` keeper adversarial;
- ``margin``: lower a margin (a build parameter whose name holds ``margin``, ``haircut``
  or ``cover``) to a quarter of its value, below the envelope's move.

Every mutant is checked with ``bmc`` (``--depth``) and ``prove`` (k up to 3), each with
a wall-clock budget. A mutant is **killed** when either gives FAIL (a replayed
counterexample); **UNKNOWN** when a check ran out of budget without a FAIL (never counted
as killed); **CTI** when prove cannot prove it and bmc finds no path; **VACUOUS** when
prove finds a witness unreachable (the mutant disables what makes the proof meaningful);
**survived** when both say PASS (the mutant is safe: an equivalent mutant with respect
to the properties, argued in the report).
Mutants the spec refuses to build (exit 3) are counted as invalid. Why each survivor is
equivalent is argued by hand in the report, below a marker line that reruns keep.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import os
import platform
import sys
import time
import types
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "correct"
MODELS = ROOT / "src" / "solvent" / "models"
REGISTERS = {"tick", "action", "keeper"}
NEGATE = {ast.Lt: ast.GtE, ast.LtE: ast.Gt, ast.Gt: ast.LtE, ast.GtE: ast.Lt,
          ast.Eq: ast.NotEq, ast.NotEq: ast.Eq}  # fmt: skip
ROUNDING = {"mul_down": "mul_up", "mul_up": "mul_down", "div_down": "div_up",
            "div_up": "div_down"}  # fmt: skip
MARGINS = ("margin", "haircut", "cover")
MARKER = "<!-- arguments: written by hand, kept by reruns -->"


@dataclass
class Mutant:
    model: str
    operator: str
    where: str  # model.py:LINE (function)
    text: str  # what changed
    module_source: str | None  # mutated module's source (None: parameter mutant)
    overrides: dict[str, str]  # build kwargs replaced in the example
    module: str = ""  # the mutated module under solvent.models ("": the model's own)


def _registered(fn: ast.FunctionDef) -> bool:
    for dec in fn.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        if isinstance(target, ast.Attribute) and target.attr in REGISTERS:
            return True
    return False


def _property(fn: ast.FunctionDef) -> bool:
    """A decorated function that is not a tick, action or keeper, nor the model's
    ``@sv.builder`` ``build()``, decorated with its ``@takes`` table too (where fee_accrual
    chooses its rounding direction)."""
    names = [
        getattr(d.func if isinstance(d, ast.Call) else d, "attr", None)
        or getattr(d.func if isinstance(d, ast.Call) else d, "id", None)
        for d in fn.decorator_list
    ]
    return bool(names) and not _registered(fn) and not set(names) <= {"builder", "takes"}


def _sites(tree: ast.Module) -> Iterator[tuple[str, ast.AST, ast.FunctionDef]]:
    for fn in ast.walk(tree):
        if not (isinstance(fn, ast.FunctionDef) and _registered(fn)):
            continue
        for dec in fn.decorator_list:
            if isinstance(dec, ast.Call):
                for kw in dec.keywords:
                    if kw.arg == "every_step":
                        yield "keeper", kw, fn
        for node in ast.walk(fn):
            if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in NEGATE:
                yield "flip", node, fn
            elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
                f = node.value.func
                name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
                if name == "requires":
                    yield "guard", node, fn
    # rounding directions anywhere outside the properties (also chosen in build(), like
    # fee_accrual's `charge = sv.mul_up if ... else sv.mul_down`)
    inside_properties = {
        id(n)
        for fn in ast.walk(tree)
        if isinstance(fn, ast.FunctionDef) and _property(fn)
        for n in ast.walk(fn)
    }
    for node in ast.walk(tree):
        if id(node) in inside_properties:
            continue
        name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
        if isinstance(node, ast.Attribute | ast.Name) and name in ROUNDING:
            yield "rounding", node, _enclosing(tree, node)


def _enclosing(tree: ast.Module, node: ast.AST) -> ast.FunctionDef:
    best = None
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef) and any(n is node for n in ast.walk(fn)):
            if best is None or fn.lineno > best.lineno:
                best = fn
    assert best is not None
    return best


def _mutate(source: str, index: int) -> tuple[str, str, str, str]:
    """Apply the ``index``-th mutation of ``source``: (operator, line, text, new source)."""
    tree = ast.parse(source)
    sites = list(_sites(tree))
    op, node, fn = sites[index]
    line = getattr(node, "lineno", fn.lineno)
    before = ast.get_source_segment(source, node) or ""
    if op == "flip":
        assert isinstance(node, ast.Compare)
        node.ops = [NEGATE[type(node.ops[0])]()]
        after = ast.unparse(node)
    elif op == "guard":
        for parent in ast.walk(fn):
            body = getattr(parent, "body", None)
            if isinstance(body, list) and node in body:
                body.remove(node)
                if not body:
                    body.append(ast.Pass())
        after = "(dropped)"
    elif op == "rounding":
        if isinstance(node, ast.Attribute):
            node.attr = ROUNDING[node.attr]
        else:
            assert isinstance(node, ast.Name)
            node.id = ROUNDING[node.id]
        after = ast.unparse(node)
    else:  # keeper: every_step=True -> adversarial=True
        assert isinstance(node, ast.keyword)
        node.arg = "adversarial"
        after = ast.unparse(node)
    ast.fix_missing_locations(tree)
    return op, f"{line} ({fn.name})", f"{before} -> {after}", ast.unparse(tree)


def _example_build(path: Path) -> tuple[str, dict[str, str]]:
    """The model module an example builds and its keyword arguments (as source)."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "build"
            and isinstance(node.func.value, ast.Name)
        ):
            kwargs = {kw.arg: ast.unparse(kw.value) for kw in node.keywords if kw.arg}
            return node.func.value.id, kwargs
    raise SystemExit(f"{path}: no MODEL.build(...) call")


def _shared_calls(source: str) -> dict[str, set[str]]:
    """The shared model modules (``solvent.models.X``) a model's source imports, each with
    the names of its top-level functions the model uses."""
    tree = ast.parse(source)
    alias: dict[str, str] = {}
    used: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "solvent.models":
            for a in node.names:
                alias[a.asname or a.name] = a.name
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("solvent.models."):
            used.setdefault(node.module.rsplit(".", 1)[1], set()).update(a.name for a in node.names)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in alias
        ):
            used.setdefault(alias[node.value.id], set()).add(node.attr)
    return used


def _top_level(tree: ast.Module, node: ast.AST) -> str | None:
    for fn in tree.body:
        if isinstance(fn, ast.FunctionDef) and any(n is node for n in ast.walk(fn)):
            return fn.name
    return None


def mutants(example: Path) -> list[Mutant]:
    """The mutants of the model module an example builds, and of the shared model modules
    it calls (``blocks_perp``, ``liquidation``, ...: only inside the functions it uses)."""
    module, kwargs = _example_build(example)
    source = (MODELS / f"{module}.py").read_text()
    out = []
    for i in range(len(list(_sites(ast.parse(source))))):
        op, where, text, new = _mutate(source, i)
        out.append(Mutant(example.stem, op, f"{module}.py:{where}", text, new, {}))
    for shared, names in sorted(_shared_calls(source).items()):
        path = MODELS / f"{shared}.py"
        if shared == module or not path.exists():
            continue
        text_s = path.read_text()
        tree = ast.parse(text_s)
        for i, (_op, node, _fn) in enumerate(_sites(tree)):
            if _top_level(tree, node) in names:
                op, where, text, new = _mutate(text_s, i)
                out.append(Mutant(example.stem, op, f"{shared}.py:{where}", text, new, {}, shared))
    margin_like = [k for k in kwargs if any(m in k for m in MARGINS)]
    for k in margin_like:
        try:
            v = Fraction(ast.literal_eval(kwargs[k]))
        except (ValueError, SyntaxError, TypeError):
            continue
        new_value = f'"{v / 4}"'
        out.append(
            Mutant(
                example.stem,
                "margin",
                f"{example.name} {k}",
                f"{k}={kwargs[k]} -> {new_value}",
                None,
                {k: new_value},
            )
        )
    return out


def build(example: Path, m: Mutant) -> Any:
    """The mutant's spec: the example's build call, on the mutated model module (or on
    the model module run again over the mutated shared module it imports)."""
    module_name, kwargs = _example_build(example)
    full = f"solvent.models.{module_name}"
    real = importlib.import_module(full)
    package = importlib.import_module("solvent.models")
    swaps: dict[str, types.ModuleType] = {}  # module name under solvent.models -> stand-in

    def load(name: str, source: str) -> types.ModuleType:
        real_mod = importlib.import_module(f"solvent.models.{name}")
        mod = types.ModuleType(real_mod.__name__)
        mod.__file__ = real_mod.__file__
        exec(compile(source, str(real_mod.__file__), "exec"), mod.__dict__)  # noqa: S102
        return mod

    saved = {}
    try:
        if m.module_source is not None and m.module:  # a shared module: mutate it, then
            # run the model's own source again so that it imports the mutated one
            swaps[m.module] = load(m.module, m.module_source)
            _swap(package, swaps, saved)
            swaps[module_name] = load(module_name, Path(str(real.__file__)).read_text())
        elif m.module_source is not None:
            swaps[module_name] = load(module_name, m.module_source)
        _swap(package, swaps, saved)
        kwargs = {**kwargs, **m.overrides}
        call = ", ".join(f"{k}={v}" for k, v in kwargs.items())
        namespace: dict[str, Any] = {}
        program = f"from solvent.models import {module_name}\nspec = {module_name}.build({call})"
        exec(program, namespace)  # noqa: S102 - the example's own build call
    finally:
        for name, mod in saved.items():
            sys.modules[f"solvent.models.{name}"] = mod
            setattr(package, name, mod)
    return namespace["spec"]


def _swap(package: Any, swaps: dict[str, types.ModuleType], saved: dict[str, Any]) -> None:
    """Put the stand-in modules in place (the real ones kept in ``saved``, once)."""
    for name, mod in swaps.items():
        saved.setdefault(name, sys.modules[f"solvent.models.{name}"])
        sys.modules[f"solvent.models.{name}"] = mod
        setattr(package, name, mod)


def judge(spec: Any, depth: int, timeout: float) -> tuple[str, str, str]:
    from solvent.check.bmc import bmc
    from solvent.check.induction import prove
    from solvent.errors import SolventError

    try:
        b = bmc(spec, depth, timeout=timeout).verdict
        p = prove(spec, max_k=3, timeout=timeout).verdict
    except SolventError as exc:
        return "invalid", "-", f"{type(exc).__name__}: {exc.message[:80]}"
    if "FAIL" in (b, p):
        return "killed", f"bmc {b}, prove {p}", ""
    if "UNKNOWN" in (b, p):
        return "UNKNOWN", f"bmc {b}, prove {p}", ""
    if p == "PASS":
        return "survived", f"bmc {b}, prove {p}", ""
    return p, f"bmc {b}, prove {p}", ""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="*", help="example stems (default: every examples/correct)")
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per check")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "mutation.md"))
    args = ap.parse_args()
    examples = sorted(EXAMPLES.glob("*.py"))
    if args.models:
        examples = [e for e in examples if e.stem in args.models]
    rows: list[tuple[Mutant, str, str, str, float]] = []
    t_all = time.perf_counter()
    for ex in examples:
        for m in mutants(ex):
            t0 = time.perf_counter()
            try:
                spec = build(ex, m)
            except Exception as exc:  # noqa: BLE001 - a mutant that does not build is invalid
                rows.append((m, "invalid", "-", f"{type(exc).__name__}", 0.0))
                continue
            outcome, verdicts, note = judge(spec, args.depth, args.timeout)
            rows.append((m, outcome, verdicts, note, time.perf_counter() - t0))
            print(f"{m.model:22} {m.operator:8} {m.where:40} {outcome:8} {verdicts}", flush=True)
    total = time.perf_counter() - t_all
    lines = [
        "# Mutation score of bmc and prove on the model library",
        "",
        f"Command: `python benchmarks/mutation.py --depth {args.depth} --timeout {args.timeout:g}`"
        f" ({total:.0f} s; {platform.machine()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs shared).",
        "",
        "Operators, mutant outcomes and what they mean: see the docstring of "
        "`benchmarks/mutation.py`. Killed = bmc or prove gave FAIL with a replayed "
        "counterexample.",
        "",
        "| model | mutants | killed | survived (PASS) | CTI | VACUOUS | UNKNOWN | invalid |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for ex in examples:
        mine = [r for r in rows if r[0].model == ex.stem]
        count = {
            k: sum(1 for r in mine if r[1] == k)
            for k in ("killed", "survived", "CTI", "VACUOUS", "UNKNOWN", "invalid")
        }
        lines.append(
            f"| {ex.stem} | {len(mine)} | {count['killed']} | {count['survived']} | "
            f"{count['CTI']} | {count['VACUOUS']} | {count['UNKNOWN']} | {count['invalid']} |"
        )
    lines += [
        "",
        "## Every mutant that was not killed",
        "",
        "| model | operator | where | change | outcome | verdicts |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for m, outcome, verdicts, note, _s in rows:
        if outcome != "killed":
            change = m.text.replace("|", "\\|").replace("\n", " ")
            lines.append(
                f"| {m.model} | {m.operator} | {m.where} | `{change}` | {outcome} "
                f"| {verdicts}{' ' + note if note else ''} |"
            )
    text = "\n".join(lines) + "\n"
    # the hand-written arguments for the survivors (below MARKER) are kept on a rerun
    out = Path(args.out)
    if args.out != "-" and out.exists() and MARKER in out.read_text():
        text += "\n" + MARKER + out.read_text().split(MARKER, 1)[1]
    if args.out == "-":
        print(text)
    else:
        Path(args.out).write_text(text)
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
