"""Files in an S3-compatible object store (AWS S3, MinIO, Ceph, R2...), through aiobotocore.

aiobotocore rather than boto3 in threads or aioboto3: it is botocore itself (the same
signing, retries and endpoint rules as the AWS SDK), kept in step with botocore by aio-libs,
and natively asynchronous, so a slow download holds no thread and reads its body with
backpressure. aioboto3 only adds boto3's resource layer on top of it, which this adapter
does not use; boto3 in a thread pool would hold a thread per chunk in flight and share that
pool with the password hashing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterable, AsyncIterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError

from core.adapters.files.keys import checked_key
from core.disposition import content_disposition
from core.errors import ServiceUnavailable
from core.interfaces.files import FileMissing, FileStorage

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client

# S3's smallest part but the last; a stream is held in memory one part at a time.
PART_BYTES = 8 * 1024 * 1024
CHUNK_BYTES = 64 * 1024
_MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})


class S3FileStorage(FileStorage):
    """Each key is an object of `bucket`; large streams go up as a multipart upload.

    A stream that fails midway aborts its multipart upload, so no object and no orphaned
    part is left. Credentials unset means botocore's default chain (environment, instance
    or pod role). Download URLs are presigned GETs.
    """

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        addressing_style: Literal["auto", "path", "virtual"] = "auto",
        part_bytes: int = PART_BYTES,
    ) -> None:
        self._bucket = bucket
        self._part_bytes = part_bytes
        self._client_options: dict[str, Any] = {
            "endpoint_url": endpoint_url,
            "region_name": region,
            "aws_access_key_id": access_key_id,
            "aws_secret_access_key": secret_access_key,
            "config": AioConfig(
                s3={"addressing_style": addressing_style},
                signature_version="s3v4",
                # S3-compatible servers do not all know the newer default checksums.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                connect_timeout=5,
                read_timeout=30,
                retries={"mode": "standard", "max_attempts": 3},
            ),
        }
        self._exit_stack = contextlib.AsyncExitStack()
        self._client: S3Client | None = None
        self._lock = asyncio.Lock()

    async def put(self, key: str, chunks: AsyncIterable[bytes], *, content_type: str) -> int:
        key = checked_key(key)
        client = await self._s3()
        parts = _parts(chunks, self._part_bytes)
        first = await anext(parts, b"")
        second = await anext(parts, None)
        with _unavailable_on_backend_errors():
            if second is None:
                await client.put_object(
                    Bucket=self._bucket, Key=key, Body=first, ContentType=content_type
                )
                return len(first)
            upload = await client.create_multipart_upload(
                Bucket=self._bucket, Key=key, ContentType=content_type
            )
        return await self._upload_parts(client, key, upload["UploadId"], [first, second], parts)

    async def get(self, key: str) -> AsyncIterator[bytes]:
        client = await self._s3()
        try:
            with _unavailable_on_backend_errors():
                response = await client.get_object(Bucket=self._bucket, Key=checked_key(key))
        except _Missing:
            raise FileMissing(key) from None
        return _read(response["Body"])

    async def delete(self, key: str) -> None:
        client = await self._s3()
        with _unavailable_on_backend_errors():
            await client.delete_object(Bucket=self._bucket, Key=checked_key(key))

    async def download_url(
        self, key: str, *, filename: str, content_type: str, expires_in: timedelta
    ) -> str | None:
        client = await self._s3()
        return await client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self._bucket,
                "Key": checked_key(key),
                "ResponseContentType": content_type,
                "ResponseContentDisposition": content_disposition(filename),
            },
            ExpiresIn=int(expires_in.total_seconds()),
        )

    async def close(self) -> None:
        await self._exit_stack.aclose()
        self._client = None

    async def _s3(self) -> S3Client:
        async with self._lock:
            if self._client is None:
                context = get_session().create_client("s3", **self._client_options)
                client: S3Client = await self._exit_stack.enter_async_context(context)
                self._client = client
            return self._client

    async def _upload_parts(
        self,
        client: S3Client,
        key: str,
        upload_id: str,
        ready: list[bytes],
        rest: AsyncIterator[bytes],
    ) -> int:
        done: list[dict[str, Any]] = []
        size = 0
        try:
            async for part in _chained(ready, rest):
                with _unavailable_on_backend_errors():
                    answer = await client.upload_part(
                        Bucket=self._bucket,
                        Key=key,
                        UploadId=upload_id,
                        PartNumber=len(done) + 1,
                        Body=part,
                    )
                done.append({"PartNumber": len(done) + 1, "ETag": answer["ETag"]})
                size += len(part)
            with _unavailable_on_backend_errors():
                await client.complete_multipart_upload(
                    Bucket=self._bucket,
                    Key=key,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": done},  # type: ignore[typeddict-item]
                )
        except BaseException:
            with contextlib.suppress(BotoCoreError, ClientError):
                await client.abort_multipart_upload(
                    Bucket=self._bucket, Key=key, UploadId=upload_id
                )
            raise
        return size


class _Missing(Exception):
    pass


@contextlib.contextmanager
def _unavailable_on_backend_errors() -> Any:
    try:
        yield
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in _MISSING_CODES:
            raise _Missing from exc
        raise ServiceUnavailable(f"The file storage refused the request ({code}).") from exc
    except BotoCoreError as exc:
        raise ServiceUnavailable("The file storage is unavailable; retry shortly.") from exc


async def _parts(chunks: AsyncIterable[bytes], part_bytes: int) -> AsyncIterator[bytes]:
    """The stream regrouped into parts of `part_bytes` (the last one shorter)."""
    buffer = bytearray()
    async for chunk in chunks:
        buffer += chunk
        while len(buffer) >= part_bytes:
            yield bytes(buffer[:part_bytes])
            del buffer[:part_bytes]
    if buffer:
        yield bytes(buffer)


async def _chained(ready: list[bytes], rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    for part in ready:
        yield part
    async for part in rest:
        yield part


async def _read(body: Any) -> AsyncIterator[bytes]:
    try:
        async for chunk in body.iter_chunks(CHUNK_BYTES):
            yield chunk
    finally:
        body.close()
