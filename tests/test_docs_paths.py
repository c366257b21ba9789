"""The contributor docs cite only files that exist in the repository.

`docs/architecture.md` and `CONTRIBUTING.md` name files in backquotes, from the root
(`src/solvent/cli/verbs.py`, `tests/stress/stress_helpers.py`), from `src/` or from the
package (`models/params.py`, `solvent/api/__init__.py`), or a glob (`tests/*/specs/`). A
file moved or split without the docs following is a broken map: this test names it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ("docs/architecture.md", "CONTRIBUTING.md")
BASES = (ROOT, ROOT / "src", ROOT / "src" / "solvent")
# a backquoted token is a path if it has a folder or a file ending, and nothing but path
# characters (no spaces, options, calls or values)
PATH_LIKE = re.compile(r"^[\w.*/-]+$")
ENDINGS = (".py", ".md", ".toml", ".yml", ".yaml", ".cfg", ".txt", ".json", ".sh")


def cited_paths(text: str) -> list[str]:
    """The backquoted tokens of ``text`` that name a file or a folder."""
    found = []
    for token in re.findall(r"`([^`\n]+)`", text):
        if not PATH_LIKE.match(token) or token.startswith(("-", ".")):
            continue
        if "/" in token.strip("/") or token.endswith(ENDINGS):
            found.append(token)
    return sorted(set(found))


def exists(token: str) -> bool:
    """Whether ``token`` names something in the repository: from the root, `src/` or the
    package, or (a bare file name) anywhere below the root."""
    path = token.rstrip("/")
    for base in BASES:
        if any(base.glob(path)) if "*" in path else (base / path).exists():
            return True
    return "/" not in path and any(ROOT.rglob(path))


def missing(doc: str) -> list[str]:
    return [t for t in cited_paths((ROOT / doc).read_text(encoding="utf-8")) if not exists(t)]


@pytest.mark.parametrize("doc", DOCS)
def test_every_cited_file_exists(doc: str) -> None:
    assert (ROOT / doc).is_file()
    assert missing(doc) == [], f"{doc} cites files that are not in the repository"


def test_the_check_finds_a_missing_file_and_reads_every_form() -> None:
    text = (
        "`src/solvent/cli/verbs.py`, `models/params.py`, `tests/*/specs/`, `conftest.py`, "
        "`src/solvent/cli_stress.py`, `--set`, `sv.model(NAME)`, `[tool.solvent]`"
    )
    tokens = cited_paths(text)
    assert tokens == [
        "conftest.py",
        "models/params.py",
        "src/solvent/cli/verbs.py",
        "src/solvent/cli_stress.py",
        "tests/*/specs/",
    ]
    assert [t for t in tokens if not exists(t)] == ["src/solvent/cli_stress.py"]
