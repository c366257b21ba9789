"""A pytest helper: assert that an implementation conforms to its spec.

    from solvent.testing.conform import assert_conforms

    def test_engine_conforms():
        assert_conforms(spec, EngineAdapter(), traces=200, seed=0)

Raises ``AssertionError`` with the shrunk diverging trace (JSON, ready for
``solvent replay``) when the implementation and the spec disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def assert_conforms(
    spec: Any,
    adapter: Any,
    traces: int | Iterable[Any] = 200,
    *,
    steps: int = 12,
    seed: int = 0,
    depth: int | None = None,
    corners: bool = True,
) -> Any:
    """Run `solvent conform` in-process; ``traces`` is a count of random traces or the
    traces themselves (:class:`~solvent.engine.trace.Trace`). Returns the result."""
    from solvent.conform.run import Options, conform, conform_trace

    if isinstance(traces, int):
        result = conform(
            spec,
            adapter,
            Options(traces=traces, steps=steps, seed=seed, depth=depth, corners=corners),
        )
    else:
        result = conform(spec, adapter, traces=list(traces))
    if result.divergence is not None:
        d = result.divergence
        where = f" (computed by the spec's {d.writer})" if d.writer else ""
        raise AssertionError(
            f"{result.message()}{where}\nshrunk trace:\n{conform_trace(result).dumps()}"
        )
    return result
