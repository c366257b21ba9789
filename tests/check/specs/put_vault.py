"""A user's spec of a put-selling vault: depositors' USDC backs puts sold on a strike grid.

The style (a DeFi options vault writing weekly puts, by its risk engineer): depositors
put USDC in (``shares_usdc`` per account, ``vault_usdc`` in all); the manager sells puts
at two strikes (1,800 and 1,600 USDC on ETH at 2,000) for a premium into
``premium_usdc``, and must keep ``locked_usdc`` against the open puts; a depositor may
withdraw only what is not locked. Puts stay open (no expiry here, so the vault must pay at
every spot). ETH moves at most 10% a step. The invariant: the vault can pay every put's
intrinsic value, ``vault_usdc + premium_usdc >= sum(puts x max(strike - spot, 0))``.
No lemma. Premium per put: 2% and 1% of the spot.

Safe: cash-secured puts, ``locked_usdc`` grows by ``strike x puts`` on each sale.
``BUG=1``: the vault locks a margin instead, Derive's standard-manager initial margin for
a short put, 15% of the spot a put (``reference/derivatives.md`` A6, ``maxSpotReq``
0.15; its OTM discount ignored): the depositors take the rest out while the spot falls:
a deposit, a sale and a withdrawal, the spot down 10% a step (1,458 after three): broken
at depth 3. ``ACCOUNTS`` sets the number of accounts (default 3).
"""

import os

import solvent as sv
from solvent import Num, PerAccount, requires

BUG = os.environ.get("BUG") == "1"
vault = sv.Spec("put-vault", accounts=int(os.environ.get("ACCOUNTS", "3")))


@vault.params
class Grid:
    spot_margin: Num = Num("0.15")


@vault.state
class Vault:
    eth_spot: Num = Num("2000")
    vault_usdc: Num = Num("0")
    premium_usdc: Num = Num("0")
    locked_usdc: Num = Num("0")
    puts_1800: Num = Num("0")
    puts_1600: Num = Num("0")
    shares_usdc: PerAccount[Num] = Num("0")


@vault.envelope
class Spot:
    eth_return: Num = sv.within("-0.10", "0.10")


@vault.tick
def spot(s, m):
    s.eth_spot = s.eth_spot * (1 + m.eth_return)


def owed(s):
    return s.puts_1800 * sv.maximum(1800 - s.eth_spot, 0) + s.puts_1600 * sv.maximum(
        1600 - s.eth_spot, 0
    )


@vault.action(usdc=sv.within("0", "1000000"))
def deposit(s, p, a, usdc):
    requires(usdc > 0)
    s.shares_usdc[a] = s.shares_usdc[a] + usdc
    s.vault_usdc = s.vault_usdc + usdc


@vault.action(usdc=sv.within("0", "1000000"))
def withdraw(s, p, a, usdc):
    requires((usdc > 0) & (usdc <= s.shares_usdc[a]))
    requires(usdc <= s.vault_usdc - s.locked_usdc)
    s.shares_usdc[a] = s.shares_usdc[a] - usdc
    s.vault_usdc = s.vault_usdc - usdc


def _lock(s, p, strike, puts):
    return puts * s.eth_spot * p.spot_margin if BUG else puts * strike


def _sell(strike, field, premium):
    def sell(s, p, puts):
        requires(puts > 0)
        s.locked_usdc = s.locked_usdc + _lock(s, p, strike, puts)
        requires(s.locked_usdc <= s.vault_usdc)
        setattr(s, field, getattr(s, field) + puts)
        s.premium_usdc = s.premium_usdc + puts * s.eth_spot * Num(premium)

    sell.__name__ = f"sell_{strike}"
    return sell


for _strike, _field, _premium in ((1800, "puts_1800", "0.02"), (1600, "puts_1600", "0.01")):
    vault.action(puts=sv.within("0", "500"))(_sell(_strike, _field, _premium))


@vault.invariant
def puts_paid(s):
    return s.vault_usdc + s.premium_usdc >= owed(s)
