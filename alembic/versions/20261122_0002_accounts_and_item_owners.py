"""Add accounts, refresh tokens and item owners.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 14:11:44.400347
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.adapters.sqlalchemy.types

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("full_name", sa.String(length=200), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("scopes", core.adapters.sqlalchemy.types.ScopeSet(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("identity_issuer", sa.String(length=500), nullable=True),
        sa.Column("identity_subject", sa.String(length=255), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", core.adapters.sqlalchemy.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", core.adapters.sqlalchemy.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account")),
        sa.UniqueConstraint("email", name=op.f("uq_account_email")),
        sa.UniqueConstraint(
            "identity_issuer", "identity_subject", name=op.f("uq_account_identity_issuer")
        ),
    )
    op.create_table(
        "refresh_token",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", core.adapters.sqlalchemy.types.ScopeSet(), nullable=False),
        sa.Column("created_at", core.adapters.sqlalchemy.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", core.adapters.sqlalchemy.types.UTCDateTime(), nullable=False),
        sa.Column("used_at", core.adapters.sqlalchemy.types.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", core.adapters.sqlalchemy.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_refresh_token_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_token_token_hash")),
    )
    with op.batch_alter_table("refresh_token", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_refresh_token_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_refresh_token_family_id"), ["family_id"], unique=False)

    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_id", sa.Uuid(), nullable=True))
        batch_op.create_index(
            "ix_item_owner_id_created_at", ["owner_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.drop_index("ix_item_owner_id_created_at")
        batch_op.drop_column("owner_id")

    with op.batch_alter_table("refresh_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refresh_token_family_id"))
        batch_op.drop_index(batch_op.f("ix_refresh_token_account_id"))

    op.drop_table("refresh_token")
    op.drop_table("account")
