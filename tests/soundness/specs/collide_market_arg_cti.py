"""Issue 22, reproduction 2b: as collide_market_arg, with `s.total = s.total + move`."""

import runpy
from pathlib import Path

build = runpy.run_path(str(Path(__file__).with_name("collide_market_arg.py")))["build"]
spec = build("collide-market-sum", accumulate=True)
