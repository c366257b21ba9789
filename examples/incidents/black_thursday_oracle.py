"""Black Thursday, 12-13 March 2020: a lagging oracle while ETH fell.

MakerDAO's vaults were margined at the oracle price, and the oracle lagged the market (the
Medianizer by about $30 while ETH fell about 50% in a day; the Oracle Security Module adds
an hour by design). Here the oracle update `poke` may be skipped 3 steps in a row
(`@spec.oracle(within=3)`) while ETH falls up to 10% a step. A vault just at its 150%
liquidation ratio at the oracle is liquidated only when the oracle catches up, after four
falls: its ETH then sells for 1.5 * 0.9 ** 4 = 0.98 of its debt, and the rest is bad debt.

    solvent bmc examples/incidents/black_thursday_oracle.py --depth 4    # exit 1
"""

import solvent as sv
from solvent import Num, requires

FALL = Num("0.1")


@sv.builder
def build(liquidation_ratio: str = "1.5", poke_within: int = 3) -> sv.Spec:
    """A vault of `liquidation_ratio` ETH at 100 DAI owing 100 DAI: exactly at its ratio."""
    spec = sv.Spec("black-thursday-oracle", accounts=1)
    ratio = Num(liquidation_ratio)

    @spec.params
    class Params:
        liquidation_ratio: Num = ratio

    @spec.state
    class State:
        market: Num = Num("100")  # the ETH price where the collateral sells
        oracle: Num = Num("100")  # the price the vault is margined at
        ink: Num = ratio  # collateral, ETH
        art: Num = Num("100")  # debt, DAI
        bad_debt: Num = Num("0")

    @spec.envelope
    class Market:
        move: Num = sv.within(-FALL, FALL)

    @spec.tick
    def eth(s, m):
        s.market = s.market * (1 + m.move)

    @spec.oracle(within=poke_within)
    def poke(s, p):
        """The oracle takes the market price; it may lag `poke_within` steps."""
        s.oracle = s.market

    @spec.keeper(every_step=True)
    def bite(s, p):
        """Liquidate a vault under its ratio at the oracle; its ETH sells at the market."""
        requires((s.art > 0) & (s.ink * s.oracle < p.liquidation_ratio * s.art))
        proceeds = s.ink * s.market
        s.bad_debt = s.bad_debt + sv.when(proceeds < s.art, s.art - proceeds, 0)
        s.ink = 0
        s.art = 0

    @spec.invariant
    def solvent(s):
        """Every vault's debt is covered: no bad debt."""
        return s.bad_debt <= 0

    @spec.lemma
    def safe_at_oracle(s, p):
        """An open vault passed the ratio check at the oracle; the market stays positive."""
        healthy = (s.art == 0) | (s.ink * s.oracle >= p.liquidation_ratio * s.art)
        return healthy & (s.market > 0) & (s.ink >= 0) & (s.art >= 0)

    @spec.lemma
    def lag_per_stale_step(s):
        """The market is at most 10% lower per step the oracle is stale."""
        return sv.all_of(
            (s.poke_late != j) | (s.market >= s.oracle * (1 - FALL) ** j)
            for j in range(poke_within + 1)
        )

    return spec


spec = build()
