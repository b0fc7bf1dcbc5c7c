"""Keyset indexes for every item sort: (sort, id), alone and behind the owner.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 09:19:05.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = {
    "ix_item_created_at": ["created_at"],
    "ix_item_name": ["name"],
    "ix_item_price": ["price"],
    "ix_item_owner_id_created_at": ["owner_id", "created_at"],
}
_NEW = {
    "ix_item_created_at_id": ["created_at", "id"],
    "ix_item_name_id": ["name", "id"],
    "ix_item_price_id": ["price", "id"],
    "ix_item_owner_id_created_at_id": ["owner_id", "created_at", "id"],
    "ix_item_owner_id_name_id": ["owner_id", "name", "id"],
    "ix_item_owner_id_price_id": ["owner_id", "price", "id"],
}


def upgrade() -> None:
    with op.batch_alter_table("item", schema=None) as batch_op:
        for name in _OLD:
            batch_op.drop_index(batch_op.f(name))
        for name, columns in _NEW.items():
            batch_op.create_index(batch_op.f(name), columns, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("item", schema=None) as batch_op:
        for name in _NEW:
            batch_op.drop_index(batch_op.f(name))
        for name, columns in _OLD.items():
            batch_op.create_index(batch_op.f(name), columns, unique=False)
