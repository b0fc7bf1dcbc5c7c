"""Every error the container answers is RFC 9457 problem+json, and a 500 hides internals."""

import httpx
import pytest
from fastapi import FastAPI

from api.bootstrap import ApplicationContainer
from api.main import create_app

PROBLEM = "application/problem+json"


async def test_unknown_route_is_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nothing-here")

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "instance": f"urn:armature:request:{response.headers['x-request-id']}",
    }


async def test_wrong_method_is_405_problem_with_allow(client: httpx.AsyncClient) -> None:
    response = await client.put("/api/v1/items")

    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    assert response.json()["title"] == "Method Not Allowed"


async def test_unexpected_error_is_500_problem_without_internals(
    container: ApplicationContainer, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(container)
    _add_failing_route(app)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)

    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/boom")

    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert "s3cr3t" not in response.text
    assert "Traceback" not in response.text
    assert response.json()["detail"] == "An unexpected error occurred; it has been logged."
    assert "s3cr3t" in caplog.text, "the cause is logged for operators"


def _add_failing_route(app: FastAPI) -> None:
    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("connection string postgres://admin:s3cr3t@db")


async def test_openapi_documents_problem_responses(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()

    patch = spec["paths"]["/api/v1/items/{item_id}"]["patch"]["responses"]
    assert {"404", "412", "422"} <= patch.keys()
    assert "application/problem+json" in patch["412"]["content"]
    assert "Problem" in spec["components"]["schemas"]
