"""Production refuses to invent a signing key or to issue tokens for an http:// issuer."""

import pytest
from pydantic import SecretStr

from accounts.settings import AccountsSettings
from core.adapters.jose_tokens import generate_signing_key_pem
from core.settings import ConfigurationError, Environment


def production(**fields: object) -> AccountsSettings:
    return AccountsSettings(_env_file=None, environment=Environment.PRODUCTION, **fields)  # type: ignore[arg-type]


def test_production_needs_a_signing_key() -> None:
    with pytest.raises(ConfigurationError, match="TOKEN_SIGNING_KEY"):
        production(token_issuer="https://api.example.com").check()


def test_production_needs_an_https_issuer() -> None:
    settings = production(token_signing_key=SecretStr(generate_signing_key_pem()))

    with pytest.raises(ConfigurationError, match="https"):
        settings.check()


def test_default_scopes_add_automations_only_in_development() -> None:
    development = AccountsSettings(_env_file=None, environment=Environment.DEVELOPMENT)
    test = AccountsSettings(_env_file=None, environment=Environment.TEST)

    assert development.default_scopes == {
        "items:read",
        "items:write",
        "automations:read",
        "automations:write",
    }
    assert test.default_scopes == {"items:read", "items:write"}
