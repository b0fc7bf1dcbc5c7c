"""Every file storage adapter keeps the port's contract: streams in and out, all or nothing.

The S3 adapter talks to moto's S3-compatible server over real HTTP on a free local port, and
its presigned URLs are downloaded with httpx.
"""

import os
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from api.testing_mail_and_files import (
    S3_ACCESS_KEY_ID,
    S3_REGION,
    S3_SECRET_ACCESS_KEY,
    create_bucket,
    pending_uploads,
    s3_server,
)
from core.adapters.files import LocalFileStorage
from core.adapters.files.s3 import S3FileStorage
from core.errors import ServiceUnavailable
from core.interfaces.files import FileMissing, FileStorage
from core.testing import InMemoryFileStorage

BUCKET = "armature-test"
PART = 5 * 1024 * 1024  # S3's smallest part


class Broken(RuntimeError):
    """The client went away in the middle of its upload."""


async def stream(
    content: bytes, chunk: int = 64 * 1024, fail_after: int | None = None
) -> AsyncIterator[bytes]:
    for offset in range(0, len(content), chunk):
        if fail_after is not None and offset >= fail_after:
            raise Broken
        yield content[offset : offset + chunk]


async def read(storage: FileStorage, key: str) -> bytes:
    return b"".join([chunk async for chunk in await storage.get(key)])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with s3_server() as endpoint:
        yield endpoint


async def make_bucket(endpoint: str) -> None:
    await create_bucket(endpoint, BUCKET)


def s3_storage(endpoint: str) -> S3FileStorage:
    return S3FileStorage(
        BUCKET,
        endpoint_url=endpoint,
        region=S3_REGION,
        access_key_id=S3_ACCESS_KEY_ID,
        secret_access_key=S3_SECRET_ACCESS_KEY,
        addressing_style="path",
        part_bytes=PART,
    )


@pytest.fixture(params=["memory", "local", "s3"])
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[FileStorage]:
    if request.param == "memory":
        yield InMemoryFileStorage()
        return
    if request.param == "local":
        yield LocalFileStorage(tmp_path / "files")
        return
    endpoint = request.getfixturevalue("s3_endpoint")
    await make_bucket(endpoint)
    adapter = s3_storage(endpoint)
    try:
        yield adapter
    finally:
        await adapter.close()


async def test_put_returns_the_size_and_get_streams_the_same_bytes(storage: FileStorage) -> None:
    content = os.urandom(300_000)

    size = await storage.put("a/one", stream(content), content_type="image/png")

    assert size == len(content)
    assert await read(storage, "a/one") == content


async def test_a_stream_larger_than_a_part_comes_back_whole(storage: FileStorage) -> None:
    content = os.urandom(2 * PART + 12_345)  # three parts on S3: two full ones and a tail

    assert await storage.put("a/big", stream(content), content_type="application/pdf") == len(
        content
    )
    assert await read(storage, "a/big") == content


async def test_put_replaces_what_the_key_held(storage: FileStorage) -> None:
    await storage.put("a/k", stream(b"first"), content_type="text/plain")
    await storage.put("a/k", stream(b"second"), content_type="text/plain")

    assert await read(storage, "a/k") == b"second"


async def test_delete_removes_the_bytes_and_is_harmless_when_absent(storage: FileStorage) -> None:
    await storage.put("a/gone", stream(b"x" * 10), content_type="text/plain")

    await storage.delete("a/gone")
    await storage.delete("a/gone")
    await storage.delete("a/never")

    with pytest.raises(FileMissing):
        await storage.get("a/gone")


@pytest.mark.parametrize(
    "key", ["../escape", "/etc/passwd", "a/../../b", "A/Upper", "a//b", "a\\b", ""]
)
async def test_a_key_that_is_not_a_generated_one_is_refused(storage: FileStorage, key: str) -> None:
    with pytest.raises(ValueError, match="not a storage key"):
        await storage.put(key, stream(b"x"), content_type="text/plain")


async def test_local_files_stay_under_the_root_and_failed_writes_leave_no_file(
    tmp_path: Path,
) -> None:
    root = tmp_path / "files"
    storage = LocalFileStorage(root)

    await storage.put("items/abc", stream(b"kept"), content_type="text/plain")
    with pytest.raises(Broken):
        await storage.put(
            "items/def", stream(os.urandom(500_000), fail_after=200_000), content_type="text/plain"
        )

    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert files == ["items/abc"]
    assert (
        await storage.download_url(
            "items/abc",
            filename="a.txt",
            content_type="text/plain",
            expires_in=timedelta(minutes=5),
        )
        is None
    )


async def test_s3_upload_that_fails_midway_leaves_no_object_and_no_pending_part(
    s3_endpoint: str,
) -> None:
    await make_bucket(s3_endpoint)
    storage = s3_storage(s3_endpoint)
    try:
        with pytest.raises(Broken):
            await storage.put(
                "items/half",
                stream(os.urandom(3 * PART), fail_after=2 * PART),
                content_type="text/plain",
            )
        with pytest.raises(FileMissing):
            await storage.get("items/half")
    finally:
        await storage.close()
    assert "items/half" not in await pending_uploads(s3_endpoint, BUCKET)


async def test_s3_presigned_url_downloads_the_same_bytes_as_an_attachment(
    s3_endpoint: str,
) -> None:
    await make_bucket(s3_endpoint)
    storage = s3_storage(s3_endpoint)
    content = os.urandom(100_000)
    try:
        await storage.put("items/report", stream(content), content_type="application/pdf")
        url = await storage.download_url(
            "items/report",
            filename="Q3 report é.pdf",
            content_type="application/pdf",
            expires_in=timedelta(minutes=5),
        )
    finally:
        await storage.close()
    assert url is not None
    async with httpx.AsyncClient() as client:
        response = await client.get(url)

    assert response.status_code == 200
    assert response.content == content
    assert response.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''Q3%20report%20%C3%A9.pdf" in response.headers["content-disposition"]
    # Signed with SigV4 and valid for the asked time (moto itself does not check expiry).
    assert "X-Amz-Signature=" in url
    assert "X-Amz-Expires=300" in url


async def test_s3_unreachable_is_service_unavailable() -> None:
    storage = S3FileStorage(
        BUCKET,
        endpoint_url="http://127.0.0.1:9",  # discard: nothing listens
        region=S3_REGION,
        access_key_id=S3_ACCESS_KEY_ID,
        secret_access_key=S3_SECRET_ACCESS_KEY,
    )
    try:
        with pytest.raises(ServiceUnavailable):
            await storage.put("items/x", stream(b"x"), content_type="text/plain")
        with pytest.raises(ServiceUnavailable):
            await storage.get("items/x")
    finally:
        await storage.close()
