"""Fixtures of the monitor tests: a real redis-server on a free port (see monitor_helpers)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from monitor_helpers import RedisServer, start_redis, stop_redis


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = start_redis(tmp_path)
    yield server
    stop_redis(server)
