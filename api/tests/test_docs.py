"""/docs and /redoc work offline: every script and stylesheet comes from the app itself."""

import re

import httpx
import pytest

ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url\s*:\s*['"]([^'"]+)['"]""")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_docs_page_loads_only_assets_served_by_the_app(
    client: httpx.AsyncClient, page: str
) -> None:
    response = await client.get(page)

    assert response.status_code == 200
    references = [a or b for a, b in ASSET.findall(response.text)]
    assert references, "the page references its assets"
    for reference in references:
        assert reference.startswith("/"), f"{reference} would leave the app"
        asset = await client.get(reference)
        assert asset.status_code == 200, reference
        assert len(asset.content) > 0


async def test_swagger_ui_is_version_5(client: httpx.AsyncClient) -> None:
    bundle = await client.get("/docs/assets/swagger-ui-bundle.js")

    assert re.search(rb'"5\.\d+\.\d+"', bundle.content)
