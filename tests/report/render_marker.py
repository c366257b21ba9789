"""The chart-size marker the browser tests add to their own copies of report pages.

Reports carry no script; a test that wants to know whether every chart was drawn adds
this one to its copy (a module of its own, not ``conftest``: see tests/conform/conform_paths.py).
"""

from __future__ import annotations

_MARKER = """
window.addEventListener("load", function () {
  var ok = 0;
  document.querySelectorAll("figure.chart").forEach(function (f) {
    var svg = f.querySelector("svg");
    if (!svg) { f.setAttribute("data-rendered", "missing"); return; }
    var r = svg.getBoundingClientRect();
    var marks = svg.querySelectorAll("path,use,rect,line,polyline").length;
    f.setAttribute("data-rendered", Math.round(r.width) + "x" + Math.round(r.height));
    f.setAttribute("data-marks", String(marks));
    if (r.width > 0 && r.height > 0 && marks > 0) { ok += 1; }
  });
  document.body.setAttribute("data-charts-rendered", String(ok));
});
"""


def with_marker(page: str) -> str:
    """The page with the chart-size marker script added before ``</body>``."""
    assert page.count("</body>") == 1
    return page.replace("</body>", f"<script>{_MARKER}</script></body>")
