"""Add the transactional outbox and the consumers' processed-message records.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 21:53:21.247588
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.adapters.sqlalchemy.types

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_message",
        sa.Column("position", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=200), nullable=False),
        sa.Column("audience", sa.String(length=64), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("occurred_at", core.adapters.sqlalchemy.types.UTCDateTime(), nullable=False),
        sa.Column("published_at", core.adapters.sqlalchemy.types.UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("position", name=op.f("pk_outbox_message")),
        sa.UniqueConstraint("id", name=op.f("uq_outbox_message_id")),
    )
    op.create_index(
        "ix_outbox_message_unpublished",
        "outbox_message",
        ["position"],
        unique=False,
        postgresql_where=sa.text("published_at IS NULL"),
        sqlite_where=sa.text("published_at IS NULL"),
    )
    op.create_table(
        "processed_message",
        sa.Column("consumer", sa.String(length=200), nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("processed_at", core.adapters.sqlalchemy.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "message_id", name=op.f("pk_processed_message")),
    )
    op.create_index(
        "ix_processed_message_processed_at", "processed_message", ["processed_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_processed_message_processed_at", table_name="processed_message")
    op.drop_table("processed_message")
    op.drop_index(
        "ix_outbox_message_unpublished",
        table_name="outbox_message",
        postgresql_where=sa.text("published_at IS NULL"),
        sqlite_where=sa.text("published_at IS NULL"),
    )
    op.drop_table("outbox_message")
