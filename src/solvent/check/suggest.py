"""Why a proof did not go through, and lemmas that would make it go through (checked).

``explain(spec, result, ...)`` takes the result of ``prove`` and

- on a **CTI**, builds candidate lemmas from the state the failed induction window starts
  from: the range of a field (``s.down >= 0``, with the bound taken from the spec's own
  constants: initial values, envelope and argument bounds, parameters and the literals its
  rules compare with) that the CTI state lies outside of, and relations between two fields
  (``s.a <= s.b``) that the CTI state breaks. Each candidate is **checked** before it is
  shown: it must be proved on its own (holds initially and is 1-inductive), or the whole
  proof must pass with it added (then it is proved together with the invariants). A
  candidate that fails both is never shown. The shown ones come as ``@spec.lemma`` code,
  ready to paste, and say whether the proof passes with them;
- on an **UNKNOWN**, says which obligation ran out (the base case, a step obligation, a
  witness), the strategies tried and the next things to try (a larger ``--timeout``,
  ``--jobs N``, a narrower ``--invariant``, a lemma template over the fields the
  obligation reads).

The search for lemmas gets at most ``SUGGEST_SECONDS`` and what is left of the budget.
"""

from __future__ import annotations

import ast
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from solvent.check import falsify
from solvent.check.results import CTI, PASS, UNKNOWN, CheckResult
from solvent.lang.domains import Within
from solvent.lang.values import NUM, format_number
from solvent.spec.introspect import source_tree
from solvent.spec.rebuild import with_lemmas_added
from solvent.spec.spec import PredicateDecl, Spec

SUGGEST_SECONDS = 30.0  # the lemma search's budget, at most
MAX_CANDIDATES = 24  # candidates checked, at most (weakest first, per field)
MAX_SHOWN = 3
ProveFn = Callable[..., CheckResult]


@dataclass(frozen=True, slots=True)
class Candidate:
    """One candidate lemma: ``s.FIELD OP RHS`` (RHS a constant or another field)."""

    field: str
    op: str  # ">=" | "<="
    rhs: Fraction | str
    per_account: bool

    @property
    def name(self) -> str:
        word = "at_least" if self.op == ">=" else "at_most"
        if isinstance(self.rhs, str):
            return f"{self.field}_{word}_{self.rhs}"
        text = format_number(self.rhs).replace("-", "minus_").replace(".", "_").replace("/", "_")
        return f"{self.field}_{word}_{text}"

    def _read(self, name: str) -> str:
        return f"s.{name}[a]" if self.per_account else f"s.{name}"

    def expression(self) -> str:
        if isinstance(self.rhs, str):
            rhs = self._read(self.rhs)
        elif self.rhs.denominator == 1:
            rhs = str(self.rhs.numerator)
        else:
            rhs = f'sv.Num("{format_number(self.rhs)}")'
        return f"{self._read(self.field)} {self.op} {rhs}"

    def code(self, name: str | None = None) -> str:
        """The lemma as code to paste into the spec."""
        args = "s, p, a" if self.per_account else "s"
        words = "never goes below" if self.op == ">=" else "never exceeds"
        rhs = self.rhs if isinstance(self.rhs, str) else format_number(self.rhs)
        return (
            f"@spec.lemma\ndef {name or self.name}({args}):\n"
            f'    """{self.field} {words} {rhs} (suggested by solvent prove, checked)."""\n'
            f"    return {self.expression()}\n"
        )

    def decl(self, name: str, kind: str = "lemma") -> PredicateDecl:
        field, op, rhs, per = self.field, self.op, self.rhs, self.per_account

        def read(s: Any, a: int | None, n: str) -> Any:
            v = getattr(s, n)
            return v if a is None else v[a]

        def fn(s: Any, p: Any, a: int | None = None) -> Any:
            left = read(s, a, field)
            right = read(s, a, rhs) if isinstance(rhs, str) else rhs
            return left >= right if op == ">=" else left <= right

        return PredicateDecl(name, fn, kind, per, True, None, "suggested lemma")


@dataclass(frozen=True, slots=True)
class Template:
    """A lemma template's code (``infer_counter.counter_code``), as a candidate to show."""

    source: str  # the ``@spec.lemma`` code
    fn: Callable[..., Any]  # the function that code defines

    def code(self, name: str | None = None) -> str:
        return self.source

    def decl(self, name: str, kind: str = "lemma") -> PredicateDecl:
        return PredicateDecl(name, self.fn, kind, True, True, None, "suggested lemma")


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A checked candidate: proved on its own, or the proof passes with it."""

    name: str
    candidate: Candidate | Template
    proves: bool  # with it added, prove passes
    alone: bool  # proved on its own (holds initially and is 1-inductive)

    def to_json(self) -> dict[str, Any]:
        how = (
            "prove passes with it added"
            if self.proves
            else "proved on its own (holds initially, 1-inductive), not enough alone"
        )
        return {
            "name": self.name,
            "code": self.candidate.code(self.name),
            "checked": how,
            "proves": self.proves,
        }


def explain(
    spec: Spec,
    result: CheckResult,
    prove: ProveFn,
    *,
    k: int,
    max_k: int,
    timeout: float | None,
    budget: float | None = None,
    invariants: Sequence[str] | None = None,
    jobs: int | None = None,
) -> CheckResult:
    """``result`` with its why (UNKNOWN) or checked lemma suggestions (CTI); see module doc.

    ``timeout``: what is left of the check's budget (the lemma search's share of it);
    ``budget``: the --timeout the run was given (None: the default budget).
    """
    if result.check != "prove":
        return result
    if result.verdict == UNKNOWN and result.details.get("reason") != "interrupted":
        why = why_unknown(spec, result, timeout=budget, jobs=jobs, invariants=invariants)
        left = SUGGEST_SECONDS if timeout is None else min(SUGGEST_SECONDS, timeout)
        started = time.perf_counter()
        found: list[Suggestion] = []
        if (result.k or k) > k and left > 0.5:  # an earlier k gave a CTI: derive it again
            stop = started + left
            kk = (result.k or k) - 1
            cti = prove(
                spec, k=kk, max_k=kk, timeout=left / 2, invariants=invariants, search_depth=1
            )
            if cti.verdict == CTI and cti.cti_state is not None:
                found = suggest(
                    spec, cti, prove, k=k, max_k=max_k, seconds=_left(stop), invariants=invariants
                )
            result.seconds += time.perf_counter() - started
        if found:
            result.details["lemmas"] = [s.to_json() for s in found]
            what = "makes the proof pass" if found[0].proves else "holds (not enough alone)"
            why["next"].insert(
                0, f"the lemma below, built from the CTI at k={kk} and checked: it {what}"
            )
        result.details["why"] = why
        result.message += f". Tried: {why['tried']}. Next: {'; '.join(why['next'])}"
    elif result.verdict == CTI and result.cti_state is not None:
        left = SUGGEST_SECONDS if timeout is None else min(SUGGEST_SECONDS, timeout)
        started = time.perf_counter()
        found = suggest(spec, result, prove, k=k, max_k=max_k, seconds=left, invariants=invariants)
        result.details["lemmas"] = [s.to_json() for s in found]
        result.seconds += time.perf_counter() - started
        if any(s.proves for s in found):
            result.message += (
                ". A lemma that rules this state out was found and checked: "
                "with it the proof passes (below)"
            )
        elif found:
            result.message += ". Lemmas that hold were found (below), but not enough alone"
    return result


def suggest(
    spec: Spec,
    result: CheckResult,
    prove: ProveFn,
    *,
    k: int,
    max_k: int,
    seconds: float,
    invariants: Sequence[str] | None = None,
) -> list[Suggestion]:
    """Checked lemmas from the CTI of ``result`` (those that make the proof pass first)."""
    stop = time.perf_counter() + seconds
    taken = {d.name for d in spec.all_predicates()}
    facts: list[Suggestion] = []
    relative_tries = 3  # candidates not inductive alone, tried with the whole proof

    def proves_with(decls: list[PredicateDecl]) -> bool:
        """Does the proof pass with the lemmas ``decls`` added?"""
        with_them = with_lemmas_added(spec, decls)
        run = prove(
            with_them, k=k, max_k=max_k, timeout=_left(stop), invariants=invariants, search_depth=1
        )
        return run.verdict == PASS

    late = _counter_templates(spec)  # a keeper that acts late: its templates, together
    if late:
        shown: list[tuple[str, Candidate | Template]] = list(late)
        if not proves_with([t.decl(name) for name, t in shown]):
            shown += _signs(spec, taken, stop, prove)  # with the signs that hold (a price > 0)
            if len(shown) == len(late) or not proves_with([c.decl(n) for n, c in shown]):
                shown = []
        if shown:
            return [Suggestion(name, c, True, False) for name, c in shown]
    for cand in candidates(spec, result.cti_state or {}, result.invariant)[:MAX_CANDIDATES]:
        if time.perf_counter() >= stop:
            break
        name = _fresh(cand.name, taken)
        alone = prove(
            _only(spec, cand.decl(name, "invariant")),
            k=1,
            max_k=1,
            timeout=_left(stop),
            search_depth=1,
        )
        if alone.verdict != PASS:
            if alone.verdict != CTI or relative_tries == 0:
                continue  # false, or undecided: never shown
            relative_tries -= 1
        if proves_with([cand.decl(name)]):
            return [Suggestion(name, cand, True, alone.verdict == PASS)]
        if alone.verdict == PASS:
            taken.add(name)
            facts.append(Suggestion(name, cand, False, True))
            if len(facts) >= MAX_SHOWN:
                break
    if len(facts) >= 2 and time.perf_counter() < stop:
        if proves_with([f.candidate.decl(f.name) for f in facts]):
            return [Suggestion(f.name, f.candidate, True, True) for f in facts]
    return facts


def _signs(spec: Spec, taken: set[str], stop: float, prove: ProveFn) -> list[tuple[str, Candidate]]:
    """``f >= 0`` for each shared number field that starts above 0, when proved alone
    (by the caller's ``prove``: this module imports no prover, so bmc's lemma inference,
    ``bmc_lemmas``, can read its candidates without an import circle)."""
    out = []
    for name, decl in spec.fields.items():
        low = decl.lowest()
        if decl.per_account or decl.sort != NUM or low is None or low <= 0:
            continue
        cand = Candidate(name, ">=", Fraction(0), False)
        fresh = _fresh(cand.name, taken)
        alone = _only(spec, cand.decl(fresh, "invariant"))
        if prove(alone, k=1, max_k=1, timeout=_left(stop), search_depth=1).verdict == PASS:
            out.append((fresh, cand))
    return out


def _counter_templates(spec: Spec) -> list[tuple[str, Template]]:
    """The templates of a keeper that acts late (``infer_counter``), each as the code to
    paste and the function that very code defines (what is checked is what is shown)."""
    import solvent
    from solvent.check.infer_counter import counter_code

    out = []
    for name, source in counter_code(spec).items():
        keeper = spec.keepers[0].fn if spec.keepers else None
        space: dict[str, Any] = {"sv": solvent, **getattr(keeper, "__globals__", {})}
        found: list[Callable[..., Any]] = []
        space["spec"] = type("Collect", (), {"lemma": staticmethod(found.append)})
        try:
            exec(compile(source, f"<suggested {name}>", "exec"), space)  # noqa: S102
        except Exception:  # noqa: BLE001 - code that does not run is never shown
            continue
        if found:
            out.append((name, Template(source, found[0])))
    return out


def candidates(spec: Spec, state: dict[str, Any], obligation: str | None) -> list[Candidate]:
    """Candidate lemmas that rule out ``state`` (a CTI), weakest first within each field."""
    account = _account(obligation)
    consts = sorted(constants(spec))
    per_field: list[list[Candidate]] = []
    values: dict[str, Fraction] = {}
    for name, decl in spec.fields.items():
        if decl.sort != NUM or name not in state:
            continue
        raw = state[name]
        if isinstance(raw, list):
            picks = raw if account is None else [raw[account]]
            nums = [x for x in (_num(v) for v in picks) if x is not None]
            if not nums:
                continue
            lows, highs = min(nums), max(nums)
        else:
            x = _num(raw)
            if x is None:
                continue
            lows = highs = values[name] = x
        per = decl.per_account
        lower = [Candidate(name, ">=", c, per) for c in consts if c > lows]
        upper = [Candidate(name, "<=", c, per) for c in reversed(consts) if c < highs]
        ranked = _interleave(lower, upper)
        if lows < consts[0] or highs > consts[-1]:
            per_field.insert(0, ranked)  # beyond every constant of the spec: likely culprit
        else:
            per_field.append(ranked)
    out = _interleave(*per_field)
    names = sorted(values)
    for i, f in enumerate(names):  # relations between shared fields the state breaks
        for g in names[i + 1 :]:
            if values[f] > values[g]:
                out.append(Candidate(f, "<=", g, False))
            elif values[f] < values[g]:
                out.append(Candidate(f, ">=", g, False))
    return out


def constants(spec: Spec) -> set[Fraction]:
    """The numbers a spec mentions: parameters and rule literals (as the falsifier's
    dictionary), initial values and envelope bounds, and 0."""
    out: set[Fraction] = {Fraction(0), *falsify.constants(spec)}
    for decl in spec.fields.values():
        for x in decl.init:
            if isinstance(x, Within):
                out |= {x.lo, x.hi}
            elif isinstance(x, Fraction | int) and not isinstance(x, bool):
                out.add(Fraction(x))
    for w in spec.bounds.values():
        out |= {w.lo, w.hi}
    return out


def why_unknown(
    spec: Spec,
    result: CheckResult,
    *,
    timeout: float | None,
    jobs: int | None,
    invariants: Sequence[str] | None,
) -> dict[str, Any]:
    """Which obligation gave up, the strategies tried and the next things to try."""
    message = result.message
    obligation = result.details.get("obligation")
    nxt: list[str] = []
    budget = f"{timeout:g}s" if timeout is not None else "the default budget"
    if message.startswith("base case"):
        what = f"the base case (bmc to depth {max(0, (result.k or 1) - 1)})"
        portfolio = result.details.get("portfolio")
        if isinstance(portfolio, dict):
            ran = [m.get("member") for m in portfolio.get("members", [])]
            tried = f"the bmc portfolio on {portfolio.get('jobs')} process(es), " + (
                f"members {', '.join(dict.fromkeys(m for m in ran if m))}"
                if ran
                else "no member answered before the budget ran out"
            )
        else:
            tried = "incremental bmc (one strategy)"
        if not jobs or jobs < 2:
            nxt.append("--jobs N to race the bmc portfolio's strategies on N processes")
        if (result.k or 1) > 1:
            nxt.append(f"--max-k {(result.k or 2) - 1} (the budget ran out at k={result.k})")
    elif message.startswith("could not decide whether witness"):
        what = "the vacuity check (witness reachability)"
        tried = "bmc for the witness up to --witness-depth"
        nxt.append("a smaller --witness-depth")
    else:
        what = f"the inductive step obligation {obligation}" if obligation else "the step"
        tried = "its cone of influence, then the whole step query"
        name = (obligation or "").split("[", 1)[0]
        only = [d.name for d in spec.properties()]
        if not name and len(only) == 1:  # the step, whichever obligation: of the one property
            name = only[0]
        fields = _fields_read(spec, name)
        if fields:
            f = fields[0]
            nxt.append(
                f"a lemma bounding what {name} reads ({', '.join(fields)}), e.g. "
                f"`@spec.lemma def {f}_range(s): return (s.{f} >= LO) & (s.{f} <= HI)`"
            )
            if getattr(spec, "arithmetic", "exact") == "fixed":
                nxt.append(
                    f"fixed point: bmc --depth 3 with an invariant that {f} never moves "
                    f"against {name} in one step; if a rounding can (one unit of the last "
                    "decimal lost per step), the property breaks only after very many steps "
                    "and no lemma proves it: round in the protocol's favour (mul_up for "
                    "what an account owes); if it already does, the step is nonlinear "
                    "integer arithmetic (floor divisions of products), which Z3 rarely "
                    "settles: prove the spec in exact arithmetic and keep that bmc for "
                    "the rounding"
                )
    nxt.insert(0, f"a larger --timeout (this run had {budget})")
    props = [d.name for d in spec.invariants]
    if len(props) > 1 and not invariants:
        nxt.append(f"a narrower --invariant (one of {', '.join(props)})")
    return {"obligation": what, "tried": f"{what}: {tried}", "next": nxt}


# --------------------------------------------------------------------------- helpers
def _only(spec: Spec, claim: PredicateDecl) -> Spec:
    """The spec with ``claim`` as its one property (proved on its own)."""
    new = spec.with_params()
    new.invariants, new.lemmas, new.witnesses = [claim], [], []
    return new


def _left(stop: float) -> float:
    return max(0.05, stop - time.perf_counter())


def _fresh(name: str, taken: set[str]) -> str:
    out, i = name, 2
    while out in taken:
        out, i = f"{name}_{i}", i + 1
    return out


def _interleave(*lists: list[Candidate]) -> list[Candidate]:
    out: list[Candidate] = []
    for i in range(max((len(x) for x in lists), default=0)):
        out.extend(x[i] for x in lists if i < len(x))
    return out


def _account(obligation: str | None) -> int | None:
    m = re.search(r"\[account (\d+)\]$", obligation or "")
    return int(m.group(1)) if m else None


def _num(v: Any) -> Fraction | None:
    if isinstance(v, bool):
        return None
    try:
        return Fraction(str(v))
    except (ValueError, ZeroDivisionError):
        return None


def _fields_read(spec: Spec, name: str) -> list[str]:
    """State fields a property's source reads as ``s.NAME`` (in spec order)."""
    decl = next((d for d in spec.properties() if d.name == name), None)
    tree = source_tree(decl.fn) if decl is not None else None
    seen = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)} if tree else set()
    return [f for f, d in spec.fields.items() if f in seen and d.sort == NUM]
