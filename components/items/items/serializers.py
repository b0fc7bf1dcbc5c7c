"""The items component's input and output shapes."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    field_validator,
)

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(max_length=2000)]
CENT = Decimal("0.01")


def _in_cents(price: Decimal) -> Decimal:
    """Two decimals, as the database returns it (`1.5` is `1.50`), so that a saved item reads
    back the same from memory, the cache and the database."""
    return price.quantize(CENT)


Price = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2), AfterValidator(_in_cents)]


class ItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    description: Description | None = None
    price: Price | None = None


class ItemUpdate(BaseModel):
    """A partial update: only the fields present change; `null` clears an optional field."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    description: Description | None = None
    price: Price | None = None

    @field_validator("name")
    @classmethod
    def _name_is_not_cleared(cls, name: str | None) -> str:
        if name is None:
            raise ValueError("name cannot be null")
        return name

    def changes(self) -> dict[str, object]:
        return self.model_dump(exclude_unset=True)


class ItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    owner_id: UUID | None
    name: str
    description: str | None
    price: Decimal | None
    version: int
    created_at: datetime
    updated_at: datetime


class ItemSort(StrEnum):
    NAME = "name"
    NAME_DESC = "-name"
    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"
    PRICE = "price"
    PRICE_DESC = "-price"

    @property
    def field(self) -> str:
        return self.value.removeprefix("-")

    @property
    def descending(self) -> bool:
        return self.value.startswith("-")


class ItemListQuery(BaseModel):
    """Which page of items to list: `q` matches names case-insensitively."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0, le=1_000_000)
    q: str | None = Field(default=None, min_length=1, max_length=200)
    sort: ItemSort = ItemSort.CREATED_AT_DESC


class ItemPage(BaseModel):
    items: list[ItemRead]
    total: int
    limit: int
    offset: int


# Lists of items validated and dumped in one call into pydantic's core.
ITEM_READS = TypeAdapter(list[ItemRead])


def item_page_json(items: bytes, total: int, limit: int, offset: int) -> bytes:
    """ItemPage's JSON around its items' JSON array, without building the page in Python."""
    return b'{"items":%b,"total":%d,"limit":%d,"offset":%d}' % (items, total, limit, offset)


class ItemCursorQuery(BaseModel):
    """Which keyset page to list (API v2): the first, or the one after `cursor`."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(
        default=None, min_length=1, max_length=512, description="`next_cursor` of the last page."
    )
    sort: ItemSort = ItemSort.CREATED_AT_DESC


class ItemCursorPage(BaseModel):
    """A keyset page: `next_cursor` fetches the next one, and is null on the last page."""

    items: list[ItemRead]
    next_cursor: str | None


@dataclass(frozen=True)
class AttachmentUpload:
    """A file on its way in: the client's name and media type (untrusted) and its bytes."""

    filename: str
    content_type: str
    chunks: AsyncIterable[bytes]


class AttachmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    item_id: UUID
    filename: str
    content_type: str
    size: int
    created_at: datetime


class AttachmentList(BaseModel):
    items: list[AttachmentRead]


@dataclass(frozen=True)
class AttachmentDownload:
    """Where the bytes come from: a signed URL of the storage, else a stream of them."""

    attachment: AttachmentRead
    url: str | None = None
    chunks: AsyncIterator[bytes] | None = None

    def content(self) -> AsyncIterator[bytes]:
        """The bytes of a download that has no URL."""
        if self.chunks is None:
            raise ValueError("this download is a URL, not a stream")
        return self.chunks
