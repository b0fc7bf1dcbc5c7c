"""The keyset order of API v2 pages: one total order per sort, and positions in it.

Ascending, rows with a value come first by (value, id), then rows without one by id;
descending is the exact reverse. Every page starts strictly after the last row of the one
before, so rows inserted or deleted meanwhile never shift a page: no duplicates, no gaps.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from items.cursors import Position
from items.errors import InvalidCursor
from items.serializers import ItemRead, ItemSort

SortValue = datetime | str | Decimal


def position_of(item: ItemRead, sort: ItemSort) -> Position:
    """Where `item` stands in `sort`: what a cursor after it holds."""
    value = getattr(item, sort.field)
    if value is None:
        return Position(sort=sort.value, value=None, id=item.id)
    text = value.isoformat() if sort.field == "created_at" else str(value)
    return Position(sort=sort.value, value=text, id=item.id)


def sort_value(position: Position, sort: ItemSort) -> SortValue | None:
    """The position's value as the column's type; InvalidCursor when it is not one."""
    if position.value is None:
        return None
    try:
        if sort.field == "created_at":
            moment = datetime.fromisoformat(position.value)
            if moment.tzinfo is None:
                raise InvalidCursor
            return moment
        if sort.field == "price":
            return Decimal(position.value)
    except (ValueError, InvalidOperation):
        raise InvalidCursor from None
    return position.value


def order_key(value: Any, item_id: Any) -> tuple[Any, ...]:
    """The ascending order as a Python key: valued rows by (value, id), then the rest by id."""
    return (0, value, item_id) if value is not None else (1, 0, item_id)
