"""Testing tools: :mod:`solvent.testing.conformance` checks a backend against the judge."""
