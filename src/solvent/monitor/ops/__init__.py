"""The monitor's operations kit: Prometheus alerting rules and a Grafana dashboard for
the metrics `solvent monitor --metrics-port PORT` exports (see docs/monitor.md)."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
#: Prometheus alerting rules (``rule_files:`` in prometheus.yml)
RULES = HERE / "prometheus-rules.yml"
#: Grafana dashboard (Dashboards > Import), on a Prometheus data source
DASHBOARD = HERE / "grafana-dashboard.json"
