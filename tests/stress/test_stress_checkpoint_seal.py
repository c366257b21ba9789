"""Stress checkpoints are sealed: an edited, reordered or unsealed one is refused on --resume
(a CheckpointError, SV504: exit 3 like the missing checkpoint of test_stress_cli), never used; a key (SOLVENT_STATE_KEY / --state-key-file) makes the seal an HMAC."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from stress_helpers import StopAfter

from solvent.scenarios import get
from solvent.scenarios.population import Population
from solvent.stress.runner import Checkpoint, CheckpointError, StressOptions, stress


def _opts(tmp_path: Path, **kw: object) -> StressOptions:
    base = dict(paths=384, steps=10, seed=3, block=128, chunk=128, confirm=0)
    return StressOptions(checkpoint_dir=str(tmp_path / "ck"), **{**base, **kw})  # type: ignore[arg-type]


def test_an_edited_stress_checkpoint_is_refused_on_resume(load, tmp_path: Path) -> None:
    spec = load("perp_small")
    key = tmp_path / "key"
    key.write_text("stress-state-key\n")
    cut = stress(
        spec, get("gbm", vol=2.5), Population(), _opts(tmp_path, state_key_file=str(key)),
        progress=StopAfter(1),
    )  # fmt: skip
    assert cut.interrupted
    [path] = list((tmp_path / "ck").iterdir())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    good = path.read_text()
    lines = good.splitlines()
    assert len(lines) == 2 and all(json.loads(x)["seal"].startswith("hmac-sha256:") for x in lines)
    rec = json.loads(lines[1])
    numbers = [k for k, v in rec.items() if isinstance(v, int) and k != "block"]
    rec[numbers[0]] += 1  # one count edited
    edits = [
        ("\n".join([lines[0], json.dumps(rec)]) + "\n", "HMAC does not match"),
        (json.dumps({"run": json.loads(lines[0])["run"]}) + "\n", "older solvent"),
    ]
    for text, why in edits:
        path.write_text(text)
        with pytest.raises(CheckpointError, match=f"does not verify at line .*{why}"):
            stress(spec, get("gbm", vol=2.5), Population(),
                   _opts(tmp_path, state_key_file=str(key), resume=True))  # fmt: skip
    path.write_text(good)
    with pytest.raises(CheckpointError, match="none was given"):  # the key is needed
        stress(spec, get("gbm", vol=2.5), Population(), _opts(tmp_path, resume=True))
    path.write_text(good + lines[1][:25])  # a last line cut by the interruption: dropped
    done = stress(spec, get("gbm", vol=2.5), Population(),
                  _opts(tmp_path, state_key_file=str(key), resume=True))  # fmt: skip
    assert not done.interrupted and any("resumed: 1 of 3" in n for n in done.notes)


def test_checkpoint_chain_catches_reordered_or_removed_lines(tmp_path: Path) -> None:
    ck = Checkpoint(str(tmp_path), "abc", resume=False)
    ck.add([{"block": i, "fails": i} for i in range(3)])
    assert ck.path is not None
    lines = ck.path.read_text().splitlines()
    assert set(Checkpoint(str(tmp_path), "abc", resume=True).done) == {0, 1, 2}
    swapped, removed = [lines[0], lines[2], lines[1], lines[3]], [lines[0], lines[1], lines[3]]
    for broken, at in ((swapped, 2), (removed, 3)):
        ck.path.write_text("\n".join(broken) + "\n")
        with pytest.raises(CheckpointError, match=f"does not verify at line {at}"):
            Checkpoint(str(tmp_path), "abc", resume=True)
