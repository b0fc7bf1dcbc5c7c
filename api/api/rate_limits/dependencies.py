"""The FastAPI side: the app's limiter, route dependencies, login guards and 429/503 answers."""

import hashlib
import unicodedata
from collections.abc import Awaitable, Callable
from typing import Protocol
from uuid import UUID

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from limits import RateLimitItem

from api.client_ip import address_bucket, client_host
from api.errors import problem
from api.metrics import RATE_LIMIT_REJECTIONS
from api.rate_limits.limiter import Quota, RateLimited, RateLimiter, RateLimitUnavailable
from api.responses import PendingHeaders, add_response_headers
from api.routes import route_template

UNAVAILABLE_RETRY_AFTER_SECONDS = 5


def install_rate_limits(app: FastAPI, limiter: RateLimiter) -> None:
    """Give the app its limiter, the `RateLimit-*` headers a way onto every response, and
    render the limiter's refusals as problem+json."""
    app.state.rate_limiter = limiter
    app.add_middleware(PendingHeaders)
    app.exception_handler(RateLimited)(on_rate_limited)
    app.exception_handler(RateLimitUnavailable)(on_rate_limit_unavailable)


def check_route_limits(app: FastAPI, limiter: RateLimiter) -> None:
    """Refuse route limits naming no route of the app: a typo would silently limit nothing.

    Call it once every router is included.
    """
    known = {
        f"{method} {context.path}"
        for context in iter_route_contexts(app.routes)
        for method in context.methods or ()
    }
    if unknown := sorted(set(limiter.routes) - known):
        raise ValueError(f"rate limits name routes the app does not have: {', '.join(unknown)}")


def rate_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.rate_limiter
    return limiter


async def on_rate_limited(request: Request, exc: RateLimited) -> JSONResponse:
    headers = {**exc.quota.headers(), "Retry-After": str(exc.retry_after_seconds)}
    detail = f"Too many requests; retry in {exc.retry_after_seconds} s."
    return problem(request, 429, detail, headers=headers, type="urn:armature:problem:rate_limited")


async def on_rate_limit_unavailable(request: Request, _exc: RateLimitUnavailable) -> JSONResponse:
    return problem(
        request,
        503,
        "Rate limiting is unavailable; retry shortly.",
        headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER_SECONDS)},
        type="urn:armature:problem:rate_limit_unavailable",
    )


def principal_key(account_id: UUID | None, client_ip: str) -> str:
    """Whom a limit counts: the account when the caller authenticated, else its address."""
    if account_id is not None:
        return f"account:{account_id}"
    return f"ip:{address_bucket(client_ip)}"


def username_key(username: str) -> str:
    """One key per login name whatever its case; hashed, so no email is stored in clear."""
    normalized = unicodedata.normalize("NFKC", username).strip().casefold()
    return "username:" + hashlib.sha256(normalized.encode()).hexdigest()


async def enforce_rate_limit(request: Request, key: str) -> None:
    """Count a hit for `key` on the route's limit (or the default); report it in the headers
    of the response, whichever it is (an error's problem too)."""
    limiter = rate_limiter(request)
    bucket, limit = limiter.limit_for(request.method, route_template(request.scope))
    quota = await _hit(limiter, "route", limit, bucket, key)
    if quota is not None:
        add_response_headers(request.scope, quota.headers())


class Caller(Protocol):
    """What the rate limit needs of a principal (core.security.Principal fits)."""

    @property
    def account_id(self) -> UUID: ...


def rate_limit(
    caller: Callable[[Request], Awaitable[Caller | None]],
) -> Callable[[Request], Awaitable[None]]:
    """A route dependency limiting by account when `caller` finds one, else by client IP.

    `caller` is awaited here rather than declared as a dependency: every dependency costs
    FastAPI a solve per request, and this one runs on every limited route.
    """

    async def dependency(request: Request) -> None:
        who = await caller(request)
        account_id = who.account_id if who is not None else None
        await enforce_rate_limit(request, principal_key(account_id, client_host(request)))

    return dependency


async def enforce_login_limits(request: Request, username: str) -> None:
    """Count a login attempt against the client's address and against the username."""
    limiter = rate_limiter(request)
    ip, name = principal_key(None, client_host(request)), username_key(username)
    await _hit(limiter, "login_ip", limiter.login_per_ip, "login", ip)
    await _hit(limiter, "login_username", limiter.login_per_username, "login", name)


async def _hit(
    limiter: RateLimiter, scope: str, limit: RateLimitItem, bucket: str, key: str
) -> Quota | None:
    """A hit on `limit`; a refusal is counted under `scope`, the limit the caller spent."""
    try:
        return await limiter.hit(limit, bucket, key)
    except RateLimited:
        RATE_LIMIT_REJECTIONS.labels(scope).inc()
        raise
