"""The monitor's operations kit: the Prometheus rules load in promtool, and every metric
the rules and the Grafana dashboard query is one the monitor exports."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
import yaml
from monitor_helpers import in_ci

from solvent.monitor import ops
from solvent.monitor.outputs import Metrics

METRIC = re.compile(r"\bsolvent_monitor_[a-z_]+")


@pytest.fixture(scope="module")
def exported() -> set[str]:
    """The sample names the monitor's /metrics serves (counters with their _total)."""
    metrics = Metrics(0)
    try:
        families = list(metrics.registry.collect())
    finally:
        metrics.close()
    # a labelled counter has no sample before its first increment: name it by its family
    names = {f"{f.name}_total" if f.type == "counter" else f.name for f in families}
    assert "solvent_monitor_alerts_total" in names and "solvent_monitor_lag_seconds" in names
    return names


def test_rules_query_only_exported_metrics(exported: set[str]) -> None:
    rules = yaml.safe_load(ops.RULES.read_text(encoding="utf-8"))
    exprs = [r["expr"] for g in rules["groups"] for r in g["rules"]]
    assert len(exprs) >= 5
    used = {m for e in exprs for m in METRIC.findall(e)}
    assert used and used <= exported, used - exported
    for group in rules["groups"]:
        for rule in group["rules"]:
            assert rule["labels"]["severity"] in ("critical", "warning")
            assert rule["annotations"]["summary"]


def test_dashboard_queries_only_exported_metrics(exported: set[str]) -> None:
    board = json.loads(ops.DASHBOARD.read_text(encoding="utf-8"))
    exprs = [t["expr"] for p in board["panels"] for t in p["targets"]]
    used = {m for e in exprs for m in METRIC.findall(e)}
    gauges = {m for m in exported if not m.endswith("_total")}
    assert gauges <= used, f"not on the dashboard: {gauges - used}"
    assert used <= exported, used - exported
    assert len({p["id"] for p in board["panels"]}) == len(board["panels"])


def test_promtool_check_rules() -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        message = "promtool is not installed: run `bash scripts/test`, which installs it"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    done = subprocess.run(
        [promtool, "check", "rules", str(ops.RULES)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 7 rules found" in done.stdout
