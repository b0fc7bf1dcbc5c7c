"""Components plug in through entry points; the COMPONENTS setting decides which are served."""

from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from api.bootstrap import build_container
from api.main import create_app
from api.settings import Settings
from core.components import UnknownComponentError
from core.settings import ConfigurationError, Environment


def settings_with(components: str) -> Settings:
    return Settings(
        _env_file=None,
        environment=Environment.TEST,
        database_url=SecretStr("sqlite+aiosqlite:///:memory:"),
        components=components,  # type: ignore[arg-type]
    )


async def test_disabled_component_has_no_routes_and_no_docs() -> None:
    app = create_app(build_container(settings_with("")))
    transport = httpx.ASGITransport(app=app)

    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        items = await client.get("/api/v1/items")
        spec = (await client.get("/openapi.json")).json()

    assert items.status_code == 404
    assert not any(path.startswith("/api/v1/items") for path in spec["paths"])


async def test_enabled_component_is_served_and_documented(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()

    assert "/api/v1/items" in spec["paths"]
    assert "/api/v1/items/{item_id}" in spec["paths"]


def test_unknown_component_is_refused_by_name() -> None:
    with pytest.raises(UnknownComponentError, match="unknown component\\(s\\) orders"):
        build_container(settings_with("items,orders"))


def test_a_component_without_the_component_it_builds_on_is_refused_by_name() -> None:
    with pytest.raises(ConfigurationError, match="'automations' needs items enabled"):
        build_container(settings_with("accounts,automations"))


def test_a_component_gets_the_deps_of_the_one_it_builds_on() -> None:
    # The component sub-containers are attached at run time: typed as Any here.
    container: Any = build_container(settings_with("items,automations"))

    assert container.automations.deps().items is container.items.deps()
