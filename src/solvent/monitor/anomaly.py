"""Online anomaly detection over the feed, with `river` (no hand-written detector).

Features, computed per price event from the stream itself:

``ret``     log return since the previous price event
``spread``  (mark - oracle) / oracle, when the event carries an oracle price (else 0)
``gap``     log(1 + seconds since the previous price event)
``liq``     liquidation events in the last 60 seconds of stream time

Detectors (``--detector``):

``zscore``  per feature, river's Standard Absolute Deviation score |x - mean| / (std +
            1e-10) over everything seen so far (predict, then learn); the score is the
            largest. It is computed from ``river.stats.Mean`` and ``river.stats.Var``, the
            statistics ``river.anomaly.StandardAbsoluteDeviation`` keeps, because importing
            ``river.anomaly`` costs seconds (it pulls in SciPy); a test checks the scores
            equal that class's. The default: scale-free, no window to tune, and the crash
            evaluation in ``benchmarks/results/monitor_anomaly.md`` chose it.
``hst``     ``river.preprocessing.MinMaxScaler | river.anomaly.HalfSpaceTrees`` over all
            features (score in [0, 1]).

An alarm starts when the score reaches the threshold after the warm-up, and ends after
``cooldown`` price events below it; only the start is an alert (one per episode).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Any

DETECTORS = ("zscore", "hst", "none")
DEFAULT_THRESHOLD = {"zscore": 8.0, "hst": 0.8}
FEATURES = ("ret", "spread", "gap", "liq")
LIQ_WINDOW = 60.0


@dataclass
class Score:
    value: float
    feature: str | None  # the feature that scored highest (zscore)
    features: dict[str, float]
    alarm_started: bool
    scores: dict[str, float] | None = None  # per feature (zscore)


class Detector:
    """Feature extraction plus a river model; picklable (the checkpoint stores it)."""

    def __init__(
        self,
        kind: str = "zscore",
        *,
        threshold: float | None = None,
        warmup: int = 60,
        cooldown: int = 30,
        seed: int = 0,
    ) -> None:
        if kind not in DETECTORS or kind == "none":
            raise ValueError(kind)
        self.kind = kind
        self.threshold = DEFAULT_THRESHOLD[kind] if threshold is None else float(threshold)
        self.warmup = warmup
        self.cooldown = cooldown
        if kind == "zscore":
            from river import stats

            self.models: Any = {f: (stats.Mean(), stats.Var()) for f in FEATURES}
        else:
            from river import anomaly, preprocessing

            self.models = preprocessing.MinMaxScaler() | anomaly.HalfSpaceTrees(
                n_trees=25, height=8, window_size=250, seed=seed
            )
        self.seen = 0
        self.prev_price: float | None = None
        self.prev_ts: float | None = None
        self.liqs: deque[float] = deque()
        self.in_alarm = False
        self.quiet = 0
        self.last = 0.0

    def liquidation(self, ts: float) -> None:
        self.liqs.append(ts)

    def price(self, ts: float, price: float, oracle: float | None) -> Score | None:
        """Score one price event, then learn from it; None for the first event."""
        prev, prev_ts = self.prev_price, self.prev_ts
        self.prev_price, self.prev_ts = price, ts
        if prev is None or prev_ts is None:
            return None
        while self.liqs and self.liqs[0] < ts - LIQ_WINDOW:
            self.liqs.popleft()
        ratio = price / prev
        # prices far apart (1e300 after 1e-300) overflow a float64 ratio, never a log's
        ret = math.log(ratio) if 0.0 < ratio < math.inf else math.log(price) - math.log(prev)
        x = {
            "ret": ret,
            "spread": (price - oracle) / oracle if oracle else 0.0,
            "gap": math.log1p(max(ts - prev_ts, 0.0)),
            "liq": float(len(self.liqs)),
        }
        if self.kind == "zscore":
            scores = {}
            for f, (mean, var) in self.models.items():
                scores[f] = abs((x[f] - mean.get()) / (var.get() ** 0.5 + 1e-10))
                mean.update(x[f])
                var.update(x[f])
            feature = max(scores, key=lambda f: scores[f])
            value = float(scores[feature])
        else:
            value = float(self.models.score_one(x))
            self.models.learn_one(x)
            feature = None
            scores = None
        self.seen += 1
        self.last = value
        started = False
        if self.seen > self.warmup and value >= self.threshold:
            self.quiet = 0
            if not self.in_alarm:
                self.in_alarm = started = True
        elif self.in_alarm:
            self.quiet += 1
            if self.quiet >= self.cooldown:
                self.in_alarm = False
        return Score(value, feature, x, started, scores)
