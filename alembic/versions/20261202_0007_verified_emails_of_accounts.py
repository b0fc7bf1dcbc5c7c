"""Verified emails of accounts: when the owner of the address followed a mailed link.

Accounts from before stay unverified (null); ACCOUNTS_REQUIRE_VERIFIED_EMAIL is off by default.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:26:17.222901
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.adapters.sqlalchemy.types import UTCDateTime

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("account") as batch_op:
        batch_op.add_column(sa.Column("email_verified_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("account") as batch_op:
        batch_op.drop_column("email_verified_at")
