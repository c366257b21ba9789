"""Content hashes and HMACs of what solvent writes and reads back: checkpoints and result files.

A *seal* is a SHA-256 of the content, or an HMAC-SHA256 keyed by a secret when one is given
(``--state-key-file`` or ``SOLVENT_STATE_KEY``). A hash tells that a file was damaged or
edited by someone who did not recompute it; only the HMAC tells that it was written by a
holder of the key. Both are compared in constant time.

Result files (``-o``) carry ``"content_sha256"``: the SHA-256 of the document without that
key, written canonically (sorted keys, no spaces). ``report`` and ``replay`` print a
warning when it does not match (the result was edited after it was written).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from typing import Any

from solvent.errors import UsageError

STATE_KEY_ENV = "SOLVENT_STATE_KEY"
RESULT_HASH_KEY = "content_sha256"


def seal(data: bytes, key: bytes | None = None) -> str:
    """``sha256:HEX`` of ``data``, or ``hmac-sha256:HEX`` when ``key`` is given."""
    if key:
        return "hmac-sha256:" + hmac.new(key, data, hashlib.sha256).hexdigest()
    return "sha256:" + hashlib.sha256(data).hexdigest()


def check_seal(data: bytes, stored: object, key: bytes | None) -> str | None:
    """None when ``stored`` is the seal of ``data`` under ``key``, else why it is not."""
    if not isinstance(stored, str) or ":" not in stored:
        return "it carries no content hash"
    kind = stored.split(":", 1)[0]
    if kind == "hmac-sha256" and not key:
        return (
            "it is sealed with an HMAC key but none was given "
            f"(give --state-key-file or {STATE_KEY_ENV})"
        )
    if kind == "sha256" and key:
        return "it carries a plain hash but a key was given, so it was not written with that key"
    if kind not in ("sha256", "hmac-sha256"):
        return f"its seal kind {kind!r} is unknown"
    if not hmac.compare_digest(seal(data, key), stored):
        what = "HMAC" if key else "content hash"
        return f"its {what} does not match its content (it was edited, damaged or keyed otherwise)"
    return None


def read_secret_file(path: str, flag: str) -> bytes:
    """The secret in the file ``path`` given with option ``flag`` (trailing newline dropped)."""
    try:
        with open(path, "rb") as fh:
            key = fh.read().rstrip(b"\r\n")
    except OSError as exc:
        raise UsageError(f"{flag} {path}: cannot read it ({exc.strerror or exc})") from None
    if not key:
        raise UsageError(f"{flag} {path} is empty; write the secret in it")
    return key


def read_key(path: str | None, env: str, flag: str) -> bytes | None:
    """A secret from the file ``path`` (trailing newline dropped), else from ``$env``."""
    if path:
        return read_secret_file(path, flag)
    value = os.environ.get(env, "")
    return value.encode() if value else None


def state_key(path: str | None = None) -> bytes | None:
    """The key of checkpoints: ``--state-key-file`` or ``SOLVENT_STATE_KEY`` (None: hash only)."""
    return read_key(path, STATE_KEY_ENV, "--state-key-file")


# -- result files -------------------------------------------------------------------------------


def _canonical(doc: dict[str, Any]) -> bytes:
    body = {k: v for k, v in doc.items() if k != RESULT_HASH_KEY}
    normal = json.loads(json.dumps(body))  # int keys become strings, as in the file
    return json.dumps(normal, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def seal_result(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with its ``content_sha256`` (written by ``-o``)."""
    digest = hashlib.sha256(_canonical(doc)).hexdigest()
    return {**{k: v for k, v in doc.items() if k != RESULT_HASH_KEY}, RESULT_HASH_KEY: digest}


def result_warning(doc: object, path: str) -> str | None:
    """A warning when ``doc`` (a loaded result file) carries a hash its content does not match."""
    if not isinstance(doc, dict) or RESULT_HASH_KEY not in doc:
        return None
    stored = doc[RESULT_HASH_KEY]
    if isinstance(stored, str) and hmac.compare_digest(
        hashlib.sha256(_canonical(doc)).hexdigest(), stored
    ):
        return None
    return (
        f"warning: {path} was edited after solvent wrote it (its {RESULT_HASH_KEY} does not "
        "match its content); what follows is about the edited file"
    )


def result_warning_text(content: str, path: str) -> str | None:
    """:func:`result_warning` of a file's text (None when it is not JSON)."""
    try:
        doc = json.loads(content)
    except ValueError:
        return None
    return result_warning(doc, path)


def create_private(path: str, mode: str = "a") -> Any:
    """Open ``path`` for text append/write, creating it with permissions 0600."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode == "a" else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    return os.fdopen(fd, mode, encoding="utf-8")
