"""The options of `solvent monitor` that connect it and secure it: the Redis source's
password and TLS files, the webhook's, the keys that sign alerts and seal checkpoints,
the metrics endpoint's address, TLS and basic authentication, and the shard's group,
consumer and routed stream. Declared here (``typer`` annotations, help texts as shown by
``solvent monitor --help``) and read by :func:`solvent.cli.monitor.monitor_command`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from solvent.cli.common import opt as _opt

SourcePasswordFile = Annotated[
    str | None,
    _opt(
        "--source-password-file",
        help="Redis password (of the URL's user) from this file [default: "
        "$SOLVENT_REDIS_PASSWORD].",
        metavar="PATH",
    ),
]

SourceCaFile = Annotated[
    str | None,
    _opt("--source-ca-file", help="CA certificate (PEM) of a rediss:// server.", metavar="PEM"),
]

SourceCertFile = Annotated[
    str | None,
    _opt("--source-cert-file", help="Client certificate (PEM) for rediss://.", metavar="PEM"),
]

SourceKeyFile = Annotated[
    str | None,
    _opt("--source-key-file", help="Client private key (PEM) for rediss://.", metavar="PEM"),
]

WebhookUrlFile = Annotated[
    str | None,
    _opt(
        "--webhook-url-file",
        help="Read the --webhook URL from this file [default: $SOLVENT_WEBHOOK_URL].",
        metavar="PATH",
    ),
]

WebhookCaFile = Annotated[
    str | None,
    _opt(
        "--webhook-ca-file",
        help="Verify an https webhook against this CA (PEM) [default: the system's CAs].",
        metavar="PEM",
    ),
]

AllowHttp = Annotated[
    bool,
    typer.Option("--allow-http", help="Allow a plain http:// webhook (default: https only)."),
]

AlertKeyFile = Annotated[
    str | None,
    _opt(
        "--alert-key-file",
        help="Sign alerts (webhook and JSON lines) with HMAC-SHA256 and the key in this "
        "file [default: $SOLVENT_ALERT_KEY].",
        metavar="PATH",
    ),
]

StateKeyFile = Annotated[
    str | None,
    _opt(
        "--state-key-file",
        help="Seal checkpoints with an HMAC of the key in this file (else a SHA-256) "
        "[default: $SOLVENT_STATE_KEY].",
        metavar="PATH",
    ),
]

MetricsAddr = Annotated[
    str,
    _opt("--metrics-addr", help="Address of the metrics endpoint.", metavar="ADDR"),
]

MetricsCertFile = Annotated[
    str | None,
    _opt(
        "--metrics-cert-file",
        help="Serve metrics over TLS with this certificate (PEM; with --metrics-key-file).",
        metavar="PEM",
    ),
]

MetricsKeyFile = Annotated[
    str | None,
    _opt("--metrics-key-file", help="Private key (PEM) of --metrics-cert-file.", metavar="PEM"),
]

MetricsClientCaFile = Annotated[
    str | None,
    _opt(
        "--metrics-client-ca-file",
        help="Require scrapers to present a client certificate signed by this CA (TLS).",
        metavar="PEM",
    ),
]

MetricsUser = Annotated[
    str | None,
    _opt(
        "--metrics-user",
        help="Require HTTP basic authentication with this user (password: "
        "--metrics-password-file or $SOLVENT_METRICS_PASSWORD).",
        metavar="NAME",
    ),
]

MetricsPasswordFile = Annotated[
    str | None,
    _opt(
        "--metrics-password-file",
        help="Password of --metrics-user, from this file.",
        metavar="PATH",
    ),
]

Group = Annotated[
    str | None,
    _opt(
        "--group",
        help="Run as one shard of a sharded monitor: Redis consumer group NAME (with "
        "--consumer and --checkpoint); see solvent monitor-aggregate.",
        metavar="NAME",
    ),
]

Consumer = Annotated[
    str | None,
    _opt(
        "--consumer",
        help="This shard: SHARD/SHARDS[:NAME], e.g. 0/3 (owns the accounts whose blake2b "
        "hash mod SHARDS is SHARD).",
        metavar="ID",
    ),
]

Routed = Annotated[
    bool,
    typer.Option(
        "--routed",
        help="With --group: read only this shard's stream KEY.in.K/N, written by the "
        "producer through solvent.monitor.route (see docs/monitor.md).",
    ),
]
