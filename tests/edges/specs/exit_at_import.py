"""A spec that calls sys.exit(0) while it is imported (issue 15, defect 6)."""

import sys

sys.exit(0)
