"""Generate and load the numba kernel of a spec's step (see :mod:`solvent.stress.ir`).

The kernel loops over lanes (paths), then steps, in the concrete engine's order: the
market tick, each keeper for account 0, 1, ... (globals such as the insurance fund are
updated sequentially, exactly as the concrete engine does), then the properties. Every
float op is the IEEE op the vector backend uses, so the kernel and the NumPy-lanes engine
(:mod:`solvent.stress.lanes`) agree bit for bit; the tests assert it.

The source is written to a file named by its hash under the cache folder and imported
from there, so numba's ``cache=True`` keeps the machine code between runs.

Inputs (per block of lanes)::

    G0 (paths, n_globals) float64     initial scalar fields (bools as 0/1)
    A0 (paths, n_fields, accounts)    initial per-account fields
    M  (paths, steps, n_market)       the envelope draws of every step
    KP, OS, OL                        keepers run at step t iff t % KP == 0 and not
                                      OS <= t < OS + OL (delay / outage)
    C2 (paths, 2) int64               the two accounts of Cover-2 (-1: not computed)

A lane whose initial state breaks one of the spec's ``@initial`` conditions is not a
path of the spec: it is skipped with ``FAIL_STEP = -2`` (its other outputs keep their
initial values: zeros, ``T_HIT = -1``).

Outputs: final globals, first failing step (-1: none) and property index, per global
the min, the max and the first step it is <= 0, and the Cover-2 loss. Lanes with
``REC[p] = r >= 0`` also record every global after each step in ``SER[r]`` (step 0
first), for the worst-path plots.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solvent.lang.values import BOOL
from solvent.spec.spec import Params, Spec
from solvent.stress.bounds import (
    KERNEL_HELPERS,
    initial_exact,
    kernel_initial_error,
    literal_error,
)
from solvent.stress.ir import Builder, NotCompilable, StepTracer, Traced

KERNEL_VERSION = 2  # 2: error bounds beside every number, undecided decisions (UNSURE)

_BIN = {
    "add": "({0} + {1})",
    "sub": "({0} - {1})",
    "mul": "({0} * {1})",
    "div": "(({0} / {1}) if {1} != 0.0 else 0.0)",
    "lt": "({0} < {1})",
    "le": "({0} <= {1})",
    "eq": "({0} == {1})",
    "max": "({0} if {0} >= {1} else {1})",
    "min": "({0} if {0} <= {1} else {1})",
    "and": "({0} and {1})",
    "or": "({0} or {1})",
}
_UN = {"neg": "(-{0})", "not": "(not {0})"}


def op_expr(op: str, args: list[str]) -> str:
    if op in _BIN:
        return _BIN[op].format(*args)
    if op in _UN:
        return _UN[op].format(*args)
    if op == "select":
        return f"({args[1]} if {args[0]} else {args[2]})"
    raise NotCompilable(f"no kernel rule for op {op!r}")


NUM_OPS = frozenset({"add", "sub", "mul", "div", "neg", "max", "min", "c", "mkt"})
DECISIONS = frozenset({"lt", "le", "eq"})


def bound_lines(op: str, args: list[str], name: str) -> list[str]:
    """The lines after ``name = op(args)``: its error bound ``e<name>`` (numbers) or the
    check that a decision was certain (``uns = True`` otherwise); see
    :mod:`solvent.stress.bounds`. ``args`` are variable names (their bounds: ``e<arg>``)."""
    e = [f"e{a}" for a in args]
    if op in DECISIONS:
        return [f"if not _dec({args[0]}, {args[1]}, {e[0]}, {e[1]}):", "    uns = True"]
    if op in ("add", "sub"):
        b = args[1] if op == "add" else f"-{args[1]}"
        return [f"e{name} = _eadd({args[0]}, {b}, {name}, {e[0]}, {e[1]})"]
    if op == "mul":
        return [f"e{name} = _emul({args[0]}, {args[1]}, {name}, {e[0]}, {e[1]})"]
    if op == "div":
        return [
            f"if not _dec({args[1]}, 0.0, {e[1]}, 0.0):",
            "    uns = True",
            f"e{name} = _ediv({args[0]}, {args[1]}, {name}, {e[0]}, {e[1]})",
        ]
    if op == "neg":
        return [f"e{name} = {e[0]}"]
    if op in ("max", "min"):
        return [f"e{name} = _e{op}({args[0]}, {args[1]}, {e[0]}, {e[1]})"]
    if op == "select":
        return [f"e{name} = ({e[1]} if {args[0]} else {e[2]})"]
    return []  # and, or, not: exact on exact booleans


@dataclass(frozen=True, slots=True)
class Layout:
    """Where each field lives in the kernel's arrays."""

    globals: tuple[str, ...]
    accounts: tuple[str, ...]
    market: tuple[str, ...]
    bools: frozenset[str]
    properties: tuple[str, ...]


class Scope:
    """SSA lines of one block of generated code, with lookups into enclosing blocks."""

    def __init__(
        self,
        em: Emitter,
        indent: int,
        parent: Scope | None = None,
        acc_index: int | None = None,
        acc_var: str | None = None,
        hoist: bool = False,
    ) -> None:
        self.em = em
        self.lines: list[str] = []
        self.indent = indent
        self.parent = parent
        self.acc_index = acc_index
        self.acc_var = acc_var
        self.hoist = hoist
        self.memo: dict[int, str] = {}

    def line(self, text: str) -> None:
        self.lines.append("    " * self.indent + text)

    def lookup(self, nid: int) -> str | None:
        s: Scope | None = self
        while s is not None:
            if nid in s.memo:
                return s.memo[nid]
            s = s.parent
        return None

    def get(self, nid: int) -> str:
        found = self.lookup(nid)
        if found is not None:
            return found
        b = self.em.b
        if self.hoist and self.parent is not None and not b.deps[nid]:
            return self.parent.get(nid)
        node = b.nodes[nid]
        name = f"{self.em.prefix}{nid}"
        if node.op == "g":
            expr = self.em.glob(node.data)
        elif node.op == "mkt":
            expr = f"m_{node.data}"
        elif node.op == "acc":
            field, k = node.data
            if k != self.acc_index or self.acc_var is None:
                raise NotCompilable(f"account {k} read outside its loop")
            expr = self.em.acc(field, self.acc_var)
        elif node.op == "c":
            expr = f"({float(node.data)!r})"
        elif node.op == "cb":
            expr = "True" if node.data else "False"
        else:
            args = [self.get(a) for a in node.args]
            expr = op_expr(node.op, args)
        self.line(f"{name} = {expr}")
        if self.em.bounds:
            if node.op in ("g", "acc"):
                if self.em.is_num(nid):
                    self.line(f"e{name} = e{expr}")
            elif node.op == "mkt":
                self.line(f"e{name} = 0.0")  # a draw: the judge gets its double exactly
            elif node.op == "c":
                self.line(f"e{name} = {literal_error(node.data)!r}")
            elif self.em.is_num(nid) or node.op in DECISIONS:
                for text in bound_lines(node.op, args, name):
                    self.line(text)
        self.memo[nid] = name
        return name

    def op(self, name: str, op: str, args: list[str], is_num: bool) -> None:
        """``name = op(args)`` with its bound lines."""
        self.line(f"{name} = {op_expr(op, args)}")
        if self.em.bounds and (is_num or op in DECISIONS or op == "div"):
            for text in bound_lines(op, args, name):
                self.line(text)

    def value(self, t: Any) -> str:
        """Emit a template (see :mod:`solvent.stress.ir`) and return the variable holding it."""
        kind = t[0]
        if kind == "n":
            return self.get(t[1])
        if kind == "op":
            args = [self.value(x) for x in t[2]]
            name = self.em.fresh("o")
            self.op(name, t[1], args, self.em.template_num(t))
            return name
        _, op, init, leaf = t
        acc = self.em.fresh("f")
        var = self.em.fresh("a")
        num = self.em.bounds and self.em.template_num(t)
        if init is not None:
            first = self.value(init)
            self.line(f"{acc} = {first}")
            if num:
                self.line(f"e{acc} = e{first}")
        body = Scope(self.em, self.indent + 1, parent=self, acc_index=0, acc_var=var, hoist=True)
        leaf_name = body.get(leaf)
        tmp = self.em.fresh("s")
        step = Scope(self.em, body.indent + (0 if init is not None else 1))
        step.op(tmp, op, [acc, leaf_name], num)
        step.line(f"{acc} = {tmp}")
        if num:
            step.line(f"e{acc} = e{tmp}")
        if init is None:
            body.line(f"if {var} == 0:")
            body.line(f"    {acc} = {leaf_name}")
            if num:
                body.line(f"    e{acc} = e{leaf_name}")
            body.line("else:")
        body.lines.extend(step.lines)
        self.line(f"for {var} in range(n_acc):")
        self.lines.extend(body.lines)
        return acc


class Emitter:
    """Code generation state for one traced piece."""

    counter = 0
    bools: frozenset[str] = frozenset()  # the spec's bool fields (set by generate)

    def __init__(
        self,
        b: Builder,
        prefix: str,
        glob: Callable[[str], str] = lambda f: f"g_{f}",
        acc: Callable[[str, str], str] = lambda f, a: f"A_{f}[{a}]",
        bounds: bool = True,
    ) -> None:
        self.b = b
        self.prefix = prefix
        self.glob = glob
        self.acc = acc
        self.bounds = bounds  # carry error bounds and check decisions (not for Cover-2)
        self._num: dict[int, bool] = {}

    def is_num(self, nid: int) -> bool:
        """Whether node ``nid`` is a number (else a condition)."""
        found = self._num.get(nid)
        if found is None:
            node = self.b.nodes[nid]
            if node.op == "g":
                found = node.data not in self.bools
            elif node.op == "acc":
                found = node.data[0] not in self.bools
            elif node.op == "select":
                found = self.is_num(node.args[1])
            else:
                found = node.op in NUM_OPS
            self._num[nid] = found
        return found

    def template_num(self, t: Any) -> bool:
        if t[0] == "n":
            return self.is_num(t[1])
        if t[0] == "op":
            return self.template_num(t[2][1]) if t[1] == "select" else t[1] in NUM_OPS
        return t[1] not in ("and", "or")

    def fresh(self, kind: str) -> str:
        Emitter.counter += 1
        return f"{kind}{self.prefix}{Emitter.counter}"


@dataclass(slots=True)
class KernelSource:
    source: str
    layout: Layout
    digest: str


def generate(
    spec: Spec,
    params: Params,
    properties: list[Any],
    *,
    cover2_metric: str | None,
    initials: list[Any] | None = None,
) -> KernelSource:
    """Trace ``spec`` and write the kernel source (raises NotCompilable if it does not fit)."""
    Emitter.counter = 0
    Emitter.bools = frozenset(n for n, fd in spec.fields.items() if fd.sort == BOOL)
    tracer = StepTracer(spec, params)
    globs = tuple(n for n, fd in spec.fields.items() if not fd.per_account)
    accs = tuple(n for n, fd in spec.fields.items() if fd.per_account)
    bools = frozenset(n for n, fd in spec.fields.items() if fd.sort == BOOL)
    market = tuple(spec.bounds)
    exact0 = initial_exact(spec)  # the spec's own initial values (their bounds)
    layout = Layout(globs, accs, market, bools, tuple(d.name for d in properties))
    tick = tracer.tick()
    keepers = [(k, tracer.keeper(k)) for k in spec.keepers]
    props = [tracer.predicate(d) for d in properties]
    inits = [tracer.predicate(d) for d in (initials or [])]
    metric = None
    if cover2_metric is not None:
        decl = next((m for m in spec.metrics if m.name == cover2_metric), None)
        if decl is not None and decl.per_account:
            metric = tracer.predicate(decl)

    L: list[str] = []
    w = L.append
    w("# generated by solvent.stress.kernel; do not edit")
    w("import numpy as np")
    w("from numba import njit")
    L.extend(KERNEL_HELPERS.splitlines())
    w("")
    w("")
    w("@njit(cache=True, nogil=True)")
    w(
        "def kernel(G0, A0, M, KP, OS, OL, C2, OUT_G, FAIL_STEP, FAIL_PROP, T_MIN, T_MAX, T_HIT, COVER2, REC, SER, UNSURE):"
    )
    w("    n_paths = M.shape[0]")
    w("    n_steps = M.shape[1]")
    w("    n_acc = A0.shape[2]")
    for f in accs:
        w(f"    A_{f} = np.empty(n_acc, dtype={'np.bool_' if f in bools else 'np.float64'})")
        if f not in bools:
            w(f"    eA_{f} = np.zeros(n_acc)")
    w("    for p in range(n_paths):")
    w("        uns = False")  # some decision of the lane was not certain (bounds)
    w("        unsure_step = -1")
    for i, f in enumerate(globs):
        w(f"        g_{f} = {_read(f'G0[p, {i}]', f in bools)}")
        if f not in bools:
            e0 = kernel_initial_error(f"g_{f}", exact0[f], None)
            w(f"        eg_{f} = {e0}")  # drawn inputs: the judge gets their doubles
    w("        for a in range(n_acc):")
    for i, f in enumerate(accs):
        w(f"            A_{f}[a] = {_read(f'A0[p, {i}, a]', f in bools)}")
        if f not in bools:
            e0 = kernel_initial_error(f"A_{f}[a]", exact0[f], "a")
            w(f"            eA_{f}[a] = {e0}")
    if not accs:
        w("            pass")
    if inits:
        L.extend(_initials(inits, 2))
    w("        fail_step = -1")
    w("        fail_prop = -1")
    w("        rec = REC[p]")
    w("        if rec >= 0:")
    for i, f in enumerate(globs):
        w(
            f"            SER[rec, 0, {i}] = {'1.0 if g_' + f + ' else 0.0' if f in bools else 'g_' + f}"
        )
    if not globs:
        w("            pass")
    num_globs = [(i, f) for i, f in enumerate(globs) if f not in bools]
    for i, f in num_globs:
        w(f"        tmin{i} = g_{f}")
        w(f"        tmax{i} = g_{f}")
        w(f"        thit{i} = 0 if g_{f} <= 0.0 else -1")
    L.extend(_props(props, "0", 2))
    w("        if uns:")
    w("            unsure_step = 0")
    w("        for t in range(n_steps):")
    for j, f in enumerate(market):
        w(f"            m_{f} = M[p, t, {j}]")
    L.extend(_global_update(tick, "t", 3))
    w("            live = ((t + 1) % KP == 0) and not (OS <= t + 1 and t + 1 < OS + OL)")
    for ki, (_decl, tr) in enumerate(keepers):
        L.extend(_keeper(tr, f"k{ki}_", 3))
    L.extend(_props(props, "t + 1", 3))
    w("            if uns and unsure_step < 0:")
    w("                unsure_step = t + 1")
    w("            if rec >= 0:")
    for i, f in enumerate(globs):
        w(
            f"                SER[rec, t + 1, {i}] = {'1.0 if g_' + f + ' else 0.0' if f in bools else 'g_' + f}"
        )
    if not globs:
        w("                pass")
    for i, f in num_globs:
        w(f"            if g_{f} < tmin{i}:")
        w(f"                tmin{i} = g_{f}")
        w(f"            if g_{f} > tmax{i}:")
        w(f"                tmax{i} = g_{f}")
        w(f"            if thit{i} < 0 and g_{f} <= 0.0:")
        w(f"                thit{i} = t + 1")
    for i, _f in num_globs:
        w(f"        T_MIN[p, {i}] = tmin{i}")
        w(f"        T_MAX[p, {i}] = tmax{i}")
        w(f"        T_HIT[p, {i}] = thit{i}")
    for i, f in enumerate(globs):
        w(f"        OUT_G[p, {i}] = {'1.0 if g_' + f + ' else 0.0' if f in bools else 'g_' + f}")
    w("        FAIL_STEP[p] = fail_step")
    w("        FAIL_PROP[p] = fail_prop")
    w("        UNSURE[p] = unsure_step if fail_step < 0 or unsure_step <= fail_step else -1")
    if metric is not None:
        L.extend(_cover2(tick, metric, globs, accs, bools, market))
    w("    return 0")
    source = "\n".join(L) + "\n"
    digest = hashlib.sha256(f"{KERNEL_VERSION}\n{source}".encode()).hexdigest()[:20]
    return KernelSource(source, layout, digest)


def _read(expr: str, is_bool: bool) -> str:
    return f"({expr} != 0.0)" if is_bool else expr


def _global_update(
    tr: Traced, prefix: str, indent: int, glob: Callable[[str], str] | None = None
) -> list[str]:
    em = (
        Emitter(tr.builder, prefix)
        if glob is None
        else Emitter(tr.builder, prefix, glob=glob, bounds=False)  # Cover-2: plot data
    )
    scope = Scope(em, indent)
    names = {field: scope.value(t) for field, t in tr.outputs.items()}
    for field, name in names.items():
        scope.line(f"{em.glob(field)} = {name}")
        if em.bounds and field not in Emitter.bools:
            scope.line(f"e{em.glob(field)} = e{name}")
    return scope.lines


def _keeper(tr: Traced, prefix: str, indent: int) -> list[str]:
    em = Emitter(tr.builder, prefix)
    out: list[str] = ["    " * indent + "if live:"]  # guard decisions only where it runs
    indent += 1
    if tr.per_account:
        out.append("    " * indent + "for a in range(n_acc):")
        scope = Scope(em, indent + 1, acc_index=0, acc_var="a")
    else:
        scope = Scope(em, indent)
    if tr.guard is not None:
        g = scope.value(tr.guard)
        scope.line(f"if {g}:")
    else:
        scope.line("if True:")
    inner = Scope(
        em, scope.indent + 1, parent=scope, acc_index=scope.acc_index, acc_var=scope.acc_var
    )
    names = {field: inner.value(t) for field, t in tr.outputs.items()}
    for field, name in names.items():
        if field.endswith("[a]"):
            inner.line(f"A_{field[:-3]}[a] = {name}")
            if field[:-3] not in Emitter.bools:
                inner.line(f"eA_{field[:-3]}[a] = e{name}")
        else:
            inner.line(f"g_{field} = {name}")
            if field not in Emitter.bools:
                inner.line(f"eg_{field} = e{name}")
    if not names:
        inner.line("pass")
    out.extend(scope.lines)
    out.extend(inner.lines)
    return out


def _initials(inits: list[Traced], indent: int) -> list[str]:
    """Lanes whose sampled initial state breaks an @initial condition are skipped (-2)."""
    pad = "    " * indent
    out = [f"{pad}init_ok = True"]
    for k, tr in enumerate(inits):  # all of them, on every account (as the NumPy lanes)
        em = Emitter(tr.builder, f"i{k}_")
        if tr.per_account:
            out.append(f"{pad}for a in range(n_acc):")
            scope = Scope(em, indent + 1, acc_index=0, acc_var="a")
        else:
            scope = Scope(em, indent)
        v = scope.value(tr.outputs["value"])
        scope.line(f"if not {v}:")
        scope.line("    init_ok = False")
        out.extend(scope.lines)
    out += [
        f"{pad}if not init_ok:",
        f"{pad}    FAIL_STEP[p] = -2",
        f"{pad}    FAIL_PROP[p] = -1",
        f"{pad}    UNSURE[p] = 0 if uns else -1",
        f"{pad}    COVER2[p] = 0.0",
        f"{pad}    continue",
    ]
    return out


def _props(props: list[Traced], step: str, indent: int) -> list[str]:
    pad = "    " * indent
    # every property on every account, also after one fails in this step (rare: once per
    # lane), so the undecided decisions are those of the NumPy lanes (they evaluate all)
    out = [f"{pad}if fail_step < 0:", f"{pad}    fp = -1"]
    for k, tr in enumerate(props):
        em = Emitter(tr.builder, f"p{k}_")
        if tr.per_account:
            out.append(f"{pad}    for a in range(n_acc):")
            scope = Scope(em, indent + 2, acc_index=0, acc_var="a")
        else:
            scope = Scope(em, indent + 1)
        v = scope.value(tr.outputs["value"])
        scope.line(f"if fp < 0 and not {v}:")
        scope.line(f"    fp = {k}")
        out.extend(scope.lines)
    out += [
        f"{pad}    if fp >= 0:",
        f"{pad}        fail_step = {step}",
        f"{pad}        fail_prop = fp",
    ]
    return out


def _cover2(
    tick: Traced,
    metric: Traced,
    globs: tuple[str, ...],
    accs: tuple[str, ...],
    bools: frozenset[str],
    market: tuple[str, ...],
) -> list[str]:
    out = ["        if C2[p, 0] >= 0:"]
    for i, f in enumerate(globs):
        out.append(f"            s_{f} = {_read(f'G0[p, {i}]', f in bools)}")
    out.append("            c2 = 0.0")
    out.append("            for t in range(-1, n_steps):")
    out.append("                if t >= 0:")
    for j, f in enumerate(market):
        out.append(f"                    m_{f} = M[p, t, {j}]")
    out.extend(_global_update(tick, "u", 5, glob=lambda f: f"s_{f}"))
    out.append("                tot = 0.0")
    out.append("                for j in range(2):")
    out.append("                    a = C2[p, j]")
    index = {f: i for i, f in enumerate(accs)}
    em = Emitter(
        metric.builder,
        "e",
        glob=lambda f: f"s_{f}",
        acc=lambda f, a: _read(f"A0[p, {index[f]}, {a}]", f in bools),
        bounds=False,
    )
    scope = Scope(em, 5, acc_index=0, acc_var="a")
    v = scope.value(metric.outputs["value"])
    scope.line(f"if {v} < 0.0:")
    scope.line(f"    tot = tot - {v}")
    out.extend(scope.lines)
    out.append("                if tot > c2:")
    out.append("                    c2 = tot")
    out.append("            COVER2[p] = c2")
    out.append("        else:")
    out.append("            COVER2[p] = 0.0")
    return out


# -- loading -------------------------------------------------------------------------------


def cache_dir() -> Path:
    """Where kernel sources (and numba's cache next to them) live."""
    root = os.environ.get("SOLVENT_CACHE_DIR")
    if root:
        return Path(root) / "kernels"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "solvent" / "kernels"


_LOADED: dict[str, Any] = {}


def _private(folder: Path) -> bool:
    """True when only this user can write to ``folder`` (kernels are imported from it)."""
    st = folder.stat()
    mine = not hasattr(os, "getuid") or st.st_uid == os.getuid()
    return mine and not st.st_mode & 0o022


def load(src: KernelSource) -> Any:
    """Import the kernel from its cached file (write it first if needed)."""
    found = _LOADED.get(src.digest)
    if found is not None:
        return found
    folder = cache_dir()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        private = _private(folder)
    except OSError:
        private = False
    if not private:  # never import code from a folder someone else could write to
        folder = Path(tempfile.mkdtemp(prefix="solvent-kernels-"))
    path = folder / f"k_{src.digest}.py"
    if not path.exists() or path.read_text(encoding="utf-8") != src.source:
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(src.source, encoding="utf-8")
        os.replace(tmp, path)
    name = f"solvent_kernel_{src.digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    kernel = module.kernel
    _warm(kernel, src.layout)
    _LOADED[src.digest] = kernel
    return kernel


def _warm(kernel: Any, layout: Layout) -> None:
    """Compile (or load from numba's cache) for the argument types every run uses."""
    import numpy as np

    g, a, m = len(layout.globals), len(layout.accounts), len(layout.market)
    kernel(
        np.zeros((1, g)),
        np.zeros((1, a, 1)),
        np.zeros((1, 1, m)),
        1,
        0,
        0,
        np.full((1, 2), -1, dtype=np.int64),
        np.zeros((1, g)),
        np.zeros(1, dtype=np.int64),
        np.zeros(1, dtype=np.int64),
        np.zeros((1, g)),
        np.zeros((1, g)),
        np.zeros((1, g), dtype=np.int64),
        np.zeros(1),
        np.full(1, -1, dtype=np.int64),
        np.zeros((1, 2, g)),
        np.zeros(1, dtype=np.int64),
    )
