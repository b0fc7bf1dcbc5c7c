"""The Item aggregate's rules and the shapes that guard the use cases."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from pydantic import ValidationError

from items.models import Item
from items.serializers import ItemCreate, ItemListQuery, ItemUpdate

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_update_refuses_fields_that_are_not_editable() -> None:
    item = Item.create(name="A", description=None, price=None, owner_id=uuid4(), now=NOW)

    with pytest.raises(ValueError, match="not editable: version"):
        item.update({"version": 7}, NOW)

    assert item.version == 1


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": "   "},
        {"name": "x" * 201},
        {"name": "A", "description": "x" * 2001},
        {"name": "A", "price": "-1"},
        {"name": "A", "price": "1.001"},
        {"name": "A", "price": "NaN"},
        {"name": "A", "extra": 1},
    ],
)
def test_item_create_rejects(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ItemCreate.model_validate(body)


def test_item_create_strips_the_name() -> None:
    assert ItemCreate.model_validate({"name": "  A  ", "price": "1.5"}).price == Decimal("1.5")
    assert ItemCreate.model_validate({"name": "  A  "}).name == "A"


def test_item_update_refuses_a_null_name_but_clears_optionals() -> None:
    with pytest.raises(ValidationError, match="name cannot be null"):
        ItemUpdate.model_validate({"name": None})

    assert ItemUpdate.model_validate({"price": None}).changes() == {"price": None}


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"sort": "id"}, {"page": 2}]
)
def test_list_query_rejects(params: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ItemListQuery.model_validate(params)
