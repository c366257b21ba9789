"""A library model extended after its builder returned (an action added at module level):
``--set`` cannot rebuild it without dropping the action, so it is refused (SV804)."""

from typing import Any

import solvent as sv
from solvent.models import perp_isolated

perp = perp_isolated.build(accounts=1)


@perp.action(amount=sv.within("0", "100"))
def deposit(s: Any, p: Any, a: int, amount: Any) -> None:
    s.quote[a] = s.quote[a] + amount
