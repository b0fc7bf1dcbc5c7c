"""End-to-end automations tests: a real server, real accounts, real sandboxed runs."""

import pytest

from accounts.testing import accounts_test_settings
from core.adapters.jose_tokens import generate_signing_key_pem
from core.settings import ArmatureSettings

SCOPES = "items:read items:write automations:read automations:write"


@pytest.fixture
def component_settings(
    component_settings: dict[str, ArmatureSettings],
) -> dict[str, ArmatureSettings]:
    """Accounts whose tokens may hold the automation scopes."""
    accounts = accounts_test_settings(generate_signing_key_pem(), accounts_default_scopes=SCOPES)
    return {**component_settings, "accounts": accounts}
