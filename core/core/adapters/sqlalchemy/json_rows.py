"""Rows rendered as JSON by PostgreSQL, each value as pydantic's JSON mode writes it.

A read that only serves JSON can ask PostgreSQL for the JSON itself. Turning a page of 100
rows into Python objects, validating them and dumping them again costs a worker more than a
millisecond; PostgreSQL writes the same array for a fraction of that, and the driver hands
over one string. The values match pydantic's JSON for the same row: UUIDs and text as
strings, integers and booleans as such, `Money` as a decimal string, `UTCDateTime` in ISO 8601
with `Z` and microseconds only when there are some. A column of any other type is refused:
PostgreSQL would write it its own way (a float, a `ScopeSet`), not pydantic's.

PostgreSQL only (`json_agg`, `aggregate_order_by`, `to_char`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Integer,
    Select,
    String,
    Text,
    Uuid,
    cast,
    func,
    literal_column,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql.expression import ColumnClause, Subquery

from core.adapters.sqlalchemy.types import Money, UTCDateTime

_ISO_UTC = literal_column("""'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'""", String)
# Python's ISO format leaves out a fraction of zero; it can only stand at the end.
_NO_FRACTION = literal_column("'.000000Z'", String), literal_column("'Z'", String)
_EMPTY_ARRAY: ColumnClause[Any] = literal_column("'[]'::json")
# Written by PostgreSQL as pydantic writes the Python values the driver returns for them.
_AS_THEY_ARE = (Uuid, String, Integer, Boolean)
_ROW = "rendered"


def json_value(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """The column's value as pydantic writes it in JSON; TypeError for a type it cannot."""
    if isinstance(column.type, UTCDateTime):
        utc = func.timezone(literal_column("'UTC'", String), column)
        return func.replace(func.to_char(utc, _ISO_UTC), *_NO_FRACTION)
    if isinstance(column.type, Money):
        return cast(column, String)
    if isinstance(column.type, _AS_THEY_ARE):
        return column
    raise TypeError(f"no JSON rendering for {column.key} of type {column.type!r}")


def json_array(
    rows: Subquery, keys: Sequence[str], order_by: Sequence[ColumnElement[Any]]
) -> Select[str]:
    """The rows as a JSON array of objects with these keys (the rows' columns of the same
    names), in this order; `[]` when there are none. The result is the JSON text.

    Each object is a row of its own (a lateral select of the converted values) turned to
    JSON whole: `json_build_object` over the same values looks up every argument's type
    on every row, and costs PostgreSQL about a third more.
    """
    if _ROW in keys:
        # PostgreSQL would take `to_json(rendered)` for that column, not for the row.
        raise ValueError(f"a key may not be named {_ROW!r}")
    converted = (json_value(rows.c[key]).label(key) for key in keys)
    values = select(*converted).correlate(rows).lateral(_ROW)
    objects = func.json_agg(aggregate_order_by(func.to_json(values.table_valued()), *order_by))
    rendered = cast(func.coalesce(objects, _EMPTY_ARRAY), Text)
    return select(rendered).select_from(rows).join(values, true())
