"""The documentation site builds with warnings as errors, every error code is documented
and linked from its message, every verb has its own page, and the README points at the
test driver."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml
from report_runs import ROOT

from solvent import cli, errors

DOCS = ROOT / "docs"


def nav_pages() -> list[str]:
    # mkdocs.yml is plain YAML apart from Python-specific tags, which it does not use
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    pages: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, str):
            pages.append(node)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)

    walk(config["nav"])
    return pages


def test_mkdocs_build_strict(tmp_path: Path) -> None:
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(site),
         "-f", str(ROOT / "mkdocs.yml")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    errors_page = (site / "errors.html").read_text(encoding="utf-8")
    assert 'id="sv701"' in errors_page and 'id="sv300"' in errors_page
    assert (site / "tutorial.html").is_file() and (site / "report.html").is_file()
    # the API reference (generated from the docstrings) lists every public function
    import solvent.api
    import solvent.testing

    reference = (site / "api.html").read_text(encoding="utf-8")
    listed = set(re.findall(r'id="solvent\.(?:api|testing)\.[a-z_]+\.(\w+)"', reference))
    public = {*solvent.api.__all__, *solvent.testing.__all__}
    assert public - listed == set(), "add these to docs/api.md"


def reachable_pages() -> set[str]:
    """Pages in the nav, and every page linked (relative .md links) from a reachable one."""
    seen: set[str] = set()
    todo = [p for p in nav_pages() if (DOCS / p).is_file()]
    while todo:
        page = todo.pop()
        if page in seen:
            continue
        seen.add(page)
        text = (DOCS / page).read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#\s]+\.md)(?:#[^)]*)?\)", text):
            resolved = (DOCS / page).parent.joinpath(target).resolve()
            if resolved.is_file() and DOCS.resolve() in resolved.parents:
                todo.append(resolved.relative_to(DOCS.resolve()).as_posix())
    return seen


def test_every_page_is_reachable() -> None:
    pages = [*DOCS.rglob("*.md"), *DOCS.rglob("*.ipynb")]  # notebooks render as pages too
    on_disk = {p.relative_to(DOCS).as_posix() for p in pages if ".ipynb_checkpoints" not in p.parts}
    missing = on_disk - reachable_pages()
    assert missing == set(), "add these pages to nav in mkdocs.yml, or link them from a page there"
    assert set(nav_pages()) - on_disk == set()


def test_one_page_per_verb() -> None:
    """Each verb has a page of the site whose title names it (docs/VERB.md, or a page shared
    by two closely related verbs such as `stress` and `shrink`)."""
    verbs = {c.name for c in cli.app.registered_commands}
    assert {
        "inspect",
        "lint",
        "bmc",
        "prove",
        "replay",
        "check",
        "frontier",
        "synth",
        "report",
    } <= verbs
    titles = {page: (DOCS / page).read_text().splitlines()[0] for page in reachable_pages()}
    for verb in verbs:
        pages = [
            p
            for p, title in titles.items()
            if title.startswith("# ") and f"`solvent {verb}`" in title
        ]
        assert pages, f"no page of the docs site is titled `solvent {verb}` (one page per verb)"


def test_every_error_code_is_documented_with_cause_and_fix() -> None:
    text = (DOCS / "errors.md").read_text()
    sections = dict(re.findall(r"(?ms)^## (SV\d{3})\n(.*?)(?=^## |\Z)", text))
    classes = [
        c for _, c in inspect.getmembers(errors, inspect.isclass)
        if issubclass(c, errors.SolventError)
    ]  # fmt: skip
    assert len(classes) > 10
    for cls in classes:
        assert cls.code in sections, f"{cls.__name__} ({cls.code}) has no section in docs/errors.md"
        assert f"`{cls.__name__}`" in sections[cls.code]
        if cls.code != "SV000":
            assert "**Fix:**" in sections[cls.code] or "Fix:" in sections[cls.code], cls.code


def test_error_messages_link_to_their_section(capsys: object) -> None:
    code = cli.run(["report", str(ROOT / "no-such-result.json")])
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert code == 3
    assert "[SV701]" in err and "causes and fix: docs/errors.md#sv701" in err
    assert errors.TraceFormatError("x").docs == "docs/errors.md#sv400"


def test_readme_second_command_is_the_test_driver() -> None:
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", readme, re.S).group(1).strip().splitlines()
    assert block[1] == "bash scripts/test"
    assert "bash scripts/test" in (ROOT / ".ci" / "run").read_text()
    script = (ROOT / "scripts" / "test").read_text()
    assert "set -euo pipefail" in script and "apt-get install" in script and "chromium" in script
