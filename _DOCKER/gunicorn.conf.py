"""gunicorn settings for production: uvicorn workers, multiprocess metrics, structured logs.

Every value can be set from the environment; `gunicorn -c _DOCKER/gunicorn.conf.py
'api.main:create_app()'` runs the API.
"""

import gc
import os
import shutil
from pathlib import Path
from typing import Any

# Set before anything imports prometheus_client (it picks its storage at import), so every
# worker writes its samples to files in the same place. Hence the imports below it, which
# define the metrics (the settings reach them) and so need the directory to exist.
METRICS_DIR = Path(os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", "/tmp/armature-metrics"))  # noqa: S108
METRICS_DIR.mkdir(parents=True, exist_ok=True)

from api.logs import gunicorn_logconfig_dict  # noqa: E402
from api.settings import Settings  # noqa: E402

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Each worker builds the app after the fork: its database pool, broker connection and
# tracing provider (with its exporter thread) are its own. Preloading would share them.
preload_app = False
# uvicorn's worker with a drain on SIGTERM (GUNICORN_DRAIN_SECONDS): /ready turns 503 first.
worker_class = "api.server.DrainingUvicornWorker"
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * (os.cpu_count() or 1) + 1, 8)))
# Longer than nginx's upstream keep-alive (60 s), so the proxy always closes first.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# A safety net against slow leaks, not a routine: a worker's start costs about a second of
# CPU, so at a few hundred requests/s a limit of 1,000 would spend a third of it restarting.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "100000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "10000"))
# The app alone decides which proxies to believe (TRUSTED_PROXIES).
forwarded_allow_ips = ""
accesslog = None
# The master formats its lines as the workers' app does: one rule (LOG_FORMAT, else json in
# production and a console elsewhere), so no line escapes the format.
_settings = Settings.load()
logconfig_dict = gunicorn_logconfig_dict(_settings.effective_log_format, _settings.log_level)


def on_starting(_server: Any) -> None:
    """Start every run with an empty metrics directory: old workers' files would add up."""
    shutil.rmtree(METRICS_DIR, ignore_errors=True)
    METRICS_DIR.mkdir(parents=True)


def when_ready(_server: Any) -> None:
    """With METRICS_PORT, serve every worker's sum from here: the master outlives them all."""
    from api.metrics import serve_workers_metrics  # noqa: PLC0415 (see METRICS_DIR)

    if _settings.metrics_enabled:
        serve_workers_metrics(_settings.metrics_port, _settings.metrics_host)


# CPython collects its youngest generation every 700 net allocations of container objects:
# under load about 140 times a second per worker, because the requests in flight hold that
# many at any moment. Those collections, and the older ones they feed (each surviving
# request's objects promoted, a full collection pausing the worker ~10 ms every second or
# two), cost 7-8 % of a worker's CPU in the seed benchmark. At 7,000 they run a few times
# a minute; garbage in cycles still triggers them, so memory stays bounded (RSS unchanged).
GC_YOUNG_THRESHOLD = 7000


def post_worker_init(_worker: Any) -> None:
    """The app is built: keep its modules and objects out of every later garbage collection.

    They live as long as the worker; scanning them again and again in the oldest generation
    costs every request a share, the more so under load, when more objects are alive.
    """
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, oldest)


def child_exit(_server: Any, worker: Any) -> None:
    """A worker died or was recycled: drop its live gauges (its counters keep counting)."""
    from api.metrics import mark_worker_dead  # noqa: PLC0415 (see METRICS_DIR)

    mark_worker_dead(worker.pid)
