"""The HTTP adapter of mailed links: email verification and password reset."""

# No `from __future__ import annotations`: dependency-injector reads the Provide markers
# from evaluated signatures.
from typing import Annotated

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Request, status

from accounts import interface
from accounts.dependencies import AccountsDeps
from accounts.serializers import Accepted, EmailRequest, LinkToken, PasswordReset
from api.rate_limits import enforce_login_limits
from core.injection import Provide
from core.problems import problem_responses

router = APIRouter(prefix="/auth", tags=["accounts"])

Deps = Annotated[AccountsDeps, Depends(Provide["accounts.deps"])]


@router.post(
    "/verify-email", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(422)
)
@inject
async def verify_email(data: LinkToken, deps: Deps) -> None:
    """Confirm the address with the token of the mailed link; it works once."""
    await interface.verify_email(deps, token=data.token.get_secret_value())


@router.post(
    "/verify-email/resend",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(422, 429),
)
@inject
async def resend_verification(data: EmailRequest, deps: Deps, request: Request) -> Accepted:
    """Mail a new verification link; the same answer whether or not the address has an account."""
    await enforce_login_limits(request, str(data.email))
    await interface.request_email_verification(deps, email=str(data.email))
    return Accepted()


@router.post(
    "/password-reset", status_code=status.HTTP_202_ACCEPTED, responses=problem_responses(422, 429)
)
@inject
async def request_password_reset(data: EmailRequest, deps: Deps, request: Request) -> Accepted:
    """Mail a reset link; the same answer whether or not the address has an account."""
    await enforce_login_limits(request, str(data.email))
    await interface.request_password_reset(deps, email=str(data.email))
    return Accepted()


@router.post(
    "/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(422),
)
@inject
async def reset_password(data: PasswordReset, deps: Deps) -> None:
    """Set a new password with the token of the mailed link; every session is signed out."""
    await interface.reset_password(
        deps, token=data.token.get_secret_value(), password=data.password.get_secret_value()
    )
