"""The ADL blocks (issue 17 point 3) as a spec uses them: winners ranked by profit x
leverage (the Binance/Bybit queue, reference/derivatives.md A8; Hyperliquid A2), each
deleveraged by closing the same fraction of its position as of its equity, so it keeps the
rest of its position at unchanged leverage instead of a position held at zero equity."""

from __future__ import annotations

from fractions import Fraction as F

from solvent.models import liquidation


def test_dydx_deleveraging_example_leaves_the_winner_its_published_equity() -> None:
    """A1 (dYdX): A long 500 @ $1 with $100, B short 500 @ $1 with $100, price -> $2: B's
    equity is -$400 and A ends with +$100 of profit, equity $200. Here A pays the $400
    out of its $600 and keeps a third of its position (its leverage 1000/600 unchanged)."""
    size, quote, paid = liquidation.adl_take(F(500), F(2), F(100) - 500, F(400))
    assert paid == 400 and quote + size * 2 == 200
    assert size == F(500, 3) and size * 2 / (quote + size * 2) == F(1000) / 600


def test_adl_shares_follow_the_rank() -> None:
    pnl, equity, notional = [F(10), F(50), F(-5), F(20)], [F(100)] * 3 + [F(50)], [
        F(1000), F(500), F(800), F(1000)]  # fmt: skip
    eligible = [True, True, False, True]
    assert liquidation.adl_rank(pnl, equity, notional) == [3, 1, 0]
    shares = liquidation.adl_shares(F(120), eligible, pnl, equity, notional)
    assert shares == [0, 70, 0, 50]  # 3 pays all its 50, then 1 pays the other 70
    assert liquidation.adl_shares(F(500), eligible, pnl, equity, notional) == [100, 100, 0, 50]


def test_adl_blocks_trace_inside_a_spec() -> None:
    """adl_take and adl_shares run on traced values inside a spec (traced comparisons and
    ``when``, as a keeper runs them; the blocks used to convert to Fraction and branch in
    Python) and give, on the concrete backend, the dYdX numbers of the test above."""
    import solvent as sv
    from solvent import Num, PerAccount
    from solvent.check.replay import replay
    from solvent.engine.trace import from_json

    spec = sv.Spec("adl", accounts=2)

    @spec.state
    class State:
        quote: PerAccount[Num] = [Num(100) - 500, Num(700)]
        size: PerAccount[Num] = [Num(500), Num(0)]

    @spec.action
    def deleverage(s, p):  # type: ignore[no-untyped-def]
        """Account 0 pays a deficit of 400 at the price 2."""
        (take,) = liquidation.adl_shares(
            Num(400), [s.size[0] > 0], [s.quote[0] + s.size[0] * 2 - 100],
            [s.quote[0] + s.size[0] * 2], [s.size[0] * 2]
        )  # fmt: skip
        s.size[0], s.quote[0], paid = liquidation.adl_take(s.size[0], Num(2), s.quote[0], take)
        s.quote[1] = s.quote[1] - paid

    trace = {
        "#meta": {"format": "solvent-trace", "version": 1, "spec": "adl", "accounts": 2},
        "init": {"quote": ["-400", "700"], "size": ["500", "0"]},
        "steps": [{"market": {}, "action": {"name": "deleverage", "accounts": [], "args": {}}}],
    }
    last = replay(spec, from_json(trace)).records[-1].state
    assert last["size"][0] == F(500, 3) and last["quote"][0] + last["size"][0] * 2 == 200
    assert last["quote"][1] == 300
