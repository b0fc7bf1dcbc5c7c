"""Only columns PostgreSQL writes as pydantic does are rendered; the rest are refused."""

import pytest
from sqlalchemy import Column, Float, Integer, MetaData, Numeric, Table, Uuid, select

from core.adapters.sqlalchemy import Money, ScopeSet, UTCDateTime
from core.adapters.sqlalchemy.json_rows import json_array, json_value

TABLE = Table(
    "thing",
    MetaData(),
    Column("id", Uuid, primary_key=True),
    Column("rendered", Integer),
    Column("price", Money),
    Column("at", UTCDateTime),
    Column("ratio", Float),
    Column("amount", Numeric(10, 2)),
    Column("scopes", ScopeSet),
)


@pytest.mark.parametrize("name", ["ratio", "amount", "scopes"])
def test_a_type_pydantic_writes_otherwise_is_refused(name: str) -> None:
    with pytest.raises(TypeError, match=name):
        json_value(TABLE.c[name])


def test_the_known_types_are_rendered_as_they_are_or_converted() -> None:
    assert json_value(TABLE.c.id) is TABLE.c.id, "PostgreSQL writes a UUID as pydantic does"
    for converted in ("price", "at"):
        assert json_value(TABLE.c[converted]) is not TABLE.c[converted]


def test_a_key_named_as_the_row_is_refused() -> None:
    rows = select(TABLE.c.id, TABLE.c.rendered).subquery()

    with pytest.raises(ValueError, match="rendered"):
        json_array(rows, ["id", "rendered"], [rows.c.id])
