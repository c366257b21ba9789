"""The stress report a risk committee can post (issue 16, points 4 and 6).

One real GBM run (module fixture) with ``--set`` (current vs proposed), ``--sweep``,
``--report``, ``--png`` and ``--markdown``, and one short historical replay: the page has
every item (summary, loss exceedance, fan charts, liquidations over time, leverage
concentration, worst paths with their traces, the sensitivity table), the numbers agree
with independent computations, Chromium draws the page and prints it to PDF.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from render_marker import with_marker
from report_browser import FLAGS, chromium, finish, render
from report_runs import GAP_RISK, ROOT, Run

from solvent import cli
from solvent.report import stress_view

GBM = ["--scenario", "gbm", "--steps", "30", "--opt", "vol=3", "--paths", "1024", "--confirm", "8"]


def charts(html: str) -> list[str]:
    return re.findall(r'<figure class="chart" data-chart="([^"]+)">', html)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Run:
    folder = tmp_path_factory.mktemp("stress-page")
    argv = ["stress", str(GAP_RISK), *GBM, "--set", "maintenance_margin=0.04",
            "--sweep", "vol=2,3", "-o", folder / "r.json", "--report", folder / "r.html",
            "--png", folder / "png", "--markdown", folder / "md", "-q"]  # fmt: skip
    code = cli.run([str(a) for a in argv])
    return Run(folder, code)


@pytest.fixture(scope="module")
def replay_page(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The 2020-03-12 crash, a few paths, no exact re-run (plot data only)."""
    folder = tmp_path_factory.mktemp("stress-history")
    argv = ["stress", str(GAP_RISK), "--scenario", "black-thursday-2020", "--opt", "asset=BTC",
            "--paths", "16", "--confirm", "0", "-o", folder / "r.json", "-q"]  # fmt: skip
    code = cli.run([str(a) for a in argv])
    return Run(folder, code)


def _chart(doc: dict[str, Any], name: str) -> Any:
    found = {c.name: c for c in stress_view.all_charts(doc)}
    assert name in found, sorted(found)
    return found[name].make()


def test_page_has_every_item(page: Run) -> None:
    doc, html = page.json("r.json"), page.text("r.html")
    assert page.code == doc["exit_code"]
    assert charts(html) == [
        "p-insolvency", "bad-debt", "loss-exceedance", "price-fan", "insurance-fan",
        "liquidations", "leverage", "insurance", "worst-paths", "sweep",
    ]  # fmt: skip
    assert '<section id="summary"><h2>Executive summary</h2>' in html
    # current vs proposed: the spec's 0.05 and --set 0.04
    row = re.search(r"<tr><td>maintenance_margin</td>(.*?)</tr>", html).group(1)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", row) == ["0.05", "0.04", "changed"]
    assert "current</th><th>proposed (--set)" in html
    assert '<section id="sweep"><h2>Sensitivity to vol</h2>' in html
    assert "Concentration by start leverage" in html
    assert re.search(r"1,024 paths x 30 steps", html)  # thousands separators
    assert "<tr><th>paths</th><td>1,024</td></tr>" in html  # also in the metric tables
    for svg in re.findall(r'<figure class="chart"[^>]*>(<svg.*?</svg>)', html, re.S):
        assert re.search(r'id="c[0-9a-f]{8}-legend_\d+"', svg), "a chart without a legend"


def test_probability_axes_are_capped_at_one(page: Run) -> None:
    doc = page.json("r.json")
    wide = json.loads(json.dumps(doc))
    wide["metrics"]["p_insolvency"].update(estimate=0.6, ci_low=0.3, ci_high=0.9)
    assert _chart(wide, "p-insolvency").axes[0].get_xlim()[1] <= 1.0
    assert _chart(doc, "loss-exceedance").axes[0].get_ylim()[1] <= 1.0
    assert _chart(doc, "leverage").axes[0].get_ylim() == (0.0, 1.0)
    assert _chart(doc, "sweep").axes[0].get_ylim()[1] <= 1.0
    fan = _chart(doc, "price-fan").axes[0]
    assert fan.yaxis.get_major_formatter()(2000.0, 0) == "2,000"


def test_loss_exceedance_matches_the_histogram(page: Run) -> None:
    """P(bad debt >= x) starts at the share of paths with bad debt, never rises, and the
    worst path keeps it at 1/paths or more up to the maximum."""
    doc = page.json("r.json")
    bad, n = doc["metrics"]["bad_debt"], doc["metrics"]["paths"]
    xs, ps = stress_view.exceedance_points(doc)
    assert ps[0] == pytest.approx(bad["paths_with_bad_debt"] / n)
    assert all(a >= b for a, b in zip(ps, ps[1:], strict=False))
    assert xs[-1] == pytest.approx(bad["max"]) and ps[-1] >= 1 / n
    counts, edges = bad["histogram"]["counts"], bad["histogram"]["edges"]
    for x, p in zip(xs[1:-1], ps[1:-1], strict=True):
        i = edges.index(x)
        assert p == pytest.approx(sum(counts[i:]) / n)


def test_price_bands_match_the_scenario_draws(page: Run) -> None:
    """The kernel's price percentiles equal those of the scenario's own returns,
    compounded in NumPy (an independent computation of the same paths)."""
    from solvent import scenarios
    from solvent.stress.blocks import block_rng

    doc = page.json("r.json")
    bands = doc["bands"]
    n, steps = bands["paths"], doc["steps"]
    assert n == 256 and bands["step"] == list(range(steps + 1))
    block = doc["paths"]  # one block of draws; the bands re-simulate its first n paths
    returns = scenarios.get("gbm", vol="3").sample(block_rng(0, 0), block, steps)[:n]
    prices = 2000.0 * np.concatenate([np.ones((n, 1)), np.cumprod(1 + returns, axis=1)], axis=1)
    expected = np.percentile(prices, bands["percentiles"], axis=0)
    assert np.allclose(np.array(bands["price"], dtype=float), expected, rtol=1e-5)
    lev = bands["leverage"]
    assert sum(b["accounts"] for b in lev["buckets"]) == lev["accounts"] == n * doc["accounts"]
    assert sum(b["notional_share"] for b in lev["buckets"]) == pytest.approx(1, abs=1e-5)


def test_worst_paths_are_the_worst_and_their_traces_replay(page: Run, in_root: None) -> None:
    doc, html = page.json("r.json"), page.text("r.html")
    worst = doc["worst_paths"]
    assert worst, "the run has paths with bad debt"
    losses = [w["bad_debt"] for w in worst]
    assert losses == sorted(losses, reverse=True) and losses[0] == doc["metrics"]["bad_debt"]["max"]
    for w in worst:
        trace = ROOT / w["trace"]
        assert trace.is_file() and not Path(w["trace"]).is_absolute()
        link = re.search(
            rf'download="{re.escape(trace.name)}" href="data:[^;]+;base64,([^"]+)"', html
        )
        assert link and base64.b64decode(link.group(1)) == trace.read_bytes()
    first = ROOT / worst[0]["trace"]
    done = subprocess.run(
        ["python", "-m", "solvent", "replay", str(GAP_RISK), str(first), "--format", "json",
         "--set", "maintenance_margin=0.04"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    steps = json.loads(done.stdout)["replay"]["steps"]
    exact = max(float(eval(str(s["state"]["bad_debt"]))) for s in steps)  # noqa: S307 - "a/b"
    assert exact == pytest.approx(worst[0]["bad_debt"], rel=1e-6)


def test_sweep_rows_match_separate_runs(page: Run, in_root: None) -> None:
    doc = page.json("r.json")
    sweep = doc["sweep"]
    assert sweep["param"] == "vol" and [r["value"] for r in sweep["rows"]] == ["2", "3"]
    this = next(r for r in sweep["rows"] if r["current"])
    assert (
        this["value"] == "3" and this["p_insolvency"] == doc["metrics"]["p_insolvency"]["estimate"]
    )
    other = next(r for r in sweep["rows"] if not r["current"])
    argv = ["stress", str(GAP_RISK), *GBM, "--opt", "vol=2", "--set", "maintenance_margin=0.04",
            "--format", "json", "-q"]  # fmt: skip
    done = subprocess.run(["python", "-m", "solvent", *argv], capture_output=True, text=True,
                          cwd=ROOT, check=False)  # fmt: skip
    alone = json.loads(done.stdout)["metrics"]
    assert other["p_insolvency"] == alone["p_insolvency"]["estimate"]
    assert other["var_99"] == alone["bad_debt"]["var_99"]
    assert other["es_975"] == alone["bad_debt"]["es_975"]


def test_historical_replay_has_dates_and_real_prices(replay_page: Run) -> None:
    doc = replay_page.json("r.json")
    fan = _chart(doc, "price-fan").axes[0]
    line = fan.get_lines()[0]
    x0 = line.get_xdata()[0]
    assert isinstance(x0, datetime) and x0 == datetime(2020, 3, 8)
    assert line.get_ydata()[0] == pytest.approx(8886.66)  # BTC's open, not the spec's 2,000
    assert fan.get_xlabel() == "date (UTC)"
    caption = next(c.caption for c in stress_view.all_charts(doc) if c.name == "price-fan")
    assert "prices rebased: the spec starts at 2,000, the data (BTC) at 8,887" in caption
    liq = _chart(doc, "liquidations").axes[0]
    assert len(liq.patches) <= stress_view.BARS


def test_png_and_markdown_exports(page: Run) -> None:
    from PIL import Image

    names = charts(page.text("r.html"))
    pngs = sorted(p.stem for p in page.path("png").iterdir())
    assert pngs == sorted(names)
    for p in page.path("png").iterdir():
        with Image.open(p) as image:
            assert image.format == "PNG" and image.size[0] >= 1000
    md = page.path("md") / "summary.md"
    text = md.read_text(encoding="utf-8")
    assert "| maintenance_margin | 0.05 | 0.04 | changed |" in text
    assert "## Sensitivity to vol" in text and "## Provenance" in text
    for image in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text):
        assert (md.parent / image).is_file()
    assert cli.run(["report", str(page.path("r.json")), "-o", str(page.path("again.html")),
                    "--png", str(page.path("png2")), "-q"]) == 0  # fmt: skip
    assert sorted(p.stem for p in page.path("png2").iterdir()) == pngs


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["stress", str(GAP_RISK), "--scenario", "gbm", "--steps", "5", "--paths", "10"]
    assert cli.run([*base, "--sweep", "vol"]) == 3
    assert "--sweep expects PARAM=VALUE,VALUE" in capsys.readouterr().err
    assert cli.run([*base, "--sweep", "nope=1,2"]) == 3
    err = capsys.readouterr().err
    assert "neither a parameter of spec perp-gap-risk" in err and "maintenance_margin" in err
    assert cli.run([*base, "--sweep", "vol=1,abc", "-o", str(tmp_path / "never.json")]) == 3
    assert "vol must be a number" in capsys.readouterr().err
    assert not (tmp_path / "never.json").exists()  # refused before the run
    (tmp_path / "file").write_text("x")
    assert cli.run([*base, "--png", str(tmp_path / "file")]) == 3
    assert "a file of that name exists; give a directory" in capsys.readouterr().err
    bmc = tmp_path / "bmc.json"
    cli.run(["bmc", str(GAP_RISK), "--depth", "1", "-o", str(bmc), "-q"])
    assert cli.run(["report", str(bmc), "--png", str(tmp_path / "p"), "-q"]) == 3
    assert "exports the charts of a stress result" in capsys.readouterr().err


def test_chromium_draws_and_prints_the_page(page: Run, tmp_path: Path) -> None:
    html = tmp_path / "r.html"  # a copy with the chart-size marker (reports carry no script)
    html.write_text(with_marker(page.text("r.html")), encoding="utf-8")
    shown = finish(render(html, tmp_path), html, tmp_path)
    expected = len(charts(page.text("r.html")))
    assert re.search(rf'data-charts-rendered="{expected}"', shown.dom)
    pdf = tmp_path / "r.pdf"
    profile = tmp_path / "profile-pdf"
    args = [chromium(), *FLAGS, f"--user-data-dir={profile}", "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}", html.resolve().as_uri()]  # fmt: skip
    done = subprocess.run(args, capture_output=True, timeout=120, check=False)
    assert done.returncode == 0 and pdf.is_file()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    assert 3 <= pages <= 20, pages
    assert "@media print" in page.text("r.html")
