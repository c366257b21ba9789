"""Generate and load the numba kernel of a spec's step (see :mod:`solvent.stress.ir`).

The kernel loops over lanes (paths), then steps, in the concrete engine's order: the
market tick, each keeper for account 0, 1, ... (globals such as the insurance fund are
updated sequentially, exactly as the concrete engine does), then the properties. Every
float op is the IEEE op the vector backend uses, so the kernel and the NumPy-lanes engine
(:mod:`solvent.stress.lanes`) agree bit for bit; the tests assert it.

The source is written to a file named by its hash under the cache folder and imported
from there, so numba's ``cache=True`` keeps the machine code between runs
(:mod:`solvent.stress.loader`, which also compiles a cold kernel within a run's budget).

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
the min, the max and the first step it is <= 0, and the Cover-2 loss. ``INV[p]`` is the
lane's first *invariant* failure ``(step, property, first undecided step up to it)`` (-1:
none): after a lemma breaks first, the invariants are checked on (the lemmas no longer),
so a lane's invariant verdict is known without an exact re-run when its decisions up to
that point were certain. Lanes with
``REC[p] = r >= 0`` also record every global after each step in ``SER[r]`` (step 0
first), for the worst-path plots, and in ``TOUCH[r, 0, a]`` and ``TOUCH[r, 1, a]`` the
first and the last step a per-account keeper acted on account ``a`` (its guard held; -1:
never), for the exact replays of a lane's cone of influence (:mod:`solvent.stress.cone`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from solvent.lang.values import BOOL
from solvent.spec.spec import Params, Spec
from solvent.stress.bounds import KERNEL_HELPERS, initial_exact, kernel_initial_error
from solvent.stress.emit import (
    Emitter,
    Scope,
    exact_fields,
    read_expr,
    record_lines,
    track_lines,
)
from solvent.stress.ir import StepTracer, Traced, conjunction, reads_accounts
from solvent.stress.reuse import Reuse, plan

# 2: error bounds beside every number, undecided decisions (UNSURE); 3: exact cancellations;
# 4: properties reuse a keeper's numbers (stress.reuse); 5: invariants are checked on after a
# lemma breaks (INV); 6: recorded lanes record the first step each account's keeper acted (TOUCH);
# 7: and the last (TOUCH[r, 1, a]); the min/max of a global only keepers write: after they do;
# values exact by the spec's shape carry the bound 0.0 (Emitter.exact); TwoSum's error as is
KERNEL_VERSION = 7


@dataclass(frozen=True, slots=True)
class Layout:
    """Where each field lives in the kernel's arrays."""

    globals: tuple[str, ...]
    accounts: tuple[str, ...]
    market: tuple[str, ...]
    bools: frozenset[str]
    properties: tuple[str, ...]


@dataclass(slots=True)
class KernelSource:
    source: str
    layout: Layout
    digest: str
    # accounts interact only through the globals their keepers write, and the properties
    # are per account or conjunctions over accounts: a lane replays on its cone (stress.cone)
    cone: bool = False


def generate(
    spec: Spec,
    params: Params,
    properties: list[Any],
    *,
    cover2_metric: str | None,
    initials: list[Any] | None = None,
    bounds: bool = True,
) -> KernelSource:
    """Trace ``spec`` and write the kernel source (raises NotCompilable if it does not fit).

    ``bounds=False`` leaves out the error bounds (every lane then looks certain): only for
    benchmarks of their cost, never for a run."""
    Emitter.counter = 0
    Emitter.tracking = bounds
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
    exact_fields([tick, *(tr for _d, tr in keepers)], exact0)  # sets Emitter.exact_fields
    props = [tracer.predicate(d) for d in properties]
    lemmas = {d.name for d in spec.lemmas}
    inv = frozenset(k for k, d in enumerate(properties) if d.name not in lemmas)
    # the properties reuse a keeper's numbers and bounds (a gain with bounds only)
    reuse = plan([t for _d, t in keepers], props, lambda b, n: Emitter(b, "").is_num(n))
    reuse = reuse if bounds else Reuse()
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
        "def kernel(G0, A0, M, KP, OS, OL, C2, OUT_G, FAIL_STEP, FAIL_PROP, T_MIN, T_MAX, T_HIT, COVER2, REC, SER, UNSURE, INV, TOUCH):"
    )
    w("    n_paths = M.shape[0]")
    w("    n_steps = M.shape[1]")
    w("    n_acc = A0.shape[2]")
    for f in accs:
        w(f"    A_{f} = np.empty(n_acc, dtype={'np.bool_' if f in bools else 'np.float64'})")
        if f not in bools:
            w(f"    eA_{f} = np.zeros(n_acc)")
    for arr in reuse.arrays:
        w(f"    {arr} = np.zeros(n_acc)")
        w(f"    e{arr} = np.zeros(n_acc)")
    for stamp in reuse.stamps:
        w(f"    {stamp} = np.full(n_acc, -1, dtype=np.int64)")
    w("    for p in range(n_paths):")
    w("        uns = False")  # some decision of the lane was not certain (bounds)
    w("        unsure_step = -1")
    w("        inv_step = -1")  # the first invariant failure (checked on after a lemma's)
    w("        inv_prop = -1")
    for i, f in enumerate(globs):
        w(f"        g_{f} = {read_expr(f'G0[p, {i}]', f in bools)}")
        if f not in bools:
            e0 = kernel_initial_error(f"g_{f}", exact0[f], None)
            w(f"        eg_{f} = {e0}")  # drawn inputs: the judge gets their doubles
    w("        for a in range(n_acc):")
    for i, f in enumerate(accs):
        w(f"            A_{f}[a] = {read_expr(f'A0[p, {i}, a]', f in bools)}")
        if f not in bools:
            e0 = kernel_initial_error(f"A_{f}[a]", exact0[f], "a")
            w(f"            eA_{f}[a] = {e0}")
    for stamp in reuse.stamps:
        w(f"            {stamp}[a] = -1")
    if not accs and not reuse.stamps:
        w("            pass")
    if inits:
        L.extend(_initials(inits, 2))
    w("        fail_step = -1")
    w("        fail_prop = -1")
    w("        rec = REC[p]")
    L.extend(record_lines(globs, bools, "0", 2))
    num_globs = [(i, f) for i, f in enumerate(globs) if f not in bools]
    for i, f in num_globs:
        w(f"        tmin{i} = g_{f}")
        w(f"        tmax{i} = g_{f}")
        w(f"        thit{i} = 0 if g_{f} <= 0.0 else -1")
    w("        moved = False")  # a keeper wrote a global this step
    L.extend(_props(props, "0", 2, None, inv))
    w("        if uns:")
    w("            unsure_step = 0")
    w("        for t in range(n_steps):")
    for j, f in enumerate(market):
        w(f"            m_{f} = M[p, t, {j}]")
    L.extend(_global_update(tick, "t", 3))
    w("            live = ((t + 1) % KP == 0) and not (OS <= t + 1 and t + 1 < OS + OL)")
    for ki, (_decl, tr) in enumerate(keepers):
        L.extend(_keeper(tr, f"k{ki}_", 3, reuse.stores.get(ki)))
    L.extend(_props(props, "t + 1", 3, reuse, inv))
    w("            if uns and unsure_step < 0:")
    w("                unsure_step = t + 1")
    L.extend(record_lines(globs, bools, "t + 1", 3))
    # the min, max and first step <= 0 of each global: those the tick writes after every
    # step, those only keepers write after a step where one of them acted (``moved``),
    # the others never change (the same figures, fewer comparisons per step)
    ticked = set(tick.outputs)
    kept = {f for _d, tr in keepers for f in tr.outputs if not f.endswith("[a]")}
    for i, f in num_globs:
        if f in ticked:
            L.extend(track_lines(i, f, 3))
    if kept - ticked:
        w("            if moved:")
        w("                moved = False")
        for i, f in num_globs:
            if f in kept - ticked:
                L.extend(track_lines(i, f, 4))
    for i, _f in num_globs:
        w(f"        T_MIN[p, {i}] = tmin{i}")
        w(f"        T_MAX[p, {i}] = tmax{i}")
        w(f"        T_HIT[p, {i}] = thit{i}")
    for i, f in enumerate(globs):
        w(f"        OUT_G[p, {i}] = {'1.0 if g_' + f + ' else 0.0' if f in bools else 'g_' + f}")
    w("        FAIL_STEP[p] = fail_step")
    w("        FAIL_PROP[p] = fail_prop")
    w("        UNSURE[p] = unsure_step if fail_step < 0 or unsure_step <= fail_step else -1")
    w("        INV[p, 0] = inv_step")
    w("        INV[p, 1] = inv_prop")
    w("        INV[p, 2] = unsure_step if inv_step < 0 or unsure_step <= inv_step else -1")
    if metric is not None:
        L.extend(_cover2(tick, metric, globs, accs, bools, market))
    w("    return 0")
    source = "\n".join(L) + "\n"
    digest = hashlib.sha256(f"{KERNEL_VERSION}\n{source}".encode()).hexdigest()[:20]
    pieces = [tick.outputs, *({**tr.outputs, "": tr.guard} for _d, tr in keepers)]
    cone = not any(reads_accounts(t) for out in pieces for t in out.values() if t is not None)
    cone = cone and all(tr.per_account or conjunction(tr.outputs["value"]) for tr in props)
    return KernelSource(source, layout, digest, cone)


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


def _keeper(
    tr: Traced, prefix: str, indent: int, stores: tuple[str, list[tuple[int, str]]] | None = None
) -> list[str]:
    """A keeper's lines; ``stores``: the numbers it leaves for the properties (stress.reuse)."""
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
        if stores is not None:
            for nid, arr in stores[1]:
                scope.line(f"{arr}[a] = {scope.get(nid)}")
                if em.bounds:
                    scope.line(f"e{arr}[a] = e{scope.get(nid)}")
            scope.line(f"{stores[0]}[a] = -1 if {g} else t + 1")
        scope.line(f"if {g}:")
    else:
        scope.line("if True:")
    inner = Scope(
        em, scope.indent + 1, parent=scope, acc_index=scope.acc_index, acc_var=scope.acc_var
    )
    if tr.per_account:  # recorded lanes: the first and last steps a keeper acted on it
        inner.line("if rec >= 0:")
        inner.line("    if TOUCH[rec, 0, a] < 0:")
        inner.line("        TOUCH[rec, 0, a] = t + 1")
        inner.line("    TOUCH[rec, 1, a] = t + 1")
    names = {field: inner.value(t) for field, t in tr.outputs.items()}
    for field, name in names.items():
        if field.endswith("[a]"):
            inner.line(f"A_{field[:-3]}[a] = {name}")
            if em.bounds and field[:-3] not in Emitter.bools:
                inner.line(f"eA_{field[:-3]}[a] = e{name}")
        else:
            inner.line(f"g_{field} = {name}")
            if em.bounds and field not in Emitter.bools:
                inner.line(f"eg_{field} = e{name}")
    if any(not field.endswith("[a]") for field in names):
        inner.line("moved = True")
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


def _props(
    props: list[Traced],
    step: str,
    indent: int,
    reuse: Reuse | None = None,
    inv: frozenset[int] = frozenset(),
) -> list[str]:
    """The property checks of a step. Every property on every account until the lane's
    first failure (also after one fails in this step, so the undecided decisions are those
    of the NumPy lanes, which evaluate all); after a lemma's, the invariants (indices
    ``inv``) go on until one breaks (``inv_step``)."""
    pad = "    " * indent
    out = [f"{pad}if {'inv_step' if inv else 'fail_step'} < 0:", f"{pad}    fp = -1"]
    if inv:
        out.append(f"{pad}    ip = -1")
    for k, tr in enumerate(props):
        em = Emitter(tr.builder, f"p{k}_")
        if reuse is not None:
            em.reads, em.stamp, em.checked = reuse.reads.get(k, {}), step, reuse.checked
        base = indent + 1
        if inv and k not in inv:  # a lemma: only until the first failure
            out.append(f"{pad}    if fail_step < 0:")
            base += 1
        if tr.per_account:
            out.append("    " * base + "for a in range(n_acc):")
            scope = Scope(em, base + 1, acc_index=0, acc_var="a")
        else:
            scope = Scope(em, base)
        v = scope.value(tr.outputs["value"])
        scope.line(f"if fp < 0 and not {v}:")
        scope.line(f"    fp = {k}")
        if k in inv:
            scope.line(f"if ip < 0 and not {v}:")
            scope.line(f"    ip = {k}")
        out.extend(scope.lines)
    out += [
        f"{pad}    if fp >= 0 and fail_step < 0:",
        f"{pad}        fail_step = {step}",
        f"{pad}        fail_prop = fp",
    ]
    if inv:
        out += [
            f"{pad}    if ip >= 0:",
            f"{pad}        inv_step = {step}",
            f"{pad}        inv_prop = ip",
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
        out.append(f"            s_{f} = {read_expr(f'G0[p, {i}]', f in bools)}")
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
        acc=lambda f, a: read_expr(f"A0[p, {index[f]}, {a}]", f in bools),
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
