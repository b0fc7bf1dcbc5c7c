"""Rows rendered as JSON by PostgreSQL, each value as pydantic's JSON mode writes it.

A read that only serves JSON can ask PostgreSQL for the JSON itself. Turning a page of 100
rows into Python objects, validating them and dumping them again costs a worker about a
millisecond; PostgreSQL writes the same array for a fraction of that, and the driver hands
over one string. The values match pydantic's output for the same row: UUIDs and text as
strings, integers as numbers, `Money` as a decimal string, `UTCDateTime` in ISO 8601 with
`Z` and microseconds only when there are some.

PostgreSQL only (`json_agg`, `aggregate_order_by`, `to_char`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, String, Text, case, cast, func, literal_column
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql.expression import ColumnClause, Subquery

from core.adapters.sqlalchemy.types import Money, UTCDateTime

_SECONDS = literal_column("""'YYYY-MM-DD"T"HH24:MI:SS'""", String)
_MICROSECONDS = literal_column("'.US'", String)
_EMPTY_ARRAY: ColumnClause[Any] = literal_column("'[]'::json")


def json_value(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """The column's value as pydantic writes it in JSON; other types as PostgreSQL does."""
    if isinstance(column.type, UTCDateTime):
        return _iso_utc(column)
    if isinstance(column.type, Money):
        return cast(column, String)
    return column


def json_array(
    rows: Subquery, keys: Sequence[str], order_by: Sequence[ColumnElement[Any]]
) -> ColumnElement[str]:
    """The rows as a JSON array of objects with these keys (the rows' columns of the same
    names), in this order; `[]` when there are none. The result is the JSON text."""
    pairs: list[ColumnElement[Any]] = []
    for key in keys:
        pairs += [_constant(key), json_value(rows.c[key])]
    objects = func.json_agg(aggregate_order_by(func.json_build_object(*pairs), *order_by))
    return cast(func.coalesce(objects, _EMPTY_ARRAY), Text)


def _iso_utc(column: ColumnElement[Any]) -> ColumnElement[str]:
    utc = func.timezone(_constant("UTC"), column)
    whole_second = func.date_trunc(_constant("second"), utc) == utc
    fraction = case((whole_second, _constant("")), else_=func.to_char(utc, _MICROSECONDS))
    return func.to_char(utc, _SECONDS, type_=String) + fraction + _constant("Z")


def _constant(text: str) -> ColumnClause[str]:
    """A string written into the statement: a bound one would need a type for each use."""
    if "'" in text or "\\" in text:
        raise ValueError(f"not a plain constant: {text!r}")
    return literal_column(f"'{text}'", String)
