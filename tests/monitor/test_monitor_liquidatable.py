"""The keeper's liquidatable accounts after one account's event (issue 21, round 20).

An account event changes one account at the same price, so the monitor checks that
account alone (``ChecksMixin._liquidatable_one``) instead of the book's bounds and walk.
After every event of a random stream (accounts, liquidations with and without ``set``,
the fund, bad debt, prices near the accounts' thresholds) the accounts it holds as
liquidatable, and since when, equal a recomputation from the observed state with the
maintenance rule written out (``Q + S*P < mm*|S|*P``, or ``Q < 0`` when flat) and a
second monitor that checks every account after every event.

Profiles: small and derandomized in CI; ``SOLVENT_HYPOTHESIS=long`` runs 1,000 streams.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from monitor_helpers import cents, event_line, insurance_event, price_event, profile, sizes

from solvent.models import perp_isolated
from solvent.monitor.core import Monitor, Options
from solvent.monitor.runner import declared_assumptions

N = 4
SPEC = perp_isolated.build(name="venue", accounts=N, maintenance_margin="0.08")
MM = Fraction(8, 100)

account_event = st.tuples(st.just("account"), st.integers(0, N - 1), cents, sizes)
liquidation_event = st.one_of(
    st.tuples(st.just("liquidation"), st.integers(0, N - 1), cents),
    st.tuples(st.just("liquidation"), st.integers(0, N - 1)),  # the spec's keeper runs
)
# prices near the thresholds of cents and these sizes as well as far from them
near_price = st.tuples(st.just("price"), st.integers(1, 600_000).map(lambda k: f"{k / 100:.2f}"))
event = st.one_of(
    account_event, account_event, account_event, liquidation_event, insurance_event,
    price_event, near_price,
)  # fmt: skip


def below_maintenance(m: Monitor) -> set[int]:
    p = m.price()
    out = set()
    for a in range(N):
        q, s = m.values["quote"][a], m.values["size"][a]
        if (s == 0 and q < 0) or (s != 0 and q + s * p < MM * abs(s) * p):
            out.add(a)
    return out


class EveryAccount(Monitor):
    """The old rule: every account after every event (the bounds, then the book's walk)."""

    def _liquidatable(self, seq: int, ts: float, price_only: bool, account: Any = None) -> None:
        self._liq_known = False
        super()._liquidatable(seq, ts, price_only, None)


@profile(60)
@given(st.lists(event, min_size=1, max_size=60))
def test_liquidatable_after_one_account_s_event_equals_the_recomputation(
    stream: list[tuple[Any, ...]],
) -> None:
    used = declared_assumptions(SPEC)
    assert "keeper.liquidate.every_step" in used
    m, old = Monitor(SPEC, used, Options()), EveryAccount(SPEC, used, Options())
    for i, e in enumerate(stream):
        line = event_line(i, e)
        got, want = m.feed(line), old.feed(line)
        assert [a.to_json() for a in got[0]] == [a.to_json() for a in want[0]]
        assert got[1] == want[1]
        assert set(m.pending) == below_maintenance(m)
        assert dict(m.pending) == dict(old.pending)
        assert m.keeper_alerted == old.keeper_alerted
