"""`solvent shrink`: the trace shrinker lives in ``solvent.check.shrink`` (bmc shrinks a
falsifier's path with it before any symbolic query); this is its name in ``stress``."""

from solvent.check.shrink import ShrinkResult, shrink

__all__ = ["ShrinkResult", "shrink"]
