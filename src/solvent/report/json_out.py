"""Machine-readable results: the ``solvent-result/1`` and ``solvent-spec/1`` JSON schemas.

The schemas are documented in ``docs/json-schema.md``. Exact numbers (prices, balances,
parameters, state) are strings such as ``"0.05"`` or ``"1/3"``; counts (exit codes,
accounts, depths) are JSON integers (``accounts`` is ``"any"`` for a proof for every number
of accounts) and ``seconds`` is a JSON number. A violation's
``counterexample`` is the trace exactly as ``solvent replay`` reads it, so a result file can
be replayed as is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from solvent.check.replay import ReplayResult, StepRecord
from solvent.check.results import CheckResult
from solvent.errors import SolventError
from solvent.lang.domains import AnyBool, Within
from solvent.lang.values import format_number
from solvent.spec.spec import ActionDecl, PredicateDecl, Spec

RESULT_SCHEMA = "solvent-result/1"
SPEC_SCHEMA = "solvent-spec/1"

# Most severe first when several checks are combined (`solvent check`): an internal error
# outranks a bad input, which outranks a violation, which outranks an inconclusive result.
_SEVERITY = {0: 0, 2: 1, 1: 2, 3: 3, 4: 4}
_VERDICT_OF_EXIT = {0: "PASS", 1: "FAIL", 2: "UNKNOWN", 3: "ERROR", 4: "ERROR"}


def worst_exit(codes: Sequence[int]) -> int:
    """The most severe exit code: 4 > 3 > 1 > 2 > 0."""
    return max(codes, key=_SEVERITY.__getitem__, default=0)


def plain(value: Any) -> Any:
    """A JSON-ready copy of ``value``: exact numbers become strings."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, Fraction):
        return format_number(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, Within):
        return {"lo": format_number(value.lo), "hi": format_number(value.hi)}
    if isinstance(value, AnyBool):
        return "any bool"
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return str(value)


def keeper_label(name: str, account: int | None) -> str:
    return name if account is None else f"{name}({account})"


def record_json(record: StepRecord) -> dict[str, Any]:
    """One replayed step: the choices made and the state after them."""
    return {
        "step": record.step,
        "market": plain(record.market),
        "keepers": [keeper_label(n, a) for n, a in record.fired],
        "action": record.action,
        "action_enabled": record.action_enabled,
        "state": plain(record.state),
        "metrics": plain(record.metrics),
        "failures": [f.label() for f in record.failures],
        "witnesses": list(record.witnesses),
    }


def replay_json(replayed: ReplayResult) -> dict[str, Any]:
    return {"steps": [record_json(r) for r in replayed.records], "notes": list(replayed.notes)}


def result_json(
    result: CheckResult,
    *,
    target: str | None = None,
    properties: Sequence[str] = (),
    replayed: ReplayResult | None = None,
) -> dict[str, Any]:
    """The ``solvent-result/1`` document of one check."""
    doc: dict[str, Any] = {
        "schema": RESULT_SCHEMA,
        "check": result.check,
        "spec": result.spec,
        "target": target,
        "verdict": result.verdict,
        "exit_code": result.exit_code,
        "bound": result.bound,
        "seconds": round(result.seconds, 3),
        "accounts": result.accounts,
        "properties": list(properties),
        "invariant": result.invariant,
        "message": result.message,
        "depth": result.depth,
        "k": result.k,
    }
    if result.counterexample is not None:
        doc["counterexample"] = result.counterexample.to_json()
    if replayed is not None:
        doc["replay"] = replay_json(replayed)
    if result.cti_state is not None:
        doc["cti"] = {
            "invariant": result.invariant,
            "state": plain(result.cti_state),
            "choices": plain(result.details.get("choices", {})),
            "suggestion": result.details.get("suggestion", ""),
        }
    doc["details"] = {
        k: plain(v)
        for k, v in result.details.items()
        if k not in ("replay", "choices", "suggestion") and not isinstance(v, ReplayResult)
    }
    return doc


def error_json(check: str, exc: SolventError, *, target: str | None = None) -> dict[str, Any]:
    """The ``solvent-result/1`` document of a check that could not run (exit 3 or 4)."""
    return {
        "schema": RESULT_SCHEMA,
        "check": check,
        "target": target,
        "verdict": "ERROR",
        "exit_code": exc.exit_code,
        "message": exc.render(),
        "error": {
            "code": exc.code,
            "kind": type(exc).__name__,
            "message": exc.message,
            "where": exc.where,
            "docs": exc.docs,
        },
    }


def combined_json(docs: Sequence[dict[str, Any]], seconds: float) -> dict[str, Any]:
    """The document of ``solvent check``: every check's document under ``results``."""
    code = worst_exit([d["exit_code"] for d in docs])
    specs = {d.get("spec") for d in docs}
    out: dict[str, Any] = {
        "schema": RESULT_SCHEMA,
        "check": "check",
        "spec": specs.pop() if len(specs) == 1 else None,
        "verdict": _VERDICT_OF_EXIT[code] if code != 2 else _inconclusive(docs),
        "exit_code": code,
        "seconds": round(seconds, 3),
        "results": list(docs),
    }
    first = next((d["counterexample"] for d in docs if "counterexample" in d), None)
    if first is not None:
        out["counterexample"] = first
    return out


def _inconclusive(docs: Sequence[dict[str, Any]]) -> str:
    return next(d["verdict"] for d in docs if d["exit_code"] == 2)


# --------------------------------------------------------------------------- specs
def _decl(d: ActionDecl | PredicateDecl) -> dict[str, Any]:
    out: dict[str, Any] = {"name": d.name, "where": d.where, "doc": d.doc}
    if isinstance(d, ActionDecl):
        out["accounts"] = d.n_accounts
        out["args"] = {k: plain(v) for k, v in d.args.items()}
        if d.liveness is not None:
            out["liveness"] = d.liveness
        if d.within is not None:
            out["within"] = d.within
        if d.role != "keeper":
            out["role"] = d.role
    else:
        out["per_account"] = d.per_account
    return out


def spec_json(spec: Spec, *, target: str | None = None) -> dict[str, Any]:
    """The ``solvent-spec/1`` document: what ``solvent inspect`` shows."""
    params = {}
    for name, default in spec.param_decls.items():
        value = spec.overrides.get(name, default)
        params[name] = {
            "value": plain(value),
            "default": plain(default),
            "where": spec.param_where.get(name),
        }
    state = {}
    for name, fd in spec.fields.items():
        init = [plain(x) for x in fd.init]
        state[name] = {
            "sort": fd.sort,
            "per_account": fd.per_account,
            "init": init if fd.per_account else init[0],
            "where": fd.where,
        }
    return {
        "schema": SPEC_SCHEMA,
        "spec": spec.name,
        "target": target,
        "where": spec.where,
        "accounts": spec.accounts,
        "arithmetic": spec.arithmetic,
        "decimals": spec.decimals,
        "params": params,
        "state": state,
        "envelope": {name: {**plain(dom), "where": dom.where} for name, dom in spec.bounds.items()},
        "ticks": [_decl(d) for d in spec.ticks],
        "actions": [_decl(d) for d in spec.actions],
        "keepers": [_decl(d) for d in spec.keepers],
        "invariants": [_decl(d) for d in spec.invariants],
        "lemmas": [_decl(d) for d in spec.lemmas],
        "witnesses": [_decl(d) for d in spec.witnesses],
        "initial": [_decl(d) for d in spec.initials],
        "metrics": [_decl(d) for d in spec.metrics],
        "scenarios": sorted(spec.scenarios),
        **provenance(spec, only=("built_by", "derived")),
    }


def _keyword(value: Any) -> Any:
    """A builder keyword for JSON: numbers (also numeric strings) in one spelling."""
    if isinstance(value, tuple | list):
        return [_keyword(v) for v in value]
    if isinstance(value, str):
        try:
            return format_number(Fraction(value))
        except (ValueError, ZeroDivisionError):
            return value
    return plain(value)


def provenance(spec: Spec, *, only: Sequence[str] = ()) -> dict[str, Any]:
    """What a verdict was about: parameter values, envelope, the builder call (with what
    ``--set`` changed) and the constants the builder derived, as they are after overrides."""
    values = spec.param_values().as_dict()
    out: dict[str, Any] = {
        "params": {name: plain(value) for name, value in values.items()},
        "set": {name: plain(value) for name, value in spec.overrides.items()},
        "envelope": {name: plain(dom) for name, dom in spec.bounds.items()},
        "built_by": None,
        "derived": {name: _keyword(value) for name, (value, _doc) in spec.derived.items()},
    }
    if spec.recipe is not None:
        out["built_by"] = {
            "builder": spec.recipe.label,
            "kwargs": {k: _keyword(v) for k, v in spec.recipe.kwargs.items()},
            "set": {k: _keyword(v) for k, v in spec.recipe.changed().items()},
        }
    return {k: v for k, v in out.items() if not only or k in only}


def dumps(doc: Mapping[str, Any]) -> str:
    return json.dumps(doc, indent=2) + "\n"
