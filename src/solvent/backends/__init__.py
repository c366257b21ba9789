"""Backends: one rule per primitive op each (concrete, symbolic, ...)."""
