"""The monitor's mixins are type-checked (issue 21): they declare the Monitor's attributes
once (``solvent.monitor.host.MonitorHost``) and no monitor module is exempt from mypy."""

from __future__ import annotations

import tomllib
from pathlib import Path

from solvent.models import perp_cross, perp_isolated
from solvent.monitor.core import Monitor, Options
from solvent.monitor.host import MonitorHost

REPO = Path(__file__).resolve().parents[2]


def test_no_monitor_module_is_exempt_from_mypy() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    exempt = [
        name
        for override in config["tool"]["mypy"].get("overrides", [])
        if override.get("ignore_errors")
        for name in override["module"]
    ]
    assert [m for m in exempt if m.startswith("solvent.monitor")] == []


def test_every_declared_attribute_is_set_by_the_monitor() -> None:
    mixins = [c for c in Monitor.__mro__[1:] if c.__name__.endswith("Mixin")]
    assert {c.__name__ for c in mixins if issubclass(c, MonitorHost)} == {
        "ChecksMixin", "DistanceMixin", "StateMixin"
    }  # fmt: skip
    for spec in (perp_isolated.build(accounts=2), perp_cross.build(accounts=2)):
        m = Monitor(spec, [], Options(detector="none"))
        missing = [a for a in MonitorHost.__annotations__ if not hasattr(m, a)]
        assert missing == [], (spec.name, missing)
