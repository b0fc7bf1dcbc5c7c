"""Every Prometheus metric of Armature, defined once per process.

In multiprocess mode (`PROMETHEUS_MULTIPROC_DIR`) counters and histograms are summed over
every worker, dead ones included, so a restart never makes a counter go backwards; gauges
that describe a process (`livesum`) count only live workers, and gauges sampled from shared
state (`livemostrecent`) report the freshest sample of a live process.
"""

from __future__ import annotations

import os

from prometheus_client import Counter, Gauge, Histogram, values

from api.process import process_id

MULTIPROC_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

if MULTIPROC_DIR_VARIABLE in os.environ:
    # Multiprocess mode, as prometheus_client decides it: every sample checks whether the
    # process forked since by asking for its id, by default through `os.getpid()`, a system
    # call (several a request). The cached id answers the same, distinct in every live
    # process. Swapped before any metric exists: these are the process's only metrics.
    values.ValueClass = values.MultiProcessValue(process_identifier=process_id)  # type: ignore[no-untyped-call]

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# A run lasts up to its timeout (30 s at most), plus the sandbox's start and stop.
RUN_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0)

HTTP_REQUESTS = Counter(
    "armature_http_requests_total",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "armature_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
HTTP_IN_FLIGHT = Gauge(
    "armature_http_requests_in_flight",
    "HTTP requests being answered right now.",
    multiprocess_mode="livesum",
)
DB_CHECKED_OUT = Gauge(
    "armature_db_pool_checked_out",
    "Database connections handed out by the pool right now.",
    multiprocess_mode="livesum",
)
DB_OVERFLOW = Gauge(
    "armature_db_pool_overflow",
    "Database connections open beyond the pool's size right now.",
    multiprocess_mode="livesum",
)
OUTBOX_PENDING = Gauge(
    "armature_outbox_pending",
    "Events committed but not yet published (sampled where the relay runs).",
    multiprocess_mode="livemostrecent",
)
OUTBOX_OLDEST_AGE = Gauge(
    "armature_outbox_oldest_pending_age_seconds",
    "How long the oldest unpublished event has waited; 0 when none waits.",
    multiprocess_mode="livemostrecent",
)
MESSAGES_CONSUMED = Counter(
    "armature_messages_consumed_total",
    "Messages handled by consumers, by consumer, type and outcome (ok or failed).",
    ["consumer", "type", "outcome"],
)
MESSAGES_DEAD_LETTERED = Counter(
    "armature_messages_dead_lettered_total",
    "Messages a consumer gave up on after its retries, by consumer.",
    ["consumer"],
)
AUTOMATION_RUNS = Counter(
    "armature_automation_runs_total",
    "Finished automation runs, by status.",
    ["status"],
)
AUTOMATION_DURATION = Histogram(
    "armature_automation_run_duration_seconds",
    "How long finished automation runs took in the sandbox.",
    buckets=RUN_BUCKETS,
)
RATE_LIMIT_REJECTIONS = Counter(
    "armature_rate_limit_rejections_total",
    "Requests refused with 429, by the limit spent (route, login_ip, login_username).",
    ["scope"],
)
AUTHENTICATION_FAILURES = Counter(
    "armature_authentication_failures_total",
    "Bearer tokens refused, by reason; a request without a token is not a failure.",
    ["reason"],
)
