"""Per-account numbers the kernel's properties reuse from a keeper of the same step.

A per-account keeper with a guard (a liquidation: ``equity < requirement``) computes, for
account ``a``, numbers the properties compute again at the end of the step (the same
equity, the same requirement), with their error bounds. When the keeper's guard was false
it wrote nothing, and when no keeper writes what such a number reads (the globals it
reads are written only by the tick, the account fields only by this keeper, and only
under its guard), the number is still the same at the end of the step: the properties
take it, and its bound, from per-account arrays instead of computing both again. The
values are bit-identical to a recomputation (the same IEEE operations on the same inputs;
any decision inside them was already checked by the keeper in the same step), so the
results, the undecided lanes and their steps are unchanged; a test compares the kernel
with and without reuse lane by lane. A property comparing two numbers the keeper's guard
compared (``requirement <= equity`` beside ``equity < requirement``) does not check that
decision again where both are reused: the keeper computed every decision of its guard,
that one on the same numbers and bounds, in the same step (:attr:`Reuse.checked`).

:func:`plan` finds the numbers; :mod:`solvent.stress.kernel` stores them in the keeper
(``C<j>[a]``, bound ``eC<j>[a]``, stamped ``CT<k>[a] = t + 1``) and
:class:`solvent.stress.emit.Scope` reads them in the properties when the stamp is the
step's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from solvent.stress.ir import Builder, Traced, _Canon

LEAVES = frozenset({"g", "acc", "c", "cb", "mkt"})


@dataclass(slots=True)
class Reuse:
    """Where each reused number lives: stores per keeper, reads per property."""

    arrays: list[str] = field(default_factory=list)  # C<j> (with eC<j>)
    stamps: list[str] = field(default_factory=list)  # CT<k>, one per storing keeper
    stores: dict[int, tuple[str, list[tuple[int, str]]]] = field(default_factory=dict)
    reads: dict[int, dict[int, tuple[str, str]]] = field(default_factory=dict)
    # per stamp, the pairs of arrays the keeper's guard compared (its decision was checked)
    checked: dict[str, set[frozenset[str]]] = field(default_factory=dict)


def _reads(b: Builder, nid: int, memo: dict[int, frozenset[tuple[str, str]]]) -> Any:
    found = memo.get(nid)
    if found is None:
        node = b.nodes[nid]
        if node.op == "g":
            found = frozenset({("g", node.data)})
        elif node.op == "acc":
            found = frozenset({("acc", node.data[0])})
        else:
            found = frozenset().union(*(_reads(b, a, memo) for a in node.args))
        memo[nid] = found
    return found


def _nodes(t: Any) -> list[int]:
    """The nodes a template evaluates inside account loops (fold leaves, per-account nodes)."""
    if t[0] == "n":
        return [t[1]]
    if t[0] == "op":
        return [n for x in t[2] for n in _nodes(x)]
    _, _op, init, leaf = t
    return [leaf, *(_nodes(init) if init is not None else [])]


def plan(
    keepers: list[Traced], props: list[Traced], is_num: Any, canon: _Canon | None = None
) -> Reuse:
    """The numbers ``props`` can take from ``keepers`` (see the module docstring).

    ``is_num(builder, nid)``: whether a node is a number (not a condition)."""
    canon = canon or _Canon()
    written: list[set[tuple[str, str]]] = []
    for tr in keepers:
        w = set()
        for out in tr.outputs:
            w.add(("acc", out[:-3]) if out.endswith("[a]") else ("g", out))
        written.append(w)
    offers: dict[int, tuple[int, int]] = {}  # canonical key -> (keeper, node)
    for k, tr in enumerate(keepers):
        if not tr.per_account or tr.guard is None or tr.guard[0] != "n":
            continue
        others = set().union(*(w for j, w in enumerate(written) if j != k))
        b = tr.builder
        memo: dict[int, frozenset[tuple[str, str]]] = {}
        cmemo: dict[int, int] = {}
        keys: dict[int, int] = {}
        todo = [tr.guard[1]]
        while todo:  # every node the keeper computes before its guard
            nid = todo.pop()
            if nid in keys:
                continue
            keys[nid] = canon.key(b, nid, 0, cmemo)
            todo.extend(b.nodes[nid].args)
        for nid, key in keys.items():
            node = b.nodes[nid]
            if node.op in LEAVES or b.deps[nid] != frozenset({0}) or not is_num(b, nid):
                continue
            reads = _reads(b, nid, memo)
            fine = all(
                (kind == "g" and all(("g", f) not in w for w in written))
                or (kind == "acc" and ("acc", f) not in others)
                for kind, f in reads
            )
            if fine:
                offers.setdefault(key, (k, nid))
    reuse = Reuse()
    slot: dict[int, str] = {}
    for p, tr in enumerate(props):
        b = tr.builder
        cmemo = {}
        seen: set[int] = set()
        todo = [n for t in tr.outputs.values() for n in _nodes(t)]
        while todo:  # top down: a reused number's operands are not needed
            nid = todo.pop()
            if nid in seen:
                continue
            seen.add(nid)
            key = canon.key(b, nid, 0, cmemo)
            if key in offers and b.deps[nid] == frozenset({0}) and is_num(b, nid):
                k, knid = offers[key]
                if key not in slot:
                    slot[key] = f"C{len(reuse.arrays)}"
                    reuse.arrays.append(slot[key])
                    stamp, stores = reuse.stores.setdefault(k, (f"CT{k}", []))
                    if stamp not in reuse.stamps:
                        reuse.stamps.append(stamp)
                    stores.append((knid, slot[key]))
                reuse.reads.setdefault(p, {})[nid] = (slot[key], f"CT{k}")
                continue
            todo.extend(b.nodes[nid].args)
    for k, tr in enumerate(keepers):  # decisions of a guard (all computed) on stored numbers
        stack = [tr.guard[1]] if tr.guard is not None and tr.guard[0] == "n" else []
        done: set[int] = set()
        while stack:
            nid = stack.pop()
            if nid in done:
                continue
            done.add(nid)
            node = tr.builder.nodes[nid]
            stack.extend(node.args)
            if node.op not in ("lt", "le", "eq"):
                continue
            pair = [canon.key(tr.builder, a, 0, {}) for a in node.args]
            if all(offers.get(key, (-1,))[0] == k and key in slot for key in pair):
                reuse.checked.setdefault(f"CT{k}", set()).add(frozenset(slot[x] for x in pair))
    return reuse
