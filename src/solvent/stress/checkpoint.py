"""The checkpoint of a stress run: finished block summaries, sealed line by line."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from solvent.integrity import check_seal, create_private, seal
from solvent.stress.options import CheckpointError


class Checkpoint:
    """Finished block summaries, one JSON line each, after a header naming the run.

    Every line carries a ``seal`` (:mod:`solvent.integrity`): the SHA-256, or with a state
    key the HMAC-SHA256, of the previous line's seal and its own content, so an edited,
    removed or reordered line breaks the chain. ``--resume`` refuses (exit 3) a checkpoint
    whose chain does not verify, and one written before seals existed; only a last line cut
    by the interruption (not JSON) is dropped, and its block runs again. Created 0600.
    """

    def __init__(
        self, folder: str | None, digest: str, resume: bool, key: bytes | None = None
    ) -> None:
        self.path = None if folder is None else Path(folder) / f"stress-{digest}.jsonl"
        self.digest = digest
        self.key = key
        self.done: dict[int, dict[str, Any]] = {}
        self._synced = 0.0
        self._last = ""  # the seal of the last line written or read
        if self.path is None:
            return
        if resume:
            if not self.path.exists():
                raise CheckpointError(
                    f"--resume: no checkpoint {self.path} for this run (same spec, scenario, seed, "
                    "paths, steps and options); run without --resume to start it"
                )
            self._load()
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with create_private(str(self.path), "w") as fh:
                fh.write(self._sealed({"run": digest}) + "\n")

    def _sealed(self, rec: dict[str, Any]) -> str:
        body = self._canon(json.loads(json.dumps(rec)))  # as it will read back
        self._last = seal((self._last + "\n" + body).encode(), self.key)
        return json.dumps({**rec, "seal": self._last})

    def _load(self) -> None:
        assert self.path is not None
        text = self.path.read_text(encoding="utf-8")
        lines = text.splitlines()
        try:
            head = json.loads(lines[0]) if lines else {}
        except json.JSONDecodeError:
            head = {}
        if not isinstance(head, dict) or head.get("run") != self.digest:
            raise CheckpointError(
                f"checkpoint {self.path} belongs to another run; delete it or run without --resume"
            )
        for i, line in enumerate(lines):
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                if 0 < i == len(lines) - 1:  # cut by the interruption: its block runs again
                    keep = text[: text.rstrip("\n").rindex("\n") + 1]
                    with self.path.open("r+b") as fh:  # appends start on a line of their own
                        fh.truncate(len(keep.encode()))
                    break
                rec = None
            stored = rec.pop("seal", None) if isinstance(rec, dict) else None
            if not isinstance(rec, dict):
                why: str | None = "the line is not a JSON object"
            elif stored is None and i == 0:
                why = "it was written by an older solvent, without seals"
            else:
                body = (self._last + "\n" + self._canon(rec)).encode()
                why = check_seal(body, stored, self.key)
            if why is not None:
                raise CheckpointError(
                    f"checkpoint {self.path} does not verify at line {i + 1}: {why}; it is not "
                    "used. Run without --resume to start the run afresh (or give the state key "
                    "it was written with)"
                )
            self._last = str(stored)
            if i:
                self.done[int(rec["block"])] = rec
        else:
            if not text.endswith("\n"):  # a whole last line whose newline was not written
                with self.path.open("a", encoding="utf-8") as fh:
                    fh.write("\n")

    @staticmethod
    def _canon(rec: dict[str, Any]) -> str:
        return json.dumps(rec, sort_keys=True, separators=(",", ":"))

    def add(self, summaries: list[dict[str, Any]]) -> None:
        for s in summaries:
            self.done[s["block"]] = s
        if self.path is None:
            return
        with self.path.open("a", encoding="utf-8") as fh:
            for s in summaries:
                fh.write(self._sealed(s) + "\n")
            fh.flush()
            now = time.monotonic()
            if now - self._synced > 1.0:  # at most one fsync a second
                os.fsync(fh.fileno())
                self._synced = now

    def remove(self) -> None:
        if self.path is not None and self.path.exists():
            self.path.unlink()
            try:
                self.path.parent.rmdir()
            except OSError:
                pass
