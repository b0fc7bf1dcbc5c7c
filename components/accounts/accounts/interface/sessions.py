"""Use cases on sessions: sign in, rotate refresh tokens, sign out, authenticate a request."""

from __future__ import annotations

from uuid import UUID, uuid4

from accounts.access import Known
from accounts.dependencies import AccountsDeps
from accounts.errors import (
    AccountNotFound,
    EmailNotVerified,
    InvalidCredentials,
    InvalidRefreshToken,
)
from accounts.models import Account, RefreshToken
from accounts.repository import AccountsUnitOfWork
from accounts.serializers import TokenPair
from accounts.tokens import hash_refresh_token
from core.errors import Unauthenticated
from core.security import Principal


async def sign_in_with_password(
    deps: AccountsDeps, *, email: str, password: str, scopes: frozenset[str] | None = None
) -> TokenPair:
    """A token pair for valid credentials; InvalidCredentials otherwise, in the same time."""
    async with deps.uow() as uow:
        account = await uow.accounts.by_email(email)
        valid, rehashed = await deps.passwords.verify(
            password, account.password_hash if account else None
        )
        if account is None or not valid or account.disabled:
            raise InvalidCredentials
        _check_verified(deps, account)
        if rehashed is not None:
            account.password_hash = rehashed
        pair = await _issue(deps, uow, account, account.grantable(scopes), family_id=uuid4())
        await uow.commit()
        return pair


async def refresh_session(deps: AccountsDeps, *, refresh_token: str) -> TokenPair:
    """Trade a refresh token for a new pair; a reused token revokes its whole family."""
    now = deps.clock()
    async with deps.uow() as uow:
        stored = await uow.refresh_tokens.by_hash(hash_refresh_token(refresh_token))
        if stored is None:
            raise InvalidRefreshToken
        if stored.used_at is not None or stored.revoked_at is not None:
            # Reuse means the token leaked: whoever holds its successors must sign in again.
            await uow.refresh_tokens.revoke_family(stored.family_id, now)
            await uow.commit()
            raise InvalidRefreshToken
        account = await uow.accounts.get(stored.account_id)
        if not stored.usable(now) or account is None or account.disabled:
            raise InvalidRefreshToken
        _check_verified(deps, account)
        stored.used_at = now
        pair = await _issue(deps, uow, account, stored.scopes, family_id=stored.family_id)
        await uow.commit()
        return pair


async def log_out(deps: AccountsDeps, *, refresh_token: str) -> None:
    """Revoke the refresh token's family; unknown tokens are ignored (nothing to reveal)."""
    async with deps.uow() as uow:
        stored = await uow.refresh_tokens.by_hash(hash_refresh_token(refresh_token))
        if stored is not None:
            await uow.refresh_tokens.revoke_family(stored.family_id, deps.clock())
            await uow.commit()


async def authenticate(deps: AccountsDeps, *, access_token: str) -> Principal:
    """The principal behind one of our access tokens; Unauthenticated for a disabled account."""
    claims = deps.tokens.verify_access_token(access_token)
    access = await _access(deps, claims.account_id)
    if access is None or access.disabled:
        raise Unauthenticated(
            "The account behind this token is disabled or gone.", reason="account_disabled"
        )
    # As Account.principal: a token never grants more than the account still holds.
    return Principal(account_id=claims.account_id, scopes=claims.scopes & access.scopes)


async def principal_for_email(deps: AccountsDeps, *, email: str) -> Principal:
    """The email's account as a principal with all its scopes; AccountNotFound, Unauthenticated."""
    async with deps.uow() as uow:
        account = await uow.accounts.by_email(email.strip())
        if account is None:
            raise AccountNotFound(email)
        if account.disabled:
            raise Unauthenticated(f"Account {email} is disabled.", reason="account_disabled")
        return account.principal(account.scopes)


async def _access(deps: AccountsDeps, account_id: UUID) -> Known:
    """The account's current access: remembered for a few seconds, else read (see AccessMemo)."""
    remembered, access = deps.access.recall(account_id)
    if not remembered:
        async with deps.reader() as uow:
            access = await uow.accounts.access(account_id)
        deps.access.remember(account_id, access)
    return access


def _check_verified(deps: AccountsDeps, account: Account) -> None:
    """EmailNotVerified when the settings want a verified email first (after the password
    proved who is asking, so it tells nothing to anyone else)."""
    if deps.require_verified_email and not account.email_verified:
        raise EmailNotVerified


async def _issue(
    deps: AccountsDeps,
    uow: AccountsUnitOfWork,
    account: Account,
    scopes: frozenset[str],
    *,
    family_id: UUID,
) -> TokenPair:
    now = deps.clock()
    secret = deps.tokens.new_refresh_secret()
    await uow.refresh_tokens.add(
        RefreshToken(
            id=uuid4(),
            account_id=account.id,
            family_id=family_id,
            token_hash=hash_refresh_token(secret),
            scopes=scopes,
            created_at=now,
            expires_at=now + deps.tokens.refresh_ttl,
        )
    )
    return TokenPair(
        access_token=deps.tokens.access_token(account.id, scopes, now),
        expires_in=int(deps.tokens.access_ttl.total_seconds()),
        refresh_token=secret,
        scope=" ".join(sorted(scopes)),
    )
