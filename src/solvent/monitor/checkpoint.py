"""Checkpoints: the consumer position and everything the monitor keeps, written atomically.

A checkpoint is a pickle (``solvent-monitor-checkpoint/1``) of: the spec name and the
source it reads, the position just after the last line consumed, the monitor's snapshot
(observed state, sequencing window and reorder buffer, envelope/keeper/alert levels,
counters, the river detector) and the offset of the alert file when it was taken. It is
written to a temporary file in the same folder, fsynced and renamed over the old one, so
a kill at any moment leaves either the old or the new checkpoint, never a torn one.

On restart the monitor resumes from the position, and suppresses the alerts it already
wrote after the checkpoint's alert-file offset (their ids are deterministic), so a crash
between writing an alert and writing the next checkpoint neither loses nor repeats it.
Only load checkpoints you wrote: pickle runs code on load.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from typing import Any

from solvent.monitor.errors import CheckpointError

VERSION = "solvent-monitor-checkpoint/1"


def save(
    path: str,
    *,
    spec: str,
    source: str,
    position: Any,
    snapshot: dict[str, Any],
    alerts_offset: int,
) -> None:
    doc = {
        "version": VERSION, "spec": spec, "source": source, "position": position,
        "snapshot": snapshot, "alerts_offset": alerts_offset,
    }  # fmt: skip
    data = pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".monitor-checkpoint.", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def load(path: str, *, spec: str, source: str) -> dict[str, Any] | None:
    """The checkpoint at ``path`` (None when there is none yet)."""
    if not os.path.exists(path):
        return None
    try:
        with open(path, "rb") as fh:
            doc = pickle.load(fh)  # noqa: S301 - the monitor's own file
    except (
        OSError,
        pickle.UnpicklingError,
        EOFError,
        AttributeError,
        ImportError,
        ValueError,
    ) as exc:
        raise CheckpointError(
            f"cannot read checkpoint {path} ({exc}); delete it to start from the beginning of the source"
        ) from None
    if not isinstance(doc, dict) or doc.get("version") != VERSION:
        raise CheckpointError(
            f"{path} is not a solvent monitor checkpoint ({VERSION}); delete it or choose another --checkpoint"
        )
    if doc["spec"] != spec or doc["source"] != source:
        raise CheckpointError(
            f"checkpoint {path} belongs to spec {doc['spec']} reading {doc['source']}, not spec {spec} "
            f"reading {source}; use another --checkpoint file or delete it"
        )
    return doc
