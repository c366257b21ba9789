"""Options of the monitor and the envelope assumptions a proof used, as the stream measures them."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from solvent.lang.domains import Within
from solvent.monitor.errors import MonitorConfigError
from solvent.spec.spec import Spec

MOVE_NAMES = ("move", "ret", "return", "price_move")
ORACLE_NAMES = ("oracle_delay", "oracle_lag", "oracle_staleness")


@dataclass
class Options:
    step_seconds: float | None = None
    move_field: str | None = None
    oracle_delay_field: str | None = None
    keeper: str | None = None
    keeper_grace: float = 0.0
    price_field: str = "price"
    insurance_field: str = "insurance"
    bad_debt_field: str = "bad_debt"
    liquidations_field: str = "liquidations"
    warn_distance: Fraction | None = None
    critical_distance: Fraction | None = None
    distance: str = "auto"  # auto | closed | solver | none
    # the solver re-solves at most every N changed events / S seconds of event time
    distance_every: int | None = None
    distance_every_seconds: float | None = None
    detector: str = "zscore"
    anomaly_threshold: float | None = None
    anomaly_warmup: int = 60
    reorder_window: int = 0
    exact_invariants: bool = False
    audit_every: int = 1000
    seen_window: int = 10_000


class EnvelopeRules:
    """The envelope assumptions a proof used, mapped to what the event stream measures."""

    def __init__(self, spec: Spec, used: list[str], opts: Options) -> None:
        self.used = list(used)
        self.move: tuple[str, Fraction | None, Fraction | None] | None = None
        self.oracle: tuple[str, Fraction] | None = None
        self.keepers: list[str] = []
        self.unchecked: list[str] = []
        bounds: dict[str, set[str]] = {}
        for name in used:
            parts = name.split(".")
            if parts[0] == "envelope" and len(parts) == 3:
                bounds.setdefault(parts[1], set()).add(parts[2])
            elif parts[0] == "keeper" and len(parts) == 3 and parts[2] == "every_step":
                self.keepers.append(parts[1])
            elif parts[0] in ("keeper", "oracle") and parts[-1] == "within":
                self.unchecked.append(
                    f"{name} (not observed: the stream does not say when the "
                    f"{parts[0]} was offered a run and skipped)"
                )
            elif parts[0] in ("action", "init", "initial"):
                self.unchecked.append(
                    f"{name} (not observed: the monitor sees states, not actions)"
                )
        move_name = opts.move_field or self._pick(spec, bounds, MOVE_NAMES)
        oracle_name = opts.oracle_delay_field or next(
            (n for n in ORACLE_NAMES if n in spec.bounds), None
        )
        for fname in (opts.move_field, opts.oracle_delay_field):
            if fname is not None and fname not in spec.bounds:
                raise MonitorConfigError(
                    f"the spec's envelope has no field {fname!r}; fields: {', '.join(spec.bounds) or '(none)'}"
                )
        for fname, sides in sorted(bounds.items()):
            dom: Within = spec.bounds[fname]
            if fname == move_name:
                self.move = (
                    fname,
                    dom.lo if "lo" in sides else None,
                    dom.hi if "hi" in sides else None,
                )
            elif fname == oracle_name and "hi" in sides:
                self.oracle = (fname, dom.hi)
            else:
                for side in sorted(sides):
                    self.unchecked.append(
                        f"envelope.{fname}.{side} (no event measures {fname}; name it with "
                        "--move-field or --oracle-delay-field if one does)"
                    )
        if self.oracle is not None and opts.step_seconds is None:
            self.unchecked.append(
                f"envelope.{self.oracle[0]}.hi (an oracle delay in steps needs --step-seconds)"
            )
            self.oracle = None

    @staticmethod
    def _pick(spec: Spec, bounds: dict[str, set[str]], names: tuple[str, ...]) -> str | None:
        for n in names:
            if n in bounds:
                return n
        return next(iter(bounds)) if len(bounds) == 1 else None

    def names(self) -> list[str]:
        out = []
        if self.move:
            f, lo, hi = self.move
            out += [f"envelope.{f}.lo"] if lo is not None else []
            out += [f"envelope.{f}.hi"] if hi is not None else []
        if self.oracle:
            out.append(f"envelope.{self.oracle[0]}.hi")
        out += [f"keeper.{k}.every_step" for k in self.keepers]
        return out


def is_perp_isolated(spec: Spec) -> bool:
    """The spec is :mod:`solvent.models.perp_isolated` as its ``build()`` made it, without
    tiers, price impact or partial liquidation (the closed forms' model), and with nothing
    declared after the builder returned (an added invariant or keeper is checked on the
    spec, not by the closed form)."""
    from solvent.spec.recipe import shape

    recipe = spec.recipe
    return (
        recipe is not None
        and recipe.label == "solvent.models.perp_isolated.build()"
        and shape(spec) == recipe.shape
        and recipe.kwargs.get("tier2") is None
        and recipe.kwargs.get("liquidation_depth") is None
        and recipe.kwargs.get("liquidation", "full") == "full"
    )


def is_perp_cross(spec: Spec) -> bool:
    """The spec is :mod:`solvent.models.perp_cross` as its ``build()`` made it, with nothing
    declared after (the closed-form distance's model: equity ``quote + value_a + value_b``)."""
    from solvent.spec.recipe import shape

    recipe = spec.recipe
    return (
        recipe is not None
        and recipe.label == "solvent.models.perp_cross.build()"
        and shape(spec) == recipe.shape
    )
