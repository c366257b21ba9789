"""Event sources: a file (read once and followed), stdin, a real Redis stream."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import pytest
from monitor_helpers import RedisServer, free_port, line, start_redis, stop_redis

from solvent.monitor.errors import SourceError
from solvent.monitor.sources import FileSource, RedisSource, StdinSource, StopWhen


def _collect(source: object, limit: float = 20.0) -> list[tuple[object, bytes]]:
    got = []
    deadline = time.monotonic() + limit
    for batch in source.batches():  # type: ignore[attr-defined]
        got += batch
        assert time.monotonic() < deadline, "source did not stop"
    return got


def test_file_read_once_with_offsets_and_a_last_line_without_newline(tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_bytes(b"a\n\nbb\nccc")
    got = _collect(FileSource(str(path)))
    assert got == [(2, b"a\n"), (6, b"bb\n"), (9, b"ccc")]
    resumed = _collect(FileSource(str(path), offset=6))
    assert resumed == [(9, b"ccc")]


def test_follow_reads_appended_lines_once_and_waits_for_unfinished_ones(tmp_path: Path) -> None:
    path = tmp_path / "grow.jsonl"
    path.write_bytes(b"")
    stop = threading.Event()
    src = FileSource(str(path), follow=True, stop=StopWhen(event=stop), poll=0.01)

    def writer() -> None:
        with open(path, "ab") as fh:
            for i in range(50):
                fh.write(line(type="price", ts=i, seq=i + 1, price="1") + b"\n")
                fh.flush()
                time.sleep(0.002)
            fh.write(b'{"type":"price","ts":99,')  # half a line ...
            fh.flush()
            time.sleep(0.1)
            fh.write(b'"seq":99,"price":"2"}\n')  # ... finished later
            fh.flush()
        time.sleep(0.2)
        stop.set()

    t = threading.Thread(target=writer)
    t.start()
    got = _collect(src)
    t.join()
    assert len(got) == 51
    assert got[-1][1] == b'{"type":"price","ts":99,"seq":99,"price":"2"}\n'
    assert got[-1][0] == path.stat().st_size


def test_follow_stops_after_idle_and_notices_truncation(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"x\ny\n")
    notes: list[str] = []
    src = FileSource(
        str(path), offset=100, follow=True, stop=StopWhen(idle=0.3), poll=0.01, notice=notes.append
    )
    got = _collect(src)
    assert [g[1] for g in got] == [
        b"x\n",
        b"y\n",
    ]  # offset beyond the end: read again from the start
    assert notes and "truncated or rotated" in notes[0]


def test_missing_file_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        FileSource(str(tmp_path / "nope.jsonl"))


def test_stdin_lines() -> None:
    got = _collect(StdinSource(io.BytesIO(b"a\n\nb\n")))
    assert got == [(1, b"a\n"), (3, b"b\n")]


def test_redis_stream_from_a_position(redis_server: RedisServer) -> None:
    r = redis_server.client()
    ids = [
        r.xadd("ev", {"event": line(type="price", ts=i, seq=i + 1, price=str(100 + i))})
        for i in range(30)
    ]
    got = _collect(RedisSource(redis_server.url, "ev", stop=StopWhen(idle=0.3), block_ms=50))
    assert [g[0] for g in got] == [i.decode() for i in ids]
    assert got[0][1] == line(type="price", ts=0, seq=1, price="100")
    resumed = _collect(
        RedisSource(
            redis_server.url, "ev", position=ids[19].decode(), stop=StopWhen(idle=0.3), block_ms=50
        )
    )
    assert [g[0] for g in resumed] == [i.decode() for i in ids[20:]]
    r.xadd("ev", {"other": "x"})
    [(_, raw)] = _collect(
        RedisSource(
            redis_server.url, "ev", position=ids[-1].decode(), stop=StopWhen(idle=0.3), block_ms=50
        )
    )
    assert raw.startswith(b"\x00missing-event-field")  # quarantined by the monitor, never fatal


def test_redis_reads_one_batch_ahead_with_the_same_batches(redis_server: RedisServer) -> None:
    """The next XREAD is sent while the caller applies a batch (round 9); the batches,
    their order and the position are those of one read at a time, and closing the
    iterator early leaves the position past the last batch yielded."""
    r = redis_server.client()
    ids = [r.xadd("ahead", {"event": f"e{i}".encode()}).decode() for i in range(50)]
    plain = RedisSource(
        redis_server.url, "ahead", stop=StopWhen(idle=0.2), block_ms=20, count=7,
        read_ahead=False,
    )  # fmt: skip
    ahead = RedisSource(redis_server.url, "ahead", stop=StopWhen(idle=0.2), block_ms=20, count=7)
    want = [b for b in plain.batches() if b]
    assert [len(b) for b in want] == [7] * 7 + [1]
    calls: list[str] = []
    fetch = ahead._fetch

    def counted(position: str) -> list[tuple[object, bytes]]:
        calls.append(position)
        return fetch(position)

    ahead._fetch = counted  # type: ignore[method-assign]
    it = ahead.batches()
    first = next(it)
    deadline = time.monotonic() + 5
    while len(calls) < 2 and time.monotonic() < deadline:  # the caller has not asked yet
        time.sleep(0.01)
    assert calls == ["0-0", ids[6]]  # the second read went out before next() asked
    got = [first] + [b for b in it if b]
    assert got == want
    assert ahead.position == plain.position == ids[-1]
    early = RedisSource(redis_server.url, "ahead", stop=StopWhen(idle=0.2), count=7)
    it = early.batches()
    next(it), next(it)
    it.close()  # the read already ahead is dropped
    assert early.position == ids[13]


def test_redis_unreachable_at_start_is_a_source_error() -> None:
    port = free_port()
    with pytest.raises(SourceError, match=f"cannot reach Redis at redis://127.0.0.1:{port}"):
        RedisSource(f"redis://127.0.0.1:{port}/0", "ev")


def test_redis_reconnects_with_backoff_when_the_server_restarts(tmp_path: Path) -> None:
    first = start_redis(tmp_path)
    port = first.port
    r = first.client()
    r.xadd("ev", {"event": b"one"})
    notes: list[str] = []
    stop = threading.Event()
    src = RedisSource(
        first.url,
        "ev",
        stop=StopWhen(event=stop),
        block_ms=50,
        notice=notes.append,
        max_backoff=0.4,
    )
    got: list[bytes] = []
    second: list[RedisServer] = []

    def consume() -> None:
        for batch in src.batches():
            got.extend(raw for _, raw in batch)

    t = threading.Thread(target=consume)
    t.start()
    deadline = time.monotonic() + 10
    while not got and time.monotonic() < deadline:
        time.sleep(0.02)
    stop_redis(first)
    time.sleep(0.6)  # the source is retrying now
    import subprocess

    import redis

    proc = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(tmp_path),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    second.append(RedisServer(port, proc))
    while time.monotonic() < deadline:
        try:
            redis.Redis(port=port).xadd("ev", {"event": b"two"})
            break
        except redis.RedisError:
            time.sleep(0.05)
    while len(got) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    stop.set()
    t.join(5)
    stop_redis(second[0])
    assert got == [b"one", b"two"]
    assert src.reconnects >= 1 and any("unreachable" in n and "retrying" in n for n in notes)
