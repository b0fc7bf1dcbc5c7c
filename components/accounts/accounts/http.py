"""The accounts HTTP adapter: sign-up, the caller's account, administration, OAuth2 tokens."""

# No `from __future__ import annotations`: dependency-injector reads the Provide markers
# from evaluated signatures.
from typing import Annotated, Any
from uuid import UUID

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Query, Request, Response, Security, status
from fastapi.security import OAuth2PasswordRequestFormStrict

from accounts import interface
from accounts.dependencies import AccountsDeps
from accounts.serializers import (
    AccountAdminUpdate,
    AccountListQuery,
    AccountPage,
    AccountRead,
    RefreshRequest,
    SignUp,
    TokenPair,
)
from accounts.tokens import TokenService
from api.rate_limits import enforce_login_limits
from api.security import TOKEN_URL, authenticated
from core.injection import Provide
from core.problems import problem_responses
from core.security import ADMIN_SCOPE, Principal

router = APIRouter(tags=["accounts"])
well_known = APIRouter(prefix="/.well-known", tags=["accounts"])

Deps = Annotated[AccountsDeps, Depends(Provide["accounts.deps"])]
Tokens = Annotated[TokenService, Depends(Provide["accounts.tokens"])]
Caller = Annotated[Principal, Security(authenticated)]
Admin = Annotated[Principal, Security(authenticated, scopes=[ADMIN_SCOPE])]
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@router.post(
    "/accounts", status_code=status.HTTP_201_CREATED, responses=problem_responses(409, 422)
)
@inject
async def sign_up(data: SignUp, deps: Deps) -> AccountRead:
    return await interface.sign_up(deps, data=data)


@router.get("/accounts/me", responses=problem_responses(401))
@inject
async def read_me(caller: Caller, deps: Deps) -> AccountRead:
    return await interface.get_account(deps, account_id=caller.account_id)


@router.get("/accounts", responses=problem_responses(401, 403, 422))
@inject
async def list_accounts(
    query: Annotated[AccountListQuery, Query()], _admin: Admin, deps: Deps
) -> AccountPage:
    return await interface.list_accounts(deps, query=query)


@router.patch("/accounts/{account_id}", responses=problem_responses(401, 403, 404, 422))
@inject
async def update_account(
    account_id: UUID, changes: AccountAdminUpdate, admin: Admin, deps: Deps
) -> AccountRead:
    return await interface.update_account(deps, account_id=account_id, changes=changes, actor=admin)


@router.post(TOKEN_URL.removeprefix("/api/v1"), responses=problem_responses(401, 422, 429))
@inject
async def issue_token(
    form: Annotated[OAuth2PasswordRequestFormStrict, Depends()],
    deps: Deps,
    request: Request,
    response: Response,
) -> TokenPair:
    """The OAuth2 password grant: `username` is the account's email."""
    await enforce_login_limits(request, form.username)
    response.headers.update(NO_STORE)
    requested = frozenset(form.scopes) or None
    return await interface.sign_in_with_password(
        deps, email=form.username, password=form.password, scopes=requested
    )


@router.post("/auth/refresh", responses=problem_responses(401, 422))
@inject
async def refresh(data: RefreshRequest, deps: Deps, response: Response) -> TokenPair:
    response.headers.update(NO_STORE)
    return await interface.refresh_session(
        deps, refresh_token=data.refresh_token.get_secret_value()
    )


@router.post(
    "/auth/logout", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(422)
)
@inject
async def log_out(data: RefreshRequest, deps: Deps) -> None:
    await interface.log_out(deps, refresh_token=data.refresh_token.get_secret_value())


@well_known.get("/jwks.json")
@inject
async def jwks(tokens: Tokens) -> dict[str, list[dict[str, str]]]:
    """The public keys that verify our access tokens (never any private part)."""
    return tokens.codec.public_jwks()


@well_known.get("/openid-configuration")
@inject
async def openid_configuration(request: Request, tokens: Tokens) -> dict[str, Any]:
    issuer = tokens.issuer.rstrip("/")
    return {
        "issuer": tokens.issuer,
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "token_endpoint": f"{issuer}{TOKEN_URL}",
        "scopes_supported": sorted(request.app.state.scopes),
        "grant_types_supported": ["password", "refresh_token"],
        "response_types_supported": ["token"],
        "token_endpoint_auth_methods_supported": ["none"],
        "id_token_signing_alg_values_supported": sorted(tokens.codec.algorithms),
    }
