// SPDX-License-Identifier: MIT
// Perp.sol with a seeded bug (see withdraw): `solvent conform` finds it with a short trace.
pragma solidity ^0.8.28;

/// @title Isolated-margin perpetual (the spec: examples/conform/perp_spec.py)
/// @notice The Solidity twin of perp.vy: amounts are int256 in units of 10^-6. The owner
///         (the oracle) sets the mark price and credits deposits; keepers liquidate.
contract Perp {
    int256 constant ONE = 1e6;
    int256 constant INITIAL_MARGIN = 100_000; // 0.10
    int256 constant MAINTENANCE_MARGIN = 80_000; // 0.08
    int256 constant LIQUIDATION_FEE = 10_000; // 0.01

    address public owner;
    int256 public price;
    int256 public insurance;
    int256 public badDebt;
    int256 public liquidations;
    mapping(address => int256) public quote;
    mapping(address => int256) public size;

    constructor(int256 price_, int256 insurance_) {
        owner = msg.sender;
        price = price_;
        insurance = insurance_;
    }

    function floorDiv(int256 n, int256 d) internal pure returns (int256 q) {
        q = n / d; // rounds toward zero
        if (n % d != 0 && n < 0) q -= 1;
    }

    function mulDown(int256 a, int256 b) internal pure returns (int256) {
        return floorDiv(a * b, ONE);
    }

    function mulUp(int256 a, int256 b) internal pure returns (int256) {
        return -floorDiv(-(a * b), ONE);
    }

    function abs(int256 x) internal pure returns (int256) {
        return x < 0 ? -x : x;
    }

    function equity(address who) internal view returns (int256) {
        return quote[who] + mulDown(size[who], price);
    }

    function notional(address who) internal view returns (int256) {
        return mulUp(abs(size[who]), price);
    }

    function setPrice(int256 price_) external {
        require(msg.sender == owner, "only the oracle");
        require(price_ > 0, "price must be positive");
        price = price_;
    }

    function depositFor(address who, int256 amount) external {
        require(msg.sender == owner, "only the owner");
        require(amount >= 0);
        quote[who] += amount;
    }

    function trade(int256 qty) external {
        quote[msg.sender] -= mulUp(qty, price);
        size[msg.sender] += qty;
        require(equity(msg.sender) >= mulUp(notional(msg.sender), INITIAL_MARGIN), "initial margin");
    }

    function withdraw(int256 amount) external {
        require(amount >= 0);
        quote[msg.sender] -= amount;
        // BUG (seeded): checks the maintenance margin where the spec asks for the initial one
        require(equity(msg.sender) >= mulUp(notional(msg.sender), MAINTENANCE_MARGIN), "margin");
    }

    function liquidate(address who) external returns (bool) {
        int256 e = equity(who);
        int256 n = notional(who);
        if (e >= mulUp(n, MAINTENANCE_MARGIN)) return false; // healthy
        int256 fee = e > 0 ? e : int256(0);
        int256 cap = mulUp(n, LIQUIDATION_FEE);
        if (fee > cap) fee = cap;
        int256 deficit = e < 0 ? -e : int256(0);
        int256 covered = deficit < insurance ? deficit : insurance;
        insurance += fee - covered;
        badDebt += deficit - covered;
        quote[who] = e - fee + covered;
        size[who] = 0;
        liquidations += 1;
        return true;
    }
}
