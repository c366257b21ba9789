"""The titanoboa adapter's fast path gives the plain path's results.

``examples/conform/vyper_adapter.py`` resets by reverting titanoboa's chain to a snapshot
taken after the first deployment (``FreshDeployment``) and reads the fields from storage
words (``StorageWords``). Checked here against the plain way (a deployment per trace,
titanoboa's own storage decoding and the contract's public getters):

* the words equal the getters' answers after every step of a run (an independent read:
  an EVM call of each getter);
* a whole `conform` run gives the same result document both ways, on the correct
  contract and on the fee bug (divergence and shrunk trace included).
"""

from __future__ import annotations

import sys

import pytest

from solvent.conform.contracts import FreshDeployment
from solvent.conform.run import Options, conform

D = 6


def _plain(adapter_cls):
    """The adapter the plain way (a deployment per trace, titanoboa's decoding)."""
    module = sys.modules[adapter_cls.__module__]  # examples/conform/vyper_adapter.py

    class Plain(module.PlainVyperAdapter):
        source = adapter_cls.source

    return Plain()


def _doc(result):
    doc = result.to_json()
    doc.pop("seconds")
    return doc


def test_storage_words_equal_the_getters_on_every_step(spec, vyper_adapters):
    good, _ = vyper_adapters
    cls = type(good)
    checked = []

    class Checked(cls):
        def observe(self):
            got = super().observe()
            c = self.c
            getters = {
                "price": c.price(),
                "insurance": c.insurance(),
                "bad_debt": c.bad_debt(),
                "liquidations": c.liquidations() * 10**D,
                "quote": [c.quote(w) for w in self.accounts],
                "size": [c.size(w) for w in self.accounts],
            }
            assert got == getters
            checked.append(got)
            return got

    result = conform(spec, Checked(), Options(traces=4, steps=10, seed=3, corners=False))
    assert result.divergence is None, result.message()
    assert len(checked) == 4 * 11
    assert any(q != 0 for obs in checked for q in obs["size"]), "no position was opened"


@pytest.mark.parametrize("which", [0, 1], ids=["correct", "fee-bug"])
def test_snapshot_and_words_give_the_plain_result(spec, vyper_adapters, which):
    fast = vyper_adapters[which]
    plain = _plain(type(fast))
    opts = Options(traces=4, steps=12, seed=0, corners=False)
    got, want = conform(spec, fast, opts), conform(spec, plain, opts)
    assert _doc(got) == _doc(want)
    assert (got.divergence is None) == (which == 0)


def test_a_newer_snapshot_makes_the_next_reset_deploy(vyper_adapters):
    good, buggy = vyper_adapters
    a, b = FreshDeployment(good.deployer), FreshDeployment(buggy.deployer)
    first = a(2000 * 10**6, 100 * 10**6)
    first.set_price(1)
    assert a(2000 * 10**6, 100 * 10**6) is first and first.price() == 2000 * 10**6
    b(2000 * 10**6, 100 * 10**6)  # b's snapshot is newer: reverting a's would drop it
    again = a(2000 * 10**6, 100 * 10**6)
    assert again is not first and again.price() == 2000 * 10**6
    assert a(1, 2) is not again and a(1, 2).insurance() == 2
