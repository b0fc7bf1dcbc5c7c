"""Authentication and scopes for routes: the toolkit a component's HTTP adapter uses.

A route asks for `Annotated[Principal, Security(authenticated, scopes=[...])]`; the scopes
show up in OpenAPI. The authenticator behind it is whatever the container provides.
"""

# No `from __future__ import annotations`: dependency-injector reads the Provide markers
# from evaluated signatures.
import structlog
from dependency_injector.wiring import inject
from fastapi import Request
from fastapi.openapi.models import OAuth2
from fastapi.security import OAuth2PasswordBearer, SecurityScopes
from fastapi.security.base import SecurityBase

from api.metrics import AUTHENTICATION_FAILURES
from core.errors import PermissionDenied, Unauthenticated
from core.injection import Provide
from core.security import Authenticator, Principal

TOKEN_URL = "/api/v1/auth/token"  # noqa: S105 (a path, not a password)

# The flow's scopes are filled in by create_app from the enabled components.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, scopes={}, auto_error=False)


# Where a request's caller is kept once authenticated (ASGI scope state; None: no token).
_PRINCIPAL = "armature.principal"


async def optional_principal(request: Request) -> Principal | None:
    """The caller when it sent a bearer token (which must then be valid), else None.

    Authenticated once per request, whatever asks first (the rate limit, the route's scope
    check, a route of its own): the answer is kept in the request's state.
    """
    state = request.scope.setdefault("state", {})
    if _PRINCIPAL not in state:
        state[_PRINCIPAL] = await _authenticate(request)
    principal: Principal | None = state[_PRINCIPAL]
    return principal


@inject
async def _authenticate(
    request: Request, authenticator: Authenticator = Provide["authenticator"]
) -> Principal | None:
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


class _ScopedCaller(SecurityBase):
    """`Security(authenticated, scopes=[...])`: the caller, holding every scope the route asks.

    The bearer scheme itself, as far as OpenAPI is concerned (same model, same name), so
    a route documents its token and scopes through one dependency with no dependencies of
    its own: FastAPI works out a cache key and a solve for every dependency of every
    request, and a graph of four cost more than the check.
    """

    def __init__(self, scheme: OAuth2PasswordBearer) -> None:
        self.model = scheme.model
        self.scheme_name = scheme.scheme_name

    async def __call__(self, request: Request, security_scopes: SecurityScopes) -> Principal:
        """401 without a valid token, 403 when a scope is missing."""
        principal = await optional_principal(request)
        if principal is None:
            # Not a failure for the metrics: a client that sent nothing had nothing refused.
            raise Unauthenticated("This endpoint needs a bearer token.", reason="missing_token")
        missing = sorted(set(security_scopes.scopes) - principal.scopes)
        if missing:
            AUTHENTICATION_FAILURES.labels("insufficient_scope").inc()
            raise PermissionDenied(f"The token lacks the scope(s): {' '.join(missing)}.")
        return principal


authenticated = _ScopedCaller(oauth2_scheme)


def document_scopes(scopes: dict[str, str]) -> None:
    """Publish the enabled components' scopes in the OAuth2 flow of the OpenAPI document."""
    model = oauth2_scheme.model
    if isinstance(model, OAuth2) and model.flows.password is not None:
        model.flows.password.scopes.clear()
        model.flows.password.scopes.update(scopes)
