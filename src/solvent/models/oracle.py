"""Oracle and index prices: a mark that may deviate from a deep index, bounded per step and
in total, and margin checks at either price.

Venues mark positions at an oracle price (a thin market's last trade, a median of a few
venues) that can sit away from the deep *index* price. The pattern, as plain functions that
work on traced values inside a spec and on ``Fraction``s outside one:

- the index moves by the envelope's per-step return, ``index * (1 + move)``;
- the oracle is ``index * (1 + deviation)``; the deviation moves by at most a per-step
  envelope draw ``push`` and stays within ``[-max_total, max_total]``
  (:func:`next_deviation`);
- a margin check values a position at the mark, the index, or the *worse* of the two for
  that position (:func:`worse_price`): the lower one for a long, the higher for a short.

Staleness (an oracle that may publish late) is the same bounded liveness as a late keeper:
declare the publication as a keeper ``@spec.keeper(within=K)`` that copies the index into
the oracle field (``requires(s.oracle != s.index)``); docs/spec-language.md, "Bounded
liveness". Used by examples/incidents/mango_oracle.py (reference/derivatives.md B3).
"""

from __future__ import annotations

from typing import Any

from solvent.lang.functions import maximum, minimum, when


def next_deviation(deviation: Any, push: Any, max_total: Any) -> Any:
    """The oracle's new deviation from the index: moved by ``push`` (an envelope draw of
    at most the per-step deviation), clamped to ``[-max_total, max_total]``."""
    return maximum(minimum(deviation + push, max_total), -max_total)


def oracle_price(index: Any, deviation: Any) -> Any:
    """The oracle (mark) price: ``index * (1 + deviation)``."""
    return index * (1 + deviation)


def worse_price(size: Any, mark: Any, index: Any) -> Any:
    """The price of the two that values a position of ``size`` lower: the smaller for a
    long (``size >= 0``), the larger for a short. Checking margin at it makes a withdrawal
    or a new position safe at both prices."""
    return when(size >= 0, minimum(mark, index), maximum(mark, index))
