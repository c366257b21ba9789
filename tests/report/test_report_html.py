"""The HTML report: content per result kind, self-contained, small, and drawn by a browser."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from render_marker import with_marker
from report_browser import finish, render
from report_runs import ROOT, Run
from report_stress_doc import stress_doc

from solvent.report.html import render as render_html

LIMIT = 2 * 1024 * 1024  # "small enough to attach to a ticket"


def charts(html: str) -> list[str]:
    return re.findall(r'<figure class="chart" data-chart="([^"]+)">', html)


def assert_self_contained(html: str) -> None:
    """Nothing is fetched at view time: only in-page (#id) or inline (data:) references."""
    assert not re.search(r'\b(?:src|href)\s*=\s*"(?!#|data:)[^"]*"', html), "external reference"
    assert "@import" not in html and "url(http" not in html
    assert "<img" not in html and "<link" not in html and "<iframe" not in html
    assert len(html.encode()) < LIMIT


def test_counterexample_report(gap_bmc: Run) -> None:
    assert gap_bmc.code == 1
    html = gap_bmc.text("report.html")
    assert_self_contained(html)
    assert charts(html) == ["price-path", "equity", "waterfall"]
    assert '<span class="badge fail">FAIL</span>' in html
    assert "solvent fails at step 3." in html
    # the loss waterfall table: collateral 7000, fund 100, socialized 1140 (README story)
    row = re.search(r'<table class="waterfall">.*?</table>', html, re.S).group(0)
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert cells[:5] == ["7000", "100", "1140", "8240", "0"]
    assert "liquidate(2)" in html and "trade(2, qty=-50)" in html


def test_report_is_deterministic_and_equals_report_verb(gap_bmc: Run, tmp_path: Path) -> None:
    """`solvent report RESULT.json` draws the same page as `--report` during the run."""
    from solvent import cli

    out = tmp_path / "again.html"
    assert cli.run(["report", str(gap_bmc.path("result.json")), "-o", str(out), "-q"]) == 0
    assert out.read_text(encoding="utf-8") == gap_bmc.text("report.html")


def test_proof_report_lists_assumptions(safe_prove: Run) -> None:
    assert safe_prove.code == 0
    html = safe_prove.text("report.html")
    assert_self_contained(html)
    assert "What the proof rests on" in html
    assert "<code>keeper.liquidate.every_step</code>" in html
    assert "<code>action.trade.qty</code>" in html  # listed under "not needed"
    assert "proved because |move| ≤ 0.08" in html


def test_slack_table() -> None:
    """The slack of each used bound (from prove's attribution) is a table row."""
    doc: dict[str, Any] = {
        "schema": "solvent-result/1", "check": "prove", "spec": "s", "target": "s.py",
        "verdict": "PASS", "exit_code": 0, "bound": "k=1", "seconds": 1.0, "accounts": 1,
        "properties": ["solvent"], "invariant": None, "message": "proved", "depth": None, "k": 1,
        "details": {"attribution": {
            "sentence": "proved because |move| ≤ 0.08", "used": ["envelope.move.hi"], "unused": [],
            "slack": [{"bound": "move", "current": "0.08", "limit": "0.094", "slack": "0.014",
                       "first_counterexample": "0.095", "status": "found",
                       "text": "|move| can grow to 0.094 before the first counterexample (at 0.095)"}],
        }},
    }  # fmt: skip
    html = render_html(doc)
    assert "slack of each numeric bound" in html
    assert re.search(r'<td class="num">0\.094</td><td class="num">0\.014</td>', html)
    assert "|move| can grow to 0.094" in html


def test_frontier_report(move_frontier: Run) -> None:
    html = move_frontier.text("report.html")
    assert_self_contained(html)
    doc = move_frontier.json()
    assert charts(html) == ["frontier", "price-path", "equity", "waterfall"]
    assert f"proved {doc['safe']}" in html or doc["safe"] in html
    assert "Counterexample just beyond" in html


def test_grid_report(margin_grid: Run) -> None:
    html = margin_grid.text("report.html")
    assert_self_contained(html)
    assert charts(html) == ["heat-map"]
    doc = margin_grid.json()
    for cell in doc["cells"]:
        assert cell["outcome"] in html


def test_stress_report(tmp_path: Path) -> None:
    html = render_html(stress_doc())
    assert_self_contained(html)
    assert charts(html) == ["p-insolvency", "bad-debt", "insurance", "worst-paths"]
    assert "VaR 99% = 12.5" in html or "VaR 99%" in html
    assert "Clopper-Pearson" in html
    assert "counts violations certain by the error bounds or confirmed by exact re-run." in html


def test_stress_report_says_unchecked_lanes_count_only_in_the_upper_end() -> None:
    doc = stress_doc()
    doc["metrics"]["p_insolvency"]["unchecked"] = 1234
    html = render_html(doc)
    assert "1,234 flagged paths not re-run only in its upper end" in html


def test_real_stress_report(stress_run: Run) -> None:
    """The document `solvent stress` writes draws at least the interval and the histogram."""
    doc = stress_run.json()
    assert doc["schema"] == "solvent-stress/1" and stress_run.code == doc["exit_code"]
    html = stress_run.text("report.html")
    assert_self_contained(html)
    found = charts(html)
    assert found[:2] == ["p-insolvency", "bad-debt"]
    if doc.get("worst_paths"):
        assert "worst-paths" in found
    assert "Cover-2" in html


def test_spec_report(tmp_path: Path, in_root: None) -> None:
    from solvent import cli

    out = tmp_path / "spec.html"
    assert (
        cli.run(["inspect", "examples/correct/perp_isolated.py", "--report", str(out), "-q"]) == 0
    )
    html = out.read_text(encoding="utf-8")
    from solvent.models import perp_isolated

    model = Path(perp_isolated.__file__).resolve()
    try:
        where = model.relative_to(ROOT.resolve()).as_posix()
    except ValueError:  # installed outside the working directory (pip install .): the
        # package's own files are named from the package (issue 17's short paths)
        import solvent

        where = "solvent/" + model.relative_to(Path(solvent.__file__).resolve().parent).as_posix()
    assert "maintenance_margin" in html and f"{where}:" in html


# Marks every chart with its rendered size, so the headless browser can check the charts
# were drawn. Only the tests add it: the reports themselves carry no script.
def test_reports_carry_no_script(gap_bmc: Run) -> None:
    """A generated report holds no script (the render check is the test suite's own)."""
    page = gap_bmc.path("report.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower() and "data-charts-rendered" not in page


@pytest.fixture(scope="module")
def pages(
    gap_bmc: Run,
    move_frontier: Run,
    margin_grid: Run,
    stress_run: Run,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Any]:
    """Every kind of report loaded once in headless Chromium (loads run side by side)."""
    out = tmp_path_factory.mktemp("browser")
    stress = out / "stress.html"
    stress.write_text(render_html(stress_doc()), encoding="utf-8")
    files = {
        "counterexample": gap_bmc.path("report.html"),
        "frontier": move_frontier.path("report.html"),
        "grid": margin_grid.path("report.html"),
        "stress": stress,
        "stress-run": stress_run.path("report.html"),
    }
    copies = {}
    for name, src in files.items():
        copies[name] = out / f"{name}.html"
        page = src.read_text(encoding="utf-8")
        assert "<script" not in page  # reports ship no script; the test adds its marker
        copies[name].write_text(with_marker(page), encoding="utf-8")
    # the page as shipped: what a viewer with scripts disabled sees
    copies["no-script"] = out / "no-script.html"
    copies["no-script"].write_bytes(files["counterexample"].read_bytes())
    procs = {name: render(path, out) for name, path in copies.items()}
    return {name: finish(proc, copies[name], out) for name, proc in procs.items()}


@pytest.mark.parametrize(
    ("name", "expected"),
    [("counterexample", 3), ("frontier", 4), ("grid", 1), ("stress", 4), ("stress-run", None)],
)
def test_charts_render_in_chromium(pages: dict[str, Any], name: str, expected: int | None) -> None:
    page = pages[name]
    rendered = re.search(r'data-charts-rendered="(\d+)"', page.dom)
    assert rendered, "the page's script did not run"
    if expected is None:  # a real stress run: the interval and the histogram at least
        expected = len(re.findall(r'<figure class="chart"', page.dom))
        assert expected >= 2
    assert int(rendered.group(1)) == expected
    sizes = re.findall(r'data-rendered="(\d+)x(\d+)" data-marks="(\d+)"', page.dom)
    assert len(sizes) == expected
    for width, height, marks in sizes:
        assert int(width) > 300 and int(height) > 100 and int(marks) > 10


def test_page_needs_no_script(pages: dict[str, Any]) -> None:
    """With scripts disabled the charts are still there (inline SVG); the marker is not."""
    page = pages["no-script"]
    assert "data-charts-rendered" not in page.dom
    assert len(re.findall(r'<figure class="chart"[^>]*><svg', page.dom)) == 3


@pytest.mark.parametrize("name", ["counterexample", "grid", "no-script"])
def test_screenshot_is_not_blank(pages: dict[str, Any], name: str) -> None:
    from PIL import Image

    image = Image.open(pages[name].screenshot).convert("L")
    histogram = image.histogram()
    total = sum(histogram)
    dark = sum(histogram[:200]) / total  # ink: text, lines, bars
    colours = len([n for n in histogram if n])
    assert image.size == (1200, 2400)
    assert dark > 0.02 and colours > 50, (dark, colours)


def test_check_cti_and_error_reports(tmp_path: Path, in_root: None, capsys: Any) -> None:
    """`check` (several results), a CTI and a check that could not run."""
    from solvent import cli

    combined = tmp_path / "check.html"
    code = cli.run(
        ["check", "tests/cli/specs/counter.py", "--depth", "2", "-q", "--report", str(combined)]
    )
    html = combined.read_text(encoding="utf-8")
    assert_self_contained(html)
    assert code in (0, 1, 2)
    assert html.count('<article id="r') == 3  # lint, bmc, prove
    assert '<a href="#r0">details</a>' in html
    cti = tmp_path / "cti.html"
    code = cli.run(
        ["prove", "tests/cli/specs/spurious_cti.py", "-q", "--no-slack", "--report", str(cti)]
    )
    assert code == 2
    html = cti.read_text(encoding="utf-8")
    assert "Counterexample to induction (CTI)" in html and "<td>level</td><td>9</td>" in html
    capsys.readouterr()
    code = cli.run(["bmc", "tests/cli/specs/float_literal.py", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    html = render_html(doc)
    assert code == 3 and "The check could not run" in html and "SV101" in html


def test_shrink_report_draws_the_shrunk_path(gap_bmc: Run, tmp_path: Path, in_root: None) -> None:
    from solvent import cli

    out = tmp_path / "shrunk.html"
    code = cli.run(["shrink", "examples/bugs_detected/perp_gap_risk.py", str(gap_bmc.path("result.json")),
                    "-q", "--out", str(tmp_path / "shrunk.json"), "--report", str(out)])  # fmt: skip
    assert code == 1
    html = out.read_text(encoding="utf-8")
    assert_self_contained(html)
    assert charts(html) == ["price-path", "equity", "waterfall"]
