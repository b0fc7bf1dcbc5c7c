"""Deleting an item removes its files: the `item.deleted` consumer, run by a real server's
event machinery (outbox relay, queue, consumers, as the worker runs them)."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from accounts.testing import AccountsApi, accounts_test_settings
from api.settings import Settings
from api.testing_servers import eventually, migrated_database, serve_api
from core.adapters.jose_tokens import generate_signing_key_pem
from core.settings import ArmatureSettings, Environment


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with migrated_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def files_dir(tmp_path: Path) -> Path:
    return tmp_path / "files"


@pytest.fixture
def base_url(
    database_url: str, files_dir: Path, component_settings: dict[str, ArmatureSettings]
) -> Iterator[str]:
    settings = Settings(
        _env_file=None,
        environment=Environment.TEST,
        database_url=SecretStr(database_url),
        files_dir=files_dir,
    )
    accounts = accounts_test_settings(generate_signing_key_pem())
    with serve_api(settings, {**component_settings, "accounts": accounts}) as url:
        yield url


def stored(files_dir: Path) -> list[Path]:
    return [path for path in files_dir.rglob("*") if path.is_file()] if files_dir.exists() else []


async def test_deleting_an_item_removes_its_files_and_keeps_the_others(
    base_url: str, files_dir: Path
) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        client.headers.update(
            AccountsApi.bearer(await AccountsApi(client).sign_in("ann@example.com"))
        )
        doomed = (await client.post("/api/v1/items", json={"name": "Doomed"})).json()["id"]
        kept = (await client.post("/api/v1/items", json={"name": "Kept"})).json()["id"]
        for item_id in (doomed, doomed, kept):
            response = await client.post(
                f"/api/v1/items/{item_id}/attachments",
                files={"file": ("a.txt", b"some text", "text/plain")},
            )
            assert response.status_code == 201, response.text
        assert len(stored(files_dir)) == 3

        assert (await client.delete(f"/api/v1/items/{doomed}")).status_code == 204

        async def only_the_kept_file() -> list[Path] | None:
            left = stored(files_dir)
            return left if len(left) == 1 else None

        [left] = await eventually(only_the_kept_file)
        assert left.parent.name == kept.replace("-", "")
        listed = await client.get(f"/api/v1/items/{kept}/attachments")
        assert len(listed.json()["items"]) == 1
