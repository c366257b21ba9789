"""The "Provenance" section of every report: what the result is about and how it was made.

Reads the ``provenance`` block a result carries (see ``docs/json-schema.md``): parameter
values with their defaults and overrides, the envelope, the scenario and its data source,
the command line, the UTC time, versions, the spec file's SHA-256 and git commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from solvent.report.html_parts import esc, exact, kv, section, table


def _envelope(env: Mapping[str, Any]) -> str:
    parts = []
    for name, dom in env.items():
        if isinstance(dom, Mapping) and "lo" in dom:
            parts.append(f"{name} in [{exact(dom['lo'])}, {exact(dom['hi'])}]")
        else:
            parts.append(f"{name}: {dom}")
    return "; ".join(parts)


def provenance_section(doc: Mapping[str, Any]) -> str:
    """The section, or "" when the document carries no provenance."""
    block = doc.get("provenance")
    if not isinstance(block, Mapping) or not block:
        return ""
    body = []
    params = block.get("params") or {}
    if params:
        defaults = block.get("defaults") or {}
        changed = block.get("set") or {}
        rows = [
            [
                name,
                exact(value),
                exact(defaults.get(name, value)),
                "overridden (--set)" if name in changed else "default",
            ]
            for name, value in params.items()
        ]
        body.append(table(["parameter", "value used", "default", "source"], rows))
    versions = block.get("versions") or {}
    git = block.get("git") or {}
    scenario = block.get("scenario") or {}
    facts = [
        ("target", block.get("target")),
        ("envelope", _envelope(block.get("envelope") or {})),
        ("scenario", scenario.get("name")),
        ("data source", scenario.get("source")),
        ("command", " ".join(block.get("command") or [])),
        ("run at (UTC)", block.get("utc")),
        (
            "versions",
            ", ".join(f"{k} {v}" for k, v in versions.items() if v is not None),
        ),
        ("spec file SHA-256", block.get("spec_sha256")),
        (
            "git commit",
            (git.get("commit", "") + (" (spec file modified)" if git.get("dirty") else ""))
            if git
            else "not in a git repository",
        ),
    ]
    body.append(kv(facts))
    return section("provenance", "Provenance", "".join(body) if body else esc(""))
