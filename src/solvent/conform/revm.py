"""Contracts on revm (the Rust EVM, through ``pyrevm``): the fast way to conform bytecode.

titanoboa runs contracts on py-evm, an EVM written in Python: about a millisecond a
call, so a step of several calls costs several milliseconds. revm runs the same bytecode
in Rust, one to two orders of magnitude faster a call; the results are the same EVM
semantics. Use it when thousands of traces matter:

    from solvent.conform.revm import RevmChain, vyper_bytecode

    chain = RevmChain()                      # one EVM, funded spec accounts
    code = vyper_bytecode("perp.vy")          # (abi, bytecode), compiled once
    c = chain.deploy(code, 2000 * 10**6, 100 * 10**6)
    c.call("trade", 5 * 10**6, sender=chain.account(0))   # raises Reverted on a revert
    c.view("price")                           # a getter: one value (or a tuple)

:meth:`RevmChain.reset` brings the chain back to its fresh state (a journal snapshot,
not a new EVM), so an adapter's ``reset()`` costs a deployment, not a restart.
Solidity goes the same way with :func:`solidity_bytecode` (solc-js).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from solvent.conform.adapter import AdapterError
from solvent.conform.contracts import Reverted, account_address, compile_solidity, source_key

__all__ = ["Reverted", "RevmChain", "RevmContract", "solidity_bytecode", "vyper_bytecode"]

INSTALL_HINT = "install it with: pip install 'solvent[contracts]' (pyrevm, vyper, eth-abi)"
_CODE: dict[tuple[str, str, str], tuple[list[Any], bytes]] = {}
_BALANCE = 10**24


def _pyrevm() -> Any:
    try:
        import pyrevm
    except ImportError:
        raise AdapterError(f"revm adapters need pyrevm; {INSTALL_HINT}") from None
    return pyrevm


def vyper_bytecode(path: str | os.PathLike[str]) -> tuple[list[Any], bytes]:
    """(ABI, creation bytecode) of the Vyper contract at ``path``, compiled once."""
    key = source_key("vy", path)
    if key not in _CODE:
        try:
            from vyper.compiler import compile_code
        except ImportError:
            raise AdapterError(f"Vyper contracts need vyper; {INSTALL_HINT}") from None
        try:
            out = compile_code(
                Path(path).read_text(encoding="utf-8"), output_formats=["abi", "bytecode"]
            )
        except Exception as exc:  # noqa: BLE001 - the user's contract does not compile
            raise AdapterError(f"{path} does not compile with vyper: {exc}") from None
        _CODE[key] = (out["abi"], bytes.fromhex(out["bytecode"].removeprefix("0x")))
    return _CODE[key]


def solidity_bytecode(path: str | os.PathLike[str], contract: str) -> tuple[list[Any], bytes]:
    """(ABI, creation bytecode) of ``contract`` in the Solidity file ``path`` (solc-js)."""
    key = source_key("sol:" + contract, path)
    if key not in _CODE:
        _CODE[key] = compile_solidity(path, contract)
    return _CODE[key]


class RevmChain:
    """One in-process revm EVM with funded accounts, and a snapshot to come back to."""

    DEPLOYER = "0x" + "5e" * 20

    def __init__(self, accounts: int = 0) -> None:
        self.evm = _pyrevm().EVM()
        self._accounts: dict[int, str] = {}
        self.evm.set_balance(self.DEPLOYER, _BALANCE)
        for n in range(accounts):
            self.account(n)
        self._fresh = self.evm.snapshot()

    def account(self, n: int) -> str:
        """The funded address of spec account ``n``."""
        if n not in self._accounts:
            self._accounts[n] = account_address(n)
            self.evm.set_balance(self._accounts[n], _BALANCE)
        return self._accounts[n]

    def reset(self) -> None:
        """Forget every deployment and call since the chain was made."""
        self.evm.revert(self._fresh)
        self._fresh = self.evm.snapshot()

    def deploy(self, code: tuple[list[Any], bytes], *args: Any) -> RevmContract:
        """Deploy ``code`` ((abi, bytecode)) with constructor ``args``."""
        from eth_abi import encode

        abi, bytecode = code
        ctor = next((x for x in abi if x.get("type") == "constructor"), None)
        types = [i["type"] for i in ctor["inputs"]] if ctor else []
        data = bytecode + (encode(types, list(args)) if types else b"")
        try:
            address = self.evm.deploy(self.DEPLOYER, data)
        except RuntimeError as exc:
            raise AdapterError(f"the contract's constructor reverted: {exc}") from None
        return RevmContract(self, abi, address)


class RevmContract:
    """A deployed contract: :meth:`call` (a transaction) and :meth:`view` (a getter)."""

    def __init__(self, chain: RevmChain, abi: list[Any], address: str) -> None:
        from eth_utils import function_abi_to_4byte_selector

        self.chain, self.address = chain, address
        self._fns: dict[str, tuple[bytes, list[str], list[str]]] = {}
        for f in abi:
            if f.get("type") == "function":
                self._fns[f["name"]] = (
                    function_abi_to_4byte_selector(f),
                    [i["type"] for i in f["inputs"]],
                    [o["type"] for o in f.get("outputs", [])],
                )

    def _run(self, name: str, args: tuple[Any, ...], sender: str | None, static: bool) -> Any:
        try:
            selector, ins, outs = self._fns[name]
        except KeyError:
            raise AdapterError(
                f"the contract has no function {name!r} (it has: {', '.join(self._fns)})"
            ) from None
        data = selector + _encode(ins, args)
        try:
            raw = self.chain.evm.message_call(
                sender or self.chain.DEPLOYER, self.address, data, is_static=static
            )
        except RuntimeError as exc:  # revm reports a revert or a halt as a RuntimeError
            raise Reverted(f"{name} reverted: {str(exc)[:200]}") from None
        if not outs:
            return None
        got = _decode(outs, bytes(raw))
        return got[0] if len(got) == 1 else got

    def call(self, name: str, *args: Any, sender: str | None = None) -> Any:
        """Send a transaction; its return value, or :class:`Reverted`."""
        return self._run(name, args, sender, static=False)

    def view(self, name: str, *args: Any) -> Any:
        """Call a getter without changing the state."""
        return self._run(name, args, None, static=True)


# The ABI's one-word types, encoded by hand (eth-abi does the rest): a step of an adapter
# makes a dozen calls, and eth-abi's general codec costs more than revm's execution.
_INTS = {f"int{8 * k}" for k in range(1, 33)} | {f"uint{8 * k}" for k in range(1, 33)}


def _word(kind: str, value: Any) -> bytes | None:
    if kind in _INTS and type(value) is int:
        signed = kind[0] == "i"
        bits = int(kind.removeprefix("u").removeprefix("int"))
        low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1)) if signed else (0, 2**bits)
        if low <= value < high:
            return value.to_bytes(32, "big", signed=signed)
        return None  # out of range: eth-abi raises its own error
    if kind == "address" and isinstance(value, str) and len(value) == 42:
        return bytes(12) + bytes.fromhex(value[2:])
    if kind == "bool" and isinstance(value, bool):
        return (1 if value else 0).to_bytes(32, "big")
    return None


def _encode(kinds: list[str], args: tuple[Any, ...]) -> bytes:
    if len(kinds) == len(args):
        words = [_word(k, v) for k, v in zip(kinds, args, strict=True)]
        if all(w is not None for w in words):
            return b"".join(w for w in words if w is not None)
    from eth_abi import encode

    return encode(kinds, list(args))


def _decode(kinds: list[str], raw: bytes) -> tuple[Any, ...]:
    if len(raw) == 32 * len(kinds) and all(k in _INTS or k == "bool" for k in kinds):
        out: list[Any] = []
        for i, k in enumerate(kinds):
            word = raw[32 * i : 32 * i + 32]
            if k == "bool":
                out.append(word[-1] == 1)
            else:
                out.append(int.from_bytes(word, "big", signed=k[0] == "i"))
        return tuple(out)
    from eth_abi import decode

    return tuple(decode(kinds, raw))
