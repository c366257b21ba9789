"""Code generation for the stress kernel: Python/numba source lines of traced pieces
(:class:`Emitter`, :class:`Scope`) with the error bound of every number beside it
(:func:`bound_lines`, :mod:`solvent.stress.bounds`). Used by :mod:`solvent.stress.kernel`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from solvent.stress.bounds import literal_error
from solvent.stress.ir import Builder, NotCompilable

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


def bound_lines(op: str, args: list[str], name: str, exact: tuple[bool, ...] = ()) -> list[str]:
    """The lines after ``name = op(args)``: its error bound ``e<name>`` (numbers) or the
    check that a decision was certain (``uns = True`` otherwise); see
    :mod:`solvent.stress.bounds`. ``args`` are variable names (their bounds: ``e<arg>``);
    ``exact``: which of them are exact on every lane (:meth:`Emitter.exact`)."""
    e = [f"e{a}" for a in args]
    if op == "mul" and exact and exact[0] != exact[1]:  # one factor exact by the shape
        x, y = (0, 1) if exact[0] else (1, 0)
        return [f"e{name} = _emul1({args[x]}, {args[y]}, {name}, {e[y]})"]
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


def record_lines(
    globs: tuple[str, ...], bools: frozenset[str], step: str, indent: int
) -> list[str]:
    """Lines recording every global of a recorded lane (``REC[p] >= 0``) after ``step``."""
    pad = "    " * indent
    out = [f"{pad}if rec >= 0:"]
    for i, f in enumerate(globs):
        value = f"1.0 if g_{f} else 0.0" if f in bools else f"g_{f}"
        out.append(f"{pad}    SER[rec, {step}, {i}] = {value}")
    return out if globs else [*out, f"{pad}    pass"]


def track_lines(i: int, f: str, indent: int) -> list[str]:
    """Lines updating the min, max and first step <= 0 of global ``f`` (number ``i``)."""
    pad = "    " * indent
    return [
        f"{pad}if g_{f} < tmin{i}:",
        f"{pad}    tmin{i} = g_{f}",
        f"{pad}if g_{f} > tmax{i}:",
        f"{pad}    tmax{i} = g_{f}",
        f"{pad}if thit{i} < 0 and g_{f} <= 0.0:",
        f"{pad}    thit{i} = t + 1",
    ]


def read_expr(expr: str, is_bool: bool) -> str:
    return f"({expr} != 0.0)" if is_bool else expr


@dataclass(eq=False)
class Scope:
    """SSA lines of one block of generated code, with lookups into enclosing blocks."""

    em: Emitter
    indent: int
    parent: Scope | None = None
    acc_index: int | None = None
    acc_var: str | None = None
    hoist: bool = False
    reuse: bool = True  # read numbers a keeper left (stress.reuse); not inside a fallback
    lines: list[str] = field(default_factory=list)
    memo: dict[int, str] = field(default_factory=dict)

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
        if self.reuse and self.acc_var is not None and nid in self.em.reads:
            return self._reused(nid)
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
            if self.em.is_num(nid) and self.em.exact(nid):
                self.line(f"e{name} = 0.0")  # exact on every lane (Emitter.exact)
            elif node.op in ("g", "acc"):
                if self.em.is_num(nid):
                    self.line(f"e{name} = e{expr}")
            elif node.op == "mkt":
                self.line(f"e{name} = 0.0")  # a draw: the judge gets its double exactly
            elif node.op == "c":
                self.line(f"e{name} = {literal_error(node.data)!r}")
            elif self.em.is_num(nid) or node.op in DECISIONS:
                exact = tuple(self.em.exact(a) for a in node.args)
                lines = bound_lines(node.op, args, name, exact)
                seen = self._checked(node.args) if node.op in DECISIONS else None
                if seen is not None:  # the keeper checked it where both are reused
                    lines[0] = lines[0].replace("if not", f"if {seen} and not", 1)
                for text in lines:
                    self.line(text)
                if node.op == "sub":
                    for text in self._cancel(node.args, name):
                        self.line(text)
        self.memo[nid] = name
        return name

    def _checked(self, operands: tuple[int, ...]) -> str | None:
        """A run-time condition under which a decision on ``operands`` still needs its
        check: not both reused from a keeper whose guard compared the same two numbers
        (:attr:`solvent.stress.reuse.Reuse.checked`); None: always."""
        got = [self.em.reads.get(n) for n in operands] if self.reuse and self.acc_var else []
        found = [f for f in got if f is not None]
        if len(found) != 2 or len(got) != 2:
            return None
        (x, stamp), (y, other) = found
        if stamp != other or frozenset((x, y)) not in self.em.checked.get(stamp, set()):
            return None
        return f"{stamp}[{self.acc_var}] != {self.em.stamp}"

    def _reused(self, nid: int) -> str:
        """Node ``nid`` from the keeper's arrays when stamped this step, else computed (see
        :mod:`solvent.stress.reuse`): the same value and bound either way."""
        arr, stamp = self.em.reads[nid]
        name, a = f"{self.em.prefix}{nid}", self.acc_var
        self.line(f"if {stamp}[{a}] == {self.em.stamp}:")
        self.line(f"    {name} = {arr}[{a}]")
        if self.em.bounds:
            self.line(f"    e{name} = {'0.0' if self.em.exact(nid) else f'e{arr}[{a}]'}")
        self.line("else:")
        fallback = Scope(self.em, self.indent + 1, self, self.acc_index, a, reuse=False)
        fallback.get(nid)
        self.lines.extend(fallback.lines)
        self.memo[nid] = name
        return name

    def _same(self, y: int, z: int, depth: int = 0) -> str | None:
        """A run-time condition under which node ``y``'s exact value is node ``z``'s (and
        its float64 value too): ``y`` is ``z``, or a ``min``/``max`` whose choice is
        certain and took an operand that is ``z`` (recursively); None: no such chain."""
        if y == z:
            return "True"
        node = self.em.b.nodes[y]
        if node.op not in ("min", "max") or depth > 4:
            return None
        p, q = node.args
        for mine, other in ((p, q), (q, p)):
            sub = self._same(mine, z, depth + 1)
            if sub is None:
                continue
            vp, vq, vm, vo = (self.get(n) for n in (p, q, mine, other))
            cmp = "<=" if node.op == "min" else ">="
            took = f"_dec({vp}, {vq}, e{vp}, e{vq}) and {vm} {cmp} {vo}"
            return took if sub == "True" else f"{took} and {sub}"
        return None

    def _cancel(self, operands: tuple[int, ...], name: str) -> list[str]:
        """Bound lines for ``x - y`` when ``y`` certainly equals ``x`` or one term of
        ``x = a + b``: the exact result is then 0, ``B`` or ``A``, so ``|r - a| + ea``
        (:func:`_ecancel`) bounds it, however large the common term's own bound is.
        Keeps the usual bound when smaller (both are rigorous)."""
        x, y = operands
        same = self._same(y, x)
        if same is not None:
            return [f"if {same}:", f"    e{name} = _ecancel({name}, 0.0, e{name}, 0.0)"]
        nx = self.em.b.nodes[x]
        if nx.op != "add":
            return []
        for keep, common in ((nx.args[0], nx.args[1]), (nx.args[1], nx.args[0])):
            same = self._same(y, common)
            if same is not None and self.em.is_num(keep):
                a = self.get(keep)
                return [f"if {same}:", f"    e{name} = _ecancel({name}, {a}, e{name}, e{a})"]
        return []

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
    exact_fields: frozenset[str] = frozenset()  # fields exact on every lane (exact_fields)
    tracking = True  # carry error bounds by default (generate(bounds=False): benchmarks)

    def __init__(
        self,
        b: Builder,
        prefix: str,
        glob: Callable[[str], str] = lambda f: f"g_{f}",
        acc: Callable[[str, str], str] = lambda f, a: f"A_{f}[{a}]",
        bounds: bool | None = None,
    ) -> None:
        self.b = b
        self.prefix = prefix
        self.glob = glob
        self.acc = acc
        # carry error bounds and check decisions (not for Cover-2)
        self.bounds = Emitter.tracking if bounds is None else bounds
        self.reads: dict[int, tuple[str, str]] = {}  # reused numbers (stress.reuse)
        self.checked: dict[str, set[frozenset[str]]] = {}  # decisions a keeper checked
        self.stamp = ""  # the step the reused numbers must carry
        self._num: dict[int, bool] = {}
        self._exact: dict[int, bool] = {}

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

    def exact(self, nid: int) -> bool:
        """Whether node ``nid`` is a number whose float64 value is the judge's on every lane
        (its bound is 0 by the spec's shape, see :mod:`solvent.stress.bounds`)."""
        found = self._exact.get(nid)
        if found is None:
            node = self.b.nodes[nid]
            if node.op == "mkt":
                found = True  # a draw: the judge gets its double
            elif node.op == "c":
                found = literal_error(node.data) == 0.0
            elif node.op in ("g", "acc"):
                found = (node.data if node.op == "g" else node.data[0]) in self.exact_fields
            elif node.op in ("neg", "max", "min"):
                found = all(self.exact(a) for a in node.args)
            elif node.op == "select":
                found = self.exact(node.args[1]) and self.exact(node.args[2])
            else:
                found = False
            self._exact[nid] = found
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


def exact_fields(pieces: list[Any], initial: dict[str, tuple[Any, ...]]) -> frozenset[str]:
    """The number fields exact on every lane (also set as :attr:`Emitter.exact_fields`):
    their initial values are (drawn, or spec values that are doubles; ``initial``:
    :func:`solvent.stress.bounds.initial_exact`) and every write of the traced ``pieces``
    (tick, keepers) is exact (:meth:`Emitter.exact`) given those fields exact; the largest
    such set (by induction over the steps: exact before a step, exact after it)."""
    fields = {f for f, qs in initial.items() if all(q is None or not literal_error(q) for q in qs)}
    while True:
        Emitter.exact_fields = frozenset(fields)
        bad = set()
        for tr in pieces:
            em = Emitter(tr.builder, "")
            for f, t in tr.outputs.items():
                name = f[:-3] if f.endswith("[a]") else f
                if name in fields and not (t[0] == "n" and em.exact(t[1])):
                    bad.add(name)
        if not bad:
            return Emitter.exact_fields
        fields -= bad
