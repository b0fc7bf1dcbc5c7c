"""Use cases on accounts: sign up, read, and what administrators change."""

from __future__ import annotations

from uuid import UUID

from accounts.dependencies import AccountsDeps
from accounts.errors import AccountNotFound, EmailTaken
from accounts.models import Account
from accounts.serializers import AccountAdminUpdate, AccountListQuery, AccountPage, AccountRead
from accounts.serializers import SignUp as SignUpData
from core.errors import ConstraintViolation
from core.security import ADMIN_SCOPE, Principal


async def sign_up(deps: AccountsDeps, *, data: SignUpData) -> AccountRead:
    """Create an account with the default scopes, and have a verification link mailed to it
    (by the worker, after the commit); EmailTaken when the email is in use."""
    password_hash = await deps.passwords.hash(data.password.get_secret_value())
    now = deps.clock()
    account = Account.register(
        email=str(data.email),
        full_name=data.full_name,
        password_hash=password_hash,
        scopes=deps.default_scopes,
        now=now,
    )
    account.request_verification(now)
    async with deps.uow() as uow:
        if await uow.accounts.by_email(str(data.email)) is not None:
            raise EmailTaken
        await uow.accounts.add(account)
        try:
            await uow.commit()
        except ConstraintViolation:
            raise EmailTaken from None
        return AccountRead.model_validate(account)


async def create_admin(deps: AccountsDeps, *, data: SignUpData) -> AccountRead:
    """Make `data.email` an administrator: create the account, or promote an existing one.

    An existing account keeps its password; `data.password` only sets a new account's.
    """
    now = deps.clock()
    async with deps.uow() as uow:
        account = await uow.accounts.by_email(str(data.email))
        if account is None:
            account = Account.register(
                email=str(data.email),
                full_name=data.full_name,
                password_hash=await deps.passwords.hash(data.password.get_secret_value()),
                scopes=deps.default_scopes | {ADMIN_SCOPE},
                now=now,
            )
            account.email_verified_at = now  # the operator who runs the command vouches for it
            await uow.accounts.add(account)
        else:
            account.change(now=now, scopes=account.scopes | {ADMIN_SCOPE}, disabled=False)
        await uow.commit()
        return AccountRead.model_validate(account)


async def get_account(deps: AccountsDeps, *, account_id: UUID) -> AccountRead:
    """The account with this id; AccountNotFound otherwise."""
    async with deps.uow() as uow:
        account = await uow.accounts.get(account_id)
        if account is None:
            raise AccountNotFound(account_id)
        return AccountRead.model_validate(account)


async def find_account(deps: AccountsDeps, *, email: str) -> AccountRead:
    """The account with this email (in any case); AccountNotFound otherwise."""
    async with deps.uow() as uow:
        account = await uow.accounts.by_email(email.strip())
        if account is None:
            raise AccountNotFound(email)
        return AccountRead.model_validate(account)


async def list_accounts(deps: AccountsDeps, *, query: AccountListQuery) -> AccountPage:
    """One page of accounts, oldest first (administrators only: the router checks the scope)."""
    async with deps.uow() as uow:
        accounts, total = await uow.accounts.list_page(query.limit, query.offset)
        return AccountPage(
            items=[AccountRead.model_validate(account) for account in accounts],
            total=total,
            limit=query.limit,
            offset=query.offset,
        )


async def update_account(
    deps: AccountsDeps, *, account_id: UUID, changes: AccountAdminUpdate, actor: Principal
) -> AccountRead:
    """Replace scopes or (dis)able an account; disabling revokes its refresh tokens at once."""
    now = deps.clock()
    async with deps.uow() as uow:
        account = await uow.accounts.get(account_id)
        if account is None or not actor.is_admin:
            raise AccountNotFound(account_id)
        scopes = None if changes.scopes is None else frozenset(changes.scopes)
        if account.change(now=now, scopes=scopes, disabled=changes.disabled):
            if account.disabled:
                await uow.refresh_tokens.revoke_account(account.id, now)
            await uow.commit()
            deps.access.forget(account.id)
        return AccountRead.model_validate(account)
