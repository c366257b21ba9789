"""Testing tools: :mod:`solvent.testing.conformance` checks a backend against the judge;
:func:`solvent.testing.conform.assert_conforms` checks an implementation against its spec."""
