"""Item changes record their events, committed with the change and only then."""

from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from core.interfaces import Message
from core.security import Principal
from items.dependencies import ItemsDeps
from items.errors import ItemVersionMismatch
from items.interface import create_item, delete_item, update_item
from items.models import Item
from items.serializers import ItemCreate, ItemUpdate
from items.testing import FakeItemsUnitOfWork


@pytest.fixture
def outbox() -> list[Message]:
    return []


@pytest.fixture
def recording(deps: ItemsDeps, store: dict[UUID, Item], outbox: list[Message]) -> ItemsDeps:
    return ItemsDeps(uow=lambda: FakeItemsUnitOfWork(store, outbox), clock=deps.clock)


async def test_create_update_delete_record_one_event_each_for_the_owner(
    recording: ItemsDeps, owner: Principal, outbox: list[Message]
) -> None:
    item = await create_item(recording, data=ItemCreate(name="Old"), actor=owner)
    await update_item(recording, item_id=item.id, changes=ItemUpdate(name="New"), actor=owner)
    await delete_item(recording, item_id=item.id, actor=owner)

    assert [event.type for event in outbox] == ["item.created", "item.updated", "item.deleted"]
    assert {event.audience for event in outbox} == {str(owner.account_id)}
    assert len({event.id for event in outbox}) == 3


async def test_update_event_carries_the_previous_and_the_new_state(
    recording: ItemsDeps, owner: Principal, outbox: list[Message]
) -> None:
    item = await create_item(
        recording, data=ItemCreate(name="Old", price=Decimal("1.00")), actor=owner
    )
    await update_item(recording, item_id=item.id, changes=ItemUpdate(name="New"), actor=owner)

    updated = outbox[-1]
    assert updated.data["previous"]["name"] == "Old"
    assert updated.data["previous"]["version"] == 1
    assert updated.data["item"]["name"] == "New"
    assert updated.data["item"]["version"] == 2
    assert updated.data["item"]["price"] == "1.00"
    assert updated.occurred_at.isoformat() == updated.data["item"]["updated_at"]


async def test_an_update_that_changes_nothing_records_nothing(
    recording: ItemsDeps, owner: Principal, outbox: list[Message]
) -> None:
    item = await create_item(recording, data=ItemCreate(name="Same"), actor=owner)
    await update_item(recording, item_id=item.id, changes=ItemUpdate(name="Same"), actor=owner)

    assert [event.type for event in outbox] == ["item.created"]


async def test_a_refused_update_records_nothing(
    recording: ItemsDeps, owner: Principal, outbox: list[Message]
) -> None:
    item = await create_item(recording, data=ItemCreate(name="Old"), actor=owner)

    with pytest.raises(ItemVersionMismatch):
        await update_item(
            recording,
            item_id=item.id,
            changes=ItemUpdate(name="New"),
            actor=owner,
            expected_versions=frozenset({7}),
        )

    assert [event.type for event in outbox] == ["item.created"]


async def test_an_admin_editing_someone_elses_item_notifies_the_owner(
    recording: ItemsDeps, owner: Principal, outbox: list[Message]
) -> None:
    item = await create_item(recording, data=ItemCreate(name="Old"), actor=owner)
    admin = Principal(uuid4(), frozenset({"accounts:admin", "items:write"}))

    await update_item(recording, item_id=item.id, changes=ItemUpdate(name="New"), actor=admin)

    assert outbox[-1].audience == str(owner.account_id)
