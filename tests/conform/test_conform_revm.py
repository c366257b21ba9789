"""The Vyper and Solidity perps on revm (examples/conform/revm_adapter.py).

The same bytecode as the titanoboa adapters, on the Rust EVM: they conform on hundreds of
traces in seconds, the seeded bugs (Vyper: fee rounded down; Solidity: withdraw checked
against the maintenance margin) are found and shrunk to at most 4 steps, and a field's
divergence names the spec's assignment that computed the value.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conform_paths import EXAMPLES, SPEC, revm_adapter

from solvent.conform.run import Options, conform


@pytest.fixture(scope="module")
def on_path():
    sys.path.insert(0, str(EXAMPLES))
    yield
    sys.path.remove(str(EXAMPLES))


def test_vyper_on_revm_conforms_and_agrees_with_titanoboa(spec, revm_ok, vyper_adapters, on_path):
    revm = conform(spec, revm_adapter("VyperPerp"), Options(traces=100, steps=12, seed=1))
    assert revm.divergence is None, revm.message()
    assert revm.traces == 112 and revm.steps == 112 * 12
    boa = conform(spec, vyper_adapters[0], Options(traces=3, steps=12, seed=1, corners=False))
    assert boa.divergence is None and boa.steps == 36


def test_vyper_fee_bug_on_revm_is_found_shrunk_and_attributed(spec, revm_ok, on_path):
    result = conform(spec, revm_adapter("VyperFeeBug"), Options(traces=50, steps=12, seed=0))
    d = result.divergence
    assert d is not None and len(d.trace.steps) <= 4
    assert d.what == "insurance"
    # the spec's line that computed the value, not only the keeper's def line
    assert "s.insurance = s.insurance + fee - covered" in (d.writer or ""), d.writer


def test_solidity_on_revm_conforms_and_its_withdraw_bug_is_found(spec, revm_ok, solc_ok, on_path):
    good = conform(spec, revm_adapter("Solidity"), Options(traces=100, steps=12, seed=2))
    assert good.divergence is None, good.message()
    bad = conform(spec, revm_adapter("SolidityWithdrawBug"), Options(traces=50, steps=12))
    d = bad.divergence
    assert d is not None and len(d.trace.steps) <= 4
    assert d.what.startswith("action withdraw(") and d.what.endswith("accepted")
    assert d.spec_value is False and d.impl_value is True
    # the spec's requires that refused the withdrawal
    assert "p.initial_margin)" in (d.writer or "") and "requires(" in (d.writer or ""), d.writer


def test_cli_report_of_a_divergence(revm_ok, tmp_path):
    html, out = tmp_path / "conform.html", tmp_path / "result" / "conform.json"
    out.parent.mkdir()
    r = subprocess.run(
        [sys.executable, "-m", "solvent", "conform", str(SPEC), "--impl",
         f"{EXAMPLES / 'revm_adapter.py'}:VyperFeeBug", "--traces", "20", "--report", str(html),
         "--format", "json"],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 1, r.stderr
    out.write_text(r.stdout)
    page = html.read_text()
    assert 'id="divergence"' in page and 'id="trace"' in page
    assert "Testing, not a proof" in page and "diverges here" in page
    # the result document renders the same page through `solvent report`
    again = out.with_suffix(".html")  # `solvent report RESULT` writes RESULT.html
    r2 = subprocess.run(
        [sys.executable, "-m", "solvent", "report", str(out), "-q"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert r2.returncode == 0, r2.stderr
    assert json.loads(out.read_text())["schema"] == "solvent-conform/1"
    assert again.read_text() == page


_SETTINGS = dict(max_examples=300, deadline=None, database=None, derandomize=True)


@pytest.mark.parametrize("kind", ["int256", "uint256", "int128", "uint8", "bool", "address"])
def test_the_one_word_codec_matches_eth_abi(kind):
    """revm adapters encode/decode int, bool and address words by hand; eth-abi is the judge."""
    from eth_abi import decode, encode
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from solvent.conform.revm import _decode, _encode

    if kind == "bool":
        values = st.booleans()
    elif kind == "address":
        values = st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())
    else:
        bits = int(kind.removeprefix("u").removeprefix("int"))
        lo, hi = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if kind[0] == "i" else (0, 2**bits - 1)
        values = st.integers(min_value=lo, max_value=hi)

    @settings(**_SETTINGS)
    @given(values)
    def check(v):
        assert _encode([kind, "uint256"], (v, 7)) == encode([kind, "uint256"], [v, 7])
        if kind != "address":
            raw = encode([kind], [v])
            assert _decode([kind], raw) == tuple(decode([kind], raw))

    check()
