"""Accounts tests: the real accounts component, with cheap password hashing."""

import httpx
import pytest

from accounts.settings import AccountsSettings
from accounts.testing import AccountsApi, accounts_test_settings
from core.adapters.jose_tokens import generate_signing_key_pem
from core.settings import ArmatureSettings


@pytest.fixture(scope="session")
def signing_key_pem() -> str:
    return generate_signing_key_pem()


@pytest.fixture
def accounts_settings(signing_key_pem: str) -> AccountsSettings:
    return accounts_test_settings(signing_key_pem)


@pytest.fixture
def component_settings(
    component_settings: dict[str, ArmatureSettings], accounts_settings: AccountsSettings
) -> dict[str, ArmatureSettings]:
    return {**component_settings, "accounts": accounts_settings}


@pytest.fixture
def accounts(client: httpx.AsyncClient) -> AccountsApi:
    return AccountsApi(client)
