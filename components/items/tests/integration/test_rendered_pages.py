"""A v1 page written as JSON by the database reads exactly as the same page dumped by
pydantic: same items, same order, every value in the same form."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from items.models import Item
from items.repository import SqlItemsUnitOfWork
from items.serializers import ITEM_READS, ItemListQuery, ItemSort
from items.tables import start_mappers

Sessions = async_sessionmaker[AsyncSession]
OWNER = uuid4()
# Text JSON must escape, and timestamps with and without a fraction of a second.
AWKWARD = [
    ('quote " and backslash \\', None, None, 0),
    ("line\nbreak\ttab \x01 control", "é ✓ 𝄞", Decimal("0.00"), 5),
    ("</script> & <b>", "", Decimal("9999999999.99"), 120_000),
    ("100% _under_", None, Decimal("12.30"), 999_999),
    ("plain", "described", Decimal("1.00"), 0),
]


@pytest.fixture(autouse=True)
def _mapped() -> None:
    start_mappers()


@pytest.fixture
async def stored(session_factory: Sessions) -> None:
    start = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    async with SqlItemsUnitOfWork(session_factory) as uow:
        for n, (name, description, price, micro) in enumerate(AWKWARD):
            now = start + timedelta(minutes=n, microseconds=micro)
            item = Item.create(
                name=name, description=description, price=price, owner_id=OWNER, now=now
            )
            await uow.items.add(item)
        other = Item.create(
            name="not mine", description=None, price=None, owner_id=uuid4(), now=start
        )
        await uow.items.add(other)
        await uow.commit()


async def _both(
    session_factory: Sessions, query: ItemListQuery, owner: UUID | None
) -> tuple[tuple[object, int], tuple[object, int]]:
    async with SqlItemsUnitOfWork(session_factory, read_only=True) as uow:
        rendered, rendered_total = await uow.items.list_page_json(query, owner)
        items, total = await uow.items.list_page(query, owner)
    return (json.loads(rendered), rendered_total), (json.loads(ITEM_READS.dump_json(items)), total)


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize("sort", list(ItemSort))
@pytest.mark.parametrize("owner", [OWNER, None], ids=["owner", "everyone"])
async def test_every_sort_renders_as_pydantic_dumps(
    session_factory: Sessions, sort: ItemSort, owner: UUID | None
) -> None:
    rendered, dumped = await _both(session_factory, ItemListQuery(sort=sort), owner)

    assert rendered == dumped
    assert rendered[1] == (5 if owner else 6)


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize(
    "query",
    [
        ItemListQuery(q="_UNDER_"),
        ItemListQuery(q="%"),
        ItemListQuery(limit=2, offset=1, sort=ItemSort.NAME),
        ItemListQuery(offset=50),
    ],
    ids=["search", "wildcard", "window", "past-the-end"],
)
async def test_searches_and_windows_render_as_pydantic_dumps(
    session_factory: Sessions, query: ItemListQuery
) -> None:
    rendered, dumped = await _both(session_factory, query, OWNER)

    assert rendered == dumped


@pytest.mark.usefixtures("stored")
async def test_timestamps_read_as_the_api_writes_them(session_factory: Sessions) -> None:
    (items, _), _ = await _both(session_factory, ItemListQuery(sort=ItemSort.CREATED_AT), OWNER)

    assert isinstance(items, list)
    stamps = [item["created_at"] for item in items]
    assert stamps == [
        "2026-01-02T03:04:05Z",
        "2026-01-02T03:05:05.000005Z",
        "2026-01-02T03:06:05.120000Z",
        "2026-01-02T03:07:05.999999Z",
        "2026-01-02T03:08:05Z",
    ]
    assert [item["price"] for item in items] == [None, "0.00", "9999999999.99", "12.30", "1.00"]


async def test_an_empty_table_is_an_empty_array(session_factory: Sessions) -> None:
    async with SqlItemsUnitOfWork(session_factory, read_only=True) as uow:
        assert await uow.items.list_page_json(ItemListQuery(), None) == (b"[]", 0)
