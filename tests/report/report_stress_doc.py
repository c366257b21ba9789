"""A small ``solvent-stress/1`` document in the shape docs/report.md documents."""

from __future__ import annotations

from typing import Any


def stress_doc() -> dict[str, Any]:
    edges = [0.0, 10.0, 20.0, 30.0, 40.0, 50.0]
    return {
        "schema": "solvent-stress/1",
        "check": "stress",
        "spec": "perp-gap-risk",
        "target": "examples/bugs_detected/perp_gap_risk.py",
        "scenario": "black-thursday-2020",
        "paths": 1000,
        "steps": 50,
        "seed": 7,
        "verdict": "FAIL",
        "exit_code": 1,
        "message": "12 of 1000 paths insolvent (confirmed by exact replay)",
        "metrics": {
            "p_insolvency": {
                "estimate": 0.012,
                "ci_low": 0.0062,
                "ci_high": 0.0209,
                "level": 0.95,
                "method": "Clopper-Pearson",
            },  # fmt: skip
            "bad_debt": {
                "mean": 0.41,
                "var_99": 12.5,
                "es_975": 23.75,
                "histogram": {"edges": edges, "counts": [988, 5, 3, 2, 2]},
            },
            "insurance_paths": [[100, 90, 60, 20, 0, 0], [100, 100, 95, 80, 70, 65]],
        },
        "worst_paths": [
            {"path": 17, "bad_debt": "44.156", "prices": [2000, 1840, 1876.8, 2026.944]},
            {"path": 3, "bad_debt": "12.5", "prices": [2000, 1900, 1950, 2100]},
        ],
    }
