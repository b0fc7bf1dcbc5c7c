"""Attachments of items: the metadata of files kept in the file storage.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 09:23:36.571328
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.adapters.sqlalchemy.types import UTCDateTime

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attachment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_attachment_storage_key")),
    )
    op.create_index(
        "ix_attachment_item_id_created_at", "attachment", ["item_id", "created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_attachment_item_id_created_at", table_name="attachment")
    op.drop_table("attachment")
