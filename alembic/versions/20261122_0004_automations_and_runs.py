"""Add automations and their runs.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 22:05:57.909791
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.adapters.sqlalchemy.types

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "automation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("timeout_seconds", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", core.adapters.sqlalchemy.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", core.adapters.sqlalchemy.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_automation")),
    )
    op.create_index("ix_automation_item_id", "automation", ["item_id"], unique=False)
    op.create_table(
        "automation_run",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("automation_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column(
            "trigger",
            sa.Enum("item.updated", "manual", name="trigger", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "succeeded",
                "failed",
                "timed_out",
                name="runstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("event", sa.JSON(), nullable=False),
        sa.Column("queued_at", core.adapters.sqlalchemy.types.UTCDateTime(), nullable=False),
        sa.Column("started_at", core.adapters.sqlalchemy.types.UTCDateTime(), nullable=True),
        sa.Column("finished_at", core.adapters.sqlalchemy.types.UTCDateTime(), nullable=True),
        sa.Column("exit_code", sa.Integer(), nullable=True),
        sa.Column("stdout", sa.Text(), nullable=False),
        sa.Column("stderr", sa.Text(), nullable=False),
        sa.Column("stdout_truncated", sa.Boolean(), nullable=False),
        sa.Column("stderr_truncated", sa.Boolean(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["automation_id"],
            ["automation.id"],
            name=op.f("fk_automation_run_automation_id_automation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_automation_run")),
    )
    op.create_index(
        "ix_automation_run_automation_id_queued_at",
        "automation_run",
        ["automation_id", "queued_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_automation_run_automation_id_queued_at", table_name="automation_run")
    op.drop_table("automation_run")
    op.drop_index("ix_automation_item_id", table_name="automation")
    op.drop_table("automation")
