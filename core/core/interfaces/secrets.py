"""The secret store port: secret values by name, wherever the deployment keeps them."""

from __future__ import annotations

import abc

from pydantic import SecretStr


class SecretStore(abc.ABC):
    """Secrets by name: the environment variable a setting would be read from.

    Names match case-insensitively (`TOKEN_SIGNING_KEY` finds the file `token_signing_key`).
    Values are `SecretStr`, so that no repr, log line or traceback ever shows one.
    """

    @abc.abstractmethod
    def get(self, name: str) -> SecretStr | None:
        """The secret, or None when this store does not hold it."""
