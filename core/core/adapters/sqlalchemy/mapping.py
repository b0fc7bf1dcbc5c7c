"""Imperative mapping of plain domain classes, exactly once per process."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, inspect

from core.adapters.sqlalchemy.metadata import mapper_registry


def map_once(domain_class: type[Any], table: Table, **mapper_options: Any) -> None:
    """Map `domain_class` onto `table` unless an earlier call already did."""
    if inspect(domain_class, raiseerr=False) is None:
        mapper_registry.map_imperatively(domain_class, table, **mapper_options)
