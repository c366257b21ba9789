"""The derivatives model library: specs of real venues' margin and liquidation rules."""
