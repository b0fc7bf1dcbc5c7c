"""The accounts repositories and unit-of-work ports, and their SQL implementations."""

from __future__ import annotations

import abc
from datetime import datetime
from typing import Protocol
from uuid import UUID

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.access import Access
from accounts.models import Account, RefreshToken
from accounts.tables import account_table, refresh_token_table
from core.adapters.sqlalchemy import SqlAlchemyRepository, SqlAlchemyUnitOfWork
from core.interfaces import Repository, UnitOfWork


class AccountRepository(Repository[Account], Protocol):
    async def by_email(self, email: str) -> Account | None:
        """The account with this address, in any letter case (addresses are stored lower)."""
        ...

    async def by_identity(self, issuer: str, subject: str) -> Account | None: ...

    async def list_page(self, limit: int, offset: int) -> tuple[list[Account], int]: ...

    async def access(self, account_id: UUID) -> Access | None:
        """The account's scopes and whether it is disabled; None when there is no such account.

        What authenticating a request needs, read without loading the aggregate.
        """
        ...


class RefreshTokenRepository(Repository[RefreshToken], Protocol):
    async def by_hash(self, token_hash: str) -> RefreshToken | None: ...

    async def revoke_family(self, family_id: UUID, now: datetime) -> None:
        """Revoke every token of a family that is not revoked yet."""
        ...

    async def revoke_account(self, account_id: UUID, now: datetime) -> None:
        """Revoke every live token of an account."""
        ...


class AccountsUnitOfWork(UnitOfWork, abc.ABC):
    accounts: AccountRepository
    refresh_tokens: RefreshTokenRepository


class SqlAccountRepository(SqlAlchemyRepository[Account]):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, Account)

    async def by_email(self, email: str) -> Account | None:
        query = select(Account).where(account_table.c.email == email.lower())
        return (await self._session.scalars(query)).one_or_none()

    async def by_identity(self, issuer: str, subject: str) -> Account | None:
        query = select(Account).where(
            account_table.c.identity_issuer == issuer,
            account_table.c.identity_subject == subject,
        )
        return (await self._session.scalars(query)).one_or_none()

    async def access(self, account_id: UUID) -> Access | None:
        columns = account_table.c.scopes, account_table.c.disabled
        query = select(*columns).where(account_table.c.id == account_id)
        row = (await self._session.execute(query)).one_or_none()
        return None if row is None else Access(row.scopes, row.disabled)

    async def list_page(self, limit: int, offset: int) -> tuple[list[Account], int]:
        page = select(Account).order_by(account_table.c.created_at, account_table.c.id)
        items = (await self._session.scalars(page.limit(limit).offset(offset))).all()
        total = await self._session.scalar(select(func.count()).select_from(account_table))
        return list(items), total or 0


class SqlRefreshTokenRepository(SqlAlchemyRepository[RefreshToken]):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, RefreshToken)

    async def by_hash(self, token_hash: str) -> RefreshToken | None:
        query = select(RefreshToken).where(refresh_token_table.c.token_hash == token_hash)
        return (await self._session.scalars(query)).one_or_none()

    async def revoke_family(self, family_id: UUID, now: datetime) -> None:
        await self._revoke(refresh_token_table.c.family_id == family_id, now)

    async def revoke_account(self, account_id: UUID, now: datetime) -> None:
        await self._revoke(refresh_token_table.c.account_id == account_id, now)

    async def _revoke(self, condition: ColumnElement[bool], now: datetime) -> None:
        # Flush first: the unit may hold a token it just marked used; "fetch" then updates
        # the loaded tokens in place instead of leaving them stale.
        await self._session.flush()
        statement = (
            update(RefreshToken)
            .where(condition, refresh_token_table.c.revoked_at.is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session="fetch")
        )
        await self._session.execute(statement)


class SqlAccountsUnitOfWork(SqlAlchemyUnitOfWork, AccountsUnitOfWork):
    def _bind(self, session: AsyncSession) -> None:
        self.accounts = SqlAccountRepository(session)
        self.refresh_tokens = SqlRefreshTokenRepository(session)
