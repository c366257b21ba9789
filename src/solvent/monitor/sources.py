"""Where events come from: a JSON-lines file (read once or followed), stdin, a Redis stream.

Every source yields *batches*: lists of ``(position, line)`` where ``position`` is what a
checkpoint stores to resume right after that line (a byte offset in a file, an entry id
in a Redis stream, a line number on stdin, which cannot be resumed). An empty batch
means "nothing new right now" (the monitor uses it to flush buffers and refresh views).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from solvent.monitor.errors import SourceError
from solvent.monitor.secrets import Redactor, redact_url

Batch = list[tuple[Any, bytes]]
Notice = Callable[[str], None]

BATCH_LINES = 512


def _quiet(_: str) -> None:
    pass


@dataclass
class StopWhen:
    """When a followed source ends: after ``idle`` seconds without data, or when ``event`` is set."""

    idle: float | None = None
    event: threading.Event | None = None

    def stopped(self) -> bool:
        return self.event is not None and self.event.is_set()


class FileSource:
    """A JSON-lines file from byte ``offset``; with ``follow`` it waits for appended lines.

    A followed file that shrinks below the current offset was truncated or rotated: it is
    read again from the start (and a notice says so). A last line without its newline is
    only read once the writer finishes it (when following) or at the end (when not).
    """

    kind = "file"
    resumable = True

    def __init__(
        self,
        path: str,
        *,
        offset: int = 0,
        follow: bool = False,
        stop: StopWhen | None = None,
        poll: float = 0.05,
        notice: Notice = _quiet,
    ) -> None:
        if not os.path.isfile(path):
            what = "is a directory" if os.path.isdir(path) else "does not exist"
            raise SourceError(f"event file {path} {what}; give a JSON-lines file of events")
        self.path = path
        self.offset = int(offset or 0)
        self.follow = follow
        self.stop = stop or StopWhen()
        self.poll = poll
        self.notice = notice

    def describe(self) -> str:
        return f"{'following ' if self.follow else ''}{self.path}"

    def batches(self) -> Iterator[Batch]:
        idle_since = time.monotonic()
        with open(self.path, "rb") as fh:
            fh.seek(self.offset)
            pending = b""  # a last line still being written (no newline yet)
            while True:
                batch, pending = self._read(fh, pending)
                if batch:
                    idle_since = time.monotonic()
                    yield batch
                    continue
                if not self.follow:
                    if pending.strip():
                        self.offset += len(pending)
                        yield [(self.offset, pending)]
                    return
                if self.stop.stopped():
                    return
                if self.stop.idle is not None and time.monotonic() - idle_since > self.stop.idle:
                    return
                try:
                    size = os.stat(self.path).st_size
                except OSError:
                    size = self.offset + len(pending)
                if size < self.offset:
                    self.notice(
                        f"{self.path} shrank below offset {self.offset} (truncated or rotated); "
                        "reading it from the start"
                    )
                    self.offset, pending = 0, b""
                    fh.seek(0)
                yield []
                time.sleep(self.poll)

    def _read(self, fh: BinaryIO, pending: bytes) -> tuple[Batch, bytes]:
        out: Batch = []
        for _ in range(BATCH_LINES):
            line = fh.readline()
            if not line:
                break
            if not line.endswith(b"\n"):
                pending += line
                continue
            line = pending + line
            pending = b""
            self.offset += len(line)
            if line.strip():
                out.append((self.offset, line))
        return out, pending


class StdinSource:
    """Lines from standard input until it closes (not resumable: no checkpoint position)."""

    kind = "stdin"
    resumable = False

    def __init__(self, stream: BinaryIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdin.buffer
        self.count = 0

    def describe(self) -> str:
        return "standard input"

    def batches(self) -> Iterator[Batch]:
        for line in self.stream:
            self.count += 1
            if line.strip():
                yield [(self.count, line)]


class RedisSource:
    """A Redis stream read with XREAD from a position (an entry id, ``0-0`` = the start).

    Each entry holds one event as JSON in its ``event`` field. An unreachable server at
    start-up is a :class:`SourceError` (exit 3); during a run the source reconnects with
    exponential backoff (0.1 s doubling to 5 s), telling ``notice`` each time.

    ``password`` (an ACL user's, with the user in the URL, or the default user's) may be
    given apart from the URL; ``rediss://`` connects over TLS, verifying the server against
    ``ca_file`` (else the system's CAs), with ``cert_file``/``key_file`` as the client
    certificate. Every message shows the URL redacted (:func:`redact_url`).
    """

    kind = "redis"
    resumable = True
    FIELD = b"event"

    def __init__(
        self,
        url: str,
        stream: str,
        *,
        position: str | None = None,
        stop: StopWhen | None = None,
        block_ms: int = 200,
        count: int = 1000,
        notice: Notice = _quiet,
        max_backoff: float = 5.0,
        password: str | None = None,
        ca_file: str | None = None,
        cert_file: str | None = None,
        key_file: str | None = None,
        read_ahead: bool = True,
    ) -> None:
        import redis

        self.read_ahead = read_ahead  # the next XREAD while a batch is applied
        self.url = url
        self.shown = redact_url(url)
        self.redact = Redactor([password] if password else [])
        self.redact.add_url(url)
        self.stream = stream
        self.position = position or "0-0"
        self.stop = stop or StopWhen()
        self.block_ms = block_ms
        self.count = count
        self.notice = notice
        self.max_backoff = max_backoff
        self.reconnects = 0
        kw: dict[str, Any] = {"socket_connect_timeout": 2, "socket_timeout": 5}
        if password is not None:
            kw["password"] = password
        tls = url.startswith("rediss://")
        if (ca_file or cert_file or key_file) and not tls:
            raise SourceError(
                "--source-ca-file, --source-cert-file and --source-key-file are for a TLS "
                f"source: write rediss:// instead of {self.shown.split(':', 1)[0]}://"
            )
        if bool(cert_file) != bool(key_file):
            raise SourceError("give --source-cert-file and --source-key-file together")
        for flag, path in (
            ("--source-ca-file", ca_file),
            ("--source-cert-file", cert_file),
            ("--source-key-file", key_file),
        ):
            if path and not os.path.isfile(path):
                raise SourceError(f"{flag} {path} does not exist; give a PEM file")
        if tls:
            kw.update(ssl_cert_reqs="required", ssl_ca_certs=ca_file)
            if cert_file:
                kw.update(ssl_certfile=cert_file, ssl_keyfile=key_file)
        try:
            self.client = redis.Redis.from_url(url, **kw)
            # XREAD's reply as it comes (redis-py would build a dict per entry in Python)
            self.client.set_response_callback("XREAD", _raw_reply)
            self.client.ping()
        except ValueError as exc:
            raise SourceError(
                f"--source {self.shown} is not a Redis URL ({self.redact(str(exc))}); "
                "write redis://HOST:PORT/DB or rediss:// for TLS"
            ) from None
        except redis.AuthenticationError as exc:
            raise SourceError(
                f"Redis at {self.shown} refused the credentials ({self.redact(str(exc))}); "
                "check the user in the URL and the password (--source-password-file or "
                "SOLVENT_REDIS_PASSWORD)"
            ) from None
        except redis.RedisError as exc:
            raise SourceError(
                f"cannot reach Redis at {self.shown}: {self.redact(str(exc))}; start "
                "redis-server or fix the --source URL (and, for rediss://, its certificates)"
            ) from None

    def describe(self) -> str:
        return f"redis stream {self.stream} at {self.shown} from {self.position}"

    def _event(self, fields: Any) -> bytes:
        """The ``event`` field of an entry: the reply's flat ``[name, value, ...]`` list
        (XREAD's replies are kept raw, see ``_raw_reply``), or a dict."""
        if isinstance(fields, list):
            if len(fields) == 2 and fields[0] == self.FIELD and isinstance(fields[1], bytes):
                return fields[1] or b"\x00missing-event-field:event"  # the common entry
            fields = dict(zip(fields[::2], fields[1::2], strict=True))
        raw = fields.get(self.FIELD)
        if raw is None:
            raw = fields.get(self.FIELD.decode(), b"")
        if isinstance(raw, str):
            raw = raw.encode()
        if not raw:
            keys = ", ".join(sorted(_text(k) for k in fields))
            raw = b"\x00missing-event-field:" + keys.encode()
        return bytes(raw)

    def batches(self) -> Iterator[Batch]:
        """The batches read, one XREAD each; with ``read_ahead`` (the plain XREAD; a
        shard's group source reads one at a time) the next XREAD is sent, in a thread,
        while the caller applies a batch.

        A reply of 1,000 entries takes redis-server a few milliseconds to write (and the
        socket to carry): read ahead, those milliseconds overlap the monitor's work
        instead of adding to its wall time (on an idle second core; round 9 of
        benchmarks/results/monitor_scale.md). The batches are the same ones, in the same
        order: each read starts after the last entry of the one before. At most one read
        is ahead; when the caller stops (closes this iterator) it is left to finish
        (within ``block_ms``) and its entries are dropped: the position, as without it,
        is past the last batch yielded."""
        from concurrent.futures import ThreadPoolExecutor

        import redis

        ahead = self.read_ahead and type(self)._read is RedisSource._read
        pool = ThreadPoolExecutor(1, thread_name_prefix="solvent-xread") if ahead else None

        def start() -> Callable[[], Batch]:  # the next read: sent now, or when called
            return self._read if pool is None else pool.submit(self._fetch, self.position).result

        try:
            first = self._first_batch()
            if first:
                yield first
            idle_since = time.monotonic()
            backoff = 0.1
            read = start()
            while True:
                if self.stop.stopped():
                    return
                try:
                    batch = read()
                    backoff = 0.1
                except redis.RedisError as exc:
                    self.reconnects += 1
                    self.notice(
                        f"redis at {self.shown} unreachable ({self.redact(str(exc))}); "
                        f"retrying in {backoff:.1f}s"
                    )
                    yield []
                    time.sleep(backoff)
                    backoff = min(backoff * 2, self.max_backoff)
                    read = start()
                    continue
                if batch:
                    if pool is not None:
                        self.position = batch[-1][0]
                    read = start()
                    idle_since = time.monotonic()
                    yield batch
                    continue
                if self.stop.idle is not None and time.monotonic() - idle_since > self.stop.idle:
                    return
                read = start()
                yield []
        finally:
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)

    def _first_batch(self) -> Batch:
        """What to yield before reading new entries (a shard: its pending ones)."""
        return []

    def _read(self) -> Batch:
        """The next entries after the position (XREAD), the position moved past them."""
        batch = self._fetch(self.position)
        if batch:
            self.position = batch[-1][0]
        return batch

    def _fetch(self, position: str) -> Batch:
        """The next entries after ``position`` (XREAD, blocking up to ``block_ms``)."""
        reply = self.client.xread({self.stream: position}, count=self.count, block=self.block_ms)
        batch: Batch = []
        streams = reply.items() if isinstance(reply, dict) else reply or []  # RESP3, 2
        field, event = self.FIELD, self._event
        for _name, entries in streams:
            batch += [
                (_text(i), f[1] if len(f) == 2 and f[0] == field and f[1].__class__ is bytes
                 and f[1] else event(f))
                for i, f in entries
            ]  # fmt: skip
        return batch


def _raw_reply(response: Any, **_options: Any) -> Any:
    return response


def _text(x: Any) -> str:
    return x.decode() if isinstance(x, bytes) else str(x)
