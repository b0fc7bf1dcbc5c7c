"""A secret store for unit tests: the secrets are whatever the test says."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import SecretStr

from core.interfaces.secrets import SecretStore


class FakeSecretStore(SecretStore):
    """Holds the given secrets; names match case-insensitively, like every store."""

    def __init__(self, secrets: Mapping[str, str] | None = None) -> None:
        self._secrets = {name.lower(): value for name, value in (secrets or {}).items()}

    def get(self, name: str) -> SecretStr | None:
        value = self._secrets.get(name.lower())
        return None if value is None else SecretStr(value)
