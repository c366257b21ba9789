"""Trace: the one record of a run (initial state + per-step choices), JSON round-trip.

Numbers are exact strings ("0.05", "1/3"), in the spirit of the ITF trace format.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from solvent import limits
from solvent.errors import SolventError, TraceFormatError
from solvent.lang.domains import AnyBool, Within
from solvent.lang.values import format_number, to_fraction
from solvent.spec.spec import Spec

TRACE_FORMAT = "solvent-trace"
TRACE_VERSION = 1

Scalar = Fraction | bool | int


@dataclass(frozen=True, slots=True)
class ActionChoice:
    name: str
    accounts: tuple[int, ...] = ()
    args: Mapping[str, Scalar] = field(default_factory=dict)

    def label(self) -> str:
        parts = [str(a) for a in self.accounts]
        parts += [f"{k}={_text(v)}" for k, v in self.args.items()]
        return f"{self.name}({', '.join(parts)})"


@dataclass(frozen=True, slots=True)
class TraceStep:
    market: Mapping[str, Fraction]
    action: ActionChoice | None = None
    # keeper name -> per-account (or single) firing choices: adversarial keepers, and
    # every-step keepers that `solvent stress` recorded as down (keeper outage)
    keepers: Mapping[str, tuple[bool, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Trace:
    spec: str
    accounts: int
    init: Mapping[str, Any]  # field -> scalar or tuple per account
    steps: tuple[TraceStep, ...]
    params: Mapping[str, Scalar] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        meta = {
            "format": TRACE_FORMAT,
            "version": TRACE_VERSION,
            "spec": self.spec,
            "accounts": self.accounts,
        }
        meta.update(self.meta)
        return {
            "#meta": meta,
            "params": {k: _enc(v) for k, v in self.params.items()},
            "init": {k: _enc(v) for k, v in self.init.items()},
            "steps": [_enc_step(s) for s in self.steps],
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2)

    def with_steps(self, steps: tuple[TraceStep, ...]) -> Trace:
        return Trace(self.spec, self.accounts, self.init, steps, self.params, self.meta)


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return format_number(Fraction(v))


def _enc(v: Any) -> Any:
    if isinstance(v, tuple | list):
        return [_enc(x) for x in v]
    if isinstance(v, bool):
        return v
    if isinstance(v, int | Fraction):
        return format_number(Fraction(v))
    return v


def _enc_step(s: TraceStep) -> dict[str, Any]:
    out: dict[str, Any] = {"market": {k: _enc(v) for k, v in s.market.items()}}
    if s.keepers:
        out["keepers"] = {k: list(v) for k, v in s.keepers.items()}
    out["action"] = (
        None
        if s.action is None
        else {
            "name": s.action.name,
            "accounts": list(s.action.accounts),
            "args": {k: _enc(v) for k, v in s.action.args.items()},
        }
    )
    return out


# ------------------------------------------------------------------------- loading
def loads(text: str, source: str = "<trace>") -> Trace:
    return from_json(load_json(text, f"trace {source}", TraceFormatError), source)


def load_json(text: str, what: str, error: type[SolventError], hint: str = "") -> Any:
    """Parse a user's JSON document within the documented limits (solvent.limits).

    Malformed JSON, nesting beyond MAX_DEPTH and integers too long for Python's parser all
    raise ``error`` naming ``what`` (never a RecursionError or ValueError); ``hint`` ends
    the message of malformed JSON (what to give instead).
    """
    problem = limits.json_depth_problem(text)
    if problem is not None:
        raise error(f"{what}: {problem}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(
            f"{what} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}" + hint
        ) from None
    except (ValueError, RecursionError):  # an integer of more than Python's 4300 digits
        raise error(
            f"{what} holds a JSON integer too long to read; write numbers as strings "
            '(e.g. "0.05"), within the limit: ' + limits.MAX_DIGITS.how_to_raise()
        ) from None


def from_json(data: Any, source: str = "<trace>") -> Trace:
    def bad(msg: str) -> TraceFormatError:
        return TraceFormatError(f"trace {source}: {msg}")

    if not isinstance(data, dict):
        raise bad("expected a JSON object with '#meta', 'init' and 'steps'")
    if isinstance(data.get("counterexample"), dict):  # a `--format json` result file
        data = data["counterexample"]
    meta = data.get("#meta")
    if not isinstance(meta, dict) or meta.get("format") != TRACE_FORMAT:
        raise bad(f"missing '#meta' with format {TRACE_FORMAT!r}; is this a solvent trace?")
    if meta.get("version") != TRACE_VERSION:
        raise bad(
            f"trace format version {meta.get('version')!r} is not supported (expected {TRACE_VERSION})"
        )
    spec = meta.get("spec")
    accounts = meta.get("accounts")
    if not isinstance(spec, str) or not isinstance(accounts, int) or isinstance(accounts, bool):
        raise bad("'#meta' needs 'spec' (a name) and 'accounts' (an int)")
    init = data.get("init")
    steps = data.get("steps")
    if not isinstance(init, dict):
        raise bad("'init' must be an object of state fields")
    if not isinstance(steps, list):
        raise bad("'steps' must be a list")
    params_raw = data.get("params", {})
    if not isinstance(params_raw, dict):
        raise bad("'params' must be an object")
    params = {k: _dec(v, f"params.{k}", bad) for k, v in params_raw.items()}
    init_dec = {k: _dec(v, f"init.{k}", bad) for k, v in init.items()}
    out_steps = []
    for i, st in enumerate(steps, start=1):
        if not isinstance(st, dict) or not isinstance(st.get("market", {}), dict):
            raise bad(f"step {i} must be an object with a 'market' object")
        market = {
            k: _dec(v, f"steps[{i}].market.{k}", bad) for k, v in st.get("market", {}).items()
        }
        keepers_raw = st.get("keepers", {})
        if not isinstance(keepers_raw, dict):
            raise bad(f"step {i}: 'keepers' must be an object")
        keepers = {}
        for k, v in keepers_raw.items():
            if not isinstance(v, list) or not all(isinstance(x, bool) for x in v):
                raise bad(f"step {i}: keepers.{k} must be a list of true/false")
            keepers[k] = tuple(v)
        act = st.get("action")
        choice = None
        if act is not None:
            if not isinstance(act, dict) or not isinstance(act.get("name"), str):
                raise bad(f"step {i}: 'action' must be null or an object with a 'name'")
            accs = act.get("accounts", [])
            if not isinstance(accs, list) or not all(
                isinstance(a, int) and not isinstance(a, bool) for a in accs
            ):
                raise bad(f"step {i}: action.accounts must be a list of ints")
            args_raw = act.get("args", {})
            if not isinstance(args_raw, dict):
                raise bad(f"step {i}: action.args must be an object")
            args = {k: _dec(v, f"steps[{i}].action.args.{k}", bad) for k, v in args_raw.items()}
            choice = ActionChoice(act["name"], tuple(accs), args)
        out_steps.append(TraceStep(market, choice, keepers))
    extra_meta = {
        k: v for k, v in meta.items() if k not in ("format", "version", "spec", "accounts")
    }
    return Trace(spec, accounts, init_dec, tuple(out_steps), params, extra_meta)


def _dec(v: Any, where: str, bad: Any) -> Any:
    if isinstance(v, list):
        return tuple(_dec(x, where, bad) for x in v)
    if isinstance(v, bool):
        return v
    if isinstance(v, str | int):
        problem = limits.number_problem(v if isinstance(v, str) else _int_text(v))
        if problem is not None:
            raise bad(f"{where}: {problem}")
        try:
            return to_fraction(v)
        except Exception:  # noqa: BLE001
            raise bad(f"{where}: {v!r} is not an exact number") from None
    raise bad(f'{where}: expected a number as a string (e.g. "0.05"), got {v!r}')


def _int_text(v: int) -> str:
    """A JSON int's text, or a stand-in of its size when it is too long to print."""
    if v.bit_length() <= 3000:
        return str(v)
    return f"1e{int(v.bit_length() * 0.30103)}"


def check_against(trace: Trace, spec: Spec) -> list[str]:
    """Validate a trace against a spec; return notes (e.g. draws outside the envelope).

    Raises TraceFormatError when the trace cannot be replayed on this spec.
    """
    notes: list[str] = []

    def bad(msg: str) -> TraceFormatError:
        return TraceFormatError(f"trace does not match spec {spec.name}: {msg}")

    if trace.accounts != spec.accounts:
        raise bad(f"trace has {trace.accounts} accounts, spec has {spec.accounts}")
    from solvent.engine.start import start

    begin = start(spec)  # the spec's own initial state, per account
    for name, fd in spec.fields.items():
        if name not in trace.init:
            raise bad(f"init lacks state field {name!r}")
        v = trace.init[name]
        vals = v if fd.per_account else (v,)
        if fd.per_account and (not isinstance(v, tuple) or len(v) != spec.accounts):
            raise bad(f"init.{name} must list {spec.accounts} values")
        if not fd.per_account and isinstance(v, tuple):
            raise bad(f"init.{name} is a scalar field, got a list")
        for i, (x, dom) in enumerate(zip(vals, begin[name], strict=True)):
            if (fd.sort == "bool") != isinstance(x, bool) or (
                fd.sort != "bool" and not isinstance(x, Fraction | int)  # int: Python API
            ):
                raise bad(
                    f"init.{name} has the wrong kind ({'bool' if fd.sort == 'bool' else 'number'} expected)"
                )
            if isinstance(dom, Within) and not dom.contains(x):
                notes.append(f"init.{name}[{i}] = {_text(x)} lies outside {dom}")
            elif not isinstance(dom, Within | AnyBool) and x != dom:
                notes.append(f"init.{name}[{i}] = {_text(x)} differs from the spec's {_text(dom)}")
    unknown = set(trace.init) - set(spec.fields)
    if unknown:
        raise bad(f"init has unknown fields {sorted(unknown)}")
    adversarial = {k.name for k in spec.keepers if k.liveness in ("adversarial", "within")}
    for t, st in enumerate(trace.steps, start=1):
        if set(st.market) != set(spec.bounds):
            raise bad(
                f"step {t} market draws {sorted(st.market)} do not match the envelope {sorted(spec.bounds)}"
            )
        for name, x in st.market.items():
            if not isinstance(x, Fraction):
                raise bad(f'step {t}: market.{name} must be a number (as a string, e.g. "0.05")')
            if not spec.bounds[name].contains(x):
                notes.append(
                    f"step {t}: {name} = {_text(x)} lies outside the envelope {spec.bounds[name]}"
                )
        for k in st.keepers:
            if k not in adversarial:
                if k not in {kp.name for kp in spec.keepers}:
                    raise bad(f"step {t}: keepers.{k} is not a keeper of this spec")
                if not all(st.keepers[k]):
                    # recorded by `solvent stress` with a keeper outage or delay
                    notes.append(
                        f"step {t}: every-step keeper {k} did not run (recorded keeper outage)"
                    )
        if st.action is not None:
            try:
                act = spec.find_action(st.action.name)
            except KeyError:
                raise bad(f"step {t}: unknown action {st.action.name!r}") from None
            if (
                len(st.action.accounts) != act.n_accounts
                or any(not 0 <= a < spec.accounts for a in st.action.accounts)
                or len(set(st.action.accounts)) != len(st.action.accounts)
            ):
                raise bad(
                    f"step {t}: action {act.name} needs {act.n_accounts} distinct accounts in 0..{spec.accounts - 1}"
                )
            if set(st.action.args) != set(act.args):
                raise bad(
                    f"step {t}: action {act.name} arguments {sorted(st.action.args)} do not match {sorted(act.args)}"
                )
            for an, x in st.action.args.items():
                dom = act.args[an]
                if isinstance(x, tuple) or (isinstance(dom, Within) and isinstance(x, bool)):
                    raise bad(f"step {t}: {act.name}.{an} must be a number (as a string)")
                if isinstance(dom, Within) and (isinstance(x, bool) or not dom.contains(x)):
                    notes.append(
                        f"step {t}: {act.name}.{an} = {_text(x)} lies outside its domain {dom}"
                    )
    return notes
