"""The account and refresh_token tables, mapped onto the plain dataclasses."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, UniqueConstraint, Uuid

from accounts.models import Account, RefreshToken
from core.adapters.sqlalchemy import ScopeSet, UTCDateTime, map_once, metadata

account_table = Table(
    "account",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("email", String(320), nullable=True, unique=True),
    Column("full_name", String(200), nullable=True),
    Column("password_hash", String(200), nullable=True),
    Column("scopes", ScopeSet, nullable=False),
    Column("disabled", Boolean, nullable=False),
    Column("identity_issuer", String(500), nullable=True),
    Column("identity_subject", String(255), nullable=True),
    Column("version", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("email_verified_at", UTCDateTime, nullable=True),
    UniqueConstraint("identity_issuer", "identity_subject"),
)

refresh_token_table = Table(
    "refresh_token",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column(
        "account_id", Uuid, ForeignKey("account.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("family_id", Uuid, nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("scopes", ScopeSet, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
    Column("revoked_at", UTCDateTime, nullable=True),
)


def start_mappers() -> None:
    map_once(
        Account,
        account_table,
        version_id_col=account_table.c.version,
        version_id_generator=False,
    )
    map_once(RefreshToken, refresh_token_table)
