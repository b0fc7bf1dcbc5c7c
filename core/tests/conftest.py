"""Core's test fixtures shared by more than one file: a served OIDC provider and its clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from api.testing_oidc import FakeClock, FakeProvider
from api.testing_servers import serve_in_thread


@pytest.fixture(scope="module")
def served_provider() -> Iterator[FakeProvider]:
    provider = FakeProvider()
    with serve_in_thread(provider.app()) as url:
        provider.issuer = url
        yield provider


@pytest.fixture
def provider(served_provider: FakeProvider) -> FakeProvider:
    served_provider.reset()
    return served_provider


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def http_client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as client:
        yield client
