"""Prometheus metrics, right under any number of gunicorn workers.

`definitions` holds every metric, `observers` what moves them (the HTTP ones are observed by
`api.request_id.RequestContext`, whose one timing serves the access line too), `exposition`
where a scrape is answered. With `PROMETHEUS_MULTIPROC_DIR` set (the gunicorn config sets it)
every worker writes its samples to files there and a scrape returns the sum over all of them.
"""

from api.metrics.definitions import (
    AUTHENTICATION_FAILURES,
    AUTOMATION_DURATION,
    AUTOMATION_RUNS,
    DB_CHECKED_OUT,
    DB_OVERFLOW,
    HTTP_DURATION,
    HTTP_IN_FLIGHT,
    HTTP_REQUESTS,
    MESSAGES_CONSUMED,
    MESSAGES_DEAD_LETTERED,
    OUTBOX_OLDEST_AGE,
    OUTBOX_PENDING,
    RATE_LIMIT_REJECTIONS,
)
from api.metrics.exposition import (
    MetricsServer,
    install_metrics_endpoint,
    mark_worker_dead,
    scrape_registry,
    serve_own_metrics,
    serve_workers_metrics,
)
from api.metrics.observers import (
    AUTOMATION_RUN_FINISHED,
    METRICS_PATH,
    count_dead_letter,
    observe_automation_run,
    observe_request,
    watch_pool,
)

__all__ = [
    "AUTHENTICATION_FAILURES",
    "AUTOMATION_DURATION",
    "AUTOMATION_RUNS",
    "AUTOMATION_RUN_FINISHED",
    "DB_CHECKED_OUT",
    "DB_OVERFLOW",
    "HTTP_DURATION",
    "HTTP_IN_FLIGHT",
    "HTTP_REQUESTS",
    "MESSAGES_CONSUMED",
    "MESSAGES_DEAD_LETTERED",
    "METRICS_PATH",
    "OUTBOX_OLDEST_AGE",
    "OUTBOX_PENDING",
    "RATE_LIMIT_REJECTIONS",
    "MetricsServer",
    "count_dead_letter",
    "install_metrics_endpoint",
    "mark_worker_dead",
    "observe_automation_run",
    "observe_request",
    "scrape_registry",
    "serve_own_metrics",
    "serve_workers_metrics",
    "watch_pool",
]
