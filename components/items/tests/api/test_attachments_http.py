"""Item attachments over HTTP: streamed uploads past the global body limit, owners only."""

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from dependency_injector import providers
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.bootstrap import ApplicationContainer
from api.testing_mail_and_files import (
    S3_ACCESS_KEY_ID,
    S3_REGION,
    S3_SECRET_ACCESS_KEY,
    create_bucket,
    s3_server,
)
from core.adapters.files import LocalFileStorage
from core.adapters.files.s3 import S3FileStorage
from core.testing import FakeAuthenticator
from items.settings import ItemsSettings
from items.tables import attachment_table

ITEMS = "/api/v1/items"
MIB = 1024 * 1024


@pytest.fixture
def files_root(container: ApplicationContainer, tmp_path: Path) -> Path:
    root = tmp_path / "files"
    container.file_storage.override(providers.Object(LocalFileStorage(root)))
    return root


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


async def attachment_rows(session_factory: async_sessionmaker[AsyncSession]) -> int:
    async with session_factory() as session:
        return (await session.scalar(select(func.count()).select_from(attachment_table))) or 0


async def new_item(client: httpx.AsyncClient) -> str:
    response = await client.post(ITEMS, json={"name": "Lamp"})
    item_id: str = response.json()["id"]
    return item_id


def file_part(
    content: bytes, name: str = "manual.pdf", content_type: str = "application/pdf"
) -> dict[str, tuple[str, bytes, str]]:
    return {"file": (name, content, content_type)}


@pytest.mark.usefixtures("files_root")
async def test_a_5_mib_file_uploads_lists_and_downloads_identical(
    client: httpx.AsyncClient,
) -> None:
    item_id = await new_item(client)
    content = os.urandom(5 * MIB)  # five times the global MAX_BODY_BYTES

    created = await client.post(
        f"{ITEMS}/{item_id}/attachments", files=file_part(content, "Manual (v2).pdf")
    )
    listed = await client.get(f"{ITEMS}/{item_id}/attachments")
    downloaded = await client.get(created.headers["Location"])

    assert created.status_code == 201, created.text
    attachment = created.json()
    assert (attachment["filename"], attachment["size"], attachment["content_type"]) == (
        "Manual (v2).pdf",
        5 * MIB,
        "application/pdf",
    )
    assert [a["id"] for a in listed.json()["items"]] == [attachment["id"]]
    assert downloaded.status_code == 200
    assert hashlib.sha256(downloaded.content).digest() == hashlib.sha256(content).digest()
    assert downloaded.headers["content-type"] == "application/pdf"
    assert downloaded.headers["content-disposition"].startswith(
        'attachment; filename="Manual (v2).pdf"'
    )
    assert len(downloaded.headers.get_list("RateLimit-Limit")) == 1, "the route's own response"


async def test_an_oversized_upload_is_413_and_leaves_no_row_and_no_file(
    client: httpx.AsyncClient,
    files_root: Path,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    limit = ItemsSettings(_env_file=None).attachments_max_bytes
    item_id = await new_item(client)

    response = await client.post(
        f"{ITEMS}/{item_id}/attachments", files=file_part(os.urandom(limit + 1))
    )

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:armature:problem:attachment_too_large"
    assert await attachment_rows(session_factory) == 0
    assert stored_files(files_root) == []


async def test_a_declared_length_far_over_the_limit_is_refused_before_reading(
    client: httpx.AsyncClient, files_root: Path
) -> None:
    limit = ItemsSettings(_env_file=None).attachments_max_bytes
    item_id = await new_item(client)

    response = await client.post(
        f"{ITEMS}/{item_id}/attachments",
        content=b"--x\r\n",
        headers={
            "Content-Type": "multipart/form-data; boundary=x",
            "Content-Length": str(limit * 2),
        },
    )

    assert response.status_code == 413
    assert stored_files(files_root) == []


@pytest.mark.usefixtures("files_root")
async def test_another_account_cannot_see_list_download_delete_or_add(
    client: httpx.AsyncClient, authenticator: FakeAuthenticator
) -> None:
    item_id = await new_item(client)
    created = (
        await client.post(f"{ITEMS}/{item_id}/attachments", files=file_part(b"%PDF-1.7"))
    ).json()
    stranger = {"Authorization": f"Bearer {authenticator.issue('items:read', 'items:write')}"}
    url = f"{ITEMS}/{item_id}/attachments"

    statuses = [
        (await client.get(url, headers=stranger)).status_code,
        (await client.get(f"{url}/{created['id']}", headers=stranger)).status_code,
        (await client.delete(f"{url}/{created['id']}", headers=stranger)).status_code,
        (await client.post(url, files=file_part(b"x"), headers=stranger)).status_code,
    ]

    assert statuses == [404, 404, 404, 404]
    assert (await client.get(f"{url}/{created['id']}")).content == b"%PDF-1.7"


@pytest.mark.usefixtures("files_root")
async def test_a_media_type_off_the_list_is_415_and_a_body_without_a_file_part_is_400(
    client: httpx.AsyncClient,
) -> None:
    url = f"{ITEMS}/{await new_item(client)}/attachments"

    html = await client.post(url, files=file_part(b"<script>", "x.html", "text/html"))
    no_file = await client.post(url, files={"other": ("a.txt", b"abc", "text/plain")})
    not_multipart = await client.post(url, json={"file": "abc"})

    assert html.status_code == 415
    assert (no_file.status_code, not_multipart.status_code) == (400, 400)
    assert (await client.get(url)).json() == {"items": []}


async def test_delete_removes_the_file_and_its_row(
    client: httpx.AsyncClient, files_root: Path, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    url = f"{ITEMS}/{await new_item(client)}/attachments"
    created = (await client.post(url, files=file_part(b"%PDF"))).json()

    deleted = await client.delete(f"{url}/{created['id']}")

    assert deleted.status_code == 204
    assert (await client.get(f"{url}/{created['id']}")).status_code == 404
    assert await attachment_rows(session_factory) == 0
    assert stored_files(files_root) == []


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with s3_server() as endpoint:
        yield endpoint


async def test_with_s3_the_download_is_a_307_to_a_signed_url_with_the_same_bytes(
    client: httpx.AsyncClient, container: ApplicationContainer, s3_endpoint: str
) -> None:
    storage = S3FileStorage(
        "attachments", endpoint_url=s3_endpoint, region=S3_REGION, access_key_id=S3_ACCESS_KEY_ID,
        secret_access_key=S3_SECRET_ACCESS_KEY, addressing_style="path",
    )  # fmt: skip
    await create_bucket(s3_endpoint, "attachments")
    container.file_storage.override(providers.Object(storage))
    content = os.urandom(3 * MIB)
    url = f"{ITEMS}/{await new_item(client)}/attachments"
    created = (await client.post(url, files=file_part(content, "plan.pdf"))).json()

    redirect = await client.get(f"{url}/{created['id']}")
    async with httpx.AsyncClient() as outside:
        signed = await outside.get(redirect.headers["Location"])
    await storage.close()

    assert redirect.status_code == 307
    assert len(redirect.headers.get_list("RateLimit-Limit")) == 1
    assert redirect.headers["Location"].startswith(f"{s3_endpoint}/attachments/items/")
    assert signed.content == content
    assert 'filename="plan.pdf"' in signed.headers["content-disposition"]
