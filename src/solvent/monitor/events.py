"""The observed-event schema ``solvent-event/1``: one JSON object per line.

Every event carries ``schema`` (optional, ``"solvent-event/1"`` when given), ``type``,
``ts`` (the time the event happened: Unix seconds as a number, or ISO-8601 text) and
``seq`` (the producer's sequence number, strictly increasing per stream; used to drop
duplicates and reorder late events). Money values are decimal strings (exact) or JSON
numbers (read exactly as written, never through a binary float). The types:

``price``        ``price`` (the mark price the protocol uses; > 0), optional ``oracle``
                 (the oracle/index price; > 0) and ``oracle_ts`` (when the oracle
                 published it), optional ``symbol``.
``account``      ``account`` (index), ``set`` (absolute values of per-account fields,
                 e.g. ``{"quote": "1000", "size": "0.5"}``) and/or ``add`` (deltas).
``insurance``    ``balance``: the insurance fund's balance.
``liquidation``  ``account``, optional ``set`` (the account's fields after it) and
                 ``price`` (execution price).
``state``        ``set``: absolute values of scalar state fields (e.g. ``bad_debt``).

See docs/monitor-events.md for the full description and examples.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import msgspec

from solvent import limits
from solvent.monitor.deficit import _coprime, coprime

SCHEMA = "solvent-event/1"
SCHEMA_MAJOR = "solvent-event/"
MISSING_FIELD = b"\x00missing-event-field:"  # what RedisSource yields for an entry without `event`


class _Base(msgspec.Struct, tag_field="type", kw_only=True):
    ts: float | str
    seq: int
    schema: str | None = None


class PriceEvent(_Base, tag="price"):
    price: Decimal
    oracle: Decimal | None = None
    oracle_ts: float | str | None = None
    symbol: str | None = None


class AccountEvent(_Base, tag="account"):
    account: int
    set: dict[str, Decimal] = {}
    add: dict[str, Decimal] = {}


class InsuranceEvent(_Base, tag="insurance"):
    balance: Decimal


class LiquidationEvent(_Base, tag="liquidation"):
    account: int
    set: dict[str, Decimal] = {}
    price: Decimal | None = None


class StateEvent(_Base, tag="state"):
    set: dict[str, Decimal] = {}


Event = PriceEvent | AccountEvent | InsuranceEvent | LiquidationEvent | StateEvent
EVENT_TYPES = ("price", "account", "insurance", "liquidation", "state")

_DECODER = msgspec.json.Decoder(Event)
_SAFE = 40  # magnitudes and digit counts this small need no limit check (the hot path)
_ENCODER = msgspec.json.Encoder(decimal_format="string")


class BadEvent(Exception):
    """An event that cannot be used; ``reason`` says why (it goes to the quarantine file)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_ts(value: float | str, what: str = "ts") -> float:
    """Unix seconds of a number or ISO-8601 text (no zone means UTC)."""
    if isinstance(value, str):
        text = value.strip()
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                raise BadEvent(
                    f"{what} {value!r} is neither Unix seconds nor ISO-8601 "
                    "(e.g. 2020-03-12T10:48:00Z)"
                ) from None
            return parse_ts(number, what)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()
    ts = float(value)
    if not math.isfinite(ts) or ts < 0:
        raise BadEvent(f"{what} {value!r} is not a non-negative finite number of seconds")
    return ts


#: the powers of ten a monitored number may reach: the monitor's fast paths (distances,
#: anomaly scores) use float64, which holds these without overflowing to inf or flushing to 0
MAGNITUDE = 300


def _finite(name: str, value: Decimal, *, positive: bool = False, short: bool = False) -> None:
    """Refuse a number that is not finite, beyond the digits limit or the monitor's range.

    ``short``: the line is so short that no number in it can exceed the digits limit
    written out once its power of ten is within ``_SAFE`` (the caller checked
    ``len(line) + 2 * _SAFE <= MAX_DIGITS``); then a plain decimal needs no digit count."""
    if value.is_finite() and not positive and -_SAFE < value.adjusted() < _SAFE:
        if short or len(value.as_tuple().digits) <= _SAFE:
            return  # the hot path (as for prices in decode): short plain decimals
    if not value.is_finite():
        raise BadEvent(f"{name} {_short(value)} is not a finite number")
    if positive and value <= 0:
        raise BadEvent(f"{name} {_short(value)} is not positive (prices must be > 0)")
    problem = limits.number_problem(value)
    if problem is not None:
        raise BadEvent(f"{name}: {problem}")
    if value and not -MAGNITUDE <= value.adjusted() <= MAGNITUDE:
        raise BadEvent(
            f"{name} {_short(value)} is beyond the monitor's range of magnitudes "
            f"(1e-{MAGNITUDE} to 1e{MAGNITUDE} in absolute value)"
        )


def _short(value: Decimal) -> str:
    text = str(value)
    return text if len(text) <= 40 else f"{text[:20]}...{text[-12:]} ({len(text):,} characters)"


def line_limits() -> tuple[int, int, int]:
    """The limits of a line in force: (bytes, JSON depth, digits); a monitor reads them once."""
    return limits.MAX_LINE.value(), limits.MAX_DEPTH.value(), limits.MAX_DIGITS.value()


def decode(line: bytes | str, in_force: tuple[int, int, int] | None = None) -> tuple[Event, float]:
    """Decode and validate one event line; return it with its time in Unix seconds.

    Raises :class:`BadEvent` with a readable reason for malformed JSON, a missing or
    mistyped field, an unknown type or schema, a non-finite number, a non-positive
    price or a negative account index.
    """
    if in_force is None:
        problem = limits.line_problem(line) or limits.json_depth_problem(line)
        short = False
    else:  # ``line_limits()`` read once by the caller: no environment lookup per line
        raw = line.encode("utf-8", "surrogatepass") if isinstance(line, str) else line
        problem = None
        if len(line) > in_force[0]:
            problem = limits.line_problem(line)
        elif raw.count(b"[") + raw.count(b"{") > in_force[1]:
            problem = limits.json_depth_problem(line)
        # a number has at most len(line) digits, and written out at most _SAFE more when
        # its power of ten is within _SAFE: then only that power needs checking
        short = len(line) + 2 * _SAFE <= in_force[2]
    if problem is not None:
        raise BadEvent(problem)
    try:
        event = _DECODER.decode(line)
    except RecursionError:
        raise BadEvent("JSON nested too deep to read; " + limits.MAX_DEPTH.how_to_raise()) from None
    except msgspec.DecodeError as exc:
        if isinstance(line, bytes) and line.startswith(MISSING_FIELD):
            fields = line[len(MISSING_FIELD) :].decode("utf-8", "replace")
            raise BadEvent(
                f"the Redis entry has no `event` field (its fields: {fields or 'none'}); "
                "put the event's JSON in a field named event"
            ) from None
        if isinstance(exc, msgspec.ValidationError):
            raise BadEvent(f"invalid event: {exc}") from None
        raise BadEvent(f"malformed JSON: {exc}") from None
    if event.schema is not None and event.schema != SCHEMA:
        if event.schema.startswith(SCHEMA_MAJOR):
            raise BadEvent(
                f"schema {event.schema!r} is not supported by this solvent (it reads {SCHEMA})"
            )
        raise BadEvent(f"schema {event.schema!r} is not a solvent event schema (want {SCHEMA})")
    if event.seq < 0:
        raise BadEvent(f"seq {event.seq} is negative")
    raw_ts = event.ts
    if type(raw_ts) is float and 0.0 <= raw_ts < math.inf:
        ts = raw_ts
    else:
        ts = parse_ts(raw_ts)
    if type(event) is PriceEvent:  # the hot path: keep it short
        price = event.price
        if not (price.is_finite() and price > 0 and -_SAFE < price.adjusted() < _SAFE):
            _finite("price", price, positive=True)
        if not short and len(price.as_tuple().digits) > _SAFE:
            _finite("price", price, positive=True)
        if event.oracle is not None:
            _finite("oracle", event.oracle, positive=True)
        if event.oracle_ts is not None:
            parse_ts(event.oracle_ts, "oracle_ts")
        return event, ts
    cls = event.__class__
    if short and (  # the hot path of account changes: what the checks below accept
        (cls is AccountEvent and event.set and not event.add)  # type: ignore[union-attr]
        or (cls is LiquidationEvent and event.price is None)  # type: ignore[union-attr]
    ):
        if event.account >= 0 and _plain(event.set):  # type: ignore[union-attr]
            return event, ts
    if isinstance(event, InsuranceEvent):
        _finite("balance", event.balance, short=short)
        return event, ts
    assert not isinstance(event, PriceEvent)  # returned above
    if not isinstance(event, StateEvent) and event.account < 0:
        raise BadEvent(f"account {event.account} is negative")
    _amounts("set", event.set, short)
    if isinstance(event, LiquidationEvent):
        if event.price is not None:
            _finite("price", event.price, positive=True)
        return event, ts
    add = event.add if isinstance(event, AccountEvent) else {}
    _amounts("add", add, short)
    if not event.set and not add:
        raise BadEvent(f"{event_type(event)} event changes nothing (give `set` or `add`)")
    return event, ts


def _plain(values: dict[str, Decimal]) -> bool:
    """Every amount finite with its power of ten within ``_SAFE`` (of a short line: then
    :func:`_amounts` accepts them all)."""
    for v in values.values():
        if not (v.is_finite() and -_SAFE < v.adjusted() < _SAFE):
            return False
    return True


def _amounts(what: str, values: dict[str, Decimal], short: bool) -> None:
    for k, v in values.items():
        if not (short and v.is_finite() and -_SAFE < v.adjusted() < _SAFE):
            _finite(f"{what}.{k}", v)


#: the ``type`` tag of each event class
_TAGS: dict[type, str] = {
    cls: str(cls.__struct_config__.tag)
    for cls in (PriceEvent, AccountEvent, InsuranceEvent, LiquidationEvent, StateEvent)
}


def event_type(event: Event) -> str:
    return _TAGS[type(event)]  # every event type is tagged by a string


def encode(event: Event) -> bytes:
    """One JSON line (without the newline); numbers as exact strings."""
    return _ENCODER.encode(event)


def price_event(seq: int, ts: float | str, price: Any, **extra: Any) -> PriceEvent:
    return PriceEvent(ts=ts, seq=seq, schema=SCHEMA, price=Decimal(str(price)), **extra)


def _fraction(value: Decimal) -> Fraction:
    return coprime(*value.as_integer_ratio())


def _fraction_in_place(value: Decimal, _new: Any = object.__new__) -> Fraction:
    f = _new(Fraction)
    f._numerator, f._denominator = value.as_integer_ratio()
    return f  # type: ignore[no-any-return]


#: ``fraction(value)`` is ``Fraction(value)`` of a finite decimal, exactly
#: (``Decimal.as_integer_ratio`` is in lowest terms with a positive denominator); on
#: Python 3.11, where ``coprime`` sets the two slots (its layout checked at import), the
#: slots are set in place (a fourth of the cost: one call fewer per amount)
fraction = _fraction_in_place if coprime is _coprime else _fraction
