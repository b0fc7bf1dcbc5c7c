"""A server boots and serves while the broker is down, and starts its queue once it is back."""

from pathlib import Path

import httpx
from pydantic import SecretStr

from accounts.testing import AccountsApi
from api.settings import Settings
from api.testing_servers import migrated_database, serve_api
from core.settings import ArmatureSettings, Environment
from core.testing.ports import free_port


async def test_the_api_boots_and_writes_while_the_broker_is_unreachable(
    tmp_path: Path, component_settings: dict[str, ArmatureSettings]
) -> None:
    nobody = f"amqp://guest:guest@127.0.0.1:{free_port()}/"
    async with migrated_database("sqlite", tmp_path) as database_url:
        settings = Settings(
            _env_file=None,
            environment=Environment.TEST,
            database_url=SecretStr(database_url),
            rabbitmq_url=SecretStr(nobody),
        )
        with serve_api(settings, component_settings) as url:
            async with httpx.AsyncClient(base_url=url, timeout=10) as http:
                health = await http.get("/health")
                accounts = AccountsApi(http)
                auth = accounts.bearer(await accounts.sign_in("early@example.com"))
                created = await http.post("/api/v1/items", json={"name": "Kept"}, headers=auth)

    assert health.status_code == 200
    assert created.status_code == 201
