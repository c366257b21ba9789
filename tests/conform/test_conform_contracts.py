"""`solvent conform` against the Vyper and Solidity perps of examples/conform.

The contracts run in-process on titanoboa's EVM; each is compiled once per session. The
fee bug is reproduced from its saved trace (examples/conform/fee_bug.trace.json) and from
a short random search; its shrunk trace has at most 4 steps.
"""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction

from conform_paths import EXAMPLES, REPO, SPEC

from solvent.conform.run import Options, conform
from solvent.engine.trace import loads

FEE_BUG_TRACE = EXAMPLES / "fee_bug.trace.json"


def test_vyper_perp_conforms(spec, vyper_adapters):
    good, _ = vyper_adapters
    trace = loads(FEE_BUG_TRACE.read_text())
    result = conform(spec, good, Options(traces=2, steps=8, seed=5), files=[("fee", trace)])
    assert result.divergence is None, result.message()
    assert result.traces == 1 + 12 + 2
    assert "keeper liquidate fired" in result.compared and "insurance" in result.compared


def test_vyper_fee_rounded_down_is_caught_on_its_trace(spec, vyper_adapters):
    _, buggy = vyper_adapters
    result = conform(spec, buggy, traces=[loads(FEE_BUG_TRACE.read_text())])
    d = result.divergence
    assert d is not None and d.what == "insurance"
    assert d.impl_value == d.spec_value - Fraction(1, 10**6)  # one unit of fee short
    assert "keeper liquidate" in (d.writer or "")


def test_vyper_fee_bug_found_by_search_and_shrunk(spec, vyper_adapters):
    _, buggy = vyper_adapters
    result = conform(spec, buggy, Options(traces=3, steps=12, seed=0, corners=False))
    d = result.divergence
    assert d is not None, "the fee bug was not found by random search"
    assert len(d.trace.steps) <= 4
    assert d.what in ("insurance", "quote[0]", "quote[1]", "quote[2]")


def test_solidity_perp_conforms(spec, solidity_adapter):
    trace = loads(FEE_BUG_TRACE.read_text())
    result = conform(
        spec,
        solidity_adapter,
        Options(traces=1, steps=6, seed=2, corners=False),
        files=[("fee", trace)],
    )
    assert result.divergence is None, result.message()
    assert result.steps == 2 + 6


def test_cli_on_the_vyper_fee_bug(vyper_adapters, tmp_path):
    out = tmp_path / "fee.json"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "solvent",
            "conform",
            str(SPEC),
            "--impl",
            f"{EXAMPLES / 'vyper_adapter.py'}:FeeBugAdapter",
            "--trace",
            str(FEE_BUG_TRACE),
            "--traces",
            "0",
            "--no-corners",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert r.returncode == 1, r.stdout + r.stderr
    assert "insurance" in r.stdout and out.exists()


def test_missing_contract_toolchain_is_exit_3_with_the_install_command():
    code = (
        "import sys; sys.modules['boa'] = None\n"  # as if titanoboa were not installed
        "from solvent.cli import run\n"
        f"sys.exit(run(['conform', {str(SPEC)!r}, '--impl', "
        f"{str(EXAMPLES / 'vyper_adapter.py')!r}]))\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=False
    )
    assert r.returncode == 3, r.stdout + r.stderr
    assert "pip install 'solvent[contracts]'" in r.stderr and "Traceback" not in r.stderr
