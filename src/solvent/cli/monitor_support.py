"""What `solvent monitor` checks and reads before it runs: numbers and ranges of its
options, and the secrets of a run (from files or the environment) with their redactor."""

from __future__ import annotations

import math
import os
from fractions import Fraction
from typing import Any

from solvent.errors import UsageError


def fraction(text: str | None, flag: str) -> Fraction | None:
    if text is None:
        return None
    from solvent.limits import number_problem

    problem = number_problem(text)
    if problem is not None:
        raise UsageError(f"{flag}: {problem}")
    try:
        value = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise UsageError(f"{flag} expects a number such as 0.05 or 1/20, got {text!r}") from None
    if value < 0:
        raise UsageError(f"{flag} must be >= 0, got {text}")
    return value


def stderr_printer(quiet: bool) -> Any:
    from solvent.report import text

    console = text.make_console(stderr=True)

    def say(message: str) -> None:
        if not quiet:
            console.print(f"monitor: {message}", soft_wrap=True)

    return say


def check_options(**values: Any) -> None:
    """Refuse a numeric option outside its range, naming the option (exit 3)."""
    # option -> (lowest, lowest allowed?, highest): NaN and inf fail every range
    ranges: dict[str, tuple[float, bool, float]] = {
        "step_seconds": (0, False, math.inf),
        "idle_exit": (0, True, math.inf),
        "keeper_grace": (0, True, math.inf),
        "anomaly_threshold": (0, False, math.inf),
        "anomaly_warmup": (0, True, math.inf),
        "reorder_window": (0, True, math.inf),
        "checkpoint_every": (1, True, math.inf),
        "max_events": (1, True, math.inf),
        "metrics_port": (0, True, 65535),
    }
    for name, value in values.items():
        if value is None:
            continue
        low, inclusive, high = ranges[name]
        above = value >= low if inclusive else value > low
        if not (above and value <= high and math.isfinite(value)):
            flag = "--" + name.replace("_", "-")
            rule = f"{'>=' if inclusive else '>'} {low:g}"
            if high != math.inf:
                rule += f" and <= {high:g}"
            raise UsageError(f"{flag} must be a finite number {rule}, got {value}")


class Secrets:
    """The secrets of a run, read from files or the environment, and their redactor."""

    def __init__(self) -> None:
        from solvent.monitor.secrets import Redactor

        self.redact = Redactor()
        self.source: str = ""
        self.source_password: str | None = None
        self.webhook: str | None = None
        self.alert_key: bytes | None = None
        self.state_key: bytes | None = None
        self.metrics_auth: tuple[str, str] | None = None


def read_secrets(
    source: str | None,
    password_file: str | None,
    webhook: str | None,
    webhook_file: str | None,
    alert_key_file: str | None,
    state_key_file: str | None,
    metrics_user: str | None,
    metrics_password_file: str | None,
) -> Secrets:
    from solvent.integrity import state_key
    from solvent.monitor import secrets as S

    sec = Secrets()
    if source is None:
        source = os.environ.get(S.REDIS_URL_ENV, "")
        if not source:
            raise UsageError(
                f"give --source (a JSON-lines FILE, - or a redis:// URL) or set {S.REDIS_URL_ENV}"
            )
    sec.source = source
    sec.redact.add_url(source)
    if source.startswith(("redis://", "rediss://", "unix://")):
        sec.source_password = S.read_secret(
            password_file, S.REDIS_PASSWORD_ENV, "--source-password-file"
        )
    elif password_file:
        raise UsageError("--source-password-file is for a redis:// or rediss:// source")
    if webhook and webhook_file:
        raise UsageError("give --webhook URL or --webhook-url-file FILE, not both")
    sec.webhook = webhook or S.read_secret(webhook_file, S.WEBHOOK_URL_ENV, "--webhook-url-file")
    sec.redact.add_url(sec.webhook)
    alert_key = S.read_secret(alert_key_file, S.ALERT_KEY_ENV, "--alert-key-file")
    sec.alert_key = alert_key.encode() if alert_key else None
    sec.state_key = state_key(state_key_file)
    if metrics_password_file and not metrics_user:
        raise UsageError("--metrics-password-file needs --metrics-user NAME")
    if metrics_user:
        password = S.read_secret(
            metrics_password_file, S.METRICS_PASSWORD_ENV, "--metrics-password-file"
        )
        if not password:
            raise UsageError(
                f"--metrics-user {metrics_user} needs a password: --metrics-password-file "
                f"FILE or {S.METRICS_PASSWORD_ENV}"
            )
        sec.metrics_auth = (metrics_user, password)
    sec.redact.add(
        sec.source_password, alert_key, sec.state_key, sec.metrics_auth and sec.metrics_auth[1]
    )
    return sec
