"""Use cases on an item's files: upload, list, download, delete, and clean up after the item.

The bytes live in the file storage, the metadata in the attachment table. Storage calls
never run inside a unit of work: a slow storage must not hold a transaction (SQLite's one
writer least of all). Every path leaves either both or, for a moment, a file without a row,
which the same path removes: never a row without its file for good, never a file forever.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterable, AsyncIterator
from uuid import UUID

from core.errors import ServiceUnavailable
from core.interfaces import Message
from core.interfaces.files import FileMissing
from core.security import Principal
from items.dependencies import ItemsDeps
from items.errors import AttachmentNotFound, AttachmentTooLarge, AttachmentTypeRefused, ItemNotFound
from items.models import Attachment, Item
from items.repository import ItemsUnitOfWork
from items.serializers import AttachmentDownload, AttachmentList, AttachmentRead, AttachmentUpload

logger = logging.getLogger(__name__)

ON_ITEM_DELETED = "items.attachments.on-item-deleted"


async def upload_attachment(
    deps: ItemsDeps, *, item_id: UUID, upload: AttachmentUpload, actor: Principal
) -> AttachmentRead:
    """Store a file of the item as it streams in; ItemNotFound, AttachmentTypeRefused, or
    AttachmentTooLarge (then nothing is kept: no row, no file)."""
    rules = deps.attachments
    content_type = upload.content_type.partition(";")[0].strip().lower()
    if content_type not in rules.content_types:
        raise AttachmentTypeRefused(content_type, rules.content_types)
    async with deps.uow() as uow:
        item = await _visible_item(uow, item_id, actor)
        attachment = Attachment.new(
            item=item, filename=upload.filename, content_type=content_type, now=deps.clock()
        )
    attachment.size = await deps.files.put(
        attachment.storage_key, _limited(upload.chunks, rules.max_bytes), content_type=content_type
    )
    try:
        async with deps.uow() as uow:
            if not await uow.attachments.hold_item(item_id):
                raise ItemNotFound(item_id)  # deleted while the file streamed in
            await uow.attachments.add(attachment)
            await uow.commit()
    except BaseException:
        await _discard(deps, attachment.storage_key)
        raise
    return AttachmentRead.model_validate(attachment)


async def list_attachments(deps: ItemsDeps, *, item_id: UUID, actor: Principal) -> AttachmentList:
    """The item's attachments, oldest first; ItemNotFound."""
    async with deps.reader() as uow:
        await _visible_item(uow, item_id, actor)
        attachments = await uow.attachments.of_item(item_id)
        return AttachmentList(items=[AttachmentRead.model_validate(a) for a in attachments])


async def download_attachment(
    deps: ItemsDeps, *, item_id: UUID, attachment_id: UUID, actor: Principal
) -> AttachmentDownload:
    """A signed URL of the file when the storage has them, else its bytes as a stream;
    ItemNotFound or AttachmentNotFound."""
    async with deps.reader() as uow:
        attachment = await _visible_attachment(uow, item_id, attachment_id, actor)
        read, key = AttachmentRead.model_validate(attachment), attachment.storage_key
    url = await deps.files.download_url(
        key,
        filename=read.filename,
        content_type=read.content_type,
        expires_in=deps.attachments.url_ttl,
    )
    if url is not None:
        return AttachmentDownload(attachment=read, url=url)
    try:
        chunks = await deps.files.get(key)
    except FileMissing:
        logger.error("attachment %s has no file under %s", attachment_id, key)
        raise AttachmentNotFound(attachment_id) from None
    return AttachmentDownload(attachment=read, chunks=chunks)


async def delete_attachment(
    deps: ItemsDeps, *, item_id: UUID, attachment_id: UUID, actor: Principal
) -> None:
    """Remove the file, then its row; ItemNotFound or AttachmentNotFound.

    A storage outage fails the request before anything changed.
    """
    async with deps.reader() as uow:
        key = (await _visible_attachment(uow, item_id, attachment_id, actor)).storage_key
    await deps.files.delete(key)
    async with deps.uow() as uow:
        found = await uow.attachments.get(attachment_id)
        if found is not None:
            await uow.attachments.remove(found)
            await uow.commit()


async def remove_attachments_of_deleted_item(deps: ItemsDeps, message: Message) -> int:
    """On `item.deleted`: remove every file of the item, then their rows; how many.

    Idempotent: a redelivery finds nothing left. A storage outage raises, and the queue
    delivers the event again later, so no file is orphaned for good.
    """
    item_id = UUID(message.data["item"]["id"])
    async with deps.uow() as uow:
        keys = {a.id: a.storage_key for a in await uow.attachments.of_item(item_id)}
    for key in keys.values():
        await deps.files.delete(key)
    async with deps.uow() as uow:
        for attachment in await uow.attachments.of_item(item_id):
            if attachment.id in keys:  # one uploaded since is the upload's to clean up
                await uow.attachments.remove(attachment)
        await uow.commit()
    return len(keys)


async def _visible_item(uow: ItemsUnitOfWork, item_id: UUID, actor: Principal) -> Item:
    item = await uow.items.get(item_id)
    if item is None or not actor.may_see(item.owner_id):
        raise ItemNotFound(item_id)
    return item


async def _visible_attachment(
    uow: ItemsUnitOfWork, item_id: UUID, attachment_id: UUID, actor: Principal
) -> Attachment:
    await _visible_item(uow, item_id, actor)
    attachment = await uow.attachments.get(attachment_id)
    if attachment is None or attachment.item_id != item_id:
        raise AttachmentNotFound(attachment_id)
    return attachment


async def _limited(chunks: AsyncIterable[bytes], max_bytes: int) -> AsyncIterator[bytes]:
    """The stream, cut off with AttachmentTooLarge the moment it passes `max_bytes`."""
    received = 0
    async for chunk in chunks:
        received += len(chunk)
        if received > max_bytes:
            raise AttachmentTooLarge(max_bytes)
        yield chunk


async def _discard(deps: ItemsDeps, key: str) -> None:
    """Best effort: a file whose row was never written."""
    try:
        await deps.files.delete(key)
    except ServiceUnavailable:
        logger.warning("file %s has no attachment row and could not be removed now", key)
