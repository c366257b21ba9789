"""The input limits read the environment once per process (issue 21): ``Limit.value()`` is
on the monitor's per-line path; ``limits.reload()`` makes a changed environment count."""

from __future__ import annotations

import os

import pytest

from solvent import limits
from solvent.errors import UsageError


def test_value_reads_the_environment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOLVENT_MAX_DEPTH", "70")
    limits.reload()
    reads: list[str] = []
    real_get = os.environ.get

    def counting_get(key: str, default: object = None) -> object:
        reads.append(key)
        return real_get(key, default)

    monkeypatch.setattr(os.environ, "get", counting_get)
    assert [limits.MAX_DEPTH.value() for _ in range(1000)] == [70] * 1000
    assert reads.count("SOLVENT_MAX_DEPTH") <= 1
    monkeypatch.setenv("SOLVENT_MAX_DEPTH", "80")
    assert limits.MAX_DEPTH.value() == 70  # read once: a later change needs reload()
    limits.reload()
    assert limits.MAX_DEPTH.value() == 80
    monkeypatch.delenv("SOLVENT_MAX_DEPTH")
    limits.reload()
    assert limits.MAX_DEPTH.value() == limits.MAX_DEPTH.default


def test_a_bad_value_is_refused_at_every_use_until_fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOLVENT_MAX_LINE", "-3")
    limits.reload()
    for _ in range(2):
        with pytest.raises(UsageError, match="SOLVENT_MAX_LINE='-3' must be a positive"):
            limits.MAX_LINE.value()
    monkeypatch.setenv("SOLVENT_MAX_LINE", "4096")
    assert limits.MAX_LINE.value() == 4096  # an error is not remembered
    monkeypatch.delenv("SOLVENT_MAX_LINE")
    limits.reload()


def test_each_command_line_reads_the_limits_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    from solvent.cli.core import run

    monkeypatch.setenv("SOLVENT_MAX_PATHS", "5")
    limits.reload()
    assert limits.MAX_PATHS.value() == 5
    monkeypatch.setenv("SOLVENT_MAX_PATHS", "7")
    run(["--help"])
    assert limits.MAX_PATHS.value() == 7
    monkeypatch.delenv("SOLVENT_MAX_PATHS")
    limits.reload()
