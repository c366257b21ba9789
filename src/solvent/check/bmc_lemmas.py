"""bmc's 1-induction with inferred lemmas: a PASS for every depth where the unrolling stalls.

A safe spec's property is often not 1-inductive alone: the put-selling vault's "the vault
can pay every put" holds because ``locked_usdc`` is ``1800 x puts_1800 + 1600 x puts_1600``
and the vault never holds less than it locks; zero-sum funding's ``sum(cash) ==
exchange_usdc`` because the positions net to zero. Without those facts bmc must unroll,
and the nonlinear unrollings (a spot compounded over 4-10 steps, a product per account)
stall where the user expects PASS (tests/check/specs/put_vault.py at --depth 5: UNKNOWN).

So when the quick 1-induction fails, bmc's 1-induction member asks for lemmas:

- ``infer.candidate_lemmas``: the guards, net totals, signs and floors ``prove`` infers;
- **sampled equalities**: the affine equalities that hold on every state of a fixed,
  seeded set of concrete paths (the falsifier's path generator, replayed on the concrete
  judge), over the shared number fields and the per-account fields' totals: the exact
  null space of those states (a fixed point of Karr's analysis seen from samples).

The candidates go through Houdini (``infer.houdini``: Z3's resource counter decides, not
a clock), and the survivors are checked with the properties by ``verdicts.inductive``:
the properties and the lemmas together hold initially and are kept by every step. Only
that check makes a PASS: a lemma is never assumed, it is proved with the properties.
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

from solvent.check import symmetric_step
from solvent.check.falsify import SEED, Paths
from solvent.check.houdini_round import ClockStopped
from solvent.check.infer import Inferred, candidate_lemmas, houdini, with_lemmas
from solvent.check.infer_linear import null_space
from solvent.check.replay import replay
from solvent.check.solving import Deadline
from solvent.check.symmetry import same_decls
from solvent.check.verdicts import inductive
from solvent.errors import UsageError
from solvent.lang.functions import sum_
from solvent.lang.values import NUM, format_number
from solvent.spec.spec import PredicateDecl, Spec

SAMPLE_PATHS = 48  # concrete paths whose states the equalities must fit
SAMPLE_DEPTH = 6  # steps of each
MAX_EQUALITIES = 8  # at most this many sampled equalities are tried
SAMPLE_ACCOUNTS = 3  # the accounts whose actions the paths draw
MANY_ACCOUNTS = 10  # above this many accounts the lemmas are inferred on fewer
FEWER_ACCOUNTS = 3  # (on this many) and proved on the spec's own


def inferred_inductive(
    spec: Spec, decls: list[PredicateDecl], deadline: Deadline
) -> list[Inferred] | None:
    """[] when the properties (with the spec's lemmas) are 1-inductive as written; the
    inferred lemmas with which they are (checked together with them); None otherwise.

    Above ``MANY_ACCOUNTS`` accounts the lemmas are inferred on ``FEWER_ACCOUNTS`` of them
    (Houdini's step on 30 accounts asks 930 trades at once) and proved again on the spec's
    own accounts, each step asked once per action where renaming the accounts is checked
    to map every instance onto one (``symmetric_step``; else the whole step as before)."""
    many = spec.accounts > MANY_ACCOUNTS
    if inductive(symmetric_step.reduced(spec, decls)[0] if many else spec, decls, deadline):
        return []
    if deadline.expired():
        return None
    where, mine = spec, decls
    if many:
        try:
            where = spec.with_accounts(FEWER_ACCOUNTS)
        except UsageError:  # the accounts do not start alike: infer on the spec's own
            where = spec
        mine = same_decls(where, decls)
    kept = _kept(where, mine, deadline)
    if not kept or deadline.expired():
        return None
    strong = with_lemmas(spec, kept)
    if many:
        strong = symmetric_step.reduced(strong, decls)[0]
    if inductive(strong, decls, deadline) or inductive(strong, decls, deadline, by_cases=True):
        return kept
    return None


def _kept(spec: Spec, decls: list[PredicateDecl], deadline: Deadline) -> list[Inferred] | None:
    """The candidate lemmas of ``spec`` that Houdini keeps with ``decls`` (None: none)."""
    taken = {d.name for d in spec.all_predicates()}
    cands = [*sampled_equalities(spec, taken), *candidate_lemmas(spec, None, None)]
    if not cands:
        return None
    names = {d.name for d in decls}
    assumed = [*decls, *(d for d in spec.lemmas if d.name not in names)]
    try:
        kept, _ = houdini(spec, cands, assumed, deadline, step=False)
    except ClockStopped:
        return None
    return kept


# ----------------------------------------------------------------------- sampled equalities
def _coordinates(spec: Spec) -> list[tuple[str, bool]]:
    """(field, per account) of the number fields an equality may read, in spec order."""
    return [(name, fd.per_account) for name, fd in spec.fields.items() if fd.sort == NUM]


def _samples(spec: Spec, coords: list[tuple[str, bool]]) -> list[list[Fraction]]:
    """The states of the seeded concrete paths, as rows of the coordinates' values."""
    stream = Paths(spec, SAMPLE_DEPTH, random.Random(SEED))
    # the actions of the first accounts only: the totals are what an equality reads, and
    # with 30 accounts the few shared actions were otherwise drawn too rarely to show
    stream.instances = [i for i in stream.instances if all(a < SAMPLE_ACCOUNTS for a in i.accounts)]
    paths = iter(stream)
    rows: list[list[Fraction]] = []
    for _ in range(SAMPLE_PATHS):
        trace = next(paths)
        try:
            records = replay(spec, trace).records
        except Exception:  # noqa: BLE001 - a path the judge rejects gives no sample
            continue
        for rec in records:
            try:
                rows.append(
                    [
                        Fraction(sum(rec.state[n])) if per else Fraction(rec.state[n])
                        for n, per in coords
                    ]
                )
            except (KeyError, TypeError, ValueError):
                return []
    return rows


def sampled_equalities(spec: Spec, taken: set[str]) -> list[Inferred]:
    """Candidate lemmas ``sum(c_j x field_j) == c_0`` fitting every sampled state."""
    coords = _coordinates(spec)
    if not coords:
        return []
    rows = _samples(spec, coords)
    if len(rows) <= len(coords):
        return []  # too few states to tell an equality from a coincidence
    width = len(coords) + 1
    out: list[Inferred] = []
    for v in null_space([[*row, Fraction(1)] for row in rows], width):
        if all(x == 0 for x in v[:-1]):
            continue
        # the first field read (in spec order), with coefficient 1: "field == the rest"
        lead = min(i for i in range(len(coords)) if v[i] != 0)
        scale = v[lead]
        coefs = [-x / scale for x in v]
        coefs[lead] = Fraction(0)
        name = f"sampled_{coords[lead][0]}"
        if name in taken:
            continue
        taken.add(name)
        out.append(_equality(coords, lead, coefs, name))
        if len(out) >= MAX_EQUALITIES:
            break
    return out


def _equality(
    coords: list[tuple[str, bool]], lead: int, coefs: list[Fraction], name: str
) -> Inferred:
    def read(s: Any, i: int) -> Any:
        field, per = coords[i]
        v = getattr(s, field)
        return sum_(v[b] for b in s.accounts) if per else v

    terms = [(i, c) for i, c in enumerate(coefs[:-1]) if c != 0]
    const = coefs[-1]

    def fn(s: Any, p: Any, a: int | None = None) -> Any:
        rhs: Any = const
        for i, c in terms:
            rhs = read(s, i) * c + rhs
        return read(s, lead) == rhs

    def shown(i: int) -> str:
        field, per = coords[i]
        return f"sum({field})" if per else field

    parts = [shown(i) if c == 1 else f"{format_number(c)} x {shown(i)}" for i, c in terms]
    if const != 0 or not parts:
        parts.append(format_number(const))
    text = f"{shown(lead)} == {' + '.join(parts)} (on every sampled state)"
    decl = PredicateDecl(name, fn, "lemma", False, True, None, "inferred lemma")
    return Inferred(decl, "sampled equality", text)
