"""Settings shared by every process: environment, `.env`, secrets directory, production guards."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_MARKERS = ("change-me", "changeme", "placeholder")
DEFAULT_SECRETS_DIR = "/run/secrets"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class ConfigurationError(RuntimeError):
    """The settings must not run in their environment; the message says what to change."""


class ArmatureSettings(BaseSettings):
    """Base for settings classes: read from the environment, `.env`, then a secrets directory."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    environment: Environment = Environment.DEVELOPMENT

    @classmethod
    def load(cls, **overrides: Any) -> Self:
        """Read and check the settings; `SECRETS_DIR` is used only when it exists."""
        secrets_dir = Path(os.environ.get("SECRETS_DIR", DEFAULT_SECRETS_DIR))
        settings = cls(_secrets_dir=secrets_dir if secrets_dir.is_dir() else None, **overrides)
        settings.check()
        return settings

    def check(self) -> None:
        """Raise ConfigurationError for settings unsafe in their environment.

        Not a pydantic validator on purpose: a validation error would echo the raw input,
        secrets included, into the log.
        """
        if self.environment is Environment.PRODUCTION and (unsafe := placeholder_secrets(self)):
            names = ", ".join(name.upper() for name in unsafe)
            raise ConfigurationError(
                f"ENVIRONMENT=production refuses empty or placeholder secrets: {names}"
            )


def placeholder_secrets(settings: BaseModel) -> list[str]:
    """Names of secret fields that are empty or still hold a placeholder value."""
    return [
        name
        for name, value in settings
        if isinstance(value, SecretStr) and _is_placeholder(value.get_secret_value())
    ]


def _is_placeholder(value: str) -> bool:
    lowered = value.lower()
    return not value or any(marker in lowered for marker in PLACEHOLDER_MARKERS)
