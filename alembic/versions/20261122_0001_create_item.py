"""Create the item table.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 13:49:38.132789
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.adapters.sqlalchemy.types

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "item",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=True),
        sa.Column("price", core.adapters.sqlalchemy.types.Money(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", core.adapters.sqlalchemy.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", core.adapters.sqlalchemy.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item")),
    )
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.create_index("ix_item_created_at", ["created_at"], unique=False)
        batch_op.create_index("ix_item_name", ["name"], unique=False)
        batch_op.create_index("ix_item_price", ["price"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.drop_index("ix_item_price")
        batch_op.drop_index("ix_item_name")
        batch_op.drop_index("ix_item_created_at")

    op.drop_table("item")
