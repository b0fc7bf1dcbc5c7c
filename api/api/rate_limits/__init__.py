"""Rate limits: a moving window per caller, shared by every worker and instance through Redis.

`RateLimiter` counts hits with `limits` (in memory for one process, Redis for a fleet).
`install_rate_limits` puts one on the app, sends the `RateLimit-*` headers with whatever
response a counted request ends with (`api.responses.PendingHeaders`), and renders its
refusals as problem+json: 429 with `Retry-After` and `RateLimit-*` when a caller spent its
quota, 503 when the storage is down and the limiter fails closed. Routes opt in with
`Depends(rate_limit(caller))`, `caller` awaited with the request for the principal (or None);
the login route calls `enforce_login_limits` before it checks a password.
"""

from api.rate_limits.dependencies import (
    Caller,
    check_route_limits,
    enforce_login_limits,
    enforce_rate_limit,
    install_rate_limits,
    on_rate_limit_unavailable,
    on_rate_limited,
    principal_key,
    rate_limit,
    rate_limiter,
    username_key,
)
from api.rate_limits.limiter import (
    Quota,
    RateLimitConfig,
    RateLimited,
    RateLimiter,
    RateLimitUnavailable,
)

__all__ = [
    "Caller",
    "Quota",
    "RateLimitConfig",
    "RateLimitUnavailable",
    "RateLimited",
    "RateLimiter",
    "check_route_limits",
    "enforce_login_limits",
    "enforce_rate_limit",
    "install_rate_limits",
    "on_rate_limit_unavailable",
    "on_rate_limited",
    "principal_key",
    "rate_limit",
    "rate_limiter",
    "username_key",
]
