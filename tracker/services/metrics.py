"""Prometheus metrics (``/metrics``): what every request took, counted in the process that
answered it, and the state of the outbox and the reminder sweep, read from the database
when the metrics are scraped.

Under gunicorn each worker counts its own requests; ``tracker.gunicorn_conf`` points
``PROMETHEUS_MULTIPROC_DIR`` at a folder of its own before the workers start, and a scrape,
whichever worker answers it, adds up every worker's files (prometheus_client's
multiprocess mode). Without that variable (the test client, ``flask run``) the counts are
the process's own.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY
from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import EmailMessage, SweepRun, WebhookDelivery
from tracker.services.outbox.admin import queue_status
from tracker.settings import Settings

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter(
    "tracker_http_requests",
    "HTTP requests answered, by endpoint and status",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "tracker_http_request_duration_seconds",
    "Time to answer a request, by endpoint",
    ["endpoint"],
    buckets=LATENCY_BUCKETS,
)


PAGE_CACHE = Counter(
    "tracker_page_cache",
    "Signed-in pages served from the page cache (hit) or built (miss), by endpoint",
    ["endpoint", "result"],
)


def page_cache(endpoint: str, *, hit: bool) -> None:
    """Count one page the page cache served or could have."""
    PAGE_CACHE.labels(endpoint, "hit" if hit else "miss").inc()


def observe(endpoint: str, method: str, status: int, seconds: float) -> None:
    """Count one answered request."""
    REQUESTS.labels(endpoint, method, str(status)).inc()
    LATENCY.labels(endpoint).observe(seconds)


class _Database:
    """The outbox and the last sweep, read at each scrape (a few indexed queries)."""

    def __init__(self, now: datetime, settings: Settings) -> None:
        self.now, self.settings = now, settings

    def describe(self):
        return []  # registering must not query: the figures are read at collect time

    def collect(self):
        queue = queue_status(self.now, self.settings)
        emails = GaugeMetricFamily(
            "tracker_outbox_emails", "Emails in the outbox, by state", labels=["state"]
        )
        for state, value in (
            ("pending", queue.pending),
            ("sending", queue.sending),
            ("failed", queue.failed),
            ("retrying", queue.retrying),
        ):
            emails.add_metric([state], value)
        yield emails
        day_ago = self.now - timedelta(days=1)
        sent = db.session.scalar(
            select(func.count()).where(
                EmailMessage.created_at >= day_ago, EmailMessage.state == "sent"
            )
        )
        yield GaugeMetricFamily(
            "tracker_outbox_sent_last_day", "Emails queued in the last 24 hours and sent", sent
        )
        age = queue.oldest_age
        yield GaugeMetricFamily(
            "tracker_outbox_oldest_pending_seconds",
            "How long the oldest due email has waited (0 when none waits)",
            age.total_seconds() if age is not None else 0.0,
        )
        yield GaugeMetricFamily(
            "tracker_outbox_stuck",
            "1 when the outbox is stuck or its sender silent",
            int(queue.warning),
        )
        if queue.heartbeat is not None:
            yield GaugeMetricFamily(
                "tracker_outbox_sender_heartbeat_timestamp_seconds",
                "When the outbox sender last showed it was alive",
                queue.heartbeat.timestamp(),
            )
        hooks = GaugeMetricFamily(
            "tracker_webhook_deliveries",
            "Webhook deliveries not yet delivered, by state",
            labels=["state"],
        )
        waiting = dict(
            db.session.execute(
                select(WebhookDelivery.state, func.count())
                .where(WebhookDelivery.state.in_(("pending", "sending", "failed")))
                .group_by(WebhookDelivery.state)
            ).all()
        )
        for state in ("pending", "sending", "failed"):
            hooks.add_metric([state], waiting.get(state, 0))
        yield hooks
        run = db.session.scalars(
            select(SweepRun)
            .where(SweepRun.kind == "sweep", SweepRun.finished_at.is_not(None))
            .order_by(SweepRun.started_at.desc())
            .limit(1)
        ).first()
        if run is not None:
            yield GaugeMetricFamily(
                "tracker_sweep_last_finished_timestamp_seconds",
                "When the last reminder sweep finished",
                run.finished_at.timestamp(),
            )
            yield GaugeMetricFamily(
                "tracker_sweep_last_duration_seconds",
                "How long the last reminder sweep took",
                (run.finished_at - run.started_at).total_seconds(),
            )
            figures = GaugeMetricFamily(
                "tracker_sweep_last_items",
                "What the last reminder sweep planned, queued, failed, could not address or "
                "cancelled",
                labels=["outcome"],
            )
            for outcome in ("planned", "sent", "failed", "unreachable", "cancelled"):
                figures.add_metric([outcome], getattr(run, outcome))
            yield figures


def exposition(now: datetime, settings: Settings) -> bytes:
    """Return the metrics in Prometheus' text format."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        requests = CollectorRegistry()
        multiprocess.MultiProcessCollector(requests)
    else:
        requests = REGISTRY
    database = CollectorRegistry()
    database.register(_Database(now, settings))
    return generate_latest(requests) + generate_latest(database)
