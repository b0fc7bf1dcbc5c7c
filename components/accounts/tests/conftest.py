"""Accounts tests: the real accounts component, with cheap password hashing."""

import httpx
import pytest
from pydantic import SecretStr

from accounts.settings import AccountsSettings
from accounts.testing import AccountsApi
from core.adapters.jose_tokens import generate_signing_key_pem
from core.settings import ArmatureSettings, Environment


@pytest.fixture(scope="session")
def signing_key_pem() -> str:
    return generate_signing_key_pem()


@pytest.fixture
def accounts_settings(signing_key_pem: str) -> AccountsSettings:
    return AccountsSettings(
        _env_file=None,
        environment=Environment.TEST,
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
        token_signing_key=SecretStr(signing_key_pem),
    )


@pytest.fixture
def component_settings(
    component_settings: dict[str, ArmatureSettings], accounts_settings: AccountsSettings
) -> dict[str, ArmatureSettings]:
    return {**component_settings, "accounts": accounts_settings}


@pytest.fixture
def accounts(client: httpx.AsyncClient) -> AccountsApi:
    return AccountsApi(client)
