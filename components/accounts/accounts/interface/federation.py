"""Federated sign-in: a token from a trusted OIDC provider names a local account."""

from __future__ import annotations

from dataclasses import dataclass, replace
from uuid import uuid4

from accounts.dependencies import AccountsDeps
from accounts.models import Account
from core.errors import ConstraintViolation, Unauthenticated
from core.security import Principal

MAX_SUBJECT_LENGTH = 255
MAX_EMAIL_LENGTH = 320
MAX_FULL_NAME_LENGTH = 200


@dataclass(frozen=True)
class _SignIn:
    issuer: str
    subject: str
    scopes: frozenset[str] | None
    email: str | None
    full_name: str | None


async def sign_in_federated(
    deps: AccountsDeps,
    *,
    issuer: str,
    subject: str,
    scopes: frozenset[str] | None,
    email: str | None,
    full_name: str | None,
) -> Principal:
    """The principal of the account known by (issuer, subject), created on first sight.

    `email` must already be verified by the provider; `scopes` is the token's scope claim
    (None when it has none). Unauthenticated for a disabled account or an unusable subject.
    """
    if not subject or len(subject) > MAX_SUBJECT_LENGTH:
        raise Unauthenticated("The token's subject is empty or too long.")
    sign_in = _SignIn(issuer, subject, scopes, _usable_email(email), _usable_name(full_name))
    return await _known(deps, sign_in) or await _first_sight(deps, sign_in)


async def _known(deps: AccountsDeps, sign_in: _SignIn) -> Principal | None:
    async with deps.uow() as uow:
        account = await uow.accounts.by_identity(sign_in.issuer, sign_in.subject)
        if account is None:
            return None
        if account.disabled:
            raise Unauthenticated(
                "The account behind this token is disabled.", reason="account_disabled"
            )
        return _principal(account, sign_in)


async def _first_sight(deps: AccountsDeps, sign_in: _SignIn) -> Principal:
    try:
        return await _create(deps, sign_in)
    except ConstraintViolation:
        pass
    # Either a concurrent first sight created the account (use it), or someone took the
    # email since we checked (create the account without it).
    return await _known(deps, sign_in) or await _create(deps, replace(sign_in, email=None))


async def _create(deps: AccountsDeps, sign_in: _SignIn) -> Principal:
    now = deps.clock()
    async with deps.uow() as uow:
        email = sign_in.email
        if email is not None and await uow.accounts.by_email(email) is not None:
            # An email proves nothing about who holds the account that already has it.
            email = None
        account = Account(
            id=uuid4(),
            email=email,
            full_name=sign_in.full_name,
            password_hash=None,
            scopes=deps.default_scopes,
            disabled=False,
            created_at=now,
            updated_at=now,
            identity_issuer=sign_in.issuer,
            identity_subject=sign_in.subject,
        )
        principal = _principal(account, sign_in)
        await uow.accounts.add(account)
        await uow.commit()
        return principal


def _principal(account: Account, sign_in: _SignIn) -> Principal:
    """The token's scopes within the account's; all of the account's when the token names none."""
    return account.principal(account.scopes if sign_in.scopes is None else sign_in.scopes)


def _usable_email(email: str | None) -> str | None:
    if email is None or len(email) > MAX_EMAIL_LENGTH or "@" not in email:
        return None
    return email.lower()


def _usable_name(full_name: str | None) -> str | None:
    name = (full_name or "").strip()[:MAX_FULL_NAME_LENGTH]
    return name or None
