"""Attachment use cases in memory: the file and its row come and go together."""

from collections.abc import AsyncIterator
from uuid import UUID, uuid4

import pytest

from core.errors import ServiceUnavailable
from core.interfaces import Message
from core.security import Principal
from core.testing import InMemoryFileStorage, SteppingClock
from items import interface
from items.dependencies import AttachmentRules, ItemsDeps
from items.errors import AttachmentNotFound, AttachmentTooLarge, AttachmentTypeRefused, ItemNotFound
from items.models import Attachment, Item, sanitized_filename
from items.serializers import AttachmentUpload, ItemCreate
from items.testing import FakeItemsUnitOfWork

RULES = AttachmentRules(max_bytes=1000, content_types=frozenset({"text/plain", "image/png"}))


class World:
    def __init__(self, *, urls: bool = False) -> None:
        self.items: dict[UUID, Item] = {}
        self.attachments: dict[UUID, Attachment] = {}
        self.files = InMemoryFileStorage(urls=urls)
        self.deps = ItemsDeps(
            uow=lambda: FakeItemsUnitOfWork(self.items, attachments=self.attachments),
            clock=SteppingClock(),
            files=self.files,
            attachments=RULES,
        )


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


def upload(
    *parts: bytes, name: str = "notes.txt", content_type: str = "text/plain"
) -> AttachmentUpload:
    return AttachmentUpload(name, content_type, chunks(*parts))


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
async def item_id(world: World, owner: Principal) -> UUID:
    item = await interface.create_item(world.deps, data=ItemCreate(name="Lamp"), actor=owner)
    return item.id


async def test_upload_keeps_the_bytes_under_a_generated_key_and_lists_them(
    world: World, owner: Principal, item_id: UUID
) -> None:
    read = await interface.upload_attachment(
        world.deps,
        item_id=item_id,
        upload=upload(b"hello ", b"world", name="../../etc/passwd"),
        actor=owner,
    )

    [stored] = world.attachments.values()
    assert (read.filename, read.size, read.content_type) == ("passwd", 11, "text/plain")
    assert stored.storage_key == f"items/{item_id.hex}/{read.id.hex}"
    assert world.files.objects[stored.storage_key].content == b"hello world"
    listed = await interface.list_attachments(world.deps, item_id=item_id, actor=owner)
    assert [a.id for a in listed.items] == [read.id]


async def test_a_file_over_the_limit_leaves_no_row_and_no_file(
    world: World, owner: Principal, item_id: UUID
) -> None:
    with pytest.raises(AttachmentTooLarge):
        await interface.upload_attachment(
            world.deps, item_id=item_id, upload=upload(b"x" * 600, b"y" * 600), actor=owner
        )

    assert world.attachments == {}
    assert world.files.objects == {}


async def test_a_refused_media_type_is_refused_before_anything_is_stored(
    world: World, owner: Principal, item_id: UUID
) -> None:
    with pytest.raises(AttachmentTypeRefused, match="text/html"):
        await interface.upload_attachment(
            world.deps,
            item_id=item_id,
            upload=upload(b"<script>", content_type="text/html"),
            actor=owner,
        )

    assert world.files.objects == {}


async def test_someone_elses_item_is_not_found_for_every_attachment_use_case(
    world: World, owner: Principal, item_id: UUID
) -> None:
    read = await interface.upload_attachment(
        world.deps, item_id=item_id, upload=upload(b"mine"), actor=owner
    )
    stranger = Principal(uuid4(), owner.scopes)

    with pytest.raises(ItemNotFound):
        await interface.upload_attachment(
            world.deps, item_id=item_id, upload=upload(b"x"), actor=stranger
        )
    with pytest.raises(ItemNotFound):
        await interface.list_attachments(world.deps, item_id=item_id, actor=stranger)
    with pytest.raises(ItemNotFound):
        await interface.download_attachment(
            world.deps, item_id=item_id, attachment_id=read.id, actor=stranger
        )
    with pytest.raises(ItemNotFound):
        await interface.delete_attachment(
            world.deps, item_id=item_id, attachment_id=read.id, actor=stranger
        )
    assert len(world.files.objects) == 1


async def test_download_streams_the_bytes_or_names_the_signed_url(owner: Principal) -> None:
    for urls in (False, True):
        world = World(urls=urls)
        item = await interface.create_item(world.deps, data=ItemCreate(name="Lamp"), actor=owner)
        read = await interface.upload_attachment(
            world.deps, item_id=item.id, upload=upload(b"abc"), actor=owner
        )

        download = await interface.download_attachment(
            world.deps, item_id=item.id, attachment_id=read.id, actor=owner
        )

        if urls:
            assert download.url is not None
            assert download.url.startswith(f"https://files.test/items/{item.id.hex}/")
        else:
            assert download.chunks is not None
            assert b"".join([c async for c in download.chunks]) == b"abc"


async def test_delete_removes_the_file_then_the_row_and_an_outage_changes_nothing(
    world: World, owner: Principal, item_id: UUID
) -> None:
    read = await interface.upload_attachment(
        world.deps, item_id=item_id, upload=upload(b"abc"), actor=owner
    )

    world.files.available = False
    with pytest.raises(ServiceUnavailable):
        await interface.delete_attachment(
            world.deps, item_id=item_id, attachment_id=read.id, actor=owner
        )
    assert len(world.attachments) == 1
    world.files.available = True
    await interface.delete_attachment(
        world.deps, item_id=item_id, attachment_id=read.id, actor=owner
    )

    assert world.attachments == {}
    assert world.files.objects == {}
    with pytest.raises(AttachmentNotFound):
        await interface.download_attachment(
            world.deps, item_id=item_id, attachment_id=read.id, actor=owner
        )


async def test_the_deleted_items_files_go_once_the_storage_answers_and_redelivery_is_harmless(
    world: World, owner: Principal, item_id: UUID
) -> None:
    for name in ("a.txt", "b.txt"):
        await interface.upload_attachment(
            world.deps, item_id=item_id, upload=upload(b"x", name=name), actor=owner
        )
    other = await interface.create_item(world.deps, data=ItemCreate(name="Kept"), actor=owner)
    kept = await interface.upload_attachment(
        world.deps, item_id=other.id, upload=upload(b"k"), actor=owner
    )
    await interface.delete_item(world.deps, item_id=item_id, actor=owner)
    deleted = Message(type="item.deleted", data={"item": {"id": str(item_id)}})

    world.files.available = False
    with pytest.raises(ServiceUnavailable):
        await interface.remove_attachments_of_deleted_item(world.deps, deleted)
    assert len(world.attachments) == 3
    world.files.available = True
    removed = await interface.remove_attachments_of_deleted_item(world.deps, deleted)
    again = await interface.remove_attachments_of_deleted_item(world.deps, deleted)

    assert (removed, again) == (2, 0)
    assert list(world.attachments) == [kept.id]
    assert list(world.files.objects) == [f"items/{other.id.hex}/{kept.id.hex}"]


async def test_an_item_deleted_while_its_file_streamed_in_keeps_neither(
    world: World, owner: Principal, item_id: UUID
) -> None:
    async def deleting_midway() -> AsyncIterator[bytes]:
        yield b"first"
        await interface.delete_item(world.deps, item_id=item_id, actor=owner)
        yield b"second"

    with pytest.raises(ItemNotFound):
        await interface.upload_attachment(
            world.deps,
            item_id=item_id,
            upload=AttachmentUpload("a.txt", "text/plain", deleting_midway()),
            actor=owner,
        )

    assert world.attachments == {}
    assert world.files.objects == {}


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("report.pdf", "report.pdf"),
        ("C:\\Users\\ann\\report.pdf", "report.pdf"),
        ("../../.bashrc", "bashrc"),
        ("a\x00b\nc.txt", "abc.txt"),
        ("..", "file"),
        ("", "file"),
        ("e\u0301te\u0301.txt", "été.txt"),
        ("x" * 300, "x" * 255),
    ],
)
def test_sanitized_filenames_keep_a_shown_name_only(raw: str, kept: str) -> None:
    assert sanitized_filename(raw) == kept
