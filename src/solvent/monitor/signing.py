"""Signed alerts: HMAC-SHA256 over a timestamp and the body, with a key shared with receivers.

A webhook POST carries two headers::

    X-Solvent-Timestamp: 1767225600            (Unix seconds when it was signed)
    X-Solvent-Signature: v1=HEX                (HMAC-SHA256(key, b"1767225600." + body))

A receiver recomputes the HMAC over the raw body it received, compares in constant time,
and refuses a timestamp older (or newer) than its tolerance: an altered body fails the
HMAC, a replayed one fails the timestamp. A JSON-lines alert carries the same two values
as ``"signed_at"`` and ``"signature"``; its body is the line without those two keys,
written compactly (``separators=(",", ":")``, ``ensure_ascii=False``), which is exactly
the webhook body of that alert.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

TIMESTAMP_HEADER = "X-Solvent-Timestamp"
SIGNATURE_HEADER = "X-Solvent-Signature"
TOLERANCE = 300  # seconds a receiver accepts between signing and receiving


def body(doc: dict[str, Any]) -> bytes:
    """The bytes that are posted and signed for an alert document."""
    plain = {k: v for k, v in doc.items() if k not in ("signed_at", "signature")}
    from solvent.monitor.alerts import json_default  # (a whole-state report: formatted)

    return json.dumps(
        plain, separators=(",", ":"), ensure_ascii=False, default=json_default
    ).encode()


def sign(key: bytes, timestamp: int, payload: bytes) -> str:
    """``v1=HEX``: the HMAC-SHA256 of ``b"<timestamp>." + payload``."""
    mac = hmac.new(key, str(int(timestamp)).encode() + b"." + payload, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def headers(key: bytes, payload: bytes, now: float | None = None) -> dict[str, str]:
    ts = int(time.time() if now is None else now)
    return {TIMESTAMP_HEADER: str(ts), SIGNATURE_HEADER: sign(key, ts, payload)}


def signed_line(key: bytes, doc: dict[str, Any], now: float | None = None) -> dict[str, Any]:
    """``doc`` with ``signed_at`` and ``signature`` (for a JSON-lines alert)."""
    ts = int(time.time() if now is None else now)
    return {**doc, "signed_at": ts, "signature": sign(key, ts, body(doc))}


def verify(
    key: bytes,
    timestamp: str | int | None,
    signature: str | None,
    payload: bytes,
    *,
    now: float | None = None,
    tolerance: float = TOLERANCE,
) -> bool:
    """True when ``signature`` signs ``payload`` at ``timestamp`` and that is recent enough."""
    try:
        ts = int(str(timestamp))
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - ts) > tolerance or not signature:
        return False
    return hmac.compare_digest(sign(key, ts, payload), signature)


def verify_line(key: bytes, line: str | bytes, **kw: Any) -> bool:
    """True when a JSON-lines alert carries a valid signature (see :func:`verify`)."""
    doc = json.loads(line)
    return verify(key, doc.get("signed_at"), doc.get("signature"), body(doc), **kw)
