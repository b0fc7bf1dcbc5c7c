"""An in-memory file storage with the port's semantics, and a notifier that keeps its mails."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

from core.adapters.files.keys import checked_key
from core.errors import ServiceUnavailable
from core.interfaces.files import FileMissing, FileStorage
from core.interfaces.notifier import Email, Notifier


@dataclass(frozen=True)
class StoredFile:
    content: bytes
    content_type: str


class InMemoryFileStorage(FileStorage):
    """Objects in a dict; `available = False` makes every call fail as an outage would.

    `urls` makes `download_url` answer like a backend that has them (a fake URL naming the key).
    """

    def __init__(self, *, urls: bool = False) -> None:
        self.objects: dict[str, StoredFile] = {}
        self.available = True
        self._urls = urls

    async def put(self, key: str, chunks: AsyncIterable[bytes], *, content_type: str) -> int:
        self._check()
        received = bytearray()
        async for chunk in chunks:
            received += chunk
        self.objects[checked_key(key)] = StoredFile(bytes(received), content_type)
        return len(received)

    async def get(self, key: str) -> AsyncIterator[bytes]:
        self._check()
        stored = self.objects.get(key)
        if stored is None:
            raise FileMissing(key)
        return _single(stored.content)

    async def delete(self, key: str) -> None:
        self._check()
        self.objects.pop(key, None)

    async def download_url(
        self, key: str, *, filename: str, content_type: str, expires_in: timedelta
    ) -> str | None:
        self._check()
        return (
            f"https://files.test/{key}?expires_in={int(expires_in.total_seconds())}"
            if self._urls
            else None
        )

    def _check(self) -> None:
        if not self.available:
            raise ServiceUnavailable("The file storage is unavailable; retry shortly.")


async def _single(content: bytes) -> AsyncIterator[bytes]:
    yield content


@dataclass
class FakeNotifier(Notifier):
    """Keeps every mail it accepted in `sent`; `available = False` refuses them like an outage."""

    sent: list[Email] = field(default_factory=list)
    available: bool = True

    async def send(self, message: Email) -> None:
        if not self.available:
            raise ServiceUnavailable("The mail relay is unavailable.")
        self.sent.append(message)
