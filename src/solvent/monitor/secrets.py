"""Secrets of the monitor: where they come from, and how they are kept out of every output.

A URL is shown through :func:`redact_url`: the password of ``user:password@`` becomes
``***`` (the user name stays: it is not a secret and helps to tell ACL users apart), and
for http(s) URLs the path and query become ``***`` too (chat services put their token in
the path of an incoming-webhook URL). A :class:`Redactor` knows every secret of a run
(passwords, keys, an http(s) URL's path and query, and each path segment of 8 or more
characters, so a token quoted alone is masked too) and replaces each in any text: the
monitor passes every notice line through it, since a library's exception may quote a URL.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from urllib.parse import unquote, urlsplit, urlunsplit

from solvent.errors import UsageError
from solvent.integrity import read_secret_file

MASK = "***"
REDIS_URL_ENV = "SOLVENT_REDIS_URL"
REDIS_PASSWORD_ENV = "SOLVENT_REDIS_PASSWORD"
WEBHOOK_URL_ENV = "SOLVENT_WEBHOOK_URL"
ALERT_KEY_ENV = "SOLVENT_ALERT_KEY"
METRICS_PASSWORD_ENV = "SOLVENT_METRICS_PASSWORD"


def redact_url(url: str) -> str:
    """``url`` with its password (and, for http(s), its path and query) replaced by ***."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return MASK  # not parseable: show nothing of it
    if not parts.scheme or parts.scheme == "file":
        return url
    netloc = host if ":" not in host else f"[{host}]"
    if port is not None:
        netloc += f":{port}"
    if parts.username is not None or parts.password is not None:
        user = parts.username or ""
        netloc = f"{user}:{MASK}@{netloc}" if parts.password is not None else f"{user}@{netloc}"
    path, query = parts.path, parts.query
    if parts.scheme in ("http", "https"):
        path = f"/{MASK}" if path not in ("", "/") else path
        query = MASK if query else ""
    elif query:
        query = MASK  # redis://...?password=... is accepted by redis-py
    return urlunsplit((parts.scheme, netloc, path, query, ""))


def url_secrets(url: str) -> list[str]:
    """The parts of ``url`` that :func:`redact_url` hides (to be redacted anywhere)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return [url]
    out: list[str] = []
    if parts.password:
        out += [parts.password, unquote(parts.password)]
    if parts.scheme in ("http", "https"):
        if parts.path not in ("", "/"):
            out.append(parts.path)
            out += [seg for seg in parts.path.split("/") if len(seg) >= 8]
        if parts.query:
            out.append(parts.query)
    elif parts.query:
        out.append(parts.query)
    return out


class Redactor:
    """Replaces every known secret in a text by ***; longer secrets first."""

    def __init__(self, secrets: Iterable[str | bytes] = ()) -> None:
        self._secrets: set[str] = set()
        self.add(*secrets)

    def add(self, *secrets: str | bytes | None) -> None:
        for s in secrets:
            if isinstance(s, bytes):
                s = s.decode("utf-8", "replace")
            if s and len(s) >= 3:
                self._secrets.add(s)
        ordered = sorted(self._secrets, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(s) for s in ordered)) if ordered else None

    def add_url(self, url: str | None) -> None:
        if url:
            self.add(*url_secrets(url))

    def __call__(self, text: str) -> str:
        return text if self._pattern is None else self._pattern.sub(MASK, text)

    def wrap(self, notice: Callable[[str], None]) -> Callable[[str], None]:
        return lambda message: notice(self(message))


def read_secret(path: str | None, env: str | None, flag: str) -> str | None:
    """A secret from the file ``path`` (one line; trailing newline dropped), else ``$env``."""
    if path:
        raw = read_secret_file(path, flag)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UsageError(f"{flag} {path}: cannot read it ({exc})") from None
    if env:
        value = os.environ.get(env, "")
        return value or None
    return None
