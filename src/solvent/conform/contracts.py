"""Helpers for adapters of smart contracts, run in-process (no network, no node).

* Vyper: :func:`vyper_deployer` compiles a ``.vy`` file once with ``vyper`` and returns
  titanoboa's deployer (``deployer.deploy(*args)``).
* Solidity: :func:`solidity_deployer` compiles a ``.sol`` file with the ``solc`` npm
  package (solc-js, run by Node.js) once and returns a deployer that puts the bytecode on
  titanoboa's EVM (constructor arguments ABI-encoded) and wraps it with its ABI.
* :func:`units` turns a spec number into an int of ``decimals`` decimals (exactly, or an
  error), :func:`accepted` makes one call as an account and says whether it went through
  (a revert is ``False``), :func:`address_of` gives each spec account a fixed address.

Both need the ``contracts`` extra (``pip install 'solvent[contracts]'``); Solidity also
needs Node.js and the solc package (``scripts/test`` installs it into ``.npm-tools/``, or
point ``SOLVENT_SOLCJS`` at a ``node_modules/solc`` folder).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path
from typing import Any

from solvent.conform.adapter import AdapterError

INSTALL_HINT = "install them with: pip install 'solvent[contracts]' (vyper and titanoboa)"
_DEPLOYERS: dict[tuple[str, str, str], Any] = {}


def require_boa() -> Any:
    """titanoboa, or an AdapterError (exit 3) saying how to install it."""
    try:
        import boa
    except ImportError:
        raise AdapterError(f"contract adapters need titanoboa and vyper; {INSTALL_HINT}") from None
    return boa


def units(x: Any, decimals: int) -> int:
    """``x`` in units of ``10**-decimals``; refuses numbers off that grid."""
    q = Fraction(x) * 10**decimals
    if q.denominator != 1:
        raise AdapterError(
            f"{x} is not a multiple of 10^-{decimals}; the implementation cannot represent it "
            "(give the spec arithmetic='fixed', decimals=N, or declare the adapter's decimals)"
        )
    return q.numerator


def address_of(account: int) -> str:
    """A fixed EVM address (checksummed) for spec account ``account``, the same every run."""
    require_boa()
    return account_address(account)


def account_address(account: int) -> str:
    """The address of spec account ``account`` on any EVM (titanoboa's or revm)."""
    from eth_utils import to_checksum_address

    raw = "0x" + hashlib.sha256(f"solvent-account-{account}".encode()).hexdigest()[:40]
    return str(to_checksum_address(raw))


def source_key(kind: str, path: str | os.PathLike[str]) -> tuple[str, str, str]:
    """A cache key of a contract source: its kind, resolved path and content hash."""
    text = Path(path).read_text(encoding="utf-8")
    return kind, str(Path(path).resolve()), hashlib.sha256(text.encode()).hexdigest()


class Reverted(Exception):
    """A call the contract reverted (an adapter's ``action()`` answers False)."""


def accepted(fn: Any, *args: Any, sender: str | None = None) -> bool:
    """Call ``fn(*args)`` as ``sender``; True when it went through, False on a revert.

    ``fn``: a titanoboa contract function, or ``RevmContract.call`` bound to a name
    (``functools.partial(c.call, "trade")``); both report a revert as False.
    """
    try:
        if sender is None:
            fn(*args)
        else:
            fn(*args, sender=sender)
    except Reverted:
        return False
    except Exception as exc:
        if _boa_error(exc):
            return False
        raise
    return True


def _boa_error(exc: Exception) -> bool:
    try:
        import boa
    except ImportError:
        return False
    return isinstance(exc, boa.BoaError)


def vyper_deployer(path: str | os.PathLike[str]) -> Any:
    """titanoboa's deployer for the Vyper contract at ``path`` (compiled once)."""
    boa = require_boa()
    key = source_key("vy", path)
    if key not in _DEPLOYERS:
        text = Path(path).read_text(encoding="utf-8")
        _DEPLOYERS[key] = boa.loads_partial(text, name=Path(path).stem, filename=str(path))
    return _DEPLOYERS[key]


def find_solcjs() -> str:
    """The ``node_modules/solc`` folder to compile Solidity with."""
    candidates = []
    if os.environ.get("SOLVENT_SOLCJS"):
        candidates.append(Path(os.environ["SOLVENT_SOLCJS"]))
    here = Path.cwd().resolve()
    for folder in (here, *here.parents, *Path(__file__).resolve().parents):
        candidates.append(folder / ".npm-tools" / "node_modules" / "solc")
    for c in candidates:
        if (c / "package.json").is_file():
            return str(c)
    raise AdapterError(
        "Solidity needs the solc npm package (solc-js); `bash scripts/test` installs it into "
        ".npm-tools/, or run `npm install --prefix .npm-tools solc@0.8.28`, or set "
        "SOLVENT_SOLCJS to a node_modules/solc folder"
    )


_COMPILE_JS = (
    "const solc = require(process.argv[1]);"
    "const input = require('fs').readFileSync(0, 'utf8');"
    "process.stdout.write(solc.compile(input));"
)


def compile_solidity(path: str | os.PathLike[str], contract: str) -> tuple[list[Any], bytes]:
    """(ABI, creation bytecode) of ``contract`` in the Solidity file ``path``."""
    node = shutil.which("node")
    if node is None:
        raise AdapterError("Solidity needs Node.js (`node` on PATH) to run the solc package")
    source = Path(path).read_text(encoding="utf-8")
    name = Path(path).name
    request = {
        "language": "Solidity",
        "sources": {name: {"content": source}},
        "settings": {
            "optimizer": {"enabled": True, "runs": 200},
            "outputSelection": {name: {contract: ["abi", "evm.bytecode.object"]}},
        },
    }
    proc = subprocess.run(
        [node, "-e", _COMPILE_JS, find_solcjs()],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise AdapterError(f"solc-js failed on {path}: {proc.stderr.strip()[-500:]}")
    out = json.loads(proc.stdout)
    errors = [e for e in out.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise AdapterError(
            f"{path} does not compile: {errors[0].get('formattedMessage', errors[0])}"
        )
    try:
        found = out["contracts"][name][contract]
    except KeyError:
        raise AdapterError(f"{path} has no contract {contract!r}") from None
    return found["abi"], bytes.fromhex(found["evm"]["bytecode"]["object"])


class SolidityDeployer:
    """Deploys compiled Solidity on titanoboa's EVM; ``deploy(*args)`` gives the contract."""

    def __init__(self, abi: list[Any], bytecode: bytes, name: str) -> None:
        boa = require_boa()
        self.abi, self.bytecode, self.name = abi, bytecode, name
        self.factory = boa.loads_abi(json.dumps(abi), name=name)
        ctor = next((x for x in abi if x.get("type") == "constructor"), None)
        self.ctor_types = [i["type"] for i in ctor["inputs"]] if ctor else []

    def deploy(self, *args: Any) -> Any:
        boa = require_boa()
        from eth_abi import encode

        data = self.bytecode + (encode(self.ctor_types, list(args)) if args else b"")
        address, _ = boa.env.deploy_code(bytecode=data)
        return self.factory.at(address)


def solidity_deployer(path: str | os.PathLike[str], contract: str) -> SolidityDeployer:
    """A deployer for ``contract`` of the Solidity file ``path`` (compiled once)."""
    key = source_key("sol:" + contract, path)
    if key not in _DEPLOYERS:
        abi, code = compile_solidity(path, contract)
        _DEPLOYERS[key] = SolidityDeployer(abi, code, contract)
    return _DEPLOYERS[key]
