"""Checkpoints: the consumer position and everything the monitor keeps, written atomically.

A checkpoint (``solvent-monitor-checkpoint/2``) is one JSON header line naming the version
and the *seal* of the payload (its SHA-256, or its HMAC-SHA256 when a state key is given,
see :mod:`solvent.integrity`), then the payload: a pickle of the spec name and the
source it reads, the position just after the last line consumed, the monitor's snapshot
(observed state, sequencing window and reorder buffer, envelope/keeper/alert levels,
counters, the river detector) and the offset of the alert file when it was taken. It is
written to a temporary file in the same folder, fsynced and renamed over the old one, so
a kill at any moment leaves either the old or the new checkpoint, never a torn one.

On restart the monitor resumes from the position, and suppresses the alerts it already
wrote after the checkpoint's alert-file offset (their ids are deterministic), so a crash
between writing an alert and writing the next checkpoint neither loses nor repeats it.
The seal is checked before the payload is unpickled: a checkpoint that does not verify
(edited, damaged, sealed with another key, or written by an older solvent without a seal)
is refused with a :class:`CheckpointError` (exit 3) and never used. A plain hash catches
damage and careless edits; only a key (``--state-key-file``) makes the file
tamper-evident against someone who can write it, so give one when the folder is shared.
The file is created with permissions 0600.
"""

from __future__ import annotations

import copyreg
import io
import json
import os
import pickle
import tempfile
from fractions import Fraction
from typing import Any

from solvent.integrity import check_seal, seal
from solvent.monitor.deficit import coprime
from solvent.monitor.errors import CheckpointError

VERSION = "solvent-monitor-checkpoint/2"
OLD_VERSION = "solvent-monitor-checkpoint/1"


def save(
    path: str,
    *,
    spec: str,
    source: str,
    position: Any,
    snapshot: dict[str, Any],
    alerts_offset: int,
    key: bytes | None = None,
) -> None:
    doc = {
        "version": VERSION, "spec": spec, "source": source, "position": position,
        "snapshot": snapshot, "alerts_offset": alerts_offset,
    }  # fmt: skip
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    # a Fraction is rebuilt from its terms without a gcd (they are in lowest terms): a
    # checkpoint holds one or two per account, and loading it is what a restart waits for
    pickler.dispatch_table = {**copyreg.dispatch_table, Fraction: _reduce_fraction}
    pickler.dump(doc)
    payload = buf.getvalue()
    header = json.dumps({"version": VERSION, "seal": seal(payload, key)}).encode() + b"\n"
    data = header + payload
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


def _reduce_fraction(f: Fraction) -> tuple[Any, tuple[int, int]]:
    return coprime, (f.numerator, f.denominator)


def load(path: str, *, spec: str, source: str, key: bytes | None = None) -> dict[str, Any] | None:
    """The checkpoint at ``path`` (None when there is none yet), once its seal verifies."""
    if not os.path.exists(path):
        return None
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise CheckpointError(
            f"cannot read checkpoint {path} ({exc}); delete it to start from the beginning "
            "of the source"
        ) from None
    head_line, _, payload = raw.partition(b"\n")
    try:
        head = json.loads(head_line)
    except ValueError:
        head = None
    if not isinstance(head, dict) or head.get("version") != VERSION:
        old = raw.startswith(b"\x80")  # a pickle: version 1, written without a seal
        raise CheckpointError(
            f"{path} is "
            + (
                "a checkpoint of an older solvent, without a content hash"
                if old
                else f"not a solvent monitor checkpoint ({VERSION})"
            )
            + "; it is not used: delete it to start fresh, or choose another --checkpoint"
        )
    why = check_seal(payload, head.get("seal"), key)
    if why is not None:
        raise CheckpointError(
            f"checkpoint {path} does not verify: {why}; it is not used. Delete it to start "
            "from the beginning of the source (or give the key it was written with)"
        )
    try:
        doc = pickle.loads(payload)  # noqa: S301 - sealed by the monitor, verified above
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
