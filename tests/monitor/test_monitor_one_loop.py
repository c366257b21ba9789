"""One run loop: `solvent monitor` iterates the Python API's :class:`solvent.api.watch.Watch`
(issue 18: "the CLI calls this API; nothing is implemented twice")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from monitor_helpers import SAFE_PERP

import solvent as sv
from solvent.api import watch as api_watch
from solvent.cli import run

EVENTS = [
    {"type": "price", "ts": 1000.0 + i, "seq": 1 + i, "price": p}
    for i, p in enumerate(["100", "101", "80", "81"])
] + [{"type": "price", "ts": 1010.0, "seq": 9, "price": "-1"}]  # quarantined


def test_the_cli_runs_the_api_iterator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "events.jsonl"
    source.write_text("".join(json.dumps(e) + "\n" for e in EVENTS), encoding="utf-8")
    yielded: list[Any] = []
    real_next = api_watch.Watch.__next__

    def counted(self: api_watch.Watch) -> Any:
        alert = real_next(self)
        yielded.append(alert)
        return alert

    monkeypatch.setattr(api_watch.Watch, "__next__", counted)
    alerts = tmp_path / "alerts.jsonl"
    code = run(["monitor", SAFE_PERP, "--source", str(source), "--no-prove", "-q",
                "--alerts", str(alerts), "--quarantine", str(tmp_path / "q.jsonl")])  # fmt: skip
    assert code == 1  # the 20.8% drop breaks the 8% envelope
    written = [json.loads(x) for x in alerts.read_text().splitlines()]
    monkeypatch.undo()
    assert written and [a.to_json() for a in yielded] == [
        {k: v for k, v in w.items() if k != "sig"} for w in written
    ]
    # the API over the same file: the same alerts, the quarantined line reported
    bad: list[str] = []
    api = sv.monitor(SAFE_PERP, source, on_quarantine=lambda line, why: bad.append(why))
    assert [a.to_json() for a in api] == [a.to_json() for a in yielded]
    assert len(bad) == 1 and "not positive" in bad[0]
    assert api.summary.lines == len(EVENTS)
    assert json.loads((tmp_path / "q.jsonl").read_text())["reason"] == bad[0]


def test_closing_the_iterator_early_stops_cleanly() -> None:
    events = iter(EVENTS * 1)
    w = sv.monitor(SAFE_PERP, events)
    first = next(w)
    assert first.kind == "envelope"
    w.close()
    with pytest.raises(StopIteration):
        next(w)
