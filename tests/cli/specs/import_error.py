"""A spec file that fails while importing (a typo in a name)."""

import solvent as sv

spec = sv.Spec("broken", accounts=1)
margin = maintenance_margn * 2  # noqa: F821 - the typo is the point of this file
