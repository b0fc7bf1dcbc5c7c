"""Files in a local folder: the embedded default, fine on one host with a persistent volume."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterable, AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO
from uuid import uuid4

from core.adapters.files.keys import checked_key
from core.interfaces.files import FileMissing, FileStorage

CHUNK_BYTES = 64 * 1024
_PARTIAL = ".partial"


class LocalFileStorage(FileStorage):
    """Each key is a file under `root`; writes land in a temporary file renamed at the end.

    Blocking file calls run in worker threads, a chunk at a time, so the event loop keeps
    serving and no file is ever held in memory whole. It has no download URLs.
    """

    def __init__(self, root: Path) -> None:
        self._root = root.resolve()

    async def put(self, key: str, chunks: AsyncIterable[bytes], *, content_type: str) -> int:
        target = self._path(key)
        partial = self._root / _PARTIAL / uuid4().hex
        await asyncio.to_thread(partial.parent.mkdir, parents=True, exist_ok=True)
        size = 0
        try:
            with await asyncio.to_thread(partial.open, "wb") as output:
                async for chunk in chunks:
                    await asyncio.to_thread(output.write, chunk)
                    size += len(chunk)
                await asyncio.to_thread(_flush, output)
            await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
            await asyncio.to_thread(os.replace, partial, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                await asyncio.to_thread(partial.unlink)
        return size

    async def get(self, key: str) -> AsyncIterator[bytes]:
        path = self._path(key)
        try:
            stream = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError:
            raise FileMissing(key) from None
        return _read(stream)

    async def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            await asyncio.to_thread(self._path(key).unlink)

    async def download_url(
        self, key: str, *, filename: str, content_type: str, expires_in: timedelta
    ) -> str | None:
        return None

    def _path(self, key: str) -> Path:
        path = (self._root / checked_key(key)).resolve()
        if not path.is_relative_to(self._root):  # the key pattern already forbids it
            raise ValueError(f"not a storage key: {key!r}")
        return path


def _flush(output: BinaryIO) -> None:
    output.flush()
    os.fsync(output.fileno())


async def _read(stream: BinaryIO) -> AsyncIterator[bytes]:
    try:
        while chunk := await asyncio.to_thread(stream.read, CHUNK_BYTES):
            yield chunk
    finally:
        stream.close()
