"""Index the published outbox rows by when they went out, so pruning finds the old ones.

The index covers published rows only. On PostgreSQL, CREATE INDEX blocks writes to the table
while it builds; on a large outbox, build it beforehand without blocking, and this revision
then finds it in place:

    CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_outbox_message_published_at
        ON outbox_message (published_at) WHERE published_at IS NOT NULL;

A concurrent build that fails leaves an INVALID index, which IF NOT EXISTS would accept: check
`SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_outbox_message_published_at'::regclass`
and drop the index before trying again if it is false.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 13:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_outbox_message_published_at",
        "outbox_message",
        ["published_at"],
        unique=False,
        if_not_exists=True,
        postgresql_where=sa.text("published_at IS NOT NULL"),
        sqlite_where=sa.text("published_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_outbox_message_published_at",
        table_name="outbox_message",
        postgresql_where=sa.text("published_at IS NOT NULL"),
        sqlite_where=sa.text("published_at IS NOT NULL"),
    )
