"""Random specs with protocol parameters, for the synth/frontier cross-verb checks.

``specgen.specs()`` (issue 22) draws specs without ``@params``; ``synth`` varies
parameters, so this module draws a small family that has them: ``n`` (an ``int`` or a
rational ``Num``) and ``cap``, per-account initial values given as a list, and a
``move`` envelope bound. Each step the keeper sets every account's ``x`` to
``base[a] + coef * n + move`` and the invariant is ``x[a] <= cap`` (a lemma keeps
``base`` at most its largest start, so k = 1 proves it), so the spec is safe
exactly when ``max(base) + coef * n + |move| <= cap``: monotone in ``n`` (the cheap
direction is ``up`` when ``coef > 0``) and in ``|move|``.

``param_specs()`` is a Hypothesis strategy of :class:`ParamSpec` (``.source``,
``.load()``, ``.param``, ``.integer``, ``.direction``, ``.range``, ``.value(q)``).
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from solvent.lang.values import format_number
from solvent.spec.load import load_spec


@dataclass(frozen=True)
class ParamSpec:
    accounts: int
    integer: bool
    n: Fraction
    coef: Fraction
    cap: Fraction
    base: tuple[Fraction, ...]
    move: Fraction
    range: tuple[str, str]
    param: str = "n"

    @property
    def direction(self) -> str:
        return "up" if self.coef > 0 else "down"

    @property
    def limit(self) -> Fraction:
        """The largest (coef > 0) or smallest (coef < 0) safe real value of ``n``."""
        return (self.cap - max(self.base) - self.move) / self.coef

    def value(self, q: Fraction) -> Any:
        """``q`` as ``--set`` takes it for this parameter."""
        assert not self.integer or q.denominator == 1
        return int(q) if self.integer else q

    @property
    def source(self) -> str:
        f = format_number
        n_decl = f"n: int = {int(self.n)}" if self.integer else f'n: Num = Num("{f(self.n)}")'
        base = ", ".join(f'"{f(b)}"' for b in self.base)
        return "\n".join(
            [
                "import solvent as sv",
                "from solvent import Num, PerAccount",
                "",
                f'spec = sv.Spec("param-gen", accounts={self.accounts})',
                "",
                "",
                "@spec.params",
                "class P:",
                f"    {n_decl}",
                f'    cap: Num = Num("{f(self.cap)}")',
                "",
                "",
                "@spec.state",
                "class State:",
                f"    base: PerAccount[Num] = [{base}]",
                '    shift: Num = Num("0")',
                '    x: PerAccount[Num] = Num("0")',
                "",
                "",
                "@spec.envelope",
                "class Market:",
                f'    move: Num = sv.within("-{f(self.move)}", "{f(self.move)}")',
                "",
                "",
                "@spec.tick",
                "def mark(s, m):",
                "    s.shift = m.move",
                "",
                "",
                "@spec.keeper(every_step=True)",
                "def reset(s, p, a):",
                f'    s.x[a] = s.base[a] + p.n * Num("{f(self.coef)}") + s.shift',
                "",
                "",
                "@spec.invariant",
                "def capped(s, p, a):",
                "    return s.x[a] <= p.cap",
                "",
                "",
                "@spec.lemma",
                "def base_kept(s, p, a):",
                f'    return s.base[a] <= Num("{f(max(self.base))}")',
                "",
            ]
        )

    def load(self) -> Any:
        with tempfile.TemporaryDirectory(prefix="solvent-cross-") as d:
            path = Path(d) / "param_gen.py"
            path.write_text(self.source)
            return load_spec(str(path))


_HALF = Fraction(1, 2)


@st.composite
def param_specs(draw: Any, envelope: bool = False) -> ParamSpec:
    """A spec of the family (see the module doc) with a range whose conservative end is
    safe; ``envelope=True``: ``n`` keeps its value (for a frontier over ``move``)."""
    accounts = draw(st.integers(1, 2))
    integer = draw(st.booleans())
    coef = draw(st.sampled_from([Fraction(1), Fraction(2), _HALF, Fraction(-1)]))
    base = tuple(draw(st.sampled_from([Fraction(0), Fraction(1), _HALF])) for _ in range(accounts))
    move = draw(st.sampled_from([Fraction(0), Fraction(1, 10), _HALF]))
    cap = draw(st.sampled_from([Fraction(3), Fraction(5), Fraction(15, 2)]))
    # safe exactly when coef * n <= room
    room = cap - max(base) - move
    limit = room / coef  # n <= limit (coef > 0) or n >= limit (coef < 0)
    if coef > 0:
        safe_end = draw(st.sampled_from([limit - 3, limit - Fraction(3, 2), limit - 1]))
        far = limit + draw(st.sampled_from([Fraction(1, 3), Fraction(9, 10), Fraction(4)]))
        lo, hi = safe_end, far
    else:
        safe_end = draw(st.sampled_from([limit + 3, limit + Fraction(3, 2), limit + 1]))
        far = limit - draw(st.sampled_from([Fraction(1, 3), Fraction(9, 10), Fraction(4)]))
        lo, hi = far, safe_end
    n = Fraction(math.floor(safe_end)) if integer else safe_end
    if envelope:  # n at a safe value with some room left for |move|
        n = Fraction(math.floor(limit - 1) if coef > 0 else math.ceil(limit + 1))
    return ParamSpec(
        accounts, integer, n, coef, cap, base, move, (format_number(lo), format_number(hi))
    )
