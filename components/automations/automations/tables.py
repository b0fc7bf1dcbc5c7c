"""The automation and automation_run tables and their mapping onto the dataclasses."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Uuid,
)

from automations.models import Automation, Run, RunStatus, Trigger
from core.adapters.sqlalchemy import UTCDateTime, map_once, metadata

automation_table = Table(
    "automation",
    metadata,
    Column("id", Uuid, primary_key=True),
    # No foreign key to item: components stay independently installable; the item's
    # deletion event removes its automations.
    Column("item_id", Uuid, nullable=False),
    Column("owner_id", Uuid, nullable=True),
    Column("name", String(200), nullable=False),
    Column("code", Text, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("timeout_seconds", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_automation_item_id", "item_id"),
)

run_table = Table(
    "automation_run",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column(
        "automation_id",
        Uuid,
        ForeignKey("automation.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("owner_id", Uuid, nullable=True),
    Column(
        "trigger",
        Enum(Trigger, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        nullable=False,
    ),
    Column(
        "status",
        Enum(
            RunStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
        ),
        nullable=False,
    ),
    Column("event", JSON, nullable=False),
    Column("queued_at", UTCDateTime, nullable=False),
    Column("started_at", UTCDateTime, nullable=True),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("exit_code", Integer, nullable=True),
    Column("stdout", Text, nullable=False),
    Column("stderr", Text, nullable=False),
    Column("stdout_truncated", Boolean, nullable=False),
    Column("stderr_truncated", Boolean, nullable=False),
    Column("duration_ms", Integer, nullable=True),
    Index("ix_automation_run_automation_id_queued_at", "automation_id", "queued_at"),
)


def start_mappers() -> None:
    """Map both dataclasses; an automation's UPDATE checks the version it read."""
    map_once(
        Automation,
        automation_table,
        version_id_col=automation_table.c.version,
        version_id_generator=False,
    )
    map_once(Run, run_table)
