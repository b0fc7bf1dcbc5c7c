"""Authentication and scopes for routes: the toolkit a component's HTTP adapter uses.

A route asks for `Annotated[Principal, Security(authenticated, scopes=[...])]`; the scopes
show up in OpenAPI. The authenticator behind it is whatever the container provides.
"""

from typing import Annotated

# No `from __future__ import annotations`: dependency-injector reads the Provide markers
# from evaluated signatures.
import structlog
from dependency_injector.wiring import inject
from fastapi import Depends, Request
from fastapi.openapi.models import OAuth2
from fastapi.security import OAuth2PasswordBearer, SecurityScopes

from api.metrics import AUTHENTICATION_FAILURES
from core.errors import PermissionDenied, Unauthenticated
from core.injection import Provide
from core.security import Authenticator, Principal

TOKEN_URL = "/api/v1/auth/token"  # noqa: S105 (a path, not a password)

# The flow's scopes are filled in by create_app from the enabled components.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, scopes={}, auto_error=False)


@inject
async def optional_principal(
    request: Request,
    authenticator: Annotated[Authenticator, Depends(Provide["authenticator"])],
) -> Principal | None:
    """The caller when it sent a bearer token (which must then be valid), else None.

    Authenticated once per request. The token is read by calling the scheme, not by
    depending on it: FastAPI caches a dependency per set of security scopes when it hangs
    below a security scheme, so the rate limit's caller and each route's
    `Security(authenticated, scopes=...)` would solve it, and authenticate, again.
    """
    token = await oauth2_scheme(request)
    if token is None:
        return None
    try:
        principal = await authenticator.authenticate(token)
    except Unauthenticated as exc:
        AUTHENTICATION_FAILURES.labels(exc.reason).inc()
        raise
    structlog.contextvars.bind_contextvars(account_id=str(principal.account_id))
    return principal


async def authenticated(
    security_scopes: SecurityScopes,
    principal: Annotated[Principal | None, Depends(optional_principal)],
    # Unused here: it puts the scheme and the route's scopes in the OpenAPI document.
    _token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Principal:
    """The caller, holding every scope the route asks for.

    401 without a valid token, 403 when a scope is missing.
    """
    if principal is None:
        # Not a failure for the metrics: a client that sent nothing had nothing refused.
        raise Unauthenticated("This endpoint needs a bearer token.", reason="missing_token")
    missing = sorted(set(security_scopes.scopes) - principal.scopes)
    if missing:
        AUTHENTICATION_FAILURES.labels("insufficient_scope").inc()
        raise PermissionDenied(f"The token lacks the scope(s): {' '.join(missing)}.")
    return principal


def document_scopes(scopes: dict[str, str]) -> None:
    """Publish the enabled components' scopes in the OAuth2 flow of the OpenAPI document."""
    model = oauth2_scheme.model
    if isinstance(model, OAuth2) and model.flows.password is not None:
        model.flows.password.scopes.clear()
        model.flows.password.scopes.update(scopes)
