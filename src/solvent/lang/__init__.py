"""What spec authors call: values, literals, domains and helper functions (stdlib only)."""
