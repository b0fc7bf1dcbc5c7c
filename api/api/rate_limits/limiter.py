"""The limiter: moving windows counted in memory (one process) or in Redis (the whole fleet).

In Redis a hit and the window it leaves take one round trip, shared by the hits of the same
turn of the event loop (`redis_window`); in memory, limits' own strategy.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.storage.redis.redispy import RedispyBridge
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.util import WindowStats

from api.rate_limits.redis_window import RedisMovingWindow

logger = logging.getLogger(__name__)

# A limiter must not become the slowest part of a request: a stuck Redis costs this, not 30 s.
REDIS_TIMEOUT_SECONDS = 0.5
# While Redis is down every request fails over; one line per interval tells operators enough.
OUTAGE_LOG_INTERVAL_SECONDS = 60.0
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@dataclass(frozen=True)
class RateLimitConfig:
    """Limits in `limits` notation ("300/minute"); `routes` keys are "METHOD /route/{template}"."""

    storage_url: str = "memory://"
    fail_open: bool = True
    default: str = "300/minute"
    routes: Mapping[str, str] = field(default_factory=dict)
    login_per_ip: str = "20/minute"
    login_per_username: str = "10/minute"
    key_prefix: str = "armature"


@dataclass(frozen=True)
class Quota:
    """What is left of one limit after a hit."""

    limit: int
    remaining: int
    reset_after_seconds: int

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_after_seconds),
        }


class RateLimited(Exception):
    """The caller spent its quota; the API answers 429."""

    def __init__(self, quota: Quota, retry_after_seconds: int) -> None:
        super().__init__(f"rate limited; retry after {retry_after_seconds} s")
        self.quota = quota
        self.retry_after_seconds = retry_after_seconds


class RateLimitUnavailable(Exception):
    """The storage is down and the limiter fails closed; the API answers 503."""


class RateLimiter:
    """Counts hits in one storage built from the config; every limit is parsed here, once."""

    def __init__(self, config: RateLimitConfig) -> None:
        self.config = config
        self.default = _parse("default", config.default)
        self.routes = {
            _route(route): _parse(route, limit) for route, limit in config.routes.items()
        }
        self.login_per_ip = _parse("login_per_ip", config.login_per_ip)
        self.login_per_username = _parse("login_per_username", config.login_per_username)
        self._storage = _storage(config)
        self._windows: _Windows = (
            RedisMovingWindow(self._storage, REDIS_TIMEOUT_SECONDS)
            if isinstance(self._storage, RedisStorage)
            else _LimitsWindows(MovingWindowRateLimiter(self._storage))
        )
        self._last_outage_log = -math.inf

    def limit_for(self, method: str, route: str) -> tuple[str, RateLimitItem]:
        """The route's own limit and bucket, else the default one all other routes share."""
        name = f"{method.upper()} {route}"
        if (limit := self.routes.get(name)) is not None:
            return name, limit
        return "default", self.default

    async def hit(self, limit: RateLimitItem, *identifiers: str) -> Quota | None:
        """Count one hit; raise RateLimited when over. None: not counted, failing open."""
        try:
            allowed, stats = await self._windows.hit(limit, *identifiers)
        except StorageError as exc:
            self._storage_down(exc)
            return None
        # The window frees its oldest slot at `reset_time`: the earliest a retry can pass.
        reset_after = max(math.ceil(stats.reset_time - time.time()), 0)
        quota = Quota(limit.amount, max(stats.remaining, 0), reset_after)
        if not allowed:
            raise RateLimited(quota, max(reset_after, 1))
        return quota

    def _storage_down(self, exc: StorageError) -> None:
        now = time.monotonic()
        if now - self._last_outage_log >= OUTAGE_LOG_INTERVAL_SECONDS:
            self._last_outage_log = now
            outcome = "letting requests through" if self.config.fail_open else "refusing with 503"
            logger.warning("rate limit storage unreachable, %s: %s", outcome, exc)
        if not self.config.fail_open:
            raise RateLimitUnavailable from exc

    async def close(self) -> None:
        """Release the Redis connections; the limiter must not be used afterwards."""
        if isinstance(self._windows, RedisMovingWindow):
            await self._windows.drain()
        if isinstance(self._storage, RedisStorage) and isinstance(
            self._storage.bridge, RedispyBridge
        ):
            await self._storage.bridge.storage.aclose()
        elif isinstance(self._storage, MemoryStorage) and self._storage.timer is not None:
            self._storage.timer.cancel()


class _Windows(Protocol):
    async def hit(self, limit: RateLimitItem, *identifiers: str) -> tuple[bool, WindowStats]:
        """Count one hit when there is room; the window as it stands after it."""
        ...


@dataclass(frozen=True)
class _LimitsWindows:
    """limits' own two calls: in memory they cost no round trip."""

    windows: MovingWindowRateLimiter

    async def hit(self, limit: RateLimitItem, *identifiers: str) -> tuple[bool, WindowStats]:
        allowed = await self.windows.hit(limit, *identifiers)
        return allowed, await self.windows.get_window_stats(limit, *identifiers)


def _parse(name: str, notation: str) -> RateLimitItem:
    try:
        items = parse_many(notation)
    except ValueError:
        items = []
    # "1/second;10/minute" parses, but `limits.parse` would silently keep only the first.
    if len(items) != 1:
        raise ValueError(f"rate limit {name}: {notation!r} is not one limit such as '60/minute'")
    return items[0]


def _route(route: str) -> str:
    method, _, path = route.strip().partition(" ")
    if method.upper() not in _METHODS or not path.startswith("/"):
        raise ValueError(f"rate limit route {route!r} is not 'METHOD /route/{{template}}'")
    return f"{method.upper()} {path.strip()}"


def _storage(config: RateLimitConfig) -> Storage:
    scheme = urlsplit(config.storage_url).scheme
    if scheme == "memory":
        return MemoryStorage()
    if scheme in {"redis", "rediss"}:
        return RedisStorage(
            f"async+{config.storage_url}",
            wrap_exceptions=True,  # every client failure arrives as limits' StorageError
            implementation="redispy",
            key_prefix=config.key_prefix,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            # Each call has a deadline of REDIS_TIMEOUT_SECONDS instead (RedisMovingWindow).
            client_name=f"{config.key_prefix}-rate-limits",
        )
    # Only the scheme: the URL may carry a password.
    raise ValueError(f"rate limit storage must be memory:// or redis(s)://, not {scheme}://")
