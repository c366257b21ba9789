"""A 6-decimal fixed-point perp with a too weak `withdraw` guard (stress fixture for user
actions on int64 lanes).

The accounting of tests/stress/specs/perp_fixed.py (every product rounded explicitly, in
the protocol's favour), with moves of at most 2% inside the 5% maintenance margin, plus
two user actions: ``trade`` (guarded by the initial margin) and ``withdraw``, whose guard
only keeps the quote balance nonnegative; withdrawing a short's sale proceeds leaves it
with negative equity, so random withdrawals break ``solvent``. ``perp_fixed_actions_big``
is the same in 18 decimals: its products leave int64 in grid units on every lane.
"""

import importlib.util
from pathlib import Path

_path = Path(__file__).with_name("perp_fixed.py")
_loader = importlib.util.spec_from_file_location("_stress_perp_fixed", _path)
assert _loader is not None and _loader.loader is not None
_base = importlib.util.module_from_spec(_loader)
_loader.loader.exec_module(_base)


def build(name: str, decimals: int, start: str, most: str):
    return _base.build(name, decimals, start, accounts=3, largest_move="0.02", withdraw_most=most)


perp_fixed_actions = build("perp-fixed-actions", 6, "2000", "20000")
perp_fixed_actions_big = build("perp-fixed-actions-big", 18, "100", "5")
perp_fixed_actions_wide = build("perp-fixed-actions-wide", 18, "100", "20000")
