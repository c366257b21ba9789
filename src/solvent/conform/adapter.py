"""The adapter protocol: how `solvent conform` drives an implementation.

An adapter is a small class the user writes; it maps the spec onto the implementation::

    class PerpAdapter:
        def reset(self, params, initial_state): ...   # fresh implementation, this state
        def tick(self, draws): ...                    # the market moves (oracle update)
        def keeper(self, name, account): ...          # run keeper `name` on `account`
        def action(self, name, account, **args) -> bool: ...  # accepted? (revert: False)
        def observe(self) -> dict: ...                # spec field -> value

``params``, ``initial_state`` and ``draws`` hold exact ``Fraction`` numbers (per-account
fields as lists). ``observe()`` returns, for the spec fields the implementation exposes,
an ``int`` (in units of ``10**-decimals``: the adapter's ``decimals`` attribute, an int
or a mapping field -> int, defaulting to the spec's decimals in fixed-point mode and 0
otherwise), a ``Decimal``, a ``Fraction``, a numeric string or a bool; per-account fields
as a list with one value per account. Floats are refused: they cannot be compared
exactly. Fields left out are not compared (the report lists the compared ones).

``keeper`` may return a bool (did the keeper act?); it is then compared with the spec's
keeper firing. ``action`` gets one account (an int) for a one-account action and a tuple
for actions over several accounts.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any, Protocol, runtime_checkable

from solvent.errors import SolventError, location_of_exception
from solvent.spec.load import new_module
from solvent.spec.spec import Spec

METHODS = ("reset", "tick", "keeper", "action", "observe")


class AdapterError(SolventError):
    """The adapter is unusable: a missing method, a float observed, a failing import."""

    code = "SV820"


class ImplementationError(SolventError):
    """The implementation raised while `solvent conform` drove it (not a revert)."""

    code = "SV821"


@runtime_checkable
class Adapter(Protocol):
    """What `solvent conform` calls; see the module docstring."""

    def reset(self, params: Mapping[str, Any], initial_state: Mapping[str, Any]) -> None: ...
    def tick(self, draws: Mapping[str, Fraction]) -> None: ...
    def keeper(self, name: str, account: int | None) -> bool | None: ...
    def action(self, name: str, account: Any, **args: Any) -> bool: ...
    def observe(self) -> Mapping[str, Any]: ...


def check_adapter(obj: Any, where: str) -> Any:
    """Return ``obj`` if it has every method of the protocol, else an AdapterError."""
    missing = [m for m in METHODS if not callable(getattr(obj, m, None))]
    if missing:
        raise AdapterError(
            f"adapter {where} lacks method{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}; an adapter needs reset(params, initial_state), "
            "tick(draws), keeper(name, account), action(name, account, **args) -> bool "
            "and observe() -> dict (see docs/conform.md)"
        )
    return obj


def load_adapter(target: str) -> Any:
    """Import ``PATH.py[:NAME]`` and return an adapter instance.

    ``NAME`` is a class (instantiated without arguments), a factory function or an
    instance; without it the file must define exactly one of ``adapter`` (an instance or
    factory) or a single class whose name ends in ``Adapter``.
    """
    path, _, name = target.partition(":") if target.count(":") == 1 else (target, "", "")
    if not path.endswith(".py") or not os.path.isfile(path):
        raise AdapterError(f"adapter file {path!r} does not exist; give --impl PATH.py[:NAME]")
    abspath = os.path.abspath(path)
    modname, module, loader = new_module(path, "_solvent_adapter_", AdapterError)
    dirname = os.path.dirname(abspath)
    added = dirname not in sys.path
    if added:
        sys.path.insert(0, dirname)  # an adapter may import its neighbours (engine.py)
    try:
        loader.exec_module(module)
    except SolventError:
        raise
    except Exception as exc:  # noqa: BLE001 - any import failure is the user's to fix
        raise AdapterError(
            f"adapter file {path} failed to import: {type(exc).__name__}: {exc}",
            where=location_of_exception(exc),
        ) from None
    finally:
        if added:
            sys.path.remove(dirname)
    if name:
        if not hasattr(module, name):
            raise AdapterError(f"adapter file {path} has no {name!r}")
        chosen = getattr(module, name)
    elif hasattr(module, "adapter"):
        chosen = module.adapter
    else:
        classes = [
            v
            for k, v in vars(module).items()
            if isinstance(v, type) and k.endswith("Adapter") and v.__module__ == modname
        ]
        if len(classes) != 1:
            found = ", ".join(c.__name__ for c in classes) or "none"
            raise AdapterError(
                f"adapter file {path}: name the adapter with {path}:NAME (classes ending in "
                f"'Adapter': {found}), or define `adapter` at module level"
            )
        chosen = classes[0]
    label = f"{path}:{name or getattr(chosen, '__name__', 'adapter')}"
    if isinstance(chosen, type) or (callable(chosen) and not hasattr(chosen, "observe")):
        try:
            chosen = chosen()
        except SolventError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise AdapterError(
                f"adapter {label} could not be created: {type(exc).__name__}: {exc}",
                where=location_of_exception(exc),
            ) from None
    return check_adapter(chosen, label)


def field_decimals(adapter: Any, spec: Spec) -> dict[str, int]:
    """Decimals of the ints ``observe()`` returns, per spec field."""
    default = (spec.decimals or 0) if spec.arithmetic == "fixed" else 0
    declared = getattr(adapter, "decimals", None)
    if declared is None:
        return dict.fromkeys(spec.fields, default)
    if isinstance(declared, int) and not isinstance(declared, bool):
        return dict.fromkeys(spec.fields, int(declared))
    if isinstance(declared, Mapping):
        return {f: int(declared.get(f, default)) for f in spec.fields}
    raise AdapterError(
        f"adapter attribute `decimals` must be an int or a mapping field -> int, got {declared!r}"
    )


def to_exact(value: Any, decimals: int, what: str) -> Fraction | bool:
    """One observed value as an exact number (or bool); floats and junk are refused."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return Fraction(value, 10**decimals)
    if isinstance(value, Fraction):
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise AdapterError(f"observe() returned {value} for {what}; expected a finite number")
        return Fraction(value)
    if isinstance(value, float):
        raise AdapterError(
            f"observe() returned the float {value!r} for {what}; floats cannot be compared "
            "exactly: return an int in units of the declared decimals, a Decimal, a "
            "Fraction or a string"
        )
    if isinstance(value, str):
        try:
            return Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            raise AdapterError(f"observe() returned {value!r} for {what}: not a number") from None
    raise AdapterError(
        f"observe() returned {type(value).__name__} {value!r} for {what}; expected an int, "
        "Decimal, Fraction, numeric string or bool"
    )


def normalize(spec: Spec, observed: Any, decimals: Mapping[str, int]) -> dict[str, Any]:
    """``observe()``'s mapping as field -> Fraction/bool (lists for per-account fields)."""
    if not isinstance(observed, Mapping):
        raise AdapterError(
            f"observe() must return a mapping of spec field -> value, got {type(observed).__name__}"
        )
    out: dict[str, Any] = {}
    for name, value in observed.items():
        fd = spec.fields.get(name)
        if fd is None:
            raise AdapterError(
                f"observe() returned {name!r}, which is not a field of spec {spec.name} "
                f"(fields: {', '.join(spec.fields)})"
            )
        d = decimals[name]
        if fd.per_account:
            if not isinstance(value, list | tuple) or len(value) != spec.accounts:
                raise AdapterError(
                    f"observe() must return a list of {spec.accounts} values for per-account "
                    f"field {name}, got {value!r}"
                )
            out[name] = [to_exact(v, d, f"{name}[{i}]") for i, v in enumerate(value)]
        else:
            out[name] = to_exact(value, d, name)
    return out
