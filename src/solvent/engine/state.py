"""State as seen by spec code: attribute access, per-account vectors, tracked writes."""

from __future__ import annotations

import sys
from typing import Any

from solvent.errors import SpecError, user_location
from solvent.lang.values import BOOL, NUM, Value, lift

#: While a dict (``solvent conform`` names the spec line that wrote a diverging value),
#: every state write records its source line: (field, account) -> (file, line).
WRITE_LINES: dict[tuple[str, int | None], tuple[str, int]] | None = None


def _writing_line() -> tuple[str, int]:
    """The file and line of the spec code that assigned a field (outside this module)."""
    frame = sys._getframe(2)
    while frame.f_back is not None and frame.f_code.co_filename == __file__:
        frame = frame.f_back
    return frame.f_code.co_filename, frame.f_lineno


# A state is a plain dict: field name -> Value (scalar) or list[Value] (per account).
StateDict = dict[str, Any]


def copy_state(state: StateDict) -> StateDict:
    return {k: (list(v) if isinstance(v, list) else v) for k, v in state.items()}


class AccountVector:
    """One per-account field: ``s.size[a]`` reads, ``s.size[a] = x`` writes."""

    __slots__ = ("_view", "_name", "_values")

    def __init__(self, view: StateView, name: str, values: list[Value]) -> None:
        self._view = view
        self._name = name
        self._values = values

    def _index(self, a: Any) -> int:
        if isinstance(a, Value):
            raise SpecError(
                f"account index into {self._name} is a traced value; account indices must be "
                "plain ints (loop `for a in s.accounts`)",
                where=user_location(),
            )
        if isinstance(a, bool) or not isinstance(a, int):
            got = f"got {a!r}"
            if type(a).__name__ == "Params":  # ``def act(s, a)``: ``a`` received p
                got = (
                    "got the spec's parameters: an action or keeper takes (s, p, a, ...), "
                    "the state, the parameters, then its accounts; did it leave out p?"
                )
            raise SpecError(
                f"account index into {self._name} must be an int, {got}", where=user_location()
            )
        if not 0 <= a < len(self._values):
            raise SpecError(
                f"account {a} is out of range for {self._name} (accounts 0..{len(self._values) - 1})",
                where=user_location(),
            )
        return a

    def __getitem__(self, a: int) -> Value:
        return self._values[self._index(a)]

    def __setitem__(self, a: int, value: Any) -> None:
        i = self._index(a)
        self._view._write(self._name, i, value)

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Any:
        return iter(list(self._values))

    def __bool__(self) -> bool:
        raise SpecError(
            f"{self._name} is a per-account field; index it with an account (s.{self._name}[a])",
            where=user_location(),
        )


class StateView:
    """Attribute view over a state dict; writable only inside actions, keepers and ticks."""

    __slots__ = ("_state", "_sorts", "_writable", "_written", "_backend", "accounts")

    def __init__(
        self,
        state: StateDict,
        sorts: dict[str, str],
        backend: Any,
        *,
        writable: bool,
        accounts: int | None = None,
    ) -> None:
        object.__setattr__(self, "_state", state)
        object.__setattr__(self, "_sorts", sorts)
        object.__setattr__(self, "_writable", writable)
        object.__setattr__(self, "_written", set())
        object.__setattr__(self, "_backend", backend)
        if accounts is None:
            accounts = max((len(v) for v in state.values() if isinstance(v, list)), default=0)
        object.__setattr__(self, "accounts", range(accounts))

    def __getattr__(self, name: str) -> Any:
        state = object.__getattribute__(self, "_state")
        if name not in state:
            raise SpecError(
                f"state has no field {name!r}; fields: {', '.join(state)}", where=user_location()
            )
        value = state[name]
        if isinstance(value, list):
            return AccountVector(self, name, value)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._state and isinstance(self._state[name], list):
            raise SpecError(
                f"{name} is a per-account field; assign one account at a time: s.{name}[a] = ...",
                where=user_location(),
            )
        self._write(name, None, value)

    def _write(self, name: str, index: int | None, value: Any) -> None:
        if not self._writable:
            raise SpecError(
                f"cannot assign s.{name} here: invariants, witnesses and metrics only read the "
                "state; change it in an action, keeper or tick",
                where=user_location(),
            )
        if name not in self._state:
            raise SpecError(
                f"state has no field {name!r}; fields: {', '.join(self._state)}",
                where=user_location(),
            )
        sort = self._sorts[name]
        if isinstance(value, Value):
            v = value
            if v.backend is not self._backend:
                raise SpecError(
                    "value from another backend assigned to state", where=user_location()
                )
        else:
            v = lift(value, backend=self._backend)
        if v.sort != sort:
            want = "a number" if sort == NUM else "a condition"
            raise SpecError(
                f"s.{name} holds {want}; cannot assign a {v.sort}"
                + (
                    " (use sv.when(cond, 1, 0) to turn a condition into a number)"
                    if sort == NUM
                    else ""
                ),
                where=user_location(),
            )
        if index is None:
            self._state[name] = v
        else:
            self._state[name][index] = v
        self._written.add((name, index))
        if WRITE_LINES is not None:
            WRITE_LINES[(name, index)] = _writing_line()

    def __repr__(self) -> str:
        return f"<state {', '.join(self._state)}>"


class MarketView:
    """Read-only view of one step's envelope draws (``m.move``)."""

    __slots__ = ("_draws",)

    def __init__(self, draws: dict[str, Value]) -> None:
        object.__setattr__(self, "_draws", draws)

    def __getattr__(self, name: str) -> Value:
        draws = object.__getattribute__(self, "_draws")
        try:
            return draws[name]
        except KeyError:
            raise SpecError(
                f"the envelope has no bound {name!r}; bounds: {', '.join(draws) or '(none)'}",
                where=user_location(),
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise SpecError("market draws are read-only", where=user_location())


def is_bool_value(x: Any) -> bool:
    return isinstance(x, bool) or (isinstance(x, Value) and x.sort == BOOL)
