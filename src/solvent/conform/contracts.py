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


class FreshDeployment:
    """``fresh(*args)``: a contract in the state right after ``deployer.deploy(*args)``.

    The first call deploys and takes a snapshot of titanoboa's chain (py-evm's state
    journal); later calls with the same arguments revert the chain to that snapshot
    instead of deploying again, so an adapter's ``reset()`` costs one journal revert, not
    one deployment. The contract object stays the same. The snapshot is used only while
    it is the newest one on the journal: after a newer snapshot (another
    ``FreshDeployment``, ``boa.env.anchor()``) or a revert past it (titanoboa's pytest
    plugin ends each test that way), the next call deploys again.
    """

    def __init__(self, deployer: Any) -> None:
        self.deployer = deployer
        self.args: tuple[Any, ...] | None = None
        self.contract: Any = None
        self.snapshot: Any = None

    def __call__(self, *args: Any) -> Any:
        evm = require_boa().env.evm
        if args == self.args and self.snapshot is not None and _newest(evm, self.snapshot):
            evm.revert(self.snapshot)
        else:
            self.contract = self.deployer.deploy(*args)
            self.args = args
        self.snapshot = evm.snapshot()
        return self.contract


def _newest(evm: Any, snapshot: Any) -> bool:
    """Whether ``snapshot`` (py-evm's ``(state root, checkpoint)``) is the newest live
    checkpoint of the chain's journal; False when that cannot be told."""
    try:
        stack = evm.vm.state._account_db._journaldb._journal._checkpoint_stack
        return bool(stack) and stack[-1] == snapshot[1]
    except (AttributeError, IndexError, TypeError):
        return False  # another py-evm: deploy again, never revert blindly


class StorageWords:
    """Reads a Vyper contract's storage on titanoboa's chain word by word, without an EVM
    call: ``value(name)`` for an integer or bool variable, ``mapping(name, keys)`` for a
    ``HashMap`` from an address or integer to one (the slot of key ``k`` is
    ``keccak256(slot ++ k)``, Vyper's layout). Anything else is refused: read it with a
    getter or titanoboa's ``contract._storage``."""

    def __init__(self, contract: Any) -> None:
        from boa.util.abi import Address

        self.env = contract.env
        self.address = Address(contract.address)
        self.storage = contract._storage
        self._slots: dict[tuple[str, Any], int] = {}

    def _var(self, name: str) -> Any:
        var = getattr(self.storage, name, None)
        if var is None:
            raise AdapterError(f"the contract has no storage variable {name!r}")
        return var

    def value(self, name: str) -> int | bool:
        var = self._var(name)
        return _word(self.env.evm.get_storage(self.address, var.slot), var.typ, name)

    def mapping(self, name: str, keys: list[Any]) -> list[int | bool]:
        from eth_hash.auto import keccak
        from vyper.semantics.types import HashMapT

        var = self._var(name)
        if not isinstance(var.typ, HashMapT):
            raise AdapterError(f"storage variable {name!r} is not a HashMap")
        out = []
        for k in keys:
            slot = self._slots.get((name, k))
            if slot is None:
                key = _key_word(k)
                slot = int.from_bytes(keccak(var.slot.to_bytes(32, "big") + key), "big")
                self._slots[(name, k)] = slot
            out.append(
                _word(self.env.evm.get_storage(self.address, slot), var.typ.value_type, name)
            )
        return out


def _key_word(k: Any) -> bytes:
    if isinstance(k, str) and k.startswith("0x") and len(k) == 42:
        return bytes(12) + bytes.fromhex(k[2:])
    if isinstance(k, int) and not isinstance(k, bool):
        return (k % 2**256).to_bytes(32, "big")
    raise AdapterError(f"HashMap key {k!r}: an address (0x...) or an int is expected")


def _word(raw: int, typ: Any, name: str) -> int | bool:
    from vyper.semantics.types import BoolT, IntegerT

    if isinstance(typ, BoolT):
        return bool(raw)
    if isinstance(typ, IntegerT):
        return raw - 2**256 if typ.is_signed and raw >= 2**255 else raw
    raise AdapterError(f"storage variable {name!r} holds {typ}; StorageWords reads ints and bools")
