"""Watch live events against a proof's assumptions, the invariants and the distance to
insolvency.

`solvent monitor` (:mod:`solvent.cli.monitor`) runs :mod:`solvent.monitor.runner`; the
state book, checks and alerts are in :mod:`solvent.monitor.core` and its neighbours.
"""
